// Implementation of the encoding helpers (hex, base64, SHA-256, gzip, UUID, UTC times).
// libsodium for hashing/base64/randomness, zlib for gzip. Thread-safe.
#include "balie/record/codec.h"

#include <sodium.h>
#include <zlib.h>

#include <cstdio>
#include <cstring>

namespace balie::record {

const char* errc_name(Errc c) {
  switch (c) {
    case Errc::invalid_input: return "invalid_input";
    case Errc::crypto: return "crypto";
    case Errc::routing: return "routing";
    case Errc::tls: return "tls";
    case Errc::network: return "network";
    case Errc::server: return "server";
    case Errc::rejected: return "rejected";
    case Errc::store: return "store";
    case Errc::io: return "io";
    case Errc::limit: return "limit";
    case Errc::internal: return "internal";
  }
  return "unknown";
}

bool crypto_ready() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

std::string to_hex(const std::uint8_t* p, std::size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    s[2 * i] = d[p[i] >> 4];
    s[2 * i + 1] = d[p[i] & 15];
  }
  return s;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<Bytes> from_hex(std::string_view s) {
  if (s.size() % 2) return std::nullopt;
  Bytes b(s.size() / 2);
  for (std::size_t i = 0; i < b.size(); ++i) {
    int h = hexval(s[2 * i]), l = hexval(s[2 * i + 1]);
    if (h < 0 || l < 0) return std::nullopt;
    b[i] = static_cast<std::uint8_t>(h * 16 + l);
  }
  return b;
}

std::string to_base64(const std::uint8_t* p, std::size_t n) {
  crypto_ready();
  std::string s(sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(s.data(), s.size(), p, n, sodium_base64_VARIANT_ORIGINAL);
  s.resize(std::strlen(s.c_str()));
  return s;
}

std::optional<Bytes> from_base64(std::string_view s, std::size_t max_out) {
  crypto_ready();
  if (s.size() / 4 * 3 > max_out + 3) return std::nullopt;
  Bytes b(s.size() / 4 * 3 + 3);
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(b.data(), b.size(), s.data(), s.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0)
    return std::nullopt;
  if (end != s.data() + s.size() || len > max_out) return std::nullopt;
  b.resize(len);
  return b;
}

std::string sha256_hex(const std::uint8_t* p, std::size_t n) {
  crypto_ready();
  std::uint8_t h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, p, n);
  return to_hex(h, sizeof h);
}

Result<std::string> gzip_compress(std::string_view in) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return make_error(Errc::internal, "gzip: deflateInit2 failed");
  std::string out(deflateBound(&zs, in.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  std::size_t n = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return make_error(Errc::internal, "gzip: deflate did not finish");
  out.resize(n);
  return out;
}

Result<std::string> gzip_decompress(std::string_view in, std::size_t max_out) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) return make_error(Errc::internal, "gzip: inflateInit2 failed");
  std::string out;
  char buf[16384];
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      return make_error(Errc::invalid_input, "gzip: corrupt or truncated stream");
    }
    std::size_t got = sizeof buf - zs.avail_out;
    if (out.size() + got > max_out) {
      inflateEnd(&zs);
      return make_error(Errc::limit, "gzip: decompressed body exceeds " + std::to_string(max_out) + " bytes");
    }
    out.append(buf, got);
    if (rc == Z_OK && got == 0 && zs.avail_in == 0) {
      inflateEnd(&zs);
      return make_error(Errc::invalid_input, "gzip: truncated stream");
    }
  }
  bool trailing = zs.avail_in != 0;
  inflateEnd(&zs);
  if (trailing) return make_error(Errc::invalid_input, "gzip: trailing bytes after stream");
  return out;
}

std::string new_uuid_v4() {
  crypto_ready();
  std::uint8_t b[16];
  randombytes_buf(b, sizeof b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  std::string h = to_hex(b, 16);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" +
         h.substr(20);
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
      return false;
    }
  }
  return true;
}

bool is_gemeentecode(std::string_view s) {
  if (s.size() != 6 || s[0] != 'G' || s[1] != 'M') return false;
  for (std::size_t i = 2; i < 6; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

bool is_token(std::string_view s, std::size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
          c == '-'))
      return false;
  return true;
}

std::string format_utc(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

static bool digits(std::string_view s, std::size_t pos, std::size_t n, int* out) {
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

static bool valid_ymd(int y, int m, int d) {
  static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= dim[m - 1] + ((m == 2 && leap) ? 1 : 0);
}

bool is_date(std::string_view s) {
  int y, m, d;
  return s.size() == 10 && s[4] == '-' && s[7] == '-' && digits(s, 0, 4, &y) && digits(s, 5, 2, &m) &&
         digits(s, 8, 2, &d) && valid_ymd(y, m, d);
}

std::optional<std::time_t> parse_utc(std::string_view s) {
  int y, mo, d, h, mi, se;
  if (s.size() != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
      s[19] != 'Z')
    return std::nullopt;
  if (!digits(s, 0, 4, &y) || !digits(s, 5, 2, &mo) || !digits(s, 8, 2, &d) || !digits(s, 11, 2, &h) ||
      !digits(s, 14, 2, &mi) || !digits(s, 17, 2, &se))
    return std::nullopt;
  if (!valid_ymd(y, mo, d) || h > 23 || mi > 59 || se > 59) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = se;
  return timegm(&tm);
}

}  // namespace balie::record
