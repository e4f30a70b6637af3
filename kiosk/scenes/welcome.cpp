// Welcome scene: shown between sessions. A calm full-screen greeting; a staff member starts a
// session with the staff button. Resident-facing texts in Dutch and English until a language is
// chosen. Background colour is theme::kWelcomeBackground (probed by the image boot test).
#include "scenes/scenes.h"

namespace balie::kiosk {
namespace {

class WelcomeScene final : public Scene {
 public:
  void draw(const AppState& s, Ui& ui, Intents& intents) override {
    const Vec2 sc = ui.screen();
    ui.fill(Rect{0, 0, sc.x, sc.y}, theme::kWelcomeBackground);
    const float m = theme::kMargin;
    float y = sc.y * 0.22f;
    y += ui.text(Rect{m, y, sc.x - 2 * m, 0}, ui.tr("welcome.title"), theme::kTextTitle * 1.3f,
                 theme::kTextOnDark, Align::Center);
    y += 40;
    ui.text(Rect{m * 2, y, sc.x - 4 * m, 0}, ui.tr("welcome.body"), theme::kTextBody, theme::kTextOnDark,
            Align::Center);
    const float bw = 360, bh = 96;
    if (ui.button("welcome.staff", ui.mirror(Rect{sc.x - m - bw, sc.y - m - bh, bw, bh}), ui.tr("welcome.staff_button"),
                  ButtonStyle::OnDark))
      intents.push(GoTo{SceneId::StaffUnlock});
    listen_control(s, ui, intents, "welcome.listen", ui.mirror(Rect{m, sc.y - m - bh, bh, bh}), PlayScreenAudio{"welcome.body"});
    if (s.dimmed) ui.fill(Rect{0, 0, sc.x, sc.y}, theme::kDimOverlay);
  }
  std::string_view audio_key() const override { return "welcome.body"; }
};

}  // namespace

std::unique_ptr<Scene> make_welcome_scene() { return std::make_unique<WelcomeScene>(); }

}  // namespace balie::kiosk
