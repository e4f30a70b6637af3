// Ink smoothing after signature_pad (MIT, szimek): each new point adds one cubic Bezier between the
// previous two points, with control points from the neighbouring points; the pen radius follows a
// low-pass filtered velocity (slow = wide). Dabs are spaced <= 1 px along the curve.
#include "signing/ink.h"

#include <sodium.h>

#include <algorithm>
#include <cmath>

namespace balie::signing {

namespace {
float dist(float ax, float ay, float bx, float by) { return std::hypot(ax - bx, ay - by); }
}  // namespace

bool Ink::add(const InkSample& s) {
  const float lx = s.x - pad_.x, ly = s.y - pad_.y;
  if (s.kind == InkSample::Kind::Down) {
    if (in_stroke_ || full()) return false;
    if (lx < 0 || ly < 0 || lx >= pad_.w || ly >= pad_.h) return false;  // strokes start on the pad
    in_stroke_ = true;
    finger_ = s.finger;
    samples_.push_back(s);
    pts_.clear();
    last_velocity_ = 0;
    last_width_ = (params_.min_width + params_.max_width) / 2;
    ++strokes_;
    next_dab_starts_ = true;
    add_point(P{std::clamp(lx, 0.0f, pad_.w), std::clamp(ly, 0.0f, pad_.h), s.t_ms});
    return true;
  }
  if (!in_stroke_ || s.finger != finger_) return false;  // a second finger is ignored
  if (full() && s.kind == InkSample::Kind::Move) return false;
  samples_.push_back(s);
  if (s.kind == InkSample::Kind::Up) in_stroke_ = false;
  add_point(P{std::clamp(lx, 0.0f, pad_.w), std::clamp(ly, 0.0f, pad_.h), s.t_ms});
  if (!in_stroke_) {
    // Stroke end: draw the last piece up to the final point (the curve otherwise lags one point).
    if (pts_.size() == 3) draw_curve(pts_[0], pts_[1], pts_[2], pts_[2], last_width_, last_width_);
    else if (pts_.size() == 2) draw_curve(pts_[0], pts_[0], pts_[1], pts_[1], last_width_, last_width_);
    pts_.clear();
  }
  return true;
}

void Ink::add_point(P p) {
  if (!pts_.empty()) {
    const P& last = pts_.back();
    if (dist(p.x, p.y, last.x, last.y) < params_.min_distance) return;
    path_len_ += dist(p.x, p.y, last.x, last.y);
  }
  ++drawn_points_;
  if (!has_pts_) {
    min_x_ = max_x_ = p.x;
    min_y_ = max_y_ = p.y;
    has_pts_ = true;
  }
  min_x_ = std::min(min_x_, p.x);
  max_x_ = std::max(max_x_, p.x);
  min_y_ = std::min(min_y_, p.y);
  max_y_ = std::max(max_y_, p.y);
  if (pts_.empty()) {
    // A dot where the stroke starts (a tap shows as a dot, as on paper).
    if (dabs_.size() < kMaxDabs) dabs_.push_back(InkDab{p.x, p.y, last_width_, next_dab_starts_});
    next_dab_starts_ = false;
  }
  pts_.push_back(p);
  if (pts_.size() > 2) {
    if (pts_.size() == 3) pts_.insert(pts_.begin(), pts_[0]);
    // Widths for the curve between pts_[1] and pts_[2].
    const P& a = pts_[1];
    const P& b = pts_[2];
    const float v_now = b.t != a.t ? dist(a.x, a.y, b.x, b.y) / static_cast<float>(b.t - a.t) : 0.0f;
    const float v = params_.velocity_filter_weight * v_now + (1 - params_.velocity_filter_weight) * last_velocity_;
    const float w = std::max(params_.max_width / (v + 1), params_.min_width);
    draw_curve(pts_[0], pts_[1], pts_[2], pts_[3], last_width_, w);
    last_velocity_ = v;
    last_width_ = w;
    pts_.erase(pts_.begin());
  }
}

void Ink::draw_curve(P s0, P s1, P s2, P s3, float w0, float w1) {
  // Control points (signature_pad calculateCurveControlPoints).
  auto ctrl = [](P a, P b, P c, float* c1x, float* c1y, float* c2x, float* c2y) {
    const float dx1 = a.x - b.x, dy1 = a.y - b.y, dx2 = b.x - c.x, dy2 = b.y - c.y;
    const float m1x = (a.x + b.x) / 2, m1y = (a.y + b.y) / 2, m2x = (b.x + c.x) / 2, m2y = (b.y + c.y) / 2;
    const float l1 = std::hypot(dx1, dy1), l2 = std::hypot(dx2, dy2);
    const float k = (l1 + l2) > 0 ? l2 / (l1 + l2) : 0;
    const float cmx = m2x + (m1x - m2x) * k, cmy = m2y + (m1y - m2y) * k;
    const float tx = b.x - cmx, ty = b.y - cmy;
    *c1x = m1x + tx;
    *c1y = m1y + ty;
    *c2x = m2x + tx;
    *c2y = m2y + ty;
  };
  float a1x, a1y, c2x, c2y, c3x, c3y, b2x, b2y;
  ctrl(s0, s1, s2, &a1x, &a1y, &c2x, &c2y);
  ctrl(s1, s2, s3, &c3x, &c3y, &b2x, &b2y);
  // Curve from s1 to s2 with control points c2, c3; length by a 10-step polyline.
  auto at = [&](float t, float* x, float* y) {
    const float u = 1 - t;
    *x = u * u * u * s1.x + 3 * u * u * t * c2x + 3 * u * t * t * c3x + t * t * t * s2.x;
    *y = u * u * u * s1.y + 3 * u * u * t * c2y + 3 * u * t * t * c3y + t * t * t * s2.y;
  };
  float len = 0, px = s1.x, py = s1.y;
  for (int i = 1; i <= 10; ++i) {
    float x, y;
    at(i / 10.0f, &x, &y);
    len += dist(px, py, x, y);
    px = x;
    py = y;
  }
  const int steps = std::max(1, static_cast<int>(std::ceil(len)));
  for (int i = 1; i <= steps && dabs_.size() < kMaxDabs; ++i) {
    const float t = static_cast<float>(i) / steps;
    float x, y;
    at(t, &x, &y);
    const float r = std::min(w0 + t * t * t * (w1 - w0), params_.max_width);
    dabs_.push_back(InkDab{x, y, r, false});
  }
}

void Ink::clear() {
  wipe();
}

void Ink::wipe() {
  if (!samples_.empty()) sodium_memzero(samples_.data(), samples_.size() * sizeof(InkSample));
  if (!dabs_.empty()) sodium_memzero(dabs_.data(), dabs_.size() * sizeof(InkDab));
  if (!pts_.empty()) sodium_memzero(pts_.data(), pts_.size() * sizeof(P));
  samples_.clear();
  dabs_.clear();
  pts_.clear();
  in_stroke_ = false;
  strokes_ = 0;
  drawn_points_ = 0;
  path_len_ = 0;
  has_pts_ = false;
  min_x_ = min_y_ = max_x_ = max_y_ = 0;
}

Ink Ink::from_samples(PadRect pad, const std::vector<InkSample>& samples, SmoothingParams p) {
  Ink ink(pad, p);
  for (const auto& s : samples) ink.add(s);
  return ink;
}

InkVerdict check_signature(const Ink& ink, const InkRules& rules) {
  if (ink.drawn_points() == 0) return InkVerdict::Empty;
  if (ink.drawn_points() < rules.min_points) return InkVerdict::TooFewPoints;
  const PadRect pad = ink.pad();
  if (ink.path_length() < rules.min_path_fraction * pad.w) return InkVerdict::TooShort;
  if (ink.bbox_w() < rules.min_extent_fraction * pad.w && ink.bbox_h() < rules.min_extent_fraction * 2 * pad.h)
    return InkVerdict::TooSmall;
  return InkVerdict::Ok;
}

const char* to_string(InkVerdict v) {
  switch (v) {
    case InkVerdict::Ok: return "ok";
    case InkVerdict::Empty: return "empty";
    case InkVerdict::TooFewPoints: return "too_few_points";
    case InkVerdict::TooShort: return "too_short";
    case InkVerdict::TooSmall: return "too_small";
  }
  return "?";
}

}  // namespace balie::signing
