// UTF-8 decoding and encoding, the one strict implementation for store, text, sync and inbox
// (record/, any thread). Names in any script pass through here (search folding, shaping input, field
// validation); invalid input is reported, never guessed at.
#pragma once
#include <string>
#include <string_view>

namespace balie::record {

inline constexpr char32_t kInvalidCodePoint = 0xFFFFFFFF;

// Decodes the code point at s[i] (i < s.size()) and advances i past it; an invalid sequence
// (truncated, overlong, surrogate, > U+10FFFF) returns kInvalidCodePoint and advances i past its
// maximal subpart, so callers replace it with one U+FFFD (Unicode 15, 3.9) or drop it.
char32_t utf8_next(std::string_view s, std::size_t& i);
// Appends `cp` as UTF-8; a surrogate or a value above U+10FFFF is written as U+FFFD.
void utf8_append(std::string& out, char32_t cp);
bool is_valid_utf8(std::string_view s);

}  // namespace balie::record
