// Enrolment and terminal details for the technician screen (part of KioskApp, kiosk app layer, main
// thread). In production a terminal with no applied enrolment bundle shows its enrolment request
// (read from $BALIE_ENROLMENT_DIR/request.json, written by balie-enrol-request.service) instead of
// the staff list; poll_store() re-checks every few seconds and moves on once a bundle is applied.
// Online enrolment: the technician types COA's one-time code; the kiosk (no network) writes it to
// code.json in the same folder, balie-enrol-online.service sends it with the request to balie-coa and
// writes online-status.json, which this screen shows.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "app/kiosk_app.h"
#include "balie/platform/atomic_file.h"
#include "balie/record/codec.h"
#include "balie/record/json_limits.h"

namespace balie::kiosk {

namespace {

void elog(const std::string& s) { std::fprintf(stderr, "balie-kiosk: enrolment: %s\n", s.c_str()); }

std::filesystem::path enrolment_dir() {
  const char* d = std::getenv("BALIE_ENROLMENT_DIR");
  return (d && *d) ? std::filesystem::path(d) : std::filesystem::path("/var/lib/balie-enrolment");
}

// COA's endpoint for online enrolment (image: /usr/share/balie/coa.json); the code field is offered
// only when it exists, since nothing would send the code otherwise.
bool online_enrolment_available() {
  const char* f = std::getenv("BALIE_COA_ENDPOINT_FILE");
  std::error_code ec;
  return std::filesystem::exists((f && *f) ? std::filesystem::path(f) : std::filesystem::path("/usr/share/balie/coa.json"), ec);
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

// The code as COA prints it, without separators and spaces, upper case, I/L read as 1 and O as 0
// (Crockford base32); empty when it is not 12 such characters.
std::string normalised_code(const std::string& in) {
  static constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  std::string out;
  for (char c : in) {
    if (c == '-' || c == ' ') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c == 'I' || c == 'L') c = '1';
    if (c == 'O') c = '0';
    if (kAlphabet.find(c) == std::string_view::npos) return {};
    out += c;
  }
  return out.size() == 12 ? out : std::string();
}

// online-status.json of balie-enrol-online (small, public): {"state", "message"}.
void read_online_status(AppState::Enrolment& e) {
  const auto path = enrolment_dir() / "online-status.json";
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return;
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = record::parse_json_limited(ss.str(), record::JsonLimits{4 * 1024}, "online-status.json");
  if (!j || !j->is_object()) return;
  auto str = [&](const char* k) {
    auto it = j->find(k);
    return it != j->end() && it->is_string() ? it->get<std::string>().substr(0, 300) : std::string();
  };
  e.online_state = str("state");
  e.online_message = str("message");
}

}  // namespace

void KioskApp::on_enrolment_code(const SubmitEnrolmentCode& c) {
  auto& e = state_.enrolment;
  e.code_error_key.clear();
  const std::string code = normalised_code(c.code);
  if (code.empty()) {
    e.code_error_key = "enrolment.code_invalid";
    return;
  }
  std::string err;
  const std::string text = "{\"code\":\"" + code.substr(0, 4) + "-" + code.substr(4, 4) + "-" + code.substr(8) + "\"}\n";
  // The previous answer is removed first, so the screen never shows an old answer for a new code.
  std::error_code ec;
  std::filesystem::remove(enrolment_dir() / "online-status.json", ec);
  if (!platform::write_file_atomic(enrolment_dir() / "code.json", text, 0644, &err)) {
    elog("cannot hand the code over: " + err);
    e.code_error_key = "enrolment.code_not_written";
    return;
  }
  elog("code handed to balie-enrol-online");
  refresh_enrolment();
}

void KioskApp::refresh_enrolment() {
  auto& e = state_.enrolment;
  const std::string code_error = e.code_error_key;
  e = AppState::Enrolment{};
  e.code_error_key = code_error;
  std::error_code code_ec;
  e.code_waiting = std::filesystem::exists(enrolment_dir() / "code.json", code_ec);
  e.online_available = online_enrolment_available();
  read_online_status(e);
  // Fail closed: a terminal that must be enrolled stays on this screen until the store proves that a
  // bundle was applied. A read that fails (the store busy or locked by another process, an I/O error)
  // proves nothing; treating it as "enrolled" showed the welcome screen on an unenrolled terminal.
  const bool production = platform::KeyProvider::from_environment(paths_.state_dir).mode() == platform::KeyMode::Production;
  const bool must_enrol = production || enrolment_dir_given();
  e.required = must_enrol;
  if (!store_) return;
  auto applied = store_->applied_bundle();
  if (!applied) {
    const std::string why = applied.error().message;
    if (why != enrolment_read_error_) elog("cannot read the applied bundle (the enrolment screen stays): " + why);
    enrolment_read_error_ = why;  // logged once per reason, not at every poll
    return;
  }
  enrolment_read_error_.clear();
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
  e.required = must_enrol && !applied.value();
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
