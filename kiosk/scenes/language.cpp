// Language scene: the resident picks the session language. Each choice is shown in its own script
// with its own name and a flag-free pictogram (a speech bubble with the language's own initial).
// The choice applies to this session only. Layout mirrors for right-to-left languages.
#include "scenes/scenes.h"

namespace balie::kiosk {
namespace {

struct Choice {
  const char* code;
  const char* native;   // name in its own script
  const char* initial;  // pictogram glyph
};

// Order: the languages most used at AZC locations first, Dutch and English last.
constexpr Choice kChoices[] = {
    {"ar", "\xD8\xA7\xD9\x84\xD8\xB9\xD8\xB1\xD8\xA8\xD9\x8A\xD8\xA9", "\xD8\xB9"},
    {"ti", "\xE1\x89\xB5\xE1\x8C\x8D\xE1\x88\xAD\xE1\x8A\x9B", "\xE1\x89\xB5"},
    {"fa", "\xD9\x81\xD8\xA7\xD8\xB1\xD8\xB3\xDB\x8C", "\xD9\x81"},
    {"prs", "\xD8\xAF\xD8\xB1\xDB\x8C", "\xD8\xAF"},
    {"tr", "T\xC3\xBCrk\xC3\xA7" "e", "T"},
    {"so", "Soomaali", "S"},
    {"ku", "Kurd\xC3\xAE (Kurmanc\xC3\xAE)", "K"},
    {"ckb", "\xDA\xA9\xD9\x88\xD8\xB1\xD8\xAF\xDB\x8C (\xD8\xB3\xDB\x86\xD8\xB1\xD8\xA7\xD9\x86\xDB\x8C)", "\xDA\xA9"},
    {"en", "English", "E"},
    {"nl", "Nederlands", "N"},
};

class LanguageScene final : public Scene {
 public:
  void draw(const AppState& s, Ui& ui, Intents& intents) override {
    const Vec2 sc = ui.screen();
    ui.fill(Rect{0, 0, sc.x, sc.y}, theme::kBackground);
    const float m = theme::kMargin;
    const float bh = 96;
    ui.text(ui.mirror(Rect{m + bh + 24, m + 8, sc.x - 2 * m - bh - 24, 0}), ui.tr("language.title"), theme::kTextTitle,
            theme::kText, Align::Start);
    if (ui.listen_button("language.listen", ui.mirror(Rect{m, m, bh, bh}))) intents.push(PlayScreenAudio{"language.body"});

    // As few columns as fit: the grid sits between the title and the bottom row of buttons.
    const float top = m + 150;
    const float gap = theme::kMinGap + 7;
    const float avail_h = sc.y - top - m - bh - gap;
    const float min_cell_h = theme::kMinTarget + 20;
    const int n = static_cast<int>(std::size(kChoices));
    int cols = 1;
    while (cols < 4 && ((n + cols - 1) / cols) * (min_cell_h + gap) - gap > avail_h) ++cols;
    if (sc.x >= 1200) cols = std::max(cols, 2);
    const int rows = (n + cols - 1) / cols;
    const float cell_w = (sc.x - 2 * m - (cols - 1) * gap) / cols;
    const float cell_h = std::max(min_cell_h, std::min(120.0f, (avail_h - (rows - 1) * gap) / rows));
    for (size_t i = 0; i < std::size(kChoices); ++i) {
      const Choice& c = kChoices[i];
      const int col = static_cast<int>(i) % cols, row = static_cast<int>(i) / cols;
      // Lay out left-to-right, then mirror every rectangle for right-to-left languages.
      const Rect base{m + col * (cell_w + gap), top + row * (cell_h + gap), cell_w, cell_h};
      const Rect r = ui.mirror(base);
      const bool selected = s.language == c.code && s.session_active;
      std::string id = std::string("language.") + c.code;
      if (ui.button(id, r, "", selected ? ButtonStyle::Primary : ButtonStyle::Secondary))
        intents.push(SetLanguage{c.code});
      // Pictogram: a speech bubble with the initial, on the reading-start side of the cell.
      const float d = cell_h - 28;
      const Rect bubble = ui.mirror(Rect{base.x + 14, base.y + 14, d, d});
      const uint32_t fg = selected ? theme::kTextOnDark : theme::kText;
      ui.circle(bubble.center(), d / 2, selected ? theme::rgba(255, 255, 255, 60) : theme::rgba(255, 255, 255));
      ui.text(Rect{bubble.x, bubble.y + d * 0.18f, d, 0}, c.initial, d * 0.5f, fg, Align::Center);
      ui.text(ui.mirror(Rect{base.x + d + 40, base.y + (cell_h - theme::kTextButton * 1.4f) / 2, base.w - d - 60, 0}), c.native,
              theme::kTextButton, fg, Align::Start);
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
