// Store error scene: the encrypted record store could not be opened (wrong key, corrupt file, full
// disk, read-only file system, missing state directory). Nothing personal can be shown or saved;
// the screen tells staff what happened and whom to call. Never falls back to an empty store.
#include "scenes/scenes.h"

namespace balie::kiosk {
namespace {

class StoreErrorScene final : public Scene {
 public:
  void draw(const AppState& s, Ui& ui, Intents&) override {
    const Vec2 sc = ui.screen();
    ui.fill(Rect{0, 0, sc.x, sc.y}, theme::kBackground);
    const float m = theme::kMargin * 2;
    float y = sc.y * 0.2f;
    y += ui.text(Rect{m, y, sc.x - 2 * m, 0}, ui.tr("store_error.title"), theme::kTextTitle, theme::kDanger) + 30;
    y += ui.text(Rect{m, y, sc.x - 2 * m, 0}, ui.tr("store_error.body"), theme::kTextBody, theme::kText) + 30;
    ui.text(Rect{m, y, sc.x - 2 * m, 0}, s.store_error, theme::kTextSmall, theme::kTextMuted);
  }
};

}  // namespace

std::unique_ptr<Scene> make_store_error_scene() { return std::make_unique<StoreErrorScene>(); }

// The inactivity warning, drawn instead of the scene while it is up (WCAG 2.2.1): a countdown and
// one large button. Drawing only this keeps the dossier off screen while nobody is there.
void draw_inactivity_overlay(const AppState& s, Ui& ui, Intents& intents) {
  const Vec2 sc = ui.screen();
  ui.fill(Rect{0, 0, sc.x, sc.y}, theme::kWelcomeBackground);
  const float m = theme::kMargin * 2;
  float y = sc.y * 0.18f;
  y += ui.text(Rect{m, y, sc.x - 2 * m, 0}, ui.tr("inactivity.title"), theme::kTextTitle, theme::kTextOnDark, Align::Center) + 30;
  y += ui.text(Rect{m, y, sc.x - 2 * m, 0}, ui.tr("inactivity.body", {{"seconds", std::to_string(s.inactivity_seconds_left)}}),
               theme::kTextBody, theme::kTextOnDark, Align::Center) + 60;
  const float bw = std::min(800.0f, sc.x - 2 * m), bh = 160;
  if (ui.button("inactivity.still_here", Rect{(sc.x - bw) / 2, y, bw, bh}, ui.tr("inactivity.still_here"),
                ButtonStyle::Primary, theme::kTextTitle * 0.8f))
    intents.push(StillHere{});
}

}  // namespace balie::kiosk
