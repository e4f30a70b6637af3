// Helpers of the record store (store/ layer): SHA-256 (libsodium), UUID v4, UTC formatting and the
// search folding of names in any script. See util.h.
#include "util.h"

#include <sodium.h>

#include <ctime>

namespace balie::store::detail {

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

std::string sha256_hex(std::span<const std::uint8_t> bytes) {
  std::uint8_t h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, bytes.data(), bytes.size());
  return to_hex(h);
}

std::string sha256_hex(std::string_view text) {
  return sha256_hex(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

std::string uuid_v4() {
  std::uint8_t b[16];
  randombytes_buf(b, sizeof b);
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);
  std::string h = to_hex(b);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

std::string format_utc(UtcTime t) {
  std::time_t tt = static_cast<std::time_t>(t.time_since_epoch().count());
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {

// Decodes one UTF-8 code point; returns 0xFFFFFFFF for an invalid sequence (and skips one byte).
char32_t next_cp(std::string_view s, std::size_t& i) {
  auto b0 = static_cast<unsigned char>(s[i]);
  auto cont = [&](std::size_t k) -> int {
    if (i + k >= s.size()) return -1;
    auto b = static_cast<unsigned char>(s[i + k]);
    return (b & 0xC0) == 0x80 ? (b & 0x3F) : -1;
  };
  if (b0 < 0x80) {
    i += 1;
    return b0;
  }
  if ((b0 & 0xE0) == 0xC0) {
    int c1 = cont(1);
    if (c1 >= 0 && b0 >= 0xC2) {
      i += 2;
      return static_cast<char32_t>(((b0 & 0x1F) << 6) | c1);
    }
  } else if ((b0 & 0xF0) == 0xE0) {
    int c1 = cont(1), c2 = cont(2);
    if (c1 >= 0 && c2 >= 0) {
      char32_t cp = static_cast<char32_t>(((b0 & 0x0F) << 12) | (c1 << 6) | c2);
      if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) {
        i += 3;
        return cp;
      }
    }
  } else if ((b0 & 0xF8) == 0xF0) {
    int c1 = cont(1), c2 = cont(2), c3 = cont(3);
    if (c1 >= 0 && c2 >= 0 && c3 >= 0) {
      char32_t cp = static_cast<char32_t>(((b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3);
      if (cp >= 0x10000 && cp <= 0x10FFFF) {
        i += 4;
        return cp;
      }
    }
  }
  i += 1;
  return 0xFFFFFFFF;
}

void put_cp(std::string& out, char32_t cp) {
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
    char32_t cp = next_cp(s, i);
    if (cp == 0xFFFFFFFF || is_dropped(cp)) continue;
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
    put_cp(out, cp);
  }
  return out;
}

}  // namespace balie::store::detail
