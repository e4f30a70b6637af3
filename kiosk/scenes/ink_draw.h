// Drawing signature ink (kiosk scenes layer, main thread): the pad, the review and the benchmark
// draw the dabs of a signing::Ink as variable-width quads between neighbouring dabs plus round
// caps at stroke starts, scaled from pad pixels into a target rectangle.
#pragma once
#include <imgui.h>

#include <cmath>

#include "signing/ink.h"
#include "ui/ui.h"

namespace balie::kiosk {

// Where the signature pad is on a screen of this size (signing_pad.cpp).
Rect signing_pad_rect(Vec2 screen);

inline void draw_ink(ImDrawList* dl, const signing::Ink& ink, Rect target, uint32_t colour) {
  const signing::PadRect pad = ink.pad();
  if (pad.w <= 0 || pad.h <= 0) return;
  const float s = std::min(target.w / pad.w, target.h / pad.h);
  const float ox = target.x + (target.w - pad.w * s) / 2, oy = target.y + (target.h - pad.h * s) / 2;
  const auto& d = ink.dabs();
  size_t last = SIZE_MAX;
  for (size_t i = 0; i < d.size(); ++i) {
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

}  // namespace balie::kiosk
