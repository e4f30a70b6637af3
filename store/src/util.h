// The search folding of names (store/ layer, private): case- and diacritics-insensitive, any script,
// with the Arabic/Persian/Sorani letter variants folded together (ICU from Debian).
// Hashing, UUIDs, UTC formatting and UTF-8 are record/'s (balie/record/codec.h, utf8.h).
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "balie/store/types.h"

namespace balie::store::detail {

// Folds text for search, the same way for the stored keys (residents.search_key) and the query:
//  - ICU's NFKD decomposition of each code point (presentation forms and ligatures to letters,
//    é -> e + mark, أ -> ا + hamza above, ۀ -> ە + hamza above), then combining marks of the Latin,
//    Greek, Cyrillic and Arabic scripts and of no script of their own are dropped (diacritics,
//    harakat, hamza/madda above and below, Quranic marks); marks of other scripts (Ethiopic,
//    Indic) stay, they are part of the letter there;
//  - ICU case folding (any script), ß -> ss, æ -> ae, œ -> oe, ø/đ/ł/þ/ħ/ı to their base letter;
//  - Arabic-script letter variants to one letter: ی ى ې ێ -> ي, ک ڪ -> ك, ٱ -> ا, ة ە ھ ہ -> ه,
//    ۆ ۇ ۉ -> و, ڕ -> ر, ڵ -> ل (Sorani letters that Arabic keyboards type as the base letter);
//  - decimal digits of any script (٠١٢, ۰۱۲) to ASCII digits;
//  - tatweel, bidi controls, zero-width characters, BOM and soft hyphen removed.
// Invalid UTF-8 bytes are dropped. Changing the folding needs a store migration that recomputes
// residents.search_key (store/src/schema.cpp).
std::string fold_for_search(std::string_view utf8);

}  // namespace balie::store::detail
