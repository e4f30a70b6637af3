// Welcome scene: shown between sessions. Issue 18: it greets in all ten languages at once (a grid,
// each cell in its own language and script: nobody waits for a rotation) and says what is true for
// a resident: a staff member starts the session with them (touching the screen only wakes it; the
// session is opened with the staff button). The listen button speaks that line in each language in
// turn. Background colour is theme::kWelcomeBackground (probed by the image boot test).
#include "balie/text/languages.h"
#include "scenes/scenes.h"

namespace balie::kiosk {
namespace {

class WelcomeScene final : public Scene {
 public:
  void draw(const AppState& s, Ui& ui, Intents& intents) override {
    const Vec2 sc = ui.screen();
    ui.fill(Rect{0, 0, sc.x, sc.y}, theme::kWelcomeBackground);
    const float m = theme::kMargin;
    const float bw = 360, bh = 96;
    // The grid of greetings: as many columns as fit cells of at least 320 px, at most five.
    const auto langs = text::languages();
    const int n = static_cast<int>(langs.size());
    const float gap = 24;
    int cols = std::clamp(static_cast<int>((sc.x - 2 * m + gap) / (320 + gap)), 1, 5);
    const int rows = (n + cols - 1) / cols;
    const float top = m, bottom = sc.y - m - bh - gap;
    const float cell_w = (sc.x - 2 * m - (cols - 1) * gap) / cols;
    const float cell_h = (bottom - top - (rows - 1) * gap) / rows;
    const float greet = std::min(theme::kTextTitle, cell_h * 0.3f);
    const float line = std::min(theme::kTextBody, cell_h * 0.16f);
    for (int i = 0; i < n; ++i) {
      const text::Language& l = langs[i];
      const Rect c{m + (i % cols) * (cell_w + gap), top + (i / cols) * (cell_h + gap), cell_w, cell_h};
      ui.fill(c, theme::kWelcomeCard, 16);
      // Each cell is laid out in its own language (direction per paragraph): a right-to-left
      // sentence ends on the left even on this screen, which belongs to no language.
      const TextLang own_lang = TextLang::in(l.code);
      auto own = [&](std::string_view key) { return ui.tr_in(l.code, key); };
      // The greeting on one line: smaller when a language's word is long ("Hoş geldiniz").
      const std::string g = own("welcome.title");
      const float gw = ui.text_renderer().measure(g, greet, 0, own_lang).x;
      const float gs = gw > c.w - 32 ? greet * (c.w - 32) / gw : greet;
      const float gh = ui.text(Rect{c.x + 12, c.y + cell_h * 0.1f, c.w - 24, 0}, g, gs, theme::kTextOnDark, Align::Center, own_lang);
      const float ly = c.y + cell_h * 0.1f + std::max(gh, greet * 1.3f) + 10;
      ui.text(Rect{c.x + 16, ly, c.w - 32, c.y + c.h - ly - 8}, own("welcome.staff_starts"), line, theme::rgba(210, 232, 240),
              Align::Center, own_lang);
    }
    if (ui.button("welcome.staff", ui.mirror(Rect{sc.x - m - bw, sc.y - m - bh, bw, bh}), ui.tr("welcome.staff_button"),
                  ButtonStyle::OnDark))
      intents.push(GoTo{SceneId::StaffUnlock});
    listen_control(s, ui, intents, "welcome.listen", ui.mirror(Rect{m, sc.y - m - bh, bh, bh}),
                   PlayScreenAudio{.key = "welcome.staff_starts", .every_language = true});
    if (s.dimmed) ui.fill(Rect{0, 0, sc.x, sc.y}, theme::kDimOverlay);
  }
  std::string_view audio_key() const override { return "welcome.staff_starts"; }
};

}  // namespace

std::unique_ptr<Scene> make_welcome_scene() { return std::make_unique<WelcomeScene>(); }

}  // namespace balie::kiosk
