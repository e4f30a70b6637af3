// The search folding of names (store/ layer, private): case- and diacritics-insensitive, any script.
// Hashing, UUIDs, UTC formatting and UTF-8 are record/'s (balie/record/codec.h, utf8.h).
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "balie/store/types.h"

namespace balie::store::detail {

// Folds text for search: lower case (Latin, Latin-1/Extended-A, Greek, Cyrillic, Armenian), Latin
// diacritics removed (é -> e, ß -> ss, ø -> o), combining marks, Arabic harakat/tatweel and bidi
// controls dropped. Invalid UTF-8 bytes are dropped.
std::string fold_for_search(std::string_view utf8);

}  // namespace balie::store::detail
