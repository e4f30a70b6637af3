// Fallback TextRenderer on Dear ImGui's own font (kiosk UI layer, main thread). Used only when the
// shaping text engine cannot start and in headless unit tests; it cannot shape Arabic or Ge'ez
// script and the kiosk tells the operator so at start-up.
#pragma once
#include "ui/text_renderer.h"

struct ImFont;

namespace balie::kiosk {

class ImGuiFontRenderer final : public TextRenderer {
 public:
  explicit ImGuiFontRenderer(ImFont* font) : font_(font) {}
  Vec2 measure(std::string_view utf8, float size_px, float wrap_width, TextLang lang) override;
  void draw(ImDrawList* dl, Vec2 pos, float width, std::string_view utf8, float size_px, uint32_t color, Align align,
            TextLang lang) override;
  // No bidi here: explicit Rtl, or an RTL language code, counts as RTL; everything else LTR.
  bool is_rtl(std::string_view utf8, TextLang lang) override;
  void clear_caches() override {}

 private:
  ImFont* font_;
};

}  // namespace balie::kiosk
