// "I have read and understood it" (resident): a plain step between the text and the signature pad,
// with a way back to the text. Tapping it is recorded as an event of the signing.
#include "scenes/scenes.h"

namespace balie::kiosk {
namespace {

class SigningUnderstoodScene final : public Scene {
 public:
  void draw(const AppState& s, Ui& ui, Intents& intents) override {
    const Vec2 sc = ui.screen();
    ui.fill(Rect{0, 0, sc.x, sc.y}, theme::kBackground);
    const float m = theme::kMargin, bh = 96;
    listen_control(s, ui, intents, "signing_understood.listen", ui.mirror(Rect{m, m, bh, bh}), PlayScreenAudio{"signing_understood.question"});
    draw_text_size_toggle(s, ui, intents);  // large-text toggle (issue 18)
    const float w = std::min(1200.0f, sc.x - 2 * m);
    const float x = (sc.x - w) / 2;
    float y = sc.y * 0.22f;
    y += ui.text(Rect{x, y, w, 0}, ui.tr("signing_understood.question"), theme::kTextTitle * 0.8f, theme::kText, Align::Center) + 30;
    y += ui.text(Rect{x, y, w, 0}, ui.tr("signing_understood.help"), theme::kTextBody, theme::kTextMuted, Align::Center) + 60;
    if (ui.button("signing_understood.yes", Rect{x + w * 0.1f, y, w * 0.8f, 120}, ui.tr("signing_understood.yes")))
      intents.push(SigningMark{"understood"}), intents.push(GoTo{SceneId::SigningPad});
    if (ui.button("signing_understood.back", Rect{x + w * 0.1f, y + 120 + 40, w * 0.8f, 100},
                  ui.tr("signing_understood.back"), ButtonStyle::Secondary))
      intents.push(GoBack{});
  }
  std::string_view audio_key() const override { return "signing_understood.question"; }
};

}  // namespace

std::unique_ptr<Scene> make_signing_understood_scene() { return std::make_unique<SigningUnderstoodScene>(); }

}  // namespace balie::kiosk
