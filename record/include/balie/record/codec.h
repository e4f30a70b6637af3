// Small encoding helpers of the record format, shared by kiosk, store, sync and inbox (record/, any
// thread): hex, base64, SHA-256, gzip with an explicit output limit, UUID and UTC time formatting.
#pragma once
#include <chrono>
#include <cstdint>
#include <ctime>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "balie/record/result.h"

namespace balie::record {

using Bytes = std::vector<std::uint8_t>;

// Calls sodium_init() once; every function below that uses libsodium calls it.
bool crypto_ready();

std::string to_hex(const std::uint8_t* p, std::size_t n);
inline std::string to_hex(std::span<const std::uint8_t> b) { return to_hex(b.data(), b.size()); }
std::optional<Bytes> from_hex(std::string_view s);
std::string to_base64(const std::uint8_t* p, std::size_t n);
inline std::string to_base64(const Bytes& b) { return to_base64(b.data(), b.size()); }
inline std::string to_base64(std::string_view s) {
  return to_base64(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}
// Strict standard base64 with padding; rejects anything longer than max_out decoded bytes.
std::optional<Bytes> from_base64(std::string_view s, std::size_t max_out);

std::string sha256_hex(const std::uint8_t* p, std::size_t n);
inline std::string sha256_hex(std::string_view s) {
  return sha256_hex(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}
inline std::string sha256_hex(std::span<const std::uint8_t> b) { return sha256_hex(b.data(), b.size()); }

Result<std::string> gzip_compress(std::string_view in);
// Fails with Errc::limit when the output would exceed max_out (gzip bombs).
Result<std::string> gzip_decompress(std::string_view in, std::size_t max_out);

std::string new_uuid_v4();
bool is_uuid(std::string_view s);                // lowercase canonical 8-4-4-4-12
bool is_gemeentecode(std::string_view s);        // GM + 4 digits
bool is_token(std::string_view s, std::size_t max);  // [A-Za-z0-9._-]{1,max}: ids, cursors, codes
// RFC 3339 UTC with second precision: 2025-01-31T23:59:59Z
std::string format_utc(std::time_t t);
inline std::string format_utc(std::chrono::sys_seconds t) { return format_utc(static_cast<std::time_t>(t.time_since_epoch().count())); }
std::optional<std::time_t> parse_utc(std::string_view s);
// Calendar date YYYY-MM-DD (validated, proleptic Gregorian).
bool is_date(std::string_view s);

}  // namespace balie::record
