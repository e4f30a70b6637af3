// The terminal's enrolment request (sync/, any thread; OpenSSL libcrypto, no files): a fresh mTLS
// client key (EC P-256, PEM PKCS#8), the CSR signed with it, the short code and the request JSON
// ("balie-enrolment-request", format 1; /work contract of issue 14, sync/README.md "Enrolment").
// Used by balie-enrol, its tests and fuzz targets. Private key PEM only ever lives in SecretBuffers.
#pragma once
#include <array>
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

#include "balie/platform/key_provider.h"
#include "balie/record/result.h"

namespace balie::sync {

inline constexpr std::size_t kMaxEnrolmentRequestBytes = 16 * 1024;

struct EnrolmentRequest {
  std::string device_ed25519_pk;  // 64 lowercase hex
  std::string tls_csr_pem;        // -----BEGIN CERTIFICATE REQUEST-----
  std::string tls_pin;            // "sha256//<base64>" of the CSR's (= the TLS key's) public key
  std::string created_at;         // "YYYY-MM-DDTHH:MM:SSZ"
  std::string short_code;         // "XXXX-XXXX-XXXX-XXXX" (Crockford base32)
};

// A fresh EC P-256 private key as PEM PKCS#8 ("-----BEGIN PRIVATE KEY-----"), written through
// OpenSSL's secure-heap memory BIO into a SecretBuffer (no other copy stays in memory).
record::Result<platform::SecretBuffer> generate_tls_key_pem();

// CN of the CSR: "balie-enrolment-" + the first 16 hex characters of the device public key.
std::string enrolment_common_name(std::string_view device_pk_hex);

// A PKCS#10 request (PEM) for the key in `key_pem`, subject CN = enrolment_common_name(...),
// signed with that key (SHA-256). invalid_input when key_pem is not a PEM private key.
record::Result<std::string> make_enrolment_csr(const platform::SecretBuffer& key_pem, std::string_view device_pk_hex);

// First 80 bits of SHA-256(device_pk_hex + "\n" + tls_pin) in Crockford base32, groups of 4 by '-'.
std::string enrolment_short_code(std::string_view device_pk_hex, std::string_view tls_pin);

// Builds the whole request from the device's Ed25519 public key and the TLS key PEM.
record::Result<EnrolmentRequest> build_enrolment_request(const std::array<std::uint8_t, 32>& device_pk,
                                                         const platform::SecretBuffer& tls_key_pem,
                                                         std::time_t now);

// Compact JSON (one line, no trailing newline) with exactly the contract's keys.
std::string enrolment_request_json(const EnrolmentRequest& r);

// Parses and checks a request: keys and types, 64-hex key, the CSR parses, its signature verifies,
// its CN matches the key, tls_pin is the CSR's pin and short_code matches. Errors name the key.
record::Result<EnrolmentRequest> parse_enrolment_request(std::string_view text);

}  // namespace balie::sync
