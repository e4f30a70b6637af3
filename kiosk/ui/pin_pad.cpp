// PIN pad widget: dots, message line and the 3x4 keys (see pin_pad.h).
#include "ui/pin_pad.h"

#include <algorithm>

namespace balie::kiosk {

bool pin_pad(Ui& ui, std::string_view id_prefix, Rect area, std::string& digits, bool ok_enabled,
             std::string_view message) {
  float y = area.y;
  for (size_t i = 0; i < kMaxPinDigits; ++i) {
    const float cx = area.x + area.w / 2 + (static_cast<float>(i) - (kMaxPinDigits - 1) / 2.0f) * 34;
    ui.circle(Vec2{cx, y + 14}, 11, i < digits.size() ? theme::kText : theme::rgba(190, 186, 176));
  }
  y += 44;
  if (!message.empty()) ui.text(Rect{area.x, y, area.w, 0}, message, theme::kTextSmall, theme::kDanger, Align::Center);
  y += 56;
  // Keys as large as the height allows (4 rows), never below the touch-target size.
  const float gap = theme::kMinGap + 6;
  const float key = std::max(theme::kMinTarget, std::min(120.0f, (area.y + area.h - y - 3 * gap) / 4));
  const float kx = area.x + (area.w - (3 * key + 2 * gap)) / 2;
  // 1-9, then erase 0 OK: phone order in every language (a keypad is not mirrored).
  static const char* kLabels[12] = {"1", "2", "3", "4", "5", "6", "7", "8", "9", "", "0", "OK"};
  bool submit = false;
  for (int i = 0; i < 12; ++i) {
    const Rect r{kx + (i % 3) * (key + gap), y + (i / 3) * (key + gap), key, key};
    std::string id(id_prefix);
    std::string label = kLabels[i];
    if (i == 9) {
      id += ".erase";
      label = ui.tr("common.erase");
    } else {
      id += '.';
      id += i == 11 ? "ok" : kLabels[i];
    }
    if (!ui.button(id, r, label, i == 11 ? ButtonStyle::Primary : ButtonStyle::Secondary,
                   i == 9 ? theme::kTextSmall : theme::kTextTitle * 0.8f))
      continue;
    if (i == 9) {
      if (!digits.empty()) {
        digits.back() = '\0';
        digits.pop_back();
      }
    } else if (i == 11) {
      submit = ok_enabled && !digits.empty();
    } else if (digits.size() < kMaxPinDigits) {
      digits.push_back(kLabels[i][0]);
    }
  }
  return submit;
}

}  // namespace balie::kiosk
