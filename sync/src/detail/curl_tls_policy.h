// Applies Balie's TLS policy (balie/sync/tls_policy.h) to a libcurl handle: TLS 1.2 minimum, the
// AEAD-only TLS 1.2 list and the TLS 1.3 suites. Every libcurl handle of the terminal (sync engine,
// COA client, enrolment, update download) is configured through this one function.
#pragma once

#include <curl/curl.h>

#include "balie/sync/tls_policy.h"

namespace balie::sync::detail {

inline void apply_tls_policy(CURL* h) {
  curl_easy_setopt(h, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  curl_easy_setopt(h, CURLOPT_SSL_CIPHER_LIST, kTls12Ciphers);
  curl_easy_setopt(h, CURLOPT_TLS13_CIPHERS, kTls13Ciphers);
}

}  // namespace balie::sync::detail
