// Damage regions of a frame (kiosk core, no SDL): which parts of the screen differ from the frame
// already on it. A frame is a sequence of primitives (triangles with their texture and clip); the
// difference of two sequences is found in order, so every pixel outside the damage is covered by the
// same primitives in the same order as before. Texture content changes (glyph atlas uploads, the ink
// cache) damage what shows the changed part. Used by the software renderer's partial redraw.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace balie::kiosk {

struct DamageRect {
  int x = 0, y = 0, w = 0, h = 0;
  bool empty() const { return w <= 0 || h <= 0; }
  long long area() const { return empty() ? 0 : static_cast<long long>(w) * h; }
};

// One triangle as drawn: a hash of everything that decides its pixels (vertices, colours, texture
// coordinates, texture, clip rect) and where it can touch the screen (its bounds inside its clip).
struct Primitive {
  uint64_t hash = 0;
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // screen bounds of the triangle
  float cx0 = 0, cy0 = 0, cx1 = 0, cy1 = 0;  // its clip rect (nothing is drawn outside it)
  const void* texture = nullptr;
  float u0 = 0, v0 = 0, u1 = 0, v1 = 0;  // texture-coordinate bounds
};

class DamageTracker {
 public:
  // A screen of w x h pixels; merged regions are snapped to `tile` pixels, at most `max_rects` rects.
  DamageTracker(int w, int h, int tile = 32, int max_rects = 8);

  // The next frame has to be drawn whole (first frame, resize, expose, lost texture contents).
  void invalidate_all() { full_ = true; }
  // Texture contents changed in [u0,u1]x[v0,v1] (normalised coordinates) since the last frame.
  void texture_changed(const void* texture, float u0, float v0, float u1, float v1);
  void resize(int w, int h);

  // Compares `frame` with the previous frame and returns the regions to redraw (empty: nothing
  // changed). `frame` becomes the previous frame.
  std::vector<DamageRect> next(const std::vector<Primitive>& frame);

  // Figures of the last next(): primitives compared, damaged, and the share of the screen redrawn.
  size_t last_primitives() const { return last_prims_; }
  size_t last_damaged() const { return last_damaged_; }
  double last_fraction() const { return last_fraction_; }

 private:
  void mark(float x0, float y0, float x1, float y1);
  void mark(const Primitive& p, float x0, float y0, float x1, float y1);  // inside p's clip
  std::vector<DamageRect> collect();

  int w_, h_, tile_, max_rects_;
  int cols_ = 0, rows_ = 0;
  bool full_ = true;
  std::vector<Primitive> prev_;
  std::vector<uint8_t> tiles_;
  struct TextureChange {
    const void* texture;
    float u0, v0, u1, v1;
  };
  std::vector<TextureChange> changes_;
  size_t last_prims_ = 0, last_damaged_ = 0;
  double last_fraction_ = 0;
};

// Screen rects of `frame` that differ from `prev` (unit-testable half of DamageTracker::next): the
// indexes of unmatched primitives of each, matched in order (a common subsequence).
void diff_primitives(const std::vector<Primitive>& prev, const std::vector<Primitive>& cur,
                     std::vector<size_t>* prev_unmatched, std::vector<size_t>* cur_unmatched);

}  // namespace balie::kiosk
