// Drawing laid-out paragraphs into ImGui draw lists from the glyph atlas (kiosk/text_imgui,
// main thread).
#include "balie/text_imgui/text_renderer.h"

#include <cmath>

namespace balie::text {

void TextRenderer::draw(ImDrawList* list, ImVec2 pos, const ParagraphLayout& p, ImU32 color) {
  if (p.glyphs.empty()) return;
  const float ox = std::floor(pos.x + 0.5f), oy = std::floor(pos.y + 0.5f);
  void* current = nullptr;
  bool pushed = false;
  for (const PositionedGlyph& pg : p.glyphs) {
    const AtlasGlyph& g = atlas_.get(pg.face, pg.glyph_id, p.size_px);
    if (!g.texture) continue;
    if (g.texture != current) {
      if (pushed) list->PopTextureID();
      list->PushTextureID(g.texture);
      pushed = true;
      current = g.texture;
    }
    const float x0 = ox + std::floor(pg.x + 0.5f) + static_cast<float>(g.left);
    const float y0 = oy + std::floor(pg.y + 0.5f) - static_cast<float>(g.top);
    list->PrimReserve(6, 4);
    list->PrimRectUV(ImVec2(x0, y0), ImVec2(x0 + g.width, y0 + g.height), ImVec2(g.u0, g.v0),
                     ImVec2(g.u1, g.v1), color);
  }
  if (pushed) list->PopTextureID();
}

ImVec2 TextRenderer::text(ImDrawList* list, ImVec2 pos, std::string_view utf8, const TextStyle& style,
                          ImU32 color) {
  auto p = engine_.layout(utf8, style);
  draw(list, pos, *p, color);
  return {p->width, p->height};
}

}  // namespace balie::text
