// Language scene: the resident picks the session language. Each choice is shown in its own script
// with its own name and a flag-free pictogram (a speech bubble with the language's first letter).
// The choice applies to this session only and opens the dossier. Layout mirrors for RTL languages.
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

class LanguageScene final : public Scene {
 public:
  void draw(const AppState& s, Ui& ui, Intents& intents) override {
    const Vec2 sc = ui.screen();
    ui.fill(Rect{0, 0, sc.x, sc.y}, theme::kBackground);
    const float m = theme::kMargin;
    const float bh = 96;
    ui.text(ui.mirror(Rect{m + bh + 24, m + 8, sc.x - 2 * m - bh - 24, 0}), ui.tr("language.title"), theme::kTextTitle,
            theme::kText, Align::Start);
    listen_control(s, ui, intents, "language.listen", ui.mirror(Rect{m, m, bh, bh}), PlayScreenAudio{"language.body"});

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
      ui.text(Rect{bubble.x, bubble.y + d * 0.12f, d, 0}, first_code_point(l.native_name), d * 0.5f, fg, Align::Center);
      ui.text(ui.mirror(Rect{base.x + d + 40, base.y + (cell_h - theme::kTextButton * 1.5f) / 2, base.w - d - 60, 0}),
              l.native_name, theme::kTextButton, fg, Align::Start);
    }
    if (ui.button("language.finish", ui.mirror(Rect{sc.x - m - 300, sc.y - m - bh, 300, bh}), ui.tr("common.finish"),
                  ButtonStyle::Secondary))
      intents.push(EndSession{});
  }
  std::string_view audio_key() const override { return "language.body"; }
};

}  // namespace

std::unique_ptr<Scene> make_language_scene() { return std::make_unique<LanguageScene>(); }

}  // namespace balie::kiosk
