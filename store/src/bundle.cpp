// Enrolment bundles: parsing and checking every field, Ed25519 signatures, the terminal checks,
// reading a bundle from a file or the provisioning partition, and the public files derived from an
// applied bundle (store/ layer; see bundle.h). Applying it is Store::apply_bundle (enrolment.cpp).
#include "balie/store/bundle.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "balie/platform/atomic_file.h"
#include "balie/record/codec.h"
#include "balie/record/json_limits.h"
#include "balie/record/utf8.h"
#include "balie/store/tls_pin.h"

namespace balie::store {
namespace {

using nlohmann::json;
using record::JsonKind;

constexpr std::size_t kMaxRoutes = 1000, kMaxStaff = 1000, kMaxTexts = 4000, kMaxNtp = 8;
constexpr std::size_t kMaxTextBody = 64 * 1024;

BundleError refuse(BundleRefusal why, std::string message) { return BundleError{why, std::move(message)}; }
BundleError invalid(std::string message) { return refuse(BundleRefusal::Invalid, std::move(message)); }

using record::is_token;

bool is_hhmm(std::string_view s) {
  return s.size() == 5 && s[2] == ':' && std::isdigit(static_cast<unsigned char>(s[0])) &&
         std::isdigit(static_cast<unsigned char>(s[1])) && std::isdigit(static_cast<unsigned char>(s[3])) &&
         std::isdigit(static_cast<unsigned char>(s[4])) && (s[0] - '0') * 10 + (s[1] - '0') < 24 &&
         (s[3] - '0') * 10 + (s[4] - '0') < 60;
}

bool is_pin(std::string_view s) {
  return s.size() >= 4 && s.size() <= 12 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_pin_spec(std::string_view s) {  // "sha256//" + base64 of 32 bytes
  if (s.rfind("sha256//", 0) != 0) return false;
  auto raw = record::from_base64(s.substr(8), 64);
  return raw && raw->size() == 32;
}

bool is_https_url(std::string_view s) {
  if (s.rfind("https://", 0) != 0 || s.size() <= 8 || s.size() > 512) return false;
  return std::none_of(s.begin(), s.end(), [](char c) { return c <= ' ' || c == '\x7f' || c == '"' || c == '\\'; });
}

bool is_host(std::string_view s) {  // NTP server: DNS name or IPv4/IPv6 literal
  if (s.empty() || s.size() > 253) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == ':';
  });
}

bool is_language(std::string_view s) {  // BCP 47 as Balie uses it: "ar", "prs", "ckb", "en-GB"
  if (s.size() < 2 || s.size() > 16) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
  });
}

bool is_text_kind(std::string_view s) {
  if (s == "pvt_declaration") return true;
  return s.rfind("consent:", 0) == 0 && is_token(s.substr(8), 48);
}

std::optional<Ed25519PublicKey> key_from_hex(std::string_view hex) {
  auto raw = record::from_hex(hex);
  if (!raw || raw->size() != 32) return std::nullopt;
  Ed25519PublicKey k{};
  std::copy(raw->begin(), raw->end(), k.begin());
  return k;
}

std::string key_id(const Ed25519PublicKey& k) { return record::to_hex(k.data(), k.size()).substr(0, 16); }

std::optional<BundleError> check(const json& j, std::initializer_list<record::JsonField> fields, const std::string& where) {
  if (auto s = record::check_fields(j, fields, where); !s) return invalid(s.error().message);
  return std::nullopt;
}

std::optional<BundleError> string_array(const json& j, const std::string& where, std::size_t min, std::size_t max,
                                        std::vector<std::string>* out) {
  if (j.size() < min || j.size() > max)
    return invalid(where + " must have " + std::to_string(min) + " to " + std::to_string(max) + " entries");
  for (const auto& v : j) {
    if (!v.is_string()) return invalid(where + " must hold strings only");
    out->push_back(v.get<std::string>());
  }
  return std::nullopt;
}

std::optional<BundleError> two_pins(const json& j, const std::string& where, std::vector<std::string>* out) {
  if (auto e = string_array(j, where, 2, 2, out)) return invalid(where + ": exactly two pins (primary, backup)");
  for (const auto& p : *out)
    if (!is_pin_spec(p)) return invalid(where + ": a pin must be \"sha256//<base64 of 32 bytes>\"");
  if ((*out)[0] == (*out)[1]) return invalid(where + ": the backup pin must differ from the primary pin");
  return std::nullopt;
}

std::optional<BundleError> certificate(const std::string& pem, const std::string& where) {
  if (auto pin = pin_of_certificate_pem(pem); !pin.ok()) return invalid(where + ": " + pin.error().message);
  return std::nullopt;
}

std::optional<BundleError> parse_routes(const json& list, const std::string& where, std::vector<Route>* out) {
  if (!list.is_array() || list.empty() || list.size() > kMaxRoutes)
    return invalid(where + ": routes must have 1 to " + std::to_string(kMaxRoutes) + " entries");
  std::set<std::string> codes;
  std::size_t n = 0;
  for (const auto& r : list) {
    const std::string at = where + ": routes[" + std::to_string(n++) + "]";
    if (auto e = check(r,
                       {{"gemeentecode", JsonKind::string, true},
                        {"base_url", JsonKind::string, true},
                        {"ca_pem", JsonKind::string, true},
                        {"pins", JsonKind::array, true},
                        {"ed25519_pk", JsonKind::string, true},
                        {"x25519_pk", JsonKind::string, true},
                        {"pip_required", JsonKind::boolean, false}},
                       at))
      return *e;
    Route rt;
    rt.pip_required = r.value("pip_required", true);
    rt.gemeentecode = r["gemeentecode"].get<std::string>();
    rt.endpoint_base_url = r["base_url"].get<std::string>();
    rt.ca_certificate_pem = r["ca_pem"].get<std::string>();
    if (!record::is_gemeentecode(rt.gemeentecode)) return invalid(at + ": \"gemeentecode\" must look like GM0363");
    if (!codes.insert(rt.gemeentecode).second) return invalid(at + ": " + rt.gemeentecode + " appears twice");
    if (!is_https_url(rt.endpoint_base_url)) return invalid(at + ": \"base_url\" must be an https:// URL");
    if (auto e = certificate(rt.ca_certificate_pem, at + ": ca_pem")) return *e;
    std::vector<std::string> pins;
    if (auto e = two_pins(r["pins"], at + ": pins", &pins)) return *e;
    rt.pinned_public_key = pins[0] + ";" + pins[1];
    auto ed = key_from_hex(r["ed25519_pk"].get<std::string>());
    auto x = key_from_hex(r["x25519_pk"].get<std::string>());
    if (!ed || !x) return invalid(at + ": \"ed25519_pk\" and \"x25519_pk\" must be 64 hex characters");
    rt.ack_verify_key = *ed;
    rt.box_public_key = *x;
    out->push_back(std::move(rt));
  }

  return std::nullopt;
}

std::optional<BundleError> parse_texts(const json& list, const std::string& where, const std::set<std::string>& codes,
                                       std::vector<TextVersion>* out) {
  if (!list.is_array() || list.size() > kMaxTexts) return invalid(where + ": texts must be a list of at most " + std::to_string(kMaxTexts));
  std::set<std::string> text_ids;
  std::size_t n = 0;
  for (const auto& t : list) {
    const std::string at = where + ": texts[" + std::to_string(n++) + "]";
    if (auto e = check(t,
                       {{"gemeentecode", JsonKind::string, true},
                        {"kind", JsonKind::string, true},
                        {"version", JsonKind::integer, true, 1, 1000000000},
                        {"language", JsonKind::string, true},
                        {"title", JsonKind::string, true},
                        {"body", JsonKind::string, true}},
                       at))
      return *e;
    TextVersion tv;
    tv.gemeentecode = t["gemeentecode"].get<std::string>();
    tv.kind = t["kind"].get<std::string>();
    tv.version = t["version"].get<std::int64_t>();
    tv.language = t["language"].get<std::string>();
    tv.title = t["title"].get<std::string>();
    tv.body = t["body"].get<std::string>();
    if (!codes.count(tv.gemeentecode)) return invalid(at + ": gemeentecode has no route in this bundle");
    if (!is_text_kind(tv.kind)) return invalid(at + ": \"kind\" must be pvt_declaration or consent:<purpose>");
    if (!is_language(tv.language)) return invalid(at + ": \"language\" must be a language tag like \"ar\"");
    if (tv.title.empty() || tv.title.size() > 400) return invalid(at + ": \"title\" must have 1 to 400 bytes");
    if (tv.body.empty() || tv.body.size() > kMaxTextBody) return invalid(at + ": \"body\" must have 1 byte to 64 KiB");
    tv.version_id = tv.kind + "-" + tv.gemeentecode + "-v" + std::to_string(tv.version) + "-" + tv.language;
    if (!text_ids.insert(tv.version_id).second) return invalid(at + ": " + tv.version_id + " appears twice");
    out->push_back(std::move(tv));
  }
  return std::nullopt;
}

BundleResult<EnrolmentBundle> parse_payload_json(const json& j) {
  EnrolmentBundle b;
  if (auto e = check(j,
                     {{"bundle_version", JsonKind::integer, true, 1, 9007199254740991LL},
                      {"issued_at", JsonKind::string, true},
                      {"device", JsonKind::object, true},
                      {"coa", JsonKind::object, true},
                      {"ntp_servers", JsonKind::array, true},
                      {"sync_window", JsonKind::string, true},
                      {"routes", JsonKind::array, true},
                      {"staff", JsonKind::array, true},
                      {"texts", JsonKind::array, true},
                      {"consent_purposes", JsonKind::array, false},
                      {"keys", JsonKind::string, false}},
                     "bundle"))
    return *e;
  b.version = j["bundle_version"].get<std::int64_t>();
  if (j.contains("keys")) {
    b.keys = j["keys"].get<std::string>();
    if (b.keys != "test" && b.keys != "production") return invalid("bundle: \"keys\" must be \"test\" or \"production\"");
  }
  b.issued_at = j["issued_at"].get<std::string>();
  if (!record::parse_utc(b.issued_at)) return invalid("bundle: \"issued_at\" must be UTC like 2026-12-05T10:00:00Z");

  const json& d = j["device"];
  if (auto e = check(d,
                     {{"device_id", JsonKind::string, true},
                      {"location_id", JsonKind::string, true},
                      {"location_name", JsonKind::string, true},
                      {"ed25519_pk", JsonKind::string, true},
                      {"tls_certificate_pem", JsonKind::string, true}},
                     "bundle: device"))
    return *e;
  b.device.kiosk_id = d["device_id"].get<std::string>();
  b.device.location_id = d["location_id"].get<std::string>();
  b.device.location_name = d["location_name"].get<std::string>();
  // Issue 18: names are data, not formatting (removed here, audited when the bundle is applied).
  if (record::strip_bidi_formatting(b.device.location_name)) b.bidi_stripped.push_back("device.location_name");
  b.device_ed25519_pk = d["ed25519_pk"].get<std::string>();
  b.tls_certificate_pem = d["tls_certificate_pem"].get<std::string>();
  if (!is_token(b.device.kiosk_id, 64)) return invalid("bundle: device.device_id must match [A-Za-z0-9._-]{1,64}");
  if (!is_token(b.device.location_id, 64)) return invalid("bundle: device.location_id must match [A-Za-z0-9._-]{1,64}");
  if (b.device.location_name.empty() || b.device.location_name.size() > 200)
    return invalid("bundle: device.location_name must have 1 to 200 bytes");
  if (!key_from_hex(b.device_ed25519_pk)) return invalid("bundle: device.ed25519_pk must be 64 hex characters");
  if (auto e = certificate(b.tls_certificate_pem, "bundle: device.tls_certificate_pem")) return *e;

  const json& c = j["coa"];
  if (auto e = check(c,
                     {{"endpoint", JsonKind::string, true},
                      {"ca_pem", JsonKind::string, true},
                      {"pins", JsonKind::array, true}},
                     "bundle: coa"))
    return *e;
  b.coa_endpoint = c["endpoint"].get<std::string>();
  b.coa_ca_pem = c["ca_pem"].get<std::string>();
  if (!is_https_url(b.coa_endpoint)) return invalid("bundle: coa.endpoint must be an https:// URL");
  if (auto e = certificate(b.coa_ca_pem, "bundle: coa.ca_pem")) return *e;
  if (auto e = two_pins(c["pins"], "bundle: coa.pins", &b.coa_pins)) return *e;

  if (auto e = string_array(j["ntp_servers"], "bundle: ntp_servers", 1, kMaxNtp, &b.ntp_servers)) return *e;
  for (const auto& s : b.ntp_servers)
    if (!is_host(s)) return invalid("bundle: ntp_servers: \"" + s.substr(0, 60) + "\" is not a host name or address");
  b.sync_window = j["sync_window"].get<std::string>();
  if (b.sync_window.size() != 11 || b.sync_window[5] != '-' || !is_hhmm(b.sync_window.substr(0, 5)) ||
      !is_hhmm(b.sync_window.substr(6)))
    return invalid("bundle: \"sync_window\" must look like \"01:00-05:00\"");

  std::set<std::string> codes;
  if (auto e = parse_routes(j["routes"], "bundle", &b.routes)) return *e;
  for (const auto& r : b.routes) codes.insert(r.gemeentecode);

  if (j["staff"].empty() || j["staff"].size() > kMaxStaff)
    return invalid("bundle: staff must have 1 to " + std::to_string(kMaxStaff) + " accounts");
  std::set<std::string> ids;
  bool any_active = false;
  std::size_t n = 0;
  for (const auto& s : j["staff"]) {
    const std::string at = "bundle: staff[" + std::to_string(n++) + "]";
    if (auto e = check(s,
                       {{"id", JsonKind::string, true},
                        {"display_name", JsonKind::string, true},
                        {"role", JsonKind::string, true},
                        {"gemeentecodes", JsonKind::array, false},
                        {"pin_hash", JsonKind::string, false},
                        {"first_login_pin", JsonKind::string, false},
                        {"active", JsonKind::boolean, false}},
                       at))
      return *e;
    BundleStaff st;
    st.account.id = s["id"].get<std::string>();
    st.account.display_name = s["display_name"].get<std::string>();
    if (!is_token(st.account.id, 64)) return invalid(at + ": \"id\" must match [A-Za-z0-9._-]{1,64}");
    if (record::strip_bidi_formatting(st.account.display_name))
      b.bidi_stripped.push_back("staff." + st.account.id + ".display_name");
    if (!ids.insert(st.account.id).second) return invalid(at + ": staff id " + st.account.id + " appears twice");
    if (st.account.display_name.empty() || st.account.display_name.size() > 100)
      return invalid(at + ": \"display_name\" must have 1 to 100 bytes");
    auto role = staff_role_from_string(s["role"].get<std::string>());
    if (!role) return invalid(at + ": \"role\" must be coa_staff, municipality_host or technician");
    st.account.role = *role;
    if (s.contains("gemeentecodes")) {
      if (auto e = string_array(s["gemeentecodes"], at + ": gemeentecodes", 0, kMaxRoutes, &st.account.gemeentecodes))
        return *e;
      for (const auto& gm : st.account.gemeentecodes)
        if (!codes.count(gm)) return invalid(at + ": mandate " + gm.substr(0, 8) + " has no route in this bundle");
    }
    if (*role == StaffRole::MunicipalityHost && st.account.gemeentecodes.empty())
      return invalid(at + ": a municipality host needs at least one mandated gemeentecode");
    if (*role != StaffRole::MunicipalityHost && !st.account.gemeentecodes.empty())
      return invalid(at + ": only municipality hosts have mandated gemeentecodes");
    bool has_hash = s.contains("pin_hash"), has_first = s.contains("first_login_pin");
    if (has_hash == has_first) return invalid(at + ": give exactly one of \"pin_hash\" and \"first_login_pin\"");
    if (has_hash) {
      st.pin_hash = s["pin_hash"].get<std::string>();
      if (st.pin_hash.rfind("$argon2id$", 0) != 0 || st.pin_hash.size() >= crypto_pwhash_STRBYTES)
        return invalid(at + ": \"pin_hash\" must be an Argon2id hash ($argon2id$...)");
    } else {
      st.first_login_pin = s["first_login_pin"].get<std::string>();
      if (!is_pin(st.first_login_pin)) return invalid(at + ": \"first_login_pin\" must have 4 to 12 digits");
      st.account.must_change_pin = true;
    }
    st.account.active = s.value("active", true);
    any_active = any_active || st.account.active;
    b.staff.push_back(std::move(st));
  }
  if (!any_active) return invalid("bundle: staff: no active account (nobody could open the terminal)");

  if (auto e = parse_texts(j["texts"], "bundle", codes, &b.texts)) return *e;
  if (j.contains("consent_purposes")) {
    std::set<std::string> seen;
    std::size_t n = 0;
    if (j["consent_purposes"].size() > 8) return invalid("bundle: consent_purposes may hold at most 8 purposes");
    for (const auto& p : j["consent_purposes"]) {
      const std::string at = "bundle: consent_purposes[" + std::to_string(n++) + "]";
      if (auto e = check(p,
                         {{"id", JsonKind::string, true},
                          {"controller", JsonKind::string, true},
                          {"recipient", JsonKind::string, true},
                          {"valid_months", JsonKind::integer, true, 1, 12},
                          {"sensitive", JsonKind::boolean, true}},
                         at))
        return *e;
      BundleConsentPurpose c;
      c.id = p["id"].get<std::string>();
      c.controller = p["controller"].get<std::string>();
      c.recipient = p["recipient"].get<std::string>();
      c.valid_months = static_cast<int>(p["valid_months"].get<std::int64_t>());
      c.sensitive = p["sensitive"].get<bool>();
      if (c.id.empty() || c.id.size() > 48 ||
          !std::all_of(c.id.begin(), c.id.end(), [](char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'; }))
        return invalid(at + ": \"id\" must match [a-z0-9_]{1,48}");
      if (c.id == "pid_sharing") return invalid(at + ": pid_sharing is built in and cannot be redefined");
      if (!seen.insert(c.id).second) return invalid(at + ": purpose " + c.id + " appears twice");
      if (record::strip_bidi_formatting(c.controller)) b.bidi_stripped.push_back("consent_purposes." + c.id + ".controller");
      if (record::strip_bidi_formatting(c.recipient)) b.bidi_stripped.push_back("consent_purposes." + c.id + ".recipient");
      for (const std::string* f : {&c.controller, &c.recipient})
        if (f->empty() || f->size() > 100 || !record::is_valid_utf8(*f) ||
            std::any_of(f->begin(), f->end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x20; }))
          return invalid(at + ": \"controller\" and \"recipient\" must have 1 to 100 bytes of text");
      bool has_nl = false;
      for (const auto& t : b.texts) has_nl = has_nl || (t.kind == "consent:" + c.id && t.language == "nl");
      if (!has_nl) return invalid(at + ": no Dutch consent:" + c.id + " text in this bundle");
      b.consent_purposes.push_back(std::move(c));
    }
  }
  return b;
}

}  // namespace

const char* to_string(BundleRefusal r) {
  switch (r) {
    case BundleRefusal::Malformed: return "malformed";
    case BundleRefusal::UnknownFormat: return "unknown-format";
    case BundleRefusal::Unsigned: return "unsigned";
    case BundleRefusal::UnknownKey: return "unknown-key";
    case BundleRefusal::BadSignature: return "bad-signature";
    case BundleRefusal::Invalid: return "invalid";
    case BundleRefusal::OtherDevice: return "other-device";
    case BundleRefusal::CertificateMismatch: return "certificate-mismatch";
    case BundleRefusal::Older: return "older";
    case BundleRefusal::SameVersionChanged: return "same-version-changed";
    case BundleRefusal::OtherLocation: return "other-location";
    case BundleRefusal::NoBundle: return "no-bundle";
    case BundleRefusal::KeySetMismatch: return "key-set";
  }
  return "unknown";
}

BundleResult<EnrolmentBundle> parse_bundle_payload(std::string_view payload_json) {
  auto parsed = record::parse_json_limited(payload_json, record::JsonLimits{kMaxBundleBytes}, "bundle payload");
  if (!parsed) return refuse(BundleRefusal::Malformed, parsed.error().message);
  auto b = parse_payload_json(*parsed);
  if (!b.ok()) return b.error();
  b.value().sha256 = record::sha256_hex(payload_json);
  return b;
}

BundleResult<std::vector<Route>> parse_routes_file(std::string_view text) {
  auto parsed = record::parse_json_limited(text, record::JsonLimits{kMaxBundleBytes}, "routes file");
  if (!parsed) return refuse(BundleRefusal::Malformed, parsed.error().message);
  if (auto e = check(*parsed, {{"routes", JsonKind::array, true}}, "routes file")) return *e;
  std::vector<Route> out;
  if (auto e = parse_routes((*parsed)["routes"], "routes file", &out)) return *e;
  return out;
}

BundleResult<std::vector<TextVersion>> parse_texts_file(std::string_view text, const std::set<std::string>& known_codes) {
  auto parsed = record::parse_json_limited(text, record::JsonLimits{kMaxBundleBytes}, "texts file");
  if (!parsed) return refuse(BundleRefusal::Malformed, parsed.error().message);
  if (auto e = check(*parsed, {{"texts", JsonKind::array, true}}, "texts file")) return *e;
  std::vector<TextVersion> out;
  if (auto e = parse_texts((*parsed)["texts"], "texts file", known_codes, &out)) return *e;
  return out;
}

BundleResult<EnrolmentBundle> open_bundle(std::string_view file_text, std::span<const Ed25519PublicKey> trusted) {
  auto parsed = record::parse_json_limited(file_text, record::JsonLimits{kMaxBundleBytes}, "bundle file");
  if (!parsed) return refuse(BundleRefusal::Malformed, parsed.error().message + " (truncated or not a bundle?)");
  const json& f = *parsed;
  if (!f.is_object() || f.value("format", json()) != "balie-enrolment-bundle")
    return refuse(BundleRefusal::UnknownFormat, "not an enrolment bundle (\"format\" must be \"balie-enrolment-bundle\")");
  if (f.value("format_version", json()) != kBundleFormatVersion)
    return refuse(BundleRefusal::UnknownFormat, "bundle format_version must be " + std::to_string(kBundleFormatVersion) +
                                                    " (this terminal does not know another)");
  if (!f.contains("signature") || !f["signature"].is_string() || f["signature"].get<std::string>().empty() ||
      !f.contains("key_id"))
    return refuse(BundleRefusal::Unsigned, "the bundle is not signed (no \"signature\" / \"key_id\")");
  if (auto e = check(f,
                     {{"format", JsonKind::string, true},
                      {"format_version", JsonKind::integer, true, 1, 1},
                      {"key_id", JsonKind::string, true},
                      {"payload", JsonKind::string, true},
                      {"signature", JsonKind::string, true}},
                     "bundle file"))
    return refuse(BundleRefusal::Malformed, e->message);
  const std::string kid = f["key_id"].get<std::string>();
  const Ed25519PublicKey* key = nullptr;
  for (const auto& k : trusted)
    if (key_id(k) == kid) key = &k;
  if (key == nullptr)
    return refuse(BundleRefusal::UnknownKey, "signed with provisioning key " + kid.substr(0, 16) +
                                                 ", which this image does not trust");
  auto payload = record::from_base64(f["payload"].get<std::string>(), kMaxBundleBytes);
  auto sig = record::from_base64(f["signature"].get<std::string>(), 128);
  if (!payload) return refuse(BundleRefusal::Malformed, "bundle \"payload\" is not base64");
  if (!sig || sig->size() != crypto_sign_BYTES)
    return refuse(BundleRefusal::BadSignature, "bundle \"signature\" is not a base64 Ed25519 signature");
  if (!record::crypto_ready() ||
      crypto_sign_verify_detached(sig->data(), payload->data(), payload->size(), key->data()) != 0)
    return refuse(BundleRefusal::BadSignature, "the bundle's signature does not verify (changed after signing?)");
  return parse_bundle_payload(std::string_view(reinterpret_cast<const char*>(payload->data()), payload->size()));
}

BundleResult<std::string> sign_bundle(std::string_view payload_json, std::span<const std::uint8_t, 32> seed) {
  auto parsed = parse_bundle_payload(payload_json);
  if (!parsed.ok()) return parsed.error();
  if (!record::crypto_ready()) return refuse(BundleRefusal::Malformed, "libsodium failed to initialise");
  unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES], sig[crypto_sign_BYTES];
  crypto_sign_seed_keypair(pk, sk, seed.data());
  Ed25519PublicKey pub{};
  std::copy(std::begin(pk), std::end(pk), pub.begin());
  if (bundle_key_set(parsed.value()) == KeySet::Production && is_test_provisioning_key(pub)) {
    sodium_memzero(sk, sizeof sk);
    return invalid("bundle: \"keys\": \"production\" cannot be signed with the TEST provisioning key "
                   "(image/keys/provisioning-test.key, its private half is public)");
  }
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(payload_json.data()), payload_json.size(), sk);
  sodium_memzero(sk, sizeof sk);
  json f = {{"format", "balie-enrolment-bundle"},
            {"format_version", kBundleFormatVersion},
            {"key_id", key_id(pub)},
            {"payload", record::to_base64(payload_json)},
            {"signature", record::to_base64(sig, sizeof sig)}};
  return f.dump(1) + "\n";
}

KeySet bundle_key_set(const EnrolmentBundle& b) { return b.keys == "production" ? KeySet::Production : KeySet::Test; }

bool is_test_provisioning_key(const Ed25519PublicKey& k) {
  // image/keys/provisioning-test.pub (store_bundle_test checks that both agree)
  static const auto test_key = key_from_hex("4b933ff4b7816042c9abac4bf205cf4776fb3131a9bf4c7484ec01d2364c15d2");
  return test_key && sodium_memcmp(test_key->data(), k.data(), k.size()) == 0;
}

std::optional<BundleError> check_for_image(const EnrolmentBundle& b, KeySet image) {
  const KeySet theirs = bundle_key_set(b);
  if (theirs == image) return std::nullopt;
  if (image == KeySet::Test)
    return refuse(BundleRefusal::KeySetMismatch,
                  "the bundle is for production images, and this image has TEST keys (a development build: anyone "
                  "can sign software for it); enrol it only with a test bundle, or install a production image");
  return refuse(BundleRefusal::KeySetMismatch,
                std::string("the bundle is for test-key images (") +
                    (b.keys.empty() ? "it names no key set" : "\"keys\": \"test\"") +
                    "), and this is a production image; it needs a bundle from COA's production provisioning");
}

std::optional<BundleError> check_for_terminal(const EnrolmentBundle& b, const Ed25519PublicKey& own_device_pk,
                                              std::string_view own_tls_pin) {
  auto theirs = key_from_hex(b.device_ed25519_pk);
  if (!theirs || sodium_memcmp(theirs->data(), own_device_pk.data(), 32) != 0)
    return refuse(BundleRefusal::OtherDevice, "the bundle is for device " + b.device.kiosk_id +
                                                  " with another device key (" + b.device_ed25519_pk.substr(0, 16) +
                                                  "...), not this terminal (" +
                                                  record::to_hex(own_device_pk.data(), 8) + "...)");
  auto pin = pin_of_certificate_pem(b.tls_certificate_pem);
  if (!pin.ok() || pin.value() != own_tls_pin)
    return refuse(BundleRefusal::CertificateMismatch,
                  "the bundle's TLS certificate was not issued for this terminal's TLS key (certificate key " +
                      (pin.ok() ? pin.value() : std::string("unreadable")) + ", terminal key " + std::string(own_tls_pin) + ")");
  return std::nullopt;
}

record::Result<std::vector<Ed25519PublicKey>, std::string> load_provisioning_keys(const std::filesystem::path& dir) {
  std::vector<Ed25519PublicKey> keys;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return "provisioning keys: " + dir.string() + " is not a directory";
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().extension() == ".pub") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& p : files) {
    std::ifstream in(p);
    std::string hex;
    in >> hex;
    auto k = key_from_hex(hex);
    if (!k) return "provisioning key " + p.string() + ": must hold 64 hex characters";
    keys.push_back(*k);
  }
  if (keys.empty()) return "provisioning keys: no *.pub file in " + dir.string();
  return keys;
}

BundleResult<std::string> read_bundle_source(const std::filesystem::path& source) {
  int fd = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return refuse(BundleRefusal::Malformed, source.string() + ": " + std::strerror(errno));
  std::string data;
  data.resize(kMaxBundleBytes + 1);
  std::size_t got = 0;
  while (got < data.size()) {
    ssize_t r = ::read(fd, data.data() + got, data.size() - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      int e = errno;
      ::close(fd);
      return refuse(BundleRefusal::Malformed, source.string() + ": " + std::strerror(e));
    }
    if (r == 0) break;
    got += static_cast<std::size_t>(r);
  }
  ::close(fd);
  data.resize(got);
  auto nul = data.find('\0');
  if (nul != std::string::npos) data.resize(nul);
  else if (got > kMaxBundleBytes)
    return refuse(BundleRefusal::Malformed, source.string() + ": larger than the 4 MiB a bundle may have");
  if (data.empty()) return refuse(BundleRefusal::NoBundle, source.string() + " holds no bundle");
  return data;
}

std::string terminal_hostname(std::string_view device_id) {
  std::string h = "balie-";
  for (char c : device_id) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    h += (c == '_' || c == '.') ? '-' : c;
  }
  return h.substr(0, 63);
}

std::string terminal_machine_id(std::string_view device_id) {
  return record::sha256_hex("balie-machine-id:" + std::string(device_id)).substr(0, 32);
}

std::optional<std::string> write_terminal_files(const EnrolmentBundle& b, const std::filesystem::path& config_dir,
                                                const std::filesystem::path& store_path) {
  std::error_code ec;
  if (!std::filesystem::is_directory(config_dir, ec)) return "configuration directory " + config_dir.string() + " does not exist";
  json syncd = {{"store", store_path.string()},
                {"device_id", b.device.kiosk_id},
                {"locatiecode", b.device.location_id},
                {"client_cert", "device-cert.pem"},
                {"client_key", "credential:balie-tls-key"},
                {"window", b.sync_window}};
  std::string ntp = "# Written by balie-admin bundle apply (bundle version " + std::to_string(b.version) + ")\n[Time]\nNTP=";
  for (std::size_t i = 0; i < b.ntp_servers.size(); ++i) ntp += (i ? " " : "") + b.ntp_servers[i];
  ntp += "\n";
  const std::pair<const char*, std::string> files[] = {
      {"device-cert.pem", b.tls_certificate_pem},
      {"syncd.json", syncd.dump(2) + "\n"},
      {"timesyncd.conf", ntp},
      {"device-id", b.device.kiosk_id + "\n"},
      {"hostname", terminal_hostname(b.device.kiosk_id) + "\n"},
      {"machine-id", terminal_machine_id(b.device.kiosk_id) + "\n"},
      {"bundle-version", std::to_string(b.version) + "\n"},
  };
  for (const auto& [name, text] : files) {
    std::string error;
    if (!platform::write_file_atomic(config_dir / name, text, 0644, &error)) return error;
  }
  return std::nullopt;
}

}  // namespace balie::store

namespace balie::store {

std::string consent_purposes_json(const std::vector<BundleConsentPurpose>& v) {
  json a = json::array();
  for (const auto& p : v)
    a.push_back({{"id", p.id}, {"controller", p.controller}, {"recipient", p.recipient},
                 {"valid_months", p.valid_months}, {"sensitive", p.sensitive}});
  return a.dump();
}

std::vector<BundleConsentPurpose> consent_purposes_from_json(std::string_view text) {
  // Written by consent_purposes_json from a checked bundle; anything else reads as no purposes.
  std::vector<BundleConsentPurpose> out;
  json a = json::parse(text, nullptr, false);
  if (!a.is_array()) return out;
  for (const auto& p : a) {
    if (!p.is_object()) continue;
    BundleConsentPurpose c;
    c.id = p.value("id", "");
    c.controller = p.value("controller", "");
    c.recipient = p.value("recipient", "");
    c.valid_months = p.value("valid_months", 12);
    c.sensitive = p.value("sensitive", false);
    if (!c.id.empty() && c.valid_months >= 1 && c.valid_months <= 12) out.push_back(std::move(c));
  }
  return out;
}

}  // namespace balie::store
