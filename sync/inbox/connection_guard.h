// balie-inbox under abuse: a bounded worker pool with a connection cap, deadlines for the TLS
// handshake, the request headers and the whole request (enforced by a watchdog that shuts the
// socket down), a listening socket without SO_REUSEPORT, and per-device token-bucket rate limits.
// Only the inbox uses it; it keeps cpp-httplib's details out of inbox_server.cpp.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace httplib {
class SSLServer;
}

namespace balie::inbox {

struct GuardConfig {
  int max_connections = 64;     // connections served at once (one worker thread each)
  int max_pending = 64;         // accepted connections waiting for a worker; beyond that: closed at once
  int handshake_timeout_s = 5;  // TLS handshake, whole, from the first read attempt
  int header_timeout_s = 10;    // request line + headers after the handshake, whole
  int request_timeout_s = 120;   // body + handler + response + keep-alive wait + next request's headers
  double rate_per_minute = 120;  // per device: sustained requests per minute ...
  double rate_burst = 120;       // ... and how many may come in a row
};

struct GuardStats {
  std::uint64_t shed = 0;           // connections closed at once (cap reached)
  std::uint64_t timed_out = 0;      // connections cut by a deadline
  std::uint64_t rate_limited = 0;   // requests answered 429
};

class ConnectionGuard {
 public:
  explicit ConnectionGuard(GuardConfig cfg);
  ~ConnectionGuard();
  ConnectionGuard(const ConnectionGuard&) = delete;
  ConnectionGuard& operator=(const ConnectionGuard&) = delete;

  // Before bind: replaces the server's thread pool, its listening-socket options and sets a TLS info
  // callback (handshake start/done) on its SSL_CTX. Also sets httplib's own read/write/keep-alive
  // timeouts consistently with the deadlines, and Balie's TLS policy (apply_tls_policy below).
  void install(httplib::SSLServer& svr);
  // Pre-routing (headers read): counts the request against `client` (device CN, or the peer address
  // without a certificate). Returns 0 if allowed, else the seconds after which one is (Retry-After).
  int admit_request(const std::string& client);
  // Post-routing (response about to be written): the connection gets request_timeout_s for writing
  // it, the keep-alive wait and the next request's headers.
  void response_ready();
  GuardStats stats() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Balie's TLS policy on a server's SSL_CTX (balie/sync/tls_policy.h): TLS 1.2 minimum, TLS 1.2 only
// with ECDHE AEAD suites, the TLS 1.3 AEAD suites, the server's suite order. A client offering
// nothing else (e.g. only CBC-SHA1) fails the handshake. install() calls it; balie-inbox and
// balie-coa's listeners get it that way.
void apply_tls_policy(httplib::SSLServer& svr);

}  // namespace balie::inbox
