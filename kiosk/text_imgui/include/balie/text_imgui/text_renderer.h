// TextRenderer: draws laid-out paragraphs into an ImDrawList (kiosk/text_imgui, main thread).
// Typical widget code, per frame:
//   auto p = renderer.layout(engine.tr("welcome.body"), {.size_px = 40, .max_width = 800});
//   ImVec2 size{p->width, p->height};               // measure
//   renderer.draw(ImGui::GetWindowDrawList(), pos, *p, IM_COL32_WHITE);
// Layouts come from the engine's paragraph cache, glyphs from the atlas: no shaping per frame.
#pragma once
#include <imgui.h>

#include <memory>
#include <string_view>

#include "balie/text/text_engine.h"
#include "balie/text_imgui/glyph_atlas.h"

namespace balie::text {

class TextRenderer {
 public:
  TextRenderer(TextEngine& engine, GlyphAtlas& atlas) : engine_(engine), atlas_(atlas) {}

  // Cached layout in the session language.
  std::shared_ptr<const ParagraphLayout> layout(std::string_view utf8, const TextStyle& style) {
    return engine_.layout(utf8, style);
  }
  ImVec2 measure(std::string_view utf8, const TextStyle& style) {
    auto p = engine_.layout(utf8, style);
    return {p->width, p->height};
  }
  // Draws `p` with its box's top-left at `pos`. Glyph origins are snapped to whole pixels.
  void draw(ImDrawList* list, ImVec2 pos, const ParagraphLayout& p, ImU32 color);
  // layout + draw; returns the box size.
  ImVec2 text(ImDrawList* list, ImVec2 pos, std::string_view utf8, const TextStyle& style, ImU32 color);

  // Session end: wipes the engine's caches and the glyph atlas.
  void clear_session_caches() {
    engine_.clear_session_caches();
    atlas_.clear();
  }

  TextEngine& engine() { return engine_; }
  GlyphAtlas& atlas() { return atlas_; }

 private:
  TextEngine& engine_;
  GlyphAtlas& atlas_;
};

}  // namespace balie::text
