// The search folding of names in any script (store/ layer, private; UTF-8 from record/, Unicode
// data from ICU). See util.h. No heap buffer holds a name here besides the result: ICU is called
// per code point with stack buffers, so nothing personal is left in freed ICU memory.
#include "util.h"

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/utf16.h>

#include "balie/record/utf8.h"

namespace balie::store::detail {

namespace {

bool is_dropped(char32_t cp) {
  return cp == 0x0640 ||                    // Arabic tatweel
         cp == 0x061C ||                    // Arabic letter mark
         (cp >= 0x200B && cp <= 0x200F) ||  // zero width (ZWSP, ZWNJ, ZWJ), LRM/RLM
         (cp >= 0x202A && cp <= 0x202E) ||  // bidi embeddings/overrides
         (cp >= 0x2066 && cp <= 0x2069) ||  // bidi isolates
         cp == 0xFEFF || cp == 0x00AD;      // BOM, soft hyphen
}

// A combining mark that search ignores: diacritics (Inherited/Common script), harakat, hamza and
// madda above/below, Quranic marks (Arabic script), and Latin/Greek/Cyrillic marks.
bool is_ignored_mark(UChar32 c) {
  const int8_t t = u_charType(c);
  if (t != U_NON_SPACING_MARK && t != U_ENCLOSING_MARK) return false;
  UErrorCode ec = U_ZERO_ERROR;
  const UScriptCode s = uscript_getScript(c, &ec);
  if (U_FAILURE(ec)) return false;
  return s == USCRIPT_INHERITED || s == USCRIPT_COMMON || s == USCRIPT_ARABIC || s == USCRIPT_LATIN ||
         s == USCRIPT_GREEK || s == USCRIPT_CYRILLIC;
}

// Letters without a decomposition that search treats as another letter (after case folding).
// Returns nullptr when `c` stays itself; the replacement is UTF-8.
const char* letter_variant(UChar32 c) {
  switch (c) {
    // Latin letters with a stroke or ligatures (no Unicode decomposition).
    case 0x00DF: return "ss";        // ß
    case 0x00E6: return "ae";        // æ
    case 0x0153: return "oe";        // œ
    case 0x00F8: return "o";         // ø
    case 0x0111: case 0x00F0: return "d";  // đ ð
    case 0x0142: case 0x0140: return "l";  // ł ŀ
    case 0x00FE: case 0x0167: return "t";  // þ ŧ
    case 0x0127: return "h";         // ħ
    case 0x0131: return "i";         // dotless ı
    case 0x0138: return "k";         // ĸ
    case 0x0149: return "n";         // ŉ
    // Arabic script: yeh forms.
    case 0x0649:                     // ى alef maksura
    case 0x06CC:                     // ی Farsi yeh
    case 0x06CD: case 0x06D0:        // ۍ ې
    case 0x06CE:                     // ێ Sorani yeh with small v
    case 0x0620: case 0x063D: case 0x063E: case 0x063F:
      return "\xD9\x8A";             // ي
    // kaf forms
    case 0x06A9: case 0x06AA: case 0x063B: case 0x063C:
      return "\xD9\x83";             // ك
    // alef forms without a decomposition (أ إ آ decompose to ا + mark)
    case 0x0671: case 0x0672: case 0x0673: case 0x0675:
      return "\xD8\xA7";             // ا
    // heh forms: teh marbuta, Sorani ae, heh doachashmee, goal
    case 0x0629: case 0x06D5: case 0x06BE: case 0x06C1: case 0x06C3: case 0x06FF:
      return "\xD9\x87";             // ه
    // waw forms: Sorani o, u
    case 0x06C6: case 0x06C7: case 0x06C9: case 0x0676:
      return "\xD9\x88";             // و
    case 0x0695: return "\xD8\xB1";  // ڕ Sorani rreh -> ر
    case 0x06B5: return "\xD9\x84";  // ڵ Sorani lam with small v -> ل
    case 0x0674: return "";          // ٴ high hamza (from ٵ ٶ ٷ ٸ)
    default: return nullptr;
  }
}

void fold_code_point(UChar32 c, std::string& out) {
  if (is_dropped(static_cast<char32_t>(c)) || is_ignored_mark(c)) return;
  if (u_charType(c) == U_DECIMAL_DIGIT_NUMBER) {
    const int32_t v = u_charDigitValue(c);
    if (v >= 0 && v <= 9) {
      out += static_cast<char>('0' + v);
      return;
    }
  }
  c = u_foldCase(c, U_FOLD_CASE_DEFAULT);
  if (const char* v = letter_variant(c)) {
    out += v;
    return;
  }
  record::utf8_append(out, static_cast<char32_t>(c));
}

const UNormalizer2* nfkd() {
  static const UNormalizer2* n = [] {
    UErrorCode ec = U_ZERO_ERROR;
    const UNormalizer2* p = unorm2_getNFKDInstance(&ec);
    return U_SUCCESS(ec) ? p : nullptr;
  }();
  return n;
}

}  // namespace

std::string fold_for_search(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  const UNormalizer2* norm = nfkd();
  std::size_t i = 0;
  while (i < s.size()) {
    const char32_t cp = record::utf8_next(s, i);
    if (cp == record::kInvalidCodePoint) continue;
    const auto c = static_cast<UChar32>(cp);
    UChar buf[32];
    UErrorCode ec = U_ZERO_ERROR;
    // The full compatibility decomposition (recursive; -1: none). The longest (U+FDFA) is 18 units.
    const int32_t n = norm != nullptr ? unorm2_getDecomposition(norm, c, buf, 32, &ec) : -1;
    if (n < 0 || U_FAILURE(ec)) {
      fold_code_point(c, out);
      continue;
    }
    for (int32_t k = 0; k < n;) {
      UChar32 d;
      U16_NEXT(buf, k, n, d);
      fold_code_point(d, out);
    }
  }
  return out;
}

}  // namespace balie::store::detail
