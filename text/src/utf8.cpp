// UTF-8 decoding/encoding with U+FFFD replacement (on record/'s one strict decoder) and bidi
// isolation of untrusted strings (text/, any thread). See utf8.h for the contracts.
#include "balie/text/utf8.h"

#include "balie/record/utf8.h"

#include <fribidi.h>
#include <string.h>

#include <algorithm>
#include <vector>

namespace balie::text {

std::u32string decode_utf8(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const char32_t cp = record::utf8_next(s, i);
    out.push_back(cp == record::kInvalidCodePoint ? kReplacementChar : cp);
  }
  return out;
}

void append_utf8(std::string& out, char32_t c) { record::utf8_append(out, c); }

std::string encode_utf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) append_utf8(out, c);
  return out;
}

std::string sanitize_utf8(std::string_view utf8) { return encode_utf8(decode_utf8(utf8)); }

bool is_bidi_control(char32_t c) {
  return record::is_bidi_formatting(c) || c == 0x200E || c == 0x200F || c == 0x061C;
}

std::string isolate_untrusted(std::string_view utf8) {
  const std::u32string in = decode_utf8(utf8);
  std::u32string body;
  body.reserve(in.size() + 8);
  // Stack of what is open inside the untrusted text: true = isolate, false = embedding/override.
  std::vector<bool> open;
  for (char32_t c : in) {
    switch (c) {
      case 0x202A: case 0x202B: case 0x202D: case 0x202E:  // LRE RLE LRO RLO
        open.push_back(false);
        body.push_back(c);
        break;
      case 0x2066: case 0x2067: case 0x2068:  // LRI RLI FSI
        open.push_back(true);
        body.push_back(c);
        break;
      case 0x202C:  // PDF: only closes an embedding opened inside this string
        if (!open.empty() && !open.back()) {
          open.pop_back();
          body.push_back(c);
        }
        break;
      case 0x2069:  // PDI: closes the innermost isolate opened inside (and embeddings within it)
        if (std::find(open.begin(), open.end(), true) != open.end()) {
          while (!open.back()) {
            body.push_back(0x202C);
            open.pop_back();
          }
          open.pop_back();
          body.push_back(c);
        }
        break;
      case 0x000A: case 0x000D: case 0x001C: case 0x001D: case 0x001E: case 0x0085:
      case 0x2029: case 0x2028:  // paragraph/line separators would end the isolate
        body.push_back(0x0020);
        break;
      default:
        body.push_back(c);
    }
  }
  while (!open.empty()) {
    body.push_back(open.back() ? char32_t{0x2069} : char32_t{0x202C});
    open.pop_back();
  }
  std::string out;
  append_utf8(out, 0x2068);
  out += encode_utf8(body);
  append_utf8(out, 0x2069);
  secure_wipe(body);
  return out;
}

bool is_ltr_token(std::string_view utf8) {
  if (utf8.empty()) return false;
  for (std::size_t i = 0; i < utf8.size();) {
    const char32_t cp = record::utf8_next(utf8, i);
    if (cp == record::kInvalidCodePoint || is_bidi_control(cp)) return false;
    const FriBidiCharType t = fribidi_get_bidi_type(static_cast<FriBidiChar>(cp));
    if (t == FRIBIDI_TYPE_RTL || t == FRIBIDI_TYPE_AL || t == FRIBIDI_TYPE_AN) return false;
    if (t == FRIBIDI_TYPE_BS || cp == 0x2028) return false;  // a line break would end the isolate
  }
  return true;
}

std::string isolate_value(std::string_view utf8) {
  if (!is_ltr_token(utf8)) return isolate_untrusted(utf8);
  std::string out;
  out.reserve(utf8.size() + 6);
  append_utf8(out, 0x2066);  // LRI
  out.append(utf8);          // valid UTF-8 without controls (checked above)
  append_utf8(out, 0x2069);  // PDI
  return out;
}

void secure_zero(void* data, std::size_t size) { explicit_bzero(data, size); }

}  // namespace balie::text
