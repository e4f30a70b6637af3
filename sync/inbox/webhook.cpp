// The case-system webhook of balie-inbox (webhook.h): one thread, coalesced notifications, HMAC-SHA256
// signatures (OpenSSL), retries with doubling backoff. The body carries no personal data.
#include "webhook.h"

#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

#include "balie/record/codec.h"

namespace balie::inbox {

std::string webhook_signature(const std::string& secret, const std::string& timestamp, const std::string& body) {
  const std::string msg = timestamp + "." + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(msg.data()),
       msg.size(), mac, &n);
  return "v1=" + record::to_hex(mac, n);
}

std::string read_webhook_secret(const std::string& path, std::string* err) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    *err = "cannot read the webhook secret file " + path;
    return {};
  }
  std::ostringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  if (s.size() < 16 || s.size() > 4096) {
    *err = "the webhook secret in " + path + " must be 16 to 4096 bytes (got " + std::to_string(s.size()) + ")";
    return {};
  }
  return s;
}

WebhookNotifier::WebhookNotifier(WebhookConfig cfg, std::function<std::size_t()> poll)
    : cfg_(std::move(cfg)), poll_(std::move(poll)) {
  thread_ = std::thread([this] { loop(); });
}

WebhookNotifier::~WebhookNotifier() {
  {
    std::lock_guard l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void WebhookNotifier::notify(std::int64_t cursor, std::size_t records, std::size_t deletions, std::size_t duo) {
  {
    std::lock_guard l(mu_);
    if (cursor > cursor_) cursor_ = cursor;
    records_ += records;
    deletions_ += deletions;
    duo_ += duo;
    pending_ = true;
  }
  cv_.notify_all();
}

std::uint64_t WebhookNotifier::delivered() const {
  std::lock_guard l(mu_);
  return delivered_;
}
std::uint64_t WebhookNotifier::failed_attempts() const {
  std::lock_guard l(mu_);
  return failed_;
}

bool WebhookNotifier::send(const std::string& id, const std::string& body) {
  // url: scheme://host[:port][/path]
  const auto scheme_end = cfg_.url.find("://");
  const auto path_start = cfg_.url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  const std::string base = path_start == std::string::npos ? cfg_.url : cfg_.url.substr(0, path_start);
  const std::string path = path_start == std::string::npos ? "/" : cfg_.url.substr(path_start);
  httplib::Client cli(base);
  if (!cli.is_valid()) return false;
  cli.set_connection_timeout(cfg_.timeout_s, 0);
  cli.set_read_timeout(cfg_.timeout_s, 0);
  cli.set_write_timeout(cfg_.timeout_s, 0);
  cli.enable_server_certificate_verification(true);
  if (!cfg_.ca_file.empty()) cli.set_ca_cert_path(cfg_.ca_file.c_str());
  const std::string ts = std::to_string(std::time(nullptr));
  httplib::Headers h = {{"Balie-Webhook-Id", id},
                        {"Balie-Webhook-Timestamp", ts},
                        {"Balie-Webhook-Signature", webhook_signature(cfg_.secret, ts, body)}};
  auto res = cli.Post(path.c_str(), h, body, "application/json");
  return res && res->status >= 200 && res->status < 300;
}

void WebhookNotifier::loop() {
  using clock = std::chrono::steady_clock;
  auto next_poll = clock::now() + std::chrono::seconds(cfg_.poll_interval_s);
  int backoff = 0;  // ms; 0: no failure outstanding
  std::string id, last_body;  // one id per notification body, the same on its retries (receivers drop repeats)
  std::unique_lock l(mu_);
  while (!stop_) {
    auto wake = next_poll;
    if (pending_ && backoff > 0) wake = std::min(wake, clock::now() + std::chrono::milliseconds(backoff));
    if (!pending_ || backoff > 0) cv_.wait_until(l, wake, [&] { return stop_ || (pending_ && backoff == 0); });
    if (stop_) break;
    if (clock::now() >= next_poll) {
      next_poll = clock::now() + std::chrono::seconds(cfg_.poll_interval_s);
      if (poll_) {
        l.unlock();
        const std::size_t n = poll_();
        l.lock();
        if (n > 0) {
          duo_ += n;
          pending_ = true;
        }
      }
    }
    if (!pending_) continue;
    const std::string body = "{\"event\":\"changes\",\"gemeentecode\":\"" + cfg_.gemeentecode + "\",\"cursor\":\"" +
                             std::to_string(cursor_) + "\",\"records\":" + std::to_string(records_) +
                             ",\"deletions\":" + std::to_string(deletions_) + ",\"duo\":" + std::to_string(duo_) + "}";
    if (id.empty() || body != last_body) id = record::new_uuid_v4();
    last_body = body;
    const std::size_t r = records_, d = deletions_, u = duo_;
    const std::int64_t c = cursor_;
    l.unlock();
    const bool ok = send(id, body);
    l.lock();
    if (ok) {
      ++delivered_;
      records_ -= r;
      deletions_ -= d;
      duo_ -= u;
      pending_ = cursor_ != c || records_ + deletions_ + duo_ > 0;  // newer changes came in meanwhile
      backoff = 0;
      id.clear();
    } else {
      ++failed_;
      backoff = backoff == 0 ? cfg_.first_backoff_ms : std::min(backoff * 2, cfg_.max_backoff_ms);
      std::fprintf(stderr, "balie-inbox: webhook: delivery failed; retrying in %d ms\n", backoff);
    }
  }
}

}  // namespace balie::inbox
