// Small helpers of the record store (store/ layer, private): hashing, UUIDs, time formatting and the
// search folding of names (case- and diacritics-insensitive, any script).
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "balie/store/types.h"

namespace balie::store::detail {

std::string sha256_hex(std::span<const std::uint8_t> bytes);
std::string sha256_hex(std::string_view text);
std::string to_hex(std::span<const std::uint8_t> bytes);
std::string uuid_v4();
bool is_uuid(std::string_view s);
std::string format_utc(UtcTime t);  // "2026-11-24T14:37:10Z"
// Folds text for search: lower case (Latin, Latin-1/Extended-A, Greek, Cyrillic, Armenian), Latin
// diacritics removed (é -> e, ß -> ss, ø -> o), combining marks, Arabic harakat/tatweel and bidi
// controls dropped. Invalid UTF-8 bytes are dropped.
std::string fold_for_search(std::string_view utf8);

}  // namespace balie::store::detail
