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

// Bidi embeddings, overrides and isolates (U+202A-202E LRE RLE PDF LRO RLO, U+2066-2069 LRI RLI FSI
// PDI): formatting that reorders the text around it. ZWJ/ZWNJ (needed to spell names in Arabic and
// Indic scripts) and the marks LRM/RLM/ALM are not in this set.
bool is_bidi_formatting(char32_t cp);
// Removes every is_bidi_formatting code point from `s` (names and other free text are data, not
// formatting: store/ and sync/ call this at ingestion). Returns true when something was removed.
// Bytes that are not valid UTF-8 are kept as they are (the field's own validation reports them).
bool strip_bidi_formatting(std::string& s);

}  // namespace balie::record
