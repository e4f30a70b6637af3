// The search folding of names in any script (store/ layer, private; UTF-8 from record/). See util.h.
#include "util.h"

#include "balie/record/utf8.h"

namespace balie::store::detail {

namespace {

// Base letters for U+00C0..U+017F (Latin-1 Supplement letters and Latin Extended-A), lower case.
// '\0' = not a letter to fold; multi-letter foldings are handled separately.
constexpr const char* kLatin1 =
    "aaaaaaaceeeeiiii"   // C0-CF (C6 Æ handled separately)
    "dnooooo\0ouuuuyts"  // D0-DF (D7 ×; DE Þ -> t; DF ß separately)
    "aaaaaaaceeeeiiii"   // E0-EF
    "dnooooo\0ouuuuyty";  // F0-FF
constexpr const char* kLatinExtA =
    "aaaaaaccccccccdd"   // 100-10F
    "ddeeeeeeeeeegggg"   // 110-11F
    "gggghhhhiiiiiiii"   // 120-12F
    "iiiijjkkklllllll"   // 130-13F (Ĳ/ĳ approximated as i)
    "lllnnnnnnnnnoooo"   // 140-14F
    "oooorrrrrrssssss"   // 150-15F (Œ/œ handled separately)
    "ssttttttuuuuuuuu"   // 160-16F
    "uuuuwwyyyzzzzzzs";  // 170-17F

bool is_dropped(char32_t cp) {
  return (cp >= 0x0300 && cp <= 0x036F) ||  // combining diacritics
         (cp >= 0x064B && cp <= 0x065F) || cp == 0x0670 || cp == 0x0640 ||  // Arabic harakat, tatweel
         (cp >= 0x200B && cp <= 0x200F) ||  // zero width, LRM/RLM
         (cp >= 0x202A && cp <= 0x202E) ||  // bidi embeddings/overrides
         (cp >= 0x2066 && cp <= 0x2069) ||  // bidi isolates
         cp == 0xFEFF || cp == 0x00AD;      // BOM, soft hyphen
}

}  // namespace

std::string fold_for_search(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    char32_t cp = record::utf8_next(s, i);
    if (cp == record::kInvalidCodePoint || is_dropped(cp)) continue;
    if (cp >= 'A' && cp <= 'Z') {
      cp += 0x20;
    } else if (cp >= 0xC0 && cp <= 0xFF) {
      if (cp == 0xC6 || cp == 0xE6) {
        out += "ae";
        continue;
      }
      if (cp == 0xDF) {
        out += "ss";
        continue;
      }
      char base = kLatin1[cp - 0xC0];
      if (base != '\0') cp = static_cast<unsigned char>(base);
    } else if (cp >= 0x100 && cp <= 0x17F) {
      if (cp == 0x152 || cp == 0x153) {
        out += "oe";
        continue;
      }
      cp = cp == 0x17F ? U's' : static_cast<unsigned char>(kLatinExtA[cp - 0x100]);
    } else if (cp >= 0x391 && cp <= 0x3A9) {
      cp += 0x20;  // Greek capitals
    } else if (cp >= 0x410 && cp <= 0x42F) {
      cp += 0x20;  // Cyrillic А..Я
    } else if (cp >= 0x400 && cp <= 0x40F) {
      cp += 0x50;  // Cyrillic Ѐ..Џ
    } else if (cp >= 0x460 && cp <= 0x4FF && (cp % 2) == 0 && !(cp >= 0x482 && cp <= 0x489)) {
      cp += 1;  // Cyrillic extended pairs (Ґ -> ґ etc.)
    } else if (cp >= 0x531 && cp <= 0x556) {
      cp += 0x30;  // Armenian
    } else if (cp >= 0x622 && cp <= 0x625) {
      cp = 0x627;  // Arabic alef variants -> bare alef
    } else if (cp == 0x629) {
      cp = 0x647;  // teh marbuta -> heh
    } else if (cp == 0x649) {
      cp = 0x64A;  // alef maksura -> yeh
    }
    record::utf8_append(out, cp);
  }
  return out;
}

}  // namespace balie::store::detail
