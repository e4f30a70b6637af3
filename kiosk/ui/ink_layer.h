// How the signature pad draws its ink (kiosk UI layer, main thread): an optional layer the app
// supplies (app/ink_cache.h keeps the settled ink in an SDL render-target texture so a frame
// draws one image plus the newest dab instead of every dab). Without a layer, or when it declines,
// the scene draws the ink as geometry (scenes/ink_draw.h); both show the same pixels
// (up to one level of 8-bit rounding at a few edge pixels).
#pragma once
#include <cstdint>

#include "core/input_mapper.h"

struct ImDrawList;

namespace balie::signing {
class Ink;
}

namespace balie::kiosk {

class InkLayer {
 public:
  virtual ~InkLayer() = default;
  // Adds `ink`, scaled into `target`, to `dl`. Returns false when it cannot (the caller then draws
  // the ink itself).
  virtual bool draw(ImDrawList* dl, const signing::Ink& ink, Rect target, uint32_t colour) = 0;
};

}  // namespace balie::kiosk
