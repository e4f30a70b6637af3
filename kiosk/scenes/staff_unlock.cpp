// Staff unlock scene: a large on-screen number pad for the staff PIN (no physical keyboard on the
// terminal). Staff screens are in Dutch. The typed digits live in this scene object and are
// overwritten on exit; submitting records a SubmitStaffPin intent, the app verifies it.
#include <sodium.h>

#include "core/secure_wipe.h"
#include "scenes/scenes.h"

namespace balie::kiosk {
namespace {

class StaffUnlockScene final : public Scene {
 public:
  static constexpr size_t kMaxDigits = 12;

  void exit() override { secure_wipe(digits_); }

  void draw(const AppState& s, Ui& ui, Intents& intents) override {
    const Vec2 sc = ui.screen();
    ui.fill(Rect{0, 0, sc.x, sc.y}, theme::kBackground);
    const float m = theme::kMargin;
    ui.text(Rect{m, m, sc.x - 2 * m, 0}, ui.tr("staff_unlock.title"), theme::kTextTitle, theme::kText, Align::Start);
    ui.text(Rect{m, m + 90, sc.x - 2 * m, 0}, ui.tr("staff_unlock.prompt"), theme::kTextBody, theme::kTextMuted);

    // PIN dots.
    const float gap = theme::kMinGap + 6;
    float y = m + 170;
    // Keys as large as the height allows (4 rows below the messages), never below the target size.
    const float key = std::max(theme::kMinTarget, std::min(130.0f, (sc.y - m - (y + 110) - 3 * gap) / 4));
    const float pad_w = 3 * key + 2 * gap;
    const float px = (sc.x - pad_w) / 2;
    for (size_t i = 0; i < kMaxDigits; ++i) {
      const float cx = sc.x / 2 + (static_cast<float>(i) - (kMaxDigits - 1) / 2.0f) * 34;
      const bool on = i < digits_.size();
      ui.circle(Vec2{cx, y + 14}, 11, on ? theme::kText : theme::rgba(190, 186, 176));
    }
    y += 50;
    if (s.locked_minutes > 0) {
      ui.text(Rect{m, y, sc.x - 2 * m, 0}, ui.tr("staff_unlock.locked", {{"minutes", std::to_string(s.locked_minutes)}}),
              theme::kTextBody, theme::kDanger, Align::Center);
    } else if (s.pin_attempts_left >= 0) {
      ui.text(Rect{m, y, sc.x - 2 * m, 0},
              ui.tr("staff_unlock.wrong", {{"attempts", std::to_string(s.pin_attempts_left)}}), theme::kTextBody,
              theme::kDanger, Align::Center);
    }
    y += 60;

    // 1-9, then backspace 0 OK. The pad keeps phone order in every language (not mirrored).
    static const char* kLabels[12] = {"1", "2", "3", "4", "5", "6", "7", "8", "9", "<", "0", "OK"};
    for (int i = 0; i < 12; ++i) {
      const Rect r{px + (i % 3) * (key + gap), y + (i / 3) * (key + gap), key, key};
      std::string id = "pin.";
      if (i == 9) id += "erase";
      else if (i == 11) id += "ok";
      else id += kLabels[i];
      const bool pressed = ui.button(id, r, i == 9 ? "\xE2\x8C\xAB" : kLabels[i],
                                     i == 11 ? ButtonStyle::Primary : ButtonStyle::Secondary, theme::kTextTitle * 0.8f);
      if (!pressed) continue;
      if (i == 9) {
        if (!digits_.empty()) {
          digits_.back() = '\0';
          digits_.pop_back();
        }
      } else if (i == 11) {
        if (!digits_.empty()) {
          intents.push(SubmitStaffPin{"", digits_});
          secure_wipe(digits_);
        }
      } else if (digits_.size() < kMaxDigits) {
        digits_.push_back(kLabels[i][0]);
      }
    }
    const float bw = 260, bh = 90;
    if (ui.button("staff_unlock.back", ui.mirror(Rect{m, sc.y - m - bh, bw, bh}), ui.tr("common.back"),
                  ButtonStyle::Secondary))
      intents.push(GoBack{});
  }

 private:
  std::string digits_;
};

}  // namespace

std::unique_ptr<Scene> make_staff_unlock_scene() { return std::make_unique<StaffUnlockScene>(); }

}  // namespace balie::kiosk
