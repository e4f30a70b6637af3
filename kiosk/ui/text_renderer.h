// How the UI draws and measures text (kiosk UI layer, main thread). The production renderer is the
// text engine in text/, drawn by kiosk/text_imgui (HarfBuzz + FriBidi + FreeType glyph atlas);
// ImGuiFontRenderer is the minimal fallback used when the engine cannot start (no fonts): Latin
// only, clearly degraded.
#pragma once
#include <cstdint>
#include <string_view>

#include "core/input_mapper.h"

struct ImDrawList;

namespace balie::kiosk {

enum class Align : uint8_t { Start, Center, End };  // Start = left in LTR, right in RTL

class TextRenderer {
 public:
  virtual ~TextRenderer() = default;
  // Size of `utf8` laid out at `size_px`, wrapped at `wrap_width` (<= 0: no wrapping).
  virtual Vec2 measure(std::string_view utf8, float size_px, float wrap_width, bool rtl) = 0;
  // Draws inside the box [pos, pos + (width, *)] with the given alignment.
  virtual void draw(ImDrawList* dl, Vec2 pos, float width, std::string_view utf8, float size_px, uint32_t color,
                    Align align, bool rtl) = 0;
  // Drops and overwrites every cached string and shaped run (session end).
  virtual void clear_caches() = 0;
};

}  // namespace balie::kiosk
