// Fallback TextRenderer on ImGui's font: wraps with ImFont, aligns single lines (see header).
#include "ui/imgui_font_renderer.h"

#include <imgui.h>

namespace balie::kiosk {

bool ImGuiFontRenderer::is_rtl(std::string_view, TextLang lang) {
  if (lang.dir != TextDir::Auto) return lang.dir == TextDir::Rtl;
  const std::string_view primary = lang.code.substr(0, lang.code.find('-'));
  return primary == "ar" || primary == "fa" || primary == "prs" || primary == "ckb";
}

Vec2 ImGuiFontRenderer::measure(std::string_view utf8, float size_px, float wrap_width, TextLang) {
  ImVec2 s = font_->CalcTextSizeA(size_px, 1e9f, wrap_width > 0 ? wrap_width : 0.0f, utf8.data(),
                                  utf8.data() + utf8.size());
  return Vec2{s.x, s.y};
}

void ImGuiFontRenderer::draw(ImDrawList* dl, Vec2 pos, float width, std::string_view utf8, float size_px,
                             uint32_t color, Align align, TextLang lang) {
  Vec2 m = measure(utf8, size_px, width, lang);
  const bool rtl = is_rtl(utf8, lang);
  float x = pos.x;
  const bool end = (align == Align::End) != rtl && align != Align::Center;
  if (align == Align::Center) x += (width - m.x) / 2;
  else if (end) x += width - m.x;
  dl->AddText(font_, size_px, ImVec2(x, pos.y), color, utf8.data(), utf8.data() + utf8.size(),
              width > 0 ? width : 0.0f);
}

}  // namespace balie::kiosk
