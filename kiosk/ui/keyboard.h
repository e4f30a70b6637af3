// On-screen keyboard (kiosk UI layer, main thread): the terminal has no physical keyboard, so
// staff type resident names and numbers here. Layouts: Latin (QWERTY), Arabic, Persian/Sorani
// (fa, prs, ckb letters), digits. Keys are at
// least the minimum touch target; the layout is not mirrored (keyboards keep their own order).
#pragma once
#include <string>

#include "ui/ui.h"

namespace balie::kiosk {

enum class KeyboardLayout : uint8_t { Latin, Arabic, Persian, Digits };

struct KeyboardState {
  KeyboardLayout layout = KeyboardLayout::Latin;
};

// Draws the keyboard in `area` (it uses the full width and the given height) and edits `text`
// (UTF-8, at most max_bytes). Returns true when the text changed. IDs: kb.<label>, kb.space,
// kb.erase, kb.layout.latin / kb.layout.arabic / kb.layout.persian / kb.layout.digits. At least
// 13 * kMinTarget + 12 * kMinGap (1062 px) wide: keys never shrink below the minimum target.
bool on_screen_keyboard(Ui& ui, Rect area, KeyboardState& kb, std::string& text, size_t max_bytes = 64);

// Removes the last UTF-8 code point of `s` and overwrites the removed bytes.
void erase_last_code_point(std::string& s);

}  // namespace balie::kiosk
