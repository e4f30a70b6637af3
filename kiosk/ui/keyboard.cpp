// On-screen keyboard: Latin, Arabic, Persian/Sorani and digit layouts (see keyboard.h).
#include "ui/keyboard.h"

#include <array>
#include <cmath>
#include <string_view>
#include <vector>

namespace balie::kiosk {

namespace {

using Row = std::vector<std::string_view>;

const std::vector<Row>& rows(KeyboardLayout l) {
  static const std::vector<Row> latin = {
      {"q", "w", "e", "r", "t", "y", "u", "i", "o", "p"},
      {"a", "s", "d", "f", "g", "h", "j", "k", "l", "-"},
      {"z", "x", "c", "v", "b", "n", "m", "'", "."},
  };
  // Arabic letters in the common Arabic keyboard arrangement (right-to-left reading, but key order as printed).
  static const std::vector<Row> arabic = {
      {"\xD8\xB6", "\xD8\xB5", "\xD8\xAB", "\xD9\x82", "\xD9\x81", "\xD8\xBA", "\xD8\xB9", "\xD9\x87", "\xD8\xAE", "\xD8\xAD", "\xD8\xAC"},
      {"\xD8\xB4", "\xD8\xB3", "\xD9\x8A", "\xD8\xA8", "\xD9\x84", "\xD8\xA7", "\xD8\xAA", "\xD9\x86", "\xD9\x85", "\xD9\x83", "\xD8\xB7"},
      {"\xD8\xA6", "\xD8\xA1", "\xD8\xA4", "\xD8\xB1", "\xD9\x89", "\xD8\xA9", "\xD9\x88", "\xD8\xB2", "\xD8\xB8", "\xD8\xAF", "\xD8\xB0"},
  };
  // Persian and Sorani (fa, prs, ckb): the Persian standard arrangement (ISIRI 9147) for the letters
  // Persian shares with Arabic, with Persian ی and ک, the Persian letters چ پ ژ گ, and the Sorani
  // letters ە ێ ڵ ۆ ڕ ڤ ئ at the row ends. 13 keys a row fit 1280 px at the minimum target.
  static const std::vector<Row> persian = {
      {"ض", "ص", "ث", "ق", "ف", "غ", "ع", "ه", "خ", "ح", "ج", "چ", "ە"},
      {"ش", "س", "ی", "ب", "ل", "ا", "ت", "ن", "م", "ک", "گ", "ێ", "ڵ"},
      {"ظ", "ط", "ز", "ر", "ذ", "د", "پ", "و", "ژ", "ئ", "ۆ", "ڕ", "ڤ"},
  };
  static const std::vector<Row> digits = {
      {"1", "2", "3", "4", "5", "6", "7", "8", "9", "0"},
      {"A", "B", "C", "V", "-", "/"},
  };
  switch (l) {
    case KeyboardLayout::Arabic: return arabic;
    case KeyboardLayout::Persian: return persian;
    case KeyboardLayout::Digits: return digits;
    default: return latin;
  }
}

std::string key_id(std::string_view label) {
  std::string id = "kb.";
  for (unsigned char c : label) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')) {
      id += static_cast<char>(c);
    } else {
      static const char* hex = "0123456789abcdef";
      id += 'x';
      id += hex[c >> 4];
      id += hex[c & 15];
    }
  }
  return id;
}

}  // namespace

void erase_last_code_point(std::string& s) {
  if (s.empty()) return;
  size_t n = s.size() - 1;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  for (size_t i = n; i < s.size(); ++i) s[i] = '\0';
  s.resize(n);
}

bool on_screen_keyboard(Ui& ui, Rect area, KeyboardState& kb, std::string& text, size_t max_bytes) {
  bool changed = false;
  const auto& layout_rows = rows(kb.layout);
  const float gap = theme::kMinGap;
  const int n_rows = static_cast<int>(layout_rows.size()) + 1;  // + the bottom row
  const float key_h = std::max(theme::kMinTarget, (area.h - (n_rows - 1) * gap) / n_rows);
  size_t widest = 0;
  for (const auto& r : layout_rows) widest = std::max(widest, r.size());
  // Whole pixels, so the gaps between keys stay exactly kMinGap.
  const float key_w = std::max(theme::kMinTarget, std::floor((area.w - (widest - 1) * gap) / widest));
  float y = area.y;
  for (const auto& r : layout_rows) {
    const float row_w = r.size() * key_w + (r.size() - 1) * gap;
    float x = area.x + std::round((area.w - row_w) / 2);
    for (std::string_view k : r) {
      if (ui.button(key_id(k), Rect{x, y, key_w, key_h}, k, ButtonStyle::Secondary, theme::kTextButton) &&
          text.size() + k.size() <= max_bytes) {
        text.append(k);
        changed = true;
      }
      x += key_w + gap;
    }
    y += key_h + gap;
  }
  // Bottom row: layout switches, space, erase.
  const float small = std::max(theme::kMinTarget * 1.6f, key_w * 1.4f);
  float x = area.x;
  struct Switch {
    KeyboardLayout l;
    const char* id;
    const char* label;
  };
  static const Switch kSwitches[] = {{KeyboardLayout::Latin, "kb.layout.latin", "ABC"},
                                     {KeyboardLayout::Arabic, "kb.layout.arabic", "\xD8\xA3\xD8\xA8\xD8\xAA"},
                                     {KeyboardLayout::Persian, "kb.layout.persian", "پ گ ێ"},
                                     {KeyboardLayout::Digits, "kb.layout.digits", "123"}};
  for (const auto& s : kSwitches) {
    if (ui.button(s.id, Rect{x, y, small, key_h}, s.label, kb.layout == s.l ? ButtonStyle::Primary : ButtonStyle::Secondary))
      kb.layout = s.l;
    x += small + gap;
  }
  const float erase_w = small * 1.3f;
  const float space_w = area.x + area.w - x - erase_w - gap;
  if (ui.button("kb.space", Rect{x, y, space_w, key_h}, "", ButtonStyle::Secondary) && !text.empty() &&
      text.back() != ' ' && text.size() < max_bytes) {
    text.push_back(' ');
    changed = true;
  }
  if (ui.button("kb.erase", Rect{area.x + area.w - erase_w, y, erase_w, key_h}, ui.tr("common.erase"), ButtonStyle::Secondary) &&
      !text.empty()) {
    erase_last_code_point(text);
    changed = true;
  }
  return changed;
}

}  // namespace balie::kiosk
