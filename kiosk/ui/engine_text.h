// Adapters from the kiosk's TextRenderer/Texts interfaces to the text engine in text/
// (HarfBuzz shaping, FriBidi, glyph atlas). Kiosk UI layer, main thread only.
#pragma once
#include <memory>

#include "balie/text/text_engine.h"
#include "balie/text_imgui/glyph_atlas.h"
#include "balie/text_imgui/sdl_texture_backend.h"
#include "balie/text_imgui/text_renderer.h"
#include "ui/text_renderer.h"
#include "ui/texts.h"

namespace balie::kiosk {

class EngineTextRenderer final : public TextRenderer {
 public:
  explicit EngineTextRenderer(text::TextRenderer& r) : r_(r) {}
  Vec2 measure(std::string_view utf8, float size_px, float wrap_width, TextLang lang) override;
  void draw(ImDrawList* dl, Vec2 pos, float width, std::string_view utf8, float size_px, uint32_t color, Align align,
            TextLang lang) override;
  bool is_rtl(std::string_view utf8, TextLang lang) override;
  void clear_caches() override { r_.clear_session_caches(); }
  void set_staff_mode(bool on) { staff_ = on; }

 private:
  // The language to shape `lang` with, and its paragraph direction into st.direction: explicit dir;
  // else the known language's; else (staff) Dutch LTR; else P2/P3 of the text itself.
  const text::Language& resolve(TextLang lang, text::TextStyle& st) const;
  text::TextRenderer& r_;
  bool staff_ = false;
};

class EngineTexts final : public Texts {
 public:
  explicit EngineTexts(text::TextEngine& e) : e_(e) {}
  std::string tr(std::string_view key, const std::vector<std::pair<std::string_view, std::string>>& args = {}) const override;
  std::string tr_in(std::string_view language, std::string_view key) const override;
  bool rtl() const override { return !staff_ && e_.language().is_rtl; }
  std::string_view language() const override { return e_.language().code; }
  std::string_view language_of(std::string_view key) const override;
  bool set_language(std::string_view code) override;
  std::string format_date(std::string_view iso) const override;
  void set_staff_mode(bool on) override { staff_ = on; }
  bool staff_mode() const { return staff_; }

 private:
  const text::Language& current() const;
  text::TextEngine& e_;
  bool staff_ = false;
};

}  // namespace balie::kiosk
