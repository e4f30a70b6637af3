// Drawing signature ink (kiosk scenes layer, main thread): the pad, the review and the benchmark
// draw the dabs of a signing::Ink as variable-width quads between neighbouring dabs plus round
// caps at stroke starts, scaled from pad pixels into a target rectangle. draw_ink_range draws a
// part of the dabs so that the pad's ink cache (app/ink_cache.h) can draw the settled part once
// into a texture and only the newest dab each frame, with exactly the geometry of draw_ink.
#pragma once
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "signing/ink.h"
#include "ui/ink_layer.h"
#include "ui/ui.h"

namespace balie::kiosk {

// Where the signature pad is on a screen of this size (signing_pad.cpp).
Rect signing_pad_rect(Vec2 screen);

// Draws dabs [begin, end) of `ink` into `dl`. `last` carries the index of the previous drawn dab
// from one call to the next (SIZE_MAX before the first). Whether a dab is skipped depends on the
// dab after it, so the geometry of dab i is final once dab i + 1 exists.
inline void draw_ink_range(ImDrawList* dl, const signing::Ink& ink, Rect target, uint32_t colour, size_t begin,
                           size_t end, size_t& last) {
  const signing::PadRect pad = ink.pad();
  if (pad.w <= 0 || pad.h <= 0) return;
  const float s = std::min(target.w / pad.w, target.h / pad.h);
  const float ox = target.x + (target.w - pad.w * s) / 2, oy = target.y + (target.h - pad.h * s) / 2;
  const auto& d = ink.dabs();
  end = std::min(end, d.size());
  for (size_t i = begin; i < end; ++i) {
    const ImVec2 p(ox + d[i].x * s, oy + d[i].y * s);
    const float r = std::max(0.75f, d[i].r * s);
    if (d[i].stroke_start || last == SIZE_MAX) {
      dl->AddCircleFilled(p, r, colour, 12);
      last = i;
      continue;
    }
    const ImVec2 q(ox + d[last].x * s, oy + d[last].y * s);
    const float dx = p.x - q.x, dy = p.y - q.y, len = std::sqrt(dx * dx + dy * dy);
    if (len < 2.0f && i + 1 < d.size() && !d[i + 1].stroke_start) continue;  // decimate: one quad per ~2 px
    if (len > 0.01f) {
      const float nx = -dy / len, ny = dx / len, rq = std::max(0.75f, d[last].r * s);
      dl->AddQuadFilled(ImVec2(q.x + nx * rq, q.y + ny * rq), ImVec2(p.x + nx * r, p.y + ny * r),
                        ImVec2(p.x - nx * r, p.y - ny * r), ImVec2(q.x - nx * rq, q.y - ny * rq), colour);
      if (r > 2.0f) dl->AddCircleFilled(p, r, colour, 10);  // round joins on wide ink
    }
    last = i;
  }
}

inline void draw_ink(ImDrawList* dl, const signing::Ink& ink, Rect target, uint32_t colour) {
  size_t last = SIZE_MAX;
  draw_ink_range(dl, ink, target, colour, 0, ink.dabs().size(), last);
}

// The pad's ink: through the app's ink layer when there is one (cached in a texture), else drawn
// directly. Both show the same pixels (up to 8-bit rounding).
inline void draw_pad_ink(Ui& ui, const signing::Ink& ink, Rect target, uint32_t colour) {
  if (InkLayer* layer = ui.ink_layer(); layer && layer->draw(ui.draw_list(), ink, target, colour)) return;
  draw_ink(ui.draw_list(), ink, target, colour);
}

}  // namespace balie::kiosk
