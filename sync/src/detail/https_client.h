// Internal (sync/ only): one libcurl easy handle per municipality session, so a batch reuses
// the connection (keep-alive). Mutual TLS with the device certificate, the route's CA, its pinned
// key, TLS >= 1.2, connect/low-speed timeouts, no redirects, bounded response bodies.
#pragma once
#include <curl/curl.h>

#include <string>

#include "balie/record/result.h"
#include "balie/sync/store_port.h"

namespace balie::sync::detail {

struct TlsIdentity {
  std::string cert_pem, key_pem;  // device certificate and key
};

struct HttpLimits {
  long connect_timeout_s = 10;
  long low_speed_limit_bps = 64;  // abort when slower than this ...
  long low_speed_time_s = 20;     // ... for this long
  long total_timeout_s = 300;
  std::size_t max_response_bytes = 16u * 1024 * 1024;
};

struct HttpResponse {
  long status = 0;
  std::string body;
  std::string content_type;
  std::string signature;     // Balie-Signature header
  std::string api_version;   // API-Version header
  std::string server_subject;  // subject of the server certificate (new connections only)
  long retry_after_s = -1;     // Retry-After in seconds (429/503), -1 if absent or not a number
};

class HttpsSession {
 public:
  HttpsSession(const Route& route, const TlsIdentity& id, const HttpLimits& lim);
  ~HttpsSession();
  HttpsSession(const HttpsSession&) = delete;
  HttpsSession& operator=(const HttpsSession&) = delete;

  Result<HttpResponse> get(const std::string& path_and_query);
  // Sends `json_body` gzip-compressed (Content-Encoding: gzip), or as it is when !gzip (COA's API).
  Result<HttpResponse> post_json(const std::string& path, const std::string& json_body, bool gzip = true);
  std::size_t bytes_sent() const { return bytes_up_; }
  std::size_t bytes_received() const { return bytes_down_; }

 private:
  Result<HttpResponse> perform(const std::string& path, const std::string* body, bool gzipped);
  CURL* h_ = nullptr;
  Route route_;
  TlsIdentity id_;
  HttpLimits lim_;
  std::size_t bytes_up_ = 0, bytes_down_ = 0;
};

}  // namespace balie::sync::detail
