// Staff new-PIN scene (first login, Dutch): an account with a first-login PIN (enrolment bundle or
// balie-admin staff reset-pin) must choose its own PIN before staff home. The new PIN is typed twice
// on the number pad; the app checks it (session::check_new_pin, Store::change_pin) and shows why it
// was refused. The typed digits live in this scene object and are overwritten on exit and on submit.
#include "balie/platform/secure_wipe.h"
#include "scenes/scenes.h"
#include "ui/pin_pad.h"

namespace balie::kiosk {

using platform::secure_wipe;

namespace {

class StaffNewPinScene final : public Scene {
 public:
  void exit() override {
    secure_wipe(first_);
    secure_wipe(digits_);
  }

  void draw(const AppState& s, Ui& ui, Intents& intents) override {
    const Vec2 sc = ui.screen();
    ui.fill(Rect{0, 0, sc.x, sc.y}, theme::kBackground);
    const float m = theme::kMargin, bh = 90;
    ui.text(Rect{m, m, sc.x - 2 * m, 0}, ui.tr("new_pin.title", {{"name", s.pending_pin_name}}), theme::kTextTitle,
            theme::kText);
    const float col_w = std::min(640.0f, sc.x * 0.38f);
    ui.text(Rect{m, m + 120, col_w, 0}, ui.tr("new_pin.explain"), theme::kTextBody, theme::kTextMuted);
    const float pad_x0 = m + col_w + 60, pad_w = sc.x - pad_x0 - m;
    float py = m + 110;
    const bool second = !first_.empty();
    ui.text(Rect{pad_x0, py, pad_w, 0}, ui.tr(second ? "new_pin.prompt_again" : "new_pin.prompt"), theme::kTextBody,
            theme::kText, Align::Center);
    py += 60;
    const std::string msg = second || s.new_pin_message_key.empty() ? std::string() : ui.tr(s.new_pin_message_key);
    if (pin_pad(ui, "new_pin", Rect{pad_x0, py, pad_w, sc.y - m - py}, digits_, true, msg)) {
      if (!second) {
        first_ = digits_;
        secure_wipe(digits_);
      } else {
        intents.push(ChangeOwnPin{first_, digits_});
        secure_wipe(first_);  // a refused PIN starts again from the first entry
        secure_wipe(digits_);
      }
    }
    if (ui.button("new_pin.back", Rect{m, sc.y - m - bh, 260, bh}, ui.tr("common.back"), ButtonStyle::Secondary))
      intents.push(GoBack{});
  }

 private:
  std::string first_, digits_;
};

}  // namespace

std::unique_ptr<Scene> make_staff_new_pin_scene() { return std::make_unique<StaffNewPinScene>(); }

}  // namespace balie::kiosk
