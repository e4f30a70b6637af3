// Bidi layer (text/, any thread): FriBidi for paragraph levels, own L1/L2 for lines.
// Conformance is checked against BidiCharacterTest.txt in tests/text/bidi_conformance_test.cpp.
#include "balie/text/bidi.h"

#include <fribidi.h>

#include <algorithm>

namespace balie::text::bidi {

Paragraph resolve(std::u32string_view text, BaseDirection base) {
  Paragraph p;
  const auto n = static_cast<FriBidiStrIndex>(text.size());
  p.levels.assign(text.size(), 0);
  p.types.assign(text.size(), 0);
  FriBidiParType dir = FRIBIDI_PAR_ON;
  switch (base) {
    case BaseDirection::kLtr: dir = FRIBIDI_PAR_LTR; break;
    case BaseDirection::kRtl: dir = FRIBIDI_PAR_RTL; break;
    case BaseDirection::kAuto: dir = FRIBIDI_PAR_ON; break;
    case BaseDirection::kAutoLtr: dir = FRIBIDI_PAR_WLTR; break;  // weak: P2/P3 first
    case BaseDirection::kAutoRtl: dir = FRIBIDI_PAR_WRTL; break;
  }
  if (n == 0) {
    p.paragraph_level = base == BaseDirection::kRtl || base == BaseDirection::kAutoRtl ? 1 : 0;
    return p;
  }
  const auto* chars = reinterpret_cast<const FriBidiChar*>(text.data());
  std::vector<FriBidiCharType> types(text.size());
  std::vector<FriBidiBracketType> brackets(text.size());
  fribidi_get_bidi_types(chars, n, types.data());
  fribidi_get_bracket_types(chars, n, types.data(), brackets.data());
  std::vector<FriBidiLevel> levels(text.size());
  const FriBidiLevel max = fribidi_get_par_embedding_levels_ex(types.data(), brackets.data(), n,
                                                               &dir, levels.data());
  p.paragraph_level = FRIBIDI_DIR_TO_LEVEL(dir);
  if (max == 0) {  // allocation failure inside FriBidi: fall back to the paragraph level
    std::fill(p.levels.begin(), p.levels.end(), static_cast<uint8_t>(p.paragraph_level));
  } else {
    for (size_t i = 0; i < text.size(); ++i) p.levels[i] = static_cast<uint8_t>(levels[i]);
  }
  for (size_t i = 0; i < text.size(); ++i) p.types[i] = types[i];
  return p;
}

bool removed_by_x9(uint32_t t) { return FRIBIDI_IS_EXPLICIT_OR_BN(static_cast<FriBidiCharType>(t)); }

namespace {
bool is_isolate_control(uint32_t t) {
  return t == FRIBIDI_TYPE_LRI || t == FRIBIDI_TYPE_RLI || t == FRIBIDI_TYPE_FSI ||
         t == FRIBIDI_TYPE_PDI;
}
}  // namespace

std::vector<uint8_t> line_levels(const Paragraph& p, size_t begin, size_t end) {
  std::vector<uint8_t> out(p.levels.begin() + static_cast<long>(begin),
                           p.levels.begin() + static_cast<long>(end));
  const auto par = static_cast<uint8_t>(p.paragraph_level);
  // Walk backwards: `trailing` is true while we are in whitespace (or X9-removed characters)
  // that precede a separator or the end of the line.
  bool trailing = true;
  for (size_t k = end; k-- > begin;) {
    const auto t = static_cast<FriBidiCharType>(p.types[k]);
    const size_t i = k - begin;
    if (t == FRIBIDI_TYPE_SS || t == FRIBIDI_TYPE_BS) {
      out[i] = par;
      trailing = true;
    } else if (FRIBIDI_IS_SPACE(t) || is_isolate_control(t) || removed_by_x9(t)) {
      if (trailing) out[i] = par;
    } else {
      trailing = false;
    }
  }
  return out;
}

std::vector<uint32_t> visual_order(std::span<const uint8_t> levels) {
  const size_t n = levels.size();
  std::vector<uint32_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = static_cast<uint32_t>(i);
  if (n == 0) return order;
  uint8_t highest = 0, lowest_odd = 255;
  for (uint8_t l : levels) {
    highest = std::max(highest, l);
    if (l & 1) lowest_odd = std::min(lowest_odd, l);
  }
  // Reorder on the visual array; track levels alongside.
  std::vector<uint8_t> lv(levels.begin(), levels.end());
  for (int level = highest; level >= lowest_odd && level > 0; --level) {
    size_t i = 0;
    while (i < n) {
      if (lv[i] >= level) {
        size_t j = i;
        while (j < n && lv[j] >= level) ++j;
        std::reverse(order.begin() + static_cast<long>(i), order.begin() + static_cast<long>(j));
        std::reverse(lv.begin() + static_cast<long>(i), lv.begin() + static_cast<long>(j));
        i = j;
      } else {
        ++i;
      }
    }
  }
  return order;
}

}  // namespace balie::text::bidi
