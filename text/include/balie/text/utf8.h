// UTF-8 handling for the text engine (text/, any thread): decoding with replacement of invalid
// sequences by U+FFFD, encoding, bidi isolation of untrusted strings (FSI ... PDI) and zeroing of
// buffers that held personal text.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace balie::text {

inline constexpr char32_t kReplacementChar = 0xFFFD;

// Decodes UTF-8; every invalid, overlong, surrogate or truncated sequence becomes one U+FFFD
// (WHATWG "maximal subpart" rule). Never fails.
std::u32string decode_utf8(std::string_view utf8);
// Encodes code points; invalid ones (surrogates, > U+10FFFF) become U+FFFD.
std::string encode_utf8(std::u32string_view text);
void append_utf8(std::string& out, char32_t c);
// decode + encode: the returned string is valid UTF-8.
std::string sanitize_utf8(std::string_view utf8);

// Wraps an untrusted string (a name, an address, municipality data) so it cannot reorder the text
// around it: sanitises UTF-8, drops unmatched closing bidi controls (PDF, PDI), closes embeddings and
// isolates it opened, strips paragraph separators (a newline would end the isolate), and wraps the
// result in FSI (U+2068) ... PDI (U+2069).
std::string isolate_untrusted(std::string_view utf8);

// True for a value that reads left to right by itself and holds nothing right-to-left: codes such
// as "1234-A6AB", V-nummers, dates and times in digits, numbers, Latin words. No R/AL/AN character
// and no bidi control; the empty string is not a token.
bool is_ltr_token(std::string_view utf8);

// Isolation of a value substituted into a sentence (a catalog placeholder; the one rule used by
// every tr()): an LTR token gets LRI (U+2066) ... PDI, so "1234-A6AB" stays "1234-A6AB" inside an
// Arabic sentence; anything else (an Arabic name, a date with an Arabic month) goes through
// isolate_untrusted (FSI ... PDI). Either way the value cannot reorder the sentence around it.
std::string isolate_value(std::string_view utf8);

// True for the explicit bidi formatting characters (LRE..RLO, LRI..PDI, LRM, RLM, ALM).
bool is_bidi_control(char32_t c);

// Overwrites memory that held personal text before it is released (not optimised away).
void secure_zero(void* data, std::size_t size);
template <class S>
void secure_wipe(S& s) {
  if (!s.empty()) secure_zero(s.data(), s.size() * sizeof(typename S::value_type));
  s.clear();
  s.shrink_to_fit();
}

}  // namespace balie::text
