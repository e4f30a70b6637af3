// UTF-8 decoding and encoding (record/, any thread): strict (no overlongs, no surrogates, nothing
// above U+10FFFF), an invalid sequence skipped as its maximal subpart (Unicode 15, 3.9). See utf8.h.
#include "balie/record/utf8.h"

namespace balie::record {

char32_t utf8_next(std::string_view s, std::size_t& i) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  const unsigned char b0 = p[i];
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int len = 0;
  char32_t cp = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;  // no overlongs
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;  // no overlongs
    if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    ++i;
    return kInvalidCodePoint;
  }
  for (std::size_t j = 1; j < static_cast<std::size_t>(len); ++j) {
    const unsigned char min = (j == 1) ? lo : 0x80;
    const unsigned char max = (j == 1) ? hi : 0xBF;
    if (i + j >= n || p[i + j] < min || p[i + j] > max) {
      i += j;  // maximal subpart: skip the valid prefix only
      return kInvalidCodePoint;
    }
    cp = (cp << 6) | (p[i + j] & 0x3F);
  }
  i += static_cast<std::size_t>(len);
  return cp;
}

void utf8_append(std::string& out, char32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;  // never encode what is not a scalar value
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool is_valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();)
    if (utf8_next(s, i) == kInvalidCodePoint) return false;
  return true;
}

bool is_bidi_formatting(char32_t cp) { return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069); }

bool strip_bidi_formatting(std::string& s) {
  std::string out;
  bool removed = false;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t start = i;
    const char32_t cp = utf8_next(s, i);
    if (cp != kInvalidCodePoint && is_bidi_formatting(cp)) {
      if (!removed) out.assign(s, 0, start);
      removed = true;
      continue;
    }
    if (removed) out.append(s, start, i - start);
  }
  if (removed) s.swap(out);
  return removed;
}

}  // namespace balie::record
