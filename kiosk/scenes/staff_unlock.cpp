// Staff unlock scene: the staff member taps their name, then types the PIN on a large on-screen
// number pad (no physical keyboard on the terminal). Staff screens are in Dutch. The typed digits
// live in this scene object and are overwritten on exit; OK records a SubmitStaffPin intent and
// the app verifies it against the store (Argon2id, persistent lockout).
#include "balie/platform/secure_wipe.h"
#include "scenes/scenes.h"
#include "ui/pin_pad.h"

namespace balie::kiosk {

using platform::secure_wipe;

namespace {

class StaffUnlockScene final : public Scene {
 public:
  void exit() override {
    secure_wipe(digits_);
    secure_wipe(selected_);
  }

  void draw(const AppState& s, Ui& ui, Intents& intents) override {
    const Vec2 sc = ui.screen();
    ui.fill(Rect{0, 0, sc.x, sc.y}, theme::kBackground);
    const float m = theme::kMargin;
    const float bh = 90;
    ui.text(Rect{m, m, sc.x - 2 * m, 0}, ui.tr("staff_unlock.title"), theme::kTextTitle, theme::kText);

    // Left column: who are you? Right: the PIN pad.
    const float list_w = std::min(560.0f, sc.x * 0.36f);
    float y = m + 110;
    ui.text(Rect{m, y, list_w, 0}, ui.tr("staff_unlock.who"), theme::kTextBody, theme::kTextMuted);
    y += 60;
    for (const auto& t : s.staff_tiles) {
      if (y + bh > sc.y - m - bh - theme::kMinGap) break;
      const bool sel = t.id == selected_;
      if (ui.button("staff." + t.id, Rect{m, y, list_w, bh}, t.name, sel ? ButtonStyle::Primary : ButtonStyle::Secondary,
                    theme::kTextBody)) {
        selected_ = t.id;
        secure_wipe(digits_);
      }
      y += bh + theme::kMinGap + 4;
    }
    if (s.staff_tiles.empty())
      ui.text(Rect{m, y, list_w, 0}, ui.tr("staff_unlock.no_staff"), theme::kTextBody, theme::kDanger);

    const float pad_x0 = m + list_w + 60;
    const float pad_area_w = sc.x - pad_x0 - m;
    float py = m + 110;
    ui.text(Rect{pad_x0, py, pad_area_w, 0}, ui.tr(selected_.empty() ? "staff_unlock.choose_first" : "staff_unlock.prompt"),
            theme::kTextBody, theme::kTextMuted, Align::Center);
    py += 60;
    std::string msg;
    if (s.locked_minutes > 0) msg = ui.tr("staff_unlock.locked", {{"minutes", std::to_string(s.locked_minutes)}});
    else if (s.pin_attempts_left >= 0) msg = ui.tr("staff_unlock.wrong", {{"attempts", std::to_string(s.pin_attempts_left)}});
    else if (!s.staff_message.empty()) msg = s.staff_message;
    if (pin_pad(ui, "pin", Rect{pad_x0, py, pad_area_w, sc.y - m - py}, digits_, !selected_.empty(), msg)) {
      intents.push(SubmitStaffPin{selected_, digits_});
      secure_wipe(digits_);
    }
    if (ui.button("staff_unlock.back", Rect{m, sc.y - m - bh, 260, bh}, ui.tr("common.back"), ButtonStyle::Secondary))
      intents.push(GoBack{});
  }

 private:
  std::string digits_;
  std::string selected_;
};

}  // namespace

std::unique_ptr<Scene> make_staff_unlock_scene() { return std::make_unique<StaffUnlockScene>(); }

}  // namespace balie::kiosk
