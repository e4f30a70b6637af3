// The one TLS policy of every Balie HTTPS client and server (issue 20, item 5): TLS 1.3, or TLS 1.2
// with ECDHE and an AEAD cipher (AES-GCM, ChaCha20-Poly1305) only; no CBC, no SHA-1 MAC, no static
// RSA. The terminal's libcurl sessions (detail/https_client.h, update_client.cpp) and the servers'
// SSL_CTX (balie-inbox, balie-coa: inbox/connection_guard.cpp) take their settings from here.
#pragma once

namespace balie::sync {

// OpenSSL cipher list for TLS 1.2 (SSL_CTX_set_cipher_list / CURLOPT_SSL_CIPHER_LIST).
inline constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// TLS 1.3 suites (SSL_CTX_set_ciphersuites / CURLOPT_TLS13_CIPHERS): all AEAD.
inline constexpr const char* kTls13Ciphers = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

// Appended to a failed handshake's message so that staff and technicians see why.
inline constexpr const char* kTlsPolicyText = "Balie accepts only TLS 1.3, or TLS 1.2 with an ECDHE AEAD cipher suite";

}  // namespace balie::sync
