// balie-inbox's optional webhook to a case system (issue 17 item 5): after new changes it POSTs a
// small notification (cursor and counts, never personal data) signed with HMAC-SHA256 over
// "<timestamp>.<body>", from its own thread with retries and backoff, so storing never waits on it.
// The case system then pulls the changes with the export (inbox_db_api.cpp).
#pragma once
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace balie::inbox {

struct WebhookConfig {
  std::string url;          // http(s)://host[:port]/path
  std::string secret;       // HMAC key (from --webhook-secret-file), at least 16 bytes
  std::string ca_file;      // optional: CA bundle to verify an https receiver (default: the system's)
  std::string gemeentecode;
  int first_backoff_ms = 1000, max_backoff_ms = 300000;  // doubled after each failure
  int timeout_s = 10;
  int poll_interval_s = 30;  // how often `poll` runs (DUO results appear without a push)
};

// Signs a notification: the value of the Balie-Webhook-Signature header ("v1=" + hex HMAC-SHA256 of
// "<timestamp>.<body>" under `secret`).
std::string webhook_signature(const std::string& secret, const std::string& timestamp, const std::string& body);

// Reads and checks a secret file (trailing newline stripped). Empty string and *err set on failure.
std::string read_webhook_secret(const std::string& path, std::string* err);

class WebhookNotifier {
 public:
  // `poll` runs every poll_interval_s on the notifier's thread and returns new DUO changes to announce.
  WebhookNotifier(WebhookConfig cfg, std::function<std::size_t()> poll = {});
  ~WebhookNotifier();  // stops the thread (a pending notification is dropped; the cursor is in the store)
  // Announces changes up to `cursor` (the highest change_seq): never blocks on the network.
  void notify(std::int64_t cursor, std::size_t records, std::size_t deletions, std::size_t duo);
  std::uint64_t delivered() const;
  std::uint64_t failed_attempts() const;

 private:
  void loop();
  bool send(const std::string& id, const std::string& body);
  WebhookConfig cfg_;
  std::function<std::size_t()> poll_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false, pending_ = false;
  std::int64_t cursor_ = 0;
  std::size_t records_ = 0, deletions_ = 0, duo_ = 0;
  std::uint64_t delivered_ = 0, failed_ = 0;
  std::thread thread_;
};

}  // namespace balie::inbox
