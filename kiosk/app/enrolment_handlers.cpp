// Enrolment and terminal details for the technician screen (part of KioskApp, kiosk app layer, main
// thread). In production a terminal with no applied enrolment bundle shows its enrolment request
// (read from $BALIE_ENROLMENT_DIR/request.json, written by balie-enrol-request.service) instead of
// the staff list; poll_store() re-checks every few seconds and moves on once a bundle is applied.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "app/kiosk_app.h"
#include "balie/record/codec.h"
#include "balie/record/json_limits.h"

namespace balie::kiosk {

namespace {

void elog(const std::string& s) { std::fprintf(stderr, "balie-kiosk: enrolment: %s\n", s.c_str()); }

std::filesystem::path enrolment_dir() {
  const char* d = std::getenv("BALIE_ENROLMENT_DIR");
  return (d && *d) ? std::filesystem::path(d) : std::filesystem::path("/var/lib/balie-enrolment");
}

// Demo and tests ask for the enrolment screen by naming an enrolment directory.
bool enrolment_dir_given() {
  const char* d = std::getenv("BALIE_ENROLMENT_DIR");
  return d && *d;
}

// "1a2b 3c4d ..." : the first 80 bits of SHA-256 over the raw Ed25519 public key, in groups of 4.
std::string fingerprint(const std::string& pk_hex) {
  auto raw = record::from_hex(pk_hex);
  if (!raw || raw->size() != 32) return {};
  const std::string h = record::sha256_hex(std::span<const std::uint8_t>(raw->data(), raw->size())).substr(0, 20);
  std::string out;
  for (size_t i = 0; i < h.size(); i += 4) out += (out.empty() ? "" : " ") + h.substr(i, 4);
  return out;
}

}  // namespace

void KioskApp::refresh_enrolment() {
  auto& e = state_.enrolment;
  e = AppState::Enrolment{};
  if (!store_) return;
  auto applied = store_->applied_bundle();
  if (!applied) return elog("cannot read the applied bundle: " + applied.error().message);
  if (auto cfg = store_->device_config(); cfg && cfg.value()) {
    e.device_id = cfg.value()->kiosk_id;
    e.location_id = cfg.value()->location_id;
    e.location_name = cfg.value()->location_name;
  }
  if (applied.value()) {
    const auto& b = *applied.value();
    e.device_id = b.device_id;
    e.location_id = b.location_id;
    e.bundle_version = b.version;
    e.bundle_applied_at = record::format_utc(b.applied_at);
  }
  const bool production = platform::KeyProvider::from_environment(paths_.state_dir).mode() == platform::KeyMode::Production;
  e.required = !applied.value() && (production || enrolment_dir_given());
  // The request (public: keys, CSR, short code) is shown whenever it can be read.
  const auto path = enrolment_dir() / "request.json";
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    e.request_error = path.string() + ": " + ec.message();
    return;
  }
  if (size > 16 * 1024) {
    e.request_error = path.string() + ": too large";
    return;
  }
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in) {
    e.request_error = path.string() + ": cannot read";
    return;
  }
  std::string text = ss.str();
  auto parsed = record::parse_json_limited(text, record::JsonLimits{16 * 1024}, path.filename().string());
  if (!parsed) {
    e.request_error = parsed.error().message;
    return;
  }
  const auto& j = *parsed;
  auto str = [&](const char* k) {
    auto it = j.find(k);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (!j.is_object() || str("format") != "balie-enrolment-request" || str("short_code").empty() ||
      str("device_ed25519_pk").empty()) {
    e.request_error = path.string() + ": not an enrolment request (format, short_code, device_ed25519_pk)";
    return;
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  e.request_json = std::move(text);
  e.short_code = str("short_code");
  e.device_pk_fingerprint = fingerprint(str("device_ed25519_pk"));
  e.created_at = str("created_at");
  e.request_read = true;
}

}  // namespace balie::kiosk
