// Language scene: the resident picks the session language. Each choice is shown in its own script
// with its own name and a flag-free pictogram (a speech bubble with the language's first letter).
// The choice applies to this session only and opens the dossier. Layout mirrors for RTL languages.
// Issue 18: the title "Choose your language" stands in all ten languages (the resident has not
// chosen yet), the listen button speaks the prompt in each language in turn, and the exit is a
// pictogram (a cross) that first asks, in all ten languages, whether to stop; nothing ends silently.
#include <imgui.h>

#include "balie/text/languages.h"
#include "scenes/scenes.h"

namespace balie::kiosk {
namespace {

// The first code point of a UTF-8 string (the pictogram's letter).
std::string first_code_point(std::string_view s) {
  if (s.empty()) return {};
  size_t n = 1;
  while (n < s.size() && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) ++n;
  return std::string(s.substr(0, n));
}

// Pictograms drawn as geometry (no word in any one language): a cross (stop) and a back arrow.
void draw_cross(Ui& ui, Rect r, uint32_t color) {
  ImDrawList* dl = ui.draw_list();
  if (!dl) return;
  const Vec2 c = r.center();
  const float d = std::min(r.w, r.h) * 0.22f, t = std::max(6.0f, d * 0.28f);
  dl->AddLine(ImVec2(c.x - d, c.y - d), ImVec2(c.x + d, c.y + d), color, t);
  dl->AddLine(ImVec2(c.x - d, c.y + d), ImVec2(c.x + d, c.y - d), color, t);
}
void draw_back_arrow(Ui& ui, Rect r, uint32_t color) {
  ImDrawList* dl = ui.draw_list();
  if (!dl) return;
  const Vec2 c = r.center();
  const float d = std::min(r.w, r.h) * 0.25f, t = std::max(6.0f, d * 0.25f);
  const float dir = ui.rtl() ? -1.0f : 1.0f;  // points towards the start of the reading direction
  dl->AddLine(ImVec2(c.x + dir * d, c.y), ImVec2(c.x - dir * d, c.y), color, t);
  dl->AddLine(ImVec2(c.x - dir * d, c.y), ImVec2(c.x - dir * d * 0.2f, c.y - d * 0.8f), color, t);
  dl->AddLine(ImVec2(c.x - dir * d, c.y), ImVec2(c.x - dir * d * 0.2f, c.y + d * 0.8f), color, t);
}

// `key` in every language, one cell each, in a grid of `cols` columns inside `area`.
void draw_in_every_language(Ui& ui, Rect area, int cols, std::string_view key, float size, uint32_t color) {
  const auto langs = text::languages();
  const int n = static_cast<int>(langs.size());
  const int rows = (n + cols - 1) / cols;
  const float gap = 12;
  const float w = (area.w - (cols - 1) * gap) / cols, h = (area.h - (rows - 1) * gap) / rows;
  for (int i = 0; i < n; ++i) {
    const Rect c = ui.mirror(Rect{area.x + (i % cols) * (w + gap), area.y + (i / cols) * (h + gap), w, h});
    // Each line in its own language and direction: its punctuation stays at its own line end.
    ui.text(c, ui.tr_in(langs[i].code, key), size, color, Align::Center, TextLang::in(langs[i].code));
  }
}

class LanguageScene final : public Scene {
 public:
  void enter(const AppState&) override { confirm_exit_ = false; }
  void exit() override { confirm_exit_ = false; }

  void draw(const AppState& s, Ui& ui, Intents& intents) override {
    const Vec2 sc = ui.screen();
    ui.fill(Rect{0, 0, sc.x, sc.y}, theme::kBackground);
    const float m = theme::kMargin;
    const float bh = 96;
    if (confirm_exit_) {  // the question alone: nothing under it can be touched meanwhile
      draw_confirm_exit(ui, intents);
      return;
    }
    const float ts = draw_text_size_toggle(s, ui, intents);  // large-text toggle (issue 18)
    // "Choose your language" in all ten languages: two rows of five beside the listen button.
    const float title_w = sc.x - 2 * m - bh - 24 - ts;
    const float title_size = std::min(30.0f, title_w / 5 / 12);
    draw_in_every_language(ui, Rect{m + bh + 24 + ts, m - 16, title_w, 2 * title_size * 2.1f + 12}, 5,
                           "language.title", title_size, theme::kText);
    listen_control(s, ui, intents, "language.listen", ui.mirror(Rect{m, m, bh, bh}),
                   PlayScreenAudio{.key = "language.body", .every_language = true});

    const auto langs = text::languages();
    // As few columns as fit: the grid sits between the title and the bottom row of buttons.
    const float top = m + 150;
    const float gap = theme::kMinGap + 7;
    const float avail_h = sc.y - top - m - bh - gap;
    const float min_cell_h = theme::kMinTarget + 20;
    const int n = static_cast<int>(langs.size());
    int cols = 1;
    while (cols < 4 && ((n + cols - 1) / cols) * (min_cell_h + gap) - gap > avail_h) ++cols;
    if (sc.x >= 1200) cols = std::max(cols, 2);
    const int rows = (n + cols - 1) / cols;
    const float cell_w = (sc.x - 2 * m - (cols - 1) * gap) / cols;
    const float cell_h = std::max(min_cell_h, std::min(120.0f, (avail_h - (rows - 1) * gap) / rows));
    for (int i = 0; i < n; ++i) {
      const text::Language& l = langs[i];
      const int col = i % cols, row = i / cols;
      // Lay out left-to-right, then mirror every rectangle for right-to-left languages.
      const Rect base{m + col * (cell_w + gap), top + row * (cell_h + gap), cell_w, cell_h};
      const Rect r = ui.mirror(base);
      const bool selected = s.resident_session && s.language == l.code;
      if (ui.button("language." + std::string(l.code), r, "", selected ? ButtonStyle::Primary : ButtonStyle::Secondary))
        intents.push(SetLanguage{std::string(l.code)});
      const float d = cell_h - 28;
      const Rect bubble = ui.mirror(Rect{base.x + 14, base.y + 14, d, d});
      const uint32_t fg = selected ? theme::kTextOnDark : theme::kText;
      ui.circle(bubble.center(), d / 2, selected ? theme::rgba(255, 255, 255, 60) : theme::rgba(255, 255, 255));
      // Centred on measured heights: Arabic-script and Ethiopic lines are taller (per-script size
      // factor), and so is large text. Each name in its own language, lined up with the screen's start.
      const TextLang own = TextLang::in(l.code);
      const std::string initial = first_code_point(l.native_name);
      const float ih = ui.text_height(initial, d * 0.5f, d, own);
      ui.text(Rect{bubble.x, bubble.y + (d - ih) / 2, d, 0}, initial, d * 0.5f, fg, Align::Center, own);
      const float lw = base.w - d - 60;
      float size = theme::kTextButton, lh = ui.text_height(l.native_name, size, lw, own);
      if (lh > cell_h - 8) {  // a tall line (Naskh in large text): as large as the cell allows
        size *= (cell_h - 8) / lh;
        lh = ui.text_height(l.native_name, size, lw, own);
      }
      ui.text(ui.mirror(Rect{base.x + d + 40, base.y + (cell_h - lh) / 2, lw, 0}), l.native_name, size, fg,
              Align::ScreenStart, own);
    }
    const Rect exit_r = ui.mirror(Rect{sc.x - m - bh, sc.y - m - bh, bh, bh});
    if (ui.button("language.exit", exit_r, "", ButtonStyle::Secondary)) confirm_exit_ = true;
    draw_cross(ui, exit_r, theme::kText);
  }
  std::string_view audio_key() const override { return "language.body"; }

 private:
  // Asked in all ten languages; the answers are the same pictograms: cross = stop, arrow = back.
  void draw_confirm_exit(Ui& ui, Intents& intents) {
    const Vec2 sc = ui.screen();
    ui.fill(Rect{0, 0, sc.x, sc.y}, theme::kDimOverlay);
    const Rect panel{sc.x * 0.08f, sc.y * 0.08f, sc.x * 0.84f, sc.y * 0.84f};
    ui.fill(panel, theme::rgba(255, 255, 255), 20);
    const float bs = 140;
    draw_in_every_language(ui, Rect{panel.x + 30, panel.y + 30, panel.w - 60, panel.h - 90 - bs}, 2,
                           "language.exit_question", theme::kTextSmall, theme::kText);
    const Rect no = ui.mirror(Rect{panel.x + panel.w / 2 - bs - 60, panel.y + panel.h - bs - 30, bs, bs});
    const Rect yes = ui.mirror(Rect{panel.x + panel.w / 2 + 60, panel.y + panel.h - bs - 30, bs, bs});
    if (ui.button("language.exit.no", no, "", ButtonStyle::Secondary)) confirm_exit_ = false;
    draw_back_arrow(ui, no, theme::kText);
    if (ui.button("language.exit.yes", yes, "", ButtonStyle::Danger)) {
      confirm_exit_ = false;
      intents.push(EndSession{});
    }
    draw_cross(ui, yes, theme::kTextOnDark);
  }
  bool confirm_exit_ = false;
};

}  // namespace

std::unique_ptr<Scene> make_language_scene() { return std::make_unique<LanguageScene>(); }

}  // namespace balie::kiosk
