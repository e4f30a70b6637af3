// Damage regions (kiosk/core/damage.h): unchanged frames redraw nothing; a change, an insertion, a
// removal, a change of stacking order or of texture contents damages exactly what shows it; merging
// keeps every damaged pixel covered.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "core/damage.h"

using namespace balie::kiosk;

namespace {

Primitive prim(uint64_t id, float x, float y, float w, float h, const void* tex = nullptr) {
  Primitive p;
  p.hash = id * 0x9e3779b97f4a7c15ULL + 1;
  p.x0 = x;
  p.y0 = y;
  p.x1 = x + w;
  p.y1 = y + h;
  p.cx0 = 0;
  p.cy0 = 0;
  p.cx1 = 1920;
  p.cy1 = 1080;
  p.texture = tex;
  return p;
}

bool covers(const std::vector<DamageRect>& rs, float x0, float y0, float x1, float y1) {
  for (const auto& r : rs)
    if (r.x <= x0 && r.y <= y0 && r.x + r.w >= x1 && r.y + r.h >= y1) return true;
  return false;
}

bool touches(const std::vector<DamageRect>& rs, float x0, float y0, float x1, float y1) {
  for (const auto& r : rs)
    if (r.x < x1 && r.x + r.w > x0 && r.y < y1 && r.y + r.h > y0) return true;
  return false;
}

// A screen of 100 primitives laid out on a grid (the frame already on screen).
std::vector<Primitive> grid() {
  std::vector<Primitive> f;
  for (int i = 0; i < 100; ++i) f.push_back(prim(static_cast<uint64_t>(i), 20.0f + (i % 10) * 190, 20.0f + (i / 10) * 100, 150, 60));
  return f;
}

DamageTracker shown(const std::vector<Primitive>& f) {
  DamageTracker t(1920, 1080);
  auto first = t.next(f);
  EXPECT_EQ(first.size(), 1u);  // the first frame is drawn whole
  EXPECT_EQ(first[0].area(), 1920LL * 1080);
  return t;
}

}  // namespace

TEST(Damage, AnUnchangedFrameDamagesNothing) {
  auto f = grid();
  DamageTracker t = shown(f);
  EXPECT_TRUE(t.next(f).empty());
  EXPECT_EQ(t.last_damaged(), 0u);
}

TEST(Damage, AChangedPrimitiveDamagesOnlyWhereItWasAndIs) {
  auto f = grid();
  DamageTracker t = shown(f);
  f[55] = prim(1000, f[55].x0 + 10, f[55].y0, 150, 60);  // moved 10 px
  auto d = t.next(f);
  ASSERT_FALSE(d.empty());
  EXPECT_TRUE(covers(d, 20 + 5 * 190, 20 + 5 * 100, 20 + 5 * 190 + 160, 20 + 5 * 100 + 60));
  EXPECT_FALSE(touches(d, 20, 20, 170, 80));  // primitive 0, far away
  EXPECT_LT(t.last_fraction(), 0.02);
}

TEST(Damage, AnInsertionDoesNotDamageWhatFollowsIt) {
  auto f = grid();
  DamageTracker t = shown(f);
  f.insert(f.begin() + 10, prim(2000, 900, 1000, 30, 30));  // e.g. a new ink dab
  auto d = t.next(f);
  EXPECT_TRUE(covers(d, 900, 1000, 930, 1030));
  EXPECT_EQ(t.last_damaged(), 1u) << "only the inserted primitive differs";
  EXPECT_FALSE(touches(d, 20, 20, 1900, 990));
}

TEST(Damage, ARemovalDamagesWhereTheRemovedOneWas) {
  auto f = grid();
  DamageTracker t = shown(f);
  const Primitive gone = f[42];
  f.erase(f.begin() + 42);
  auto d = t.next(f);
  EXPECT_TRUE(covers(d, gone.x0, gone.y0, gone.x1, gone.y1));
  EXPECT_EQ(t.last_damaged(), 1u);
}

TEST(Damage, AChangeOfStackingOrderIsDamage) {
  // Two overlapping primitives swap places: the same set, another picture.
  std::vector<Primitive> f = {prim(1, 100, 100, 200, 200), prim(2, 150, 150, 200, 200), prim(3, 1500, 800, 50, 50)};
  DamageTracker t = shown(f);
  std::swap(f[0], f[1]);
  auto d = t.next(f);
  EXPECT_TRUE(covers(d, 150, 150, 300, 300)) << "the overlap must be redrawn";
  EXPECT_FALSE(touches(d, 1500, 800, 1550, 850));
}

TEST(Damage, ChangedTextureContentsDamageOnlyTheirPartOfTheQuad) {
  int page = 0;  // any address: a texture
  Primitive glyphs = prim(7, 400, 300, 512, 512, &page);
  glyphs.u0 = 0;
  glyphs.v0 = 0;
  glyphs.u1 = 1;
  glyphs.v1 = 1;
  std::vector<Primitive> f = {prim(1, 0, 0, 1920, 1080), glyphs};
  DamageTracker t = shown(f);
  t.texture_changed(&page, 0.5f, 0.5f, 0.625f, 0.625f);  // a 64 x 64 block of the page
  auto d = t.next(f);
  EXPECT_TRUE(covers(d, 656, 556, 720, 620));
  EXPECT_FALSE(touches(d, 400, 300, 600, 500)) << "the rest of the quad shows unchanged texels";
  int other = 0;
  t.texture_changed(&other, 0, 0, 1, 1);  // a texture nothing on screen uses
  EXPECT_TRUE(t.next(f).empty());
}

TEST(Damage, ClippedPrimitivesDamageOnlyInsideTheirClip) {
  Primitive p = prim(1, 0, 0, 1920, 1080);
  p.cx0 = 100;
  p.cy0 = 100;
  p.cx1 = 300;
  p.cy1 = 200;
  std::vector<Primitive> f = {p};
  DamageTracker t = shown(f);
  f[0].hash ^= 1;
  auto d = t.next(f);
  EXPECT_TRUE(covers(d, 100, 100, 300, 200));
  EXPECT_FALSE(touches(d, 400, 300, 1900, 1000));
}

TEST(Damage, InvalidateAndResizeRedrawTheWholeScreen) {
  auto f = grid();
  DamageTracker t = shown(f);
  t.invalidate_all();
  auto d = t.next(f);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].area(), 1920LL * 1080);
  t.resize(1280, 800);
  d = t.next(f);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].area(), 1280LL * 800);
}

TEST(Damage, ScatteredChangesMergeIntoFewRectsThatCoverThemAll) {
  std::mt19937 rng(7);
  auto f = grid();
  DamageTracker t = shown(f);
  std::set<size_t> changed;
  while (changed.size() < 30) changed.insert(rng() % f.size());
  for (size_t i : changed) f[i].hash ^= 0xabcdef;
  auto d = t.next(f);
  EXPECT_LE(d.size(), 8u);
  // Every pixel of every changed primitive lies in some rect (merged rects may split one).
  auto inside = [&](float x, float y) {
    for (const auto& r : d)
      if (x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h) return true;
    return false;
  };
  for (size_t i : changed)
    for (float y = f[i].y0; y < f[i].y1; y += 1)
      for (float x = f[i].x0; x < f[i].x1; x += 1) ASSERT_TRUE(inside(x + 0.5f, y + 0.5f)) << "primitive " << i;
  for (const auto& r : d) {
    EXPECT_GE(r.x, 0);
    EXPECT_GE(r.y, 0);
    EXPECT_LE(r.x + r.w, 1920);
    EXPECT_LE(r.y + r.h, 1080);
  }
}

TEST(Damage, DiffMatchesInOrder) {
  // prev: A B C D E; cur: A X C E F -> B, D unmatched in prev; X, F in cur.
  auto p = [](uint64_t h) { return prim(h, 0, 0, 1, 1); };
  std::vector<Primitive> prev = {p(1), p(2), p(3), p(4), p(5)}, cur = {p(1), p(9), p(3), p(5), p(6)};
  std::vector<size_t> pu, cu;
  diff_primitives(prev, cur, &pu, &cu);
  EXPECT_EQ(pu, (std::vector<size_t>{1, 3}));
  EXPECT_EQ(cu, (std::vector<size_t>{1, 4}));
}
