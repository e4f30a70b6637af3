// Damage regions of a frame (see damage.h): an in-order difference of two primitive sequences,
// texture changes mapped onto what shows them, and a tile grid merged into a few rectangles.
#include "core/damage.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <limits>

namespace balie::kiosk {

namespace {
constexpr size_t kNone = std::numeric_limits<size_t>::max();

// (hash, position) pairs of a range, sorted: where each hash occurs, without a node per key.
using Positions = std::vector<std::pair<uint64_t, uint32_t>>;

Positions positions(const std::vector<Primitive>& v, size_t begin, size_t end) {
  Positions out;
  out.reserve(end - begin);
  for (size_t i = begin; i < end; ++i) out.emplace_back(v[i].hash, static_cast<uint32_t>(i));
  std::sort(out.begin(), out.end());
  return out;
}

// The first position >= from where `hash` occurs, or kNone.
size_t next_at(const Positions& p, uint64_t hash, size_t from) {
  auto it = std::lower_bound(p.begin(), p.end(), std::make_pair(hash, static_cast<uint32_t>(from)));
  return it == p.end() || it->first != hash ? kNone : it->second;
}
}  // namespace

void diff_primitives(const std::vector<Primitive>& prev, const std::vector<Primitive>& cur,
                     std::vector<size_t>* prev_unmatched, std::vector<size_t>* cur_unmatched) {
  // The common start and end are matched as they are (most frames change one place, or nothing).
  size_t i = 0, j = 0;
  while (i < prev.size() && j < cur.size() && prev[i].hash == cur[j].hash) {
    ++i;
    ++j;
  }
  size_t pe = prev.size(), ce = cur.size();
  while (pe > i && ce > j && prev[pe - 1].hash == cur[ce - 1].hash) {
    --pe;
    --ce;
  }
  const Positions pp = positions(prev, i, pe), cp = positions(cur, j, ce);
  // Every step advances i or j; matched pairs keep their order in both sequences, so they are a
  // common subsequence: outside the unmatched primitives' bounds both frames draw the same.
  while (i < pe && j < ce) {
    if (prev[i].hash == cur[j].hash) {
      ++i;
      ++j;
      continue;
    }
    const size_t pi = next_at(pp, cur[j].hash, i);  // cur[j] appears later in prev: prev[i, pi) went away
    const size_t cj = next_at(cp, prev[i].hash, j);  // prev[i] appears later in cur: cur[j, cj) is new
    if (pi == kNone && cj == kNone) {
      prev_unmatched->push_back(i++);
      cur_unmatched->push_back(j++);
    } else if (cj == kNone || (pi != kNone && pi - i <= cj - j)) {
      while (i < pi) prev_unmatched->push_back(i++);
    } else {
      while (j < cj) cur_unmatched->push_back(j++);
    }
  }
  while (i < pe) prev_unmatched->push_back(i++);
  while (j < ce) cur_unmatched->push_back(j++);
}

DamageTracker::DamageTracker(int w, int h, int tile, int max_rects) : tile_(std::max(1, tile)), max_rects_(std::max(1, max_rects)) {
  resize(w, h);
}

void DamageTracker::resize(int w, int h) {
  w_ = std::max(0, w);
  h_ = std::max(0, h);
  cols_ = (w_ + tile_ - 1) / tile_;
  rows_ = (h_ + tile_ - 1) / tile_;
  tiles_.assign(static_cast<size_t>(cols_) * rows_, 0);
  full_ = true;
}

void DamageTracker::texture_changed(const void* texture, float u0, float v0, float u1, float v1) {
  changes_.push_back(TextureChange{texture, u0, v0, u1, v1});
}

void DamageTracker::mark(float x0, float y0, float x1, float y1) {
  // One pixel more on each side: anti-aliased edges and rounding of the rasteriser.
  const int px0 = std::max(0, static_cast<int>(std::floor(x0)) - 1);
  const int py0 = std::max(0, static_cast<int>(std::floor(y0)) - 1);
  const int px1 = std::min(w_, static_cast<int>(std::ceil(x1)) + 1);
  const int py1 = std::min(h_, static_cast<int>(std::ceil(y1)) + 1);
  if (px1 <= px0 || py1 <= py0) return;
  for (int r = py0 / tile_; r <= (py1 - 1) / tile_; ++r)
    for (int c = px0 / tile_; c <= (px1 - 1) / tile_; ++c) tiles_[static_cast<size_t>(r) * cols_ + c] = 1;
}

void DamageTracker::mark(const Primitive& p, float x0, float y0, float x1, float y1) {
  x0 = std::max(x0, p.cx0);
  y0 = std::max(y0, p.cy0);
  x1 = std::min(x1, p.cx1);
  y1 = std::min(y1, p.cy1);
  if (x1 > x0 && y1 > y0) mark(x0, y0, x1, y1);
}

std::vector<DamageRect> DamageTracker::collect() {
  // Runs of damaged tiles per row, then runs with the same columns in consecutive rows joined.
  std::vector<DamageRect> rects;
  std::vector<DamageRect> open;  // rects that reach the previous row
  for (int r = 0; r < rows_; ++r) {
    std::vector<DamageRect> row;
    for (int c = 0; c < cols_;) {
      if (!tiles_[static_cast<size_t>(r) * cols_ + c]) {
        ++c;
        continue;
      }
      int e = c;
      while (e < cols_ && tiles_[static_cast<size_t>(r) * cols_ + e]) ++e;
      row.push_back(DamageRect{c, r, e - c, 1});
      c = e;
    }
    std::vector<DamageRect> next_open;
    for (auto& run : row) {
      auto it = std::find_if(open.begin(), open.end(), [&](const DamageRect& o) { return o.x == run.x && o.w == run.w; });
      if (it != open.end()) {
        DamageRect o = *it;
        open.erase(it);
        ++o.h;
        next_open.push_back(o);
      } else {
        next_open.push_back(run);
      }
    }
    for (auto& o : open) rects.push_back(o);  // ended on the previous row
    open = std::move(next_open);
  }
  for (auto& o : open) rects.push_back(o);
  // Too many: join the two neighbours (in reading order) whose union adds the least area.
  std::sort(rects.begin(), rects.end(), [](const DamageRect& a, const DamageRect& b) { return a.y != b.y ? a.y < b.y : a.x < b.x; });
  auto unite = [](const DamageRect& a, const DamageRect& b) {
    const int x0 = std::min(a.x, b.x), y0 = std::min(a.y, b.y);
    const int x1 = std::max(a.x + a.w, b.x + b.w), y1 = std::max(a.y + a.h, b.y + b.h);
    return DamageRect{x0, y0, x1 - x0, y1 - y0};
  };
  while (static_cast<int>(rects.size()) > max_rects_) {
    size_t best = 0;
    long long best_cost = std::numeric_limits<long long>::max();
    for (size_t k = 0; k + 1 < rects.size(); ++k) {
      const long long cost = unite(rects[k], rects[k + 1]).area() - rects[k].area() - rects[k + 1].area();
      if (cost < best_cost) {
        best_cost = cost;
        best = k;
      }
    }
    rects[best] = unite(rects[best], rects[best + 1]);
    rects.erase(rects.begin() + static_cast<long>(best) + 1);
  }
  // Tiles to pixels, cut at the screen's edge.
  for (auto& r : rects) {
    r.x *= tile_;
    r.y *= tile_;
    r.w = std::min(r.w * tile_, w_ - r.x);
    r.h = std::min(r.h * tile_, h_ - r.y);
  }
  return rects;
}

std::vector<DamageRect> DamageTracker::next(const std::vector<Primitive>& frame) {
  last_prims_ = frame.size();
  last_damaged_ = 0;
  std::vector<DamageRect> out;
  if (w_ <= 0 || h_ <= 0) {
    prev_ = frame;  // copy-assigned: the previous frame's capacity is reused
    changes_.clear();
    return out;
  }
  if (full_) {
    full_ = false;
    last_damaged_ = frame.size();
    last_fraction_ = 1.0;
    prev_ = frame;  // copy-assigned: the previous frame's capacity is reused
    changes_.clear();
    out.push_back(DamageRect{0, 0, w_, h_});
    return out;
  }
  std::fill(tiles_.begin(), tiles_.end(), 0);
  std::vector<size_t> pu, cu;
  diff_primitives(prev_, frame, &pu, &cu);
  for (size_t k : pu) mark(prev_[k], prev_[k].x0, prev_[k].y0, prev_[k].x1, prev_[k].y1);
  for (size_t k : cu) mark(frame[k], frame[k].x0, frame[k].y0, frame[k].x1, frame[k].y1);
  last_damaged_ = pu.size() + cu.size();
  // Changed texture contents: what shows the changed part, mapped from texture to screen
  // coordinates (exact for axis-aligned image and glyph quads; other shapes are covered by their bounds).
  for (const auto& ch : changes_) {
    for (const auto& p : frame) {
      if (p.texture != ch.texture || ch.u1 < p.u0 || ch.u0 > p.u1 || ch.v1 < p.v0 || ch.v0 > p.v1) continue;
      const float du = p.u1 - p.u0, dv = p.v1 - p.v0;
      if (du <= 0 || dv <= 0) {
        mark(p, p.x0, p.y0, p.x1, p.y1);
        continue;
      }
      const float sx = (p.x1 - p.x0) / du, sy = (p.y1 - p.y0) / dv;
      mark(p, p.x0 + (std::max(ch.u0, p.u0) - p.u0) * sx, p.y0 + (std::max(ch.v0, p.v0) - p.v0) * sy,
           p.x0 + (std::min(ch.u1, p.u1) - p.u0) * sx, p.y0 + (std::min(ch.v1, p.v1) - p.v0) * sy);
      ++last_damaged_;
    }
  }
  changes_.clear();
  prev_ = frame;  // copy-assigned: the previous frame's capacity is reused
  out = collect();
  long long area = 0;
  for (const auto& r : out) area += r.area();
  last_fraction_ = static_cast<double>(area) / (static_cast<double>(w_) * h_);
  return out;
}

}  // namespace balie::kiosk
