// The PIN pad widget (kiosk UI layer, main thread): a row of dots for the digits typed, a message
// line (wrong PIN, locked) and a large 3x4 number pad, for the staff unlock and the signing host.
// The digits live in the caller's scene object; the widget overwrites erased digits.
#pragma once
#include <string>
#include <string_view>

#include "ui/ui.h"

namespace balie::kiosk {

inline constexpr size_t kMaxPinDigits = 12;

// Draws in `area` (dots at the top, keys filling the rest, centred). IDs: <prefix>.0 .. <prefix>.9,
// <prefix>.erase, <prefix>.ok. Returns true when OK is tapped with at least one digit typed and
// `ok_enabled`; the caller then submits and wipes `digits`.
bool pin_pad(Ui& ui, std::string_view id_prefix, Rect area, std::string& digits, bool ok_enabled,
             std::string_view message);

}  // namespace balie::kiosk
