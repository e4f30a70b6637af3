// balie-coa database operations (coa/include/balie/coa/ops.h). Secrets (session tokens, login links,
// enrolment codes) are random, handed out once and stored only as SHA-256. Passwords: Argon2id
// (libsodium crypto_pwhash_str, interactive limits).
#include "balie/coa/ops.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "balie/record/codec.h"
#include "balie/record/utf8.h"
#include "balie/store/bundle.h"

namespace balie::coa {

namespace {

using Kind = DbError::Kind;

DbError invalid(std::string m) { return DbError{Kind::Invalid, std::move(m)}; }

std::string hex(const unsigned char* p, size_t n) {
  std::string out(2 * n + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), p, n);
  out.pop_back();
  return out;
}

std::string random_token(size_t bytes = 32) {
  std::vector<unsigned char> b(bytes);
  randombytes_buf(b.data(), b.size());
  std::string t = hex(b.data(), b.size());
  sodium_memzero(b.data(), b.size());
  return t;
}

std::string sha256_hex(std::string_view s) {
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, reinterpret_cast<const unsigned char*>(s.data()), s.size());
  return hex(h, sizeof h);
}

bool valid_date(const std::string& d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u})
    if (!std::isdigit(static_cast<unsigned char>(d[i]))) return false;
  const int m = std::stoi(d.substr(5, 2)), day = std::stoi(d.substr(8, 2));
  return m >= 1 && m <= 12 && day >= 1 && day <= 31;
}

bool valid_gemeentecode(const std::string& g) {
  return g.size() == 6 && g[0] == 'G' && g[1] == 'M' &&
         std::all_of(g.begin() + 2, g.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Printable UTF-8 text: no C0/C1 controls or DEL; length in bytes within [min, max]. Residents' names
// and rooms also refuse bidirectional embeddings, overrides and isolates: the operator gets a clear
// error and fixes the source (a terminal that still receives them strips them, flags the resident and
// audits it: issue 18, store/src/store.cpp).
bool printable(const std::string& s, size_t min, size_t max, bool no_bidi = false) {
  if (s.size() < min || s.size() > max || !record::is_valid_utf8(s)) return false;
  size_t i = 0;
  while (i < s.size()) {
    const char32_t cp = record::utf8_next(s, i);
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) return false;
    if (no_bidi && record::is_bidi_formatting(cp)) return false;
  }
  return true;
}

Param opt(const std::optional<std::string>& s) { return s; }

}  // namespace

std::string csrf_for(const std::string& cookie_value) { return sha256_hex("csrf:" + cookie_value).substr(0, 32); }

DbStatus audit(Db& db, const std::string& actor, const std::string& action, const std::string& detail) {
  auto r = db.exec("INSERT INTO audit (actor, action, detail) VALUES ($1, $2, $3)", {actor, action, detail});
  if (!r) return r.error();
  return {};
}

// --- locations, operators ---------------------------------------------------------------------------

DbStatus add_location(Db& db, const std::string& id, const std::string& name) {
  if (!record::is_token(id, 64)) return invalid("location id must be 1-64 of A-Z a-z 0-9 . _ -");
  if (!printable(name, 1, 200)) return invalid("location name must be 1-200 bytes of printable text");
  return db.transaction([&](Db& d) -> DbStatus {
    auto r = d.exec("INSERT INTO locations (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = $2",
                    {id, name});
    if (!r) return r.error();
    return audit(d, "balie-coa", "location.put", id);
  });
}

DbResult<std::vector<Location>> list_locations(Db& db) {
  auto r = db.exec("SELECT id, name FROM locations ORDER BY id");
  if (!r) return r.error();
  std::vector<Location> out;
  for (int i = 0; i < r->size(); ++i) out.push_back({r->text(i, 0), r->text(i, 1)});
  return out;
}

DbStatus add_operator(Db& db, const std::string& id, const std::string& display_name, const std::string& password) {
  if (!record::is_token(id, 64)) return invalid("operator id must be 1-64 of A-Z a-z 0-9 . _ -");
  if (!printable(display_name, 1, 100)) return invalid("operator name must be 1-100 bytes of printable text");
  if (password.size() < 12 || password.size() > 200) return invalid("the password must be 12-200 characters");
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(hash, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return DbError{Kind::Other, "out of memory hashing the password"};
  }
  const std::string h = hash;
  return db.transaction([&](Db& d) -> DbStatus {
    auto r = d.exec(
        "INSERT INTO operators (id, display_name, password_hash) VALUES ($1, $2, $3) "
        "ON CONFLICT (id) DO UPDATE SET display_name = $2, password_hash = $3, active = true",
        {id, display_name, h});
    if (!r) return r.error();
    return audit(d, "balie-coa", "operator.put", id);
  });
}

DbResult<std::optional<std::string>> check_operator_password(Db& db, const std::string& id,
                                                             const std::string& password) {
  auto r = db.exec("SELECT password_hash, display_name FROM operators WHERE id = $1 AND active", {id});
  if (!r) return r.error();
  if (r->empty() || password.size() > 200) {
    // Same work for an unknown id as for a known one: the answer time does not tell which ids exist.
    char dummy[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(dummy, "x", 1, crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
      return DbError{Kind::Other, "out of memory checking a password"};
    }
    return std::optional<std::string>{};
  }
  const std::string h = r->text(0, 0);
  if (crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) != 0) return std::optional<std::string>{};
  return std::optional<std::string>{r->text(0, 1)};
}

DbResult<std::string> open_operator_session(Db& db, const std::string& operator_id, int hours) {
  const std::string token = random_token();
  auto r = db.exec(
      "INSERT INTO operator_sessions (token_sha256, operator_id, expires_at) "
      "VALUES ($1, $2, now() + make_interval(hours => $3::int))",
      {sha256_hex(token), operator_id, std::to_string(hours)});
  if (!r) return r.error();
  return token;
}

DbResult<std::optional<OperatorSession>> find_operator_session(Db& db, const std::string& cookie_value) {
  if (cookie_value.size() != 64) return std::optional<OperatorSession>{};
  auto r = db.exec(
      "SELECT o.id, o.display_name FROM operator_sessions s JOIN operators o ON o.id = s.operator_id "
      "WHERE s.token_sha256 = $1 AND s.expires_at > now() AND o.active",
      {sha256_hex(cookie_value)});
  if (!r) return r.error();
  if (r->empty()) return std::optional<OperatorSession>{};
  return std::optional<OperatorSession>{OperatorSession{r->text(0, 0), r->text(0, 1), csrf_for(cookie_value)}};
}

DbStatus close_operator_session(Db& db, const std::string& cookie_value) {
  auto r = db.exec("DELETE FROM operator_sessions WHERE token_sha256 = $1", {sha256_hex(cookie_value)});
  if (!r) return r.error();
  return {};
}

DbResult<std::string> create_operator_link(Db& db, const std::string& operator_id, int minutes) {
  const std::string token = random_token();
  auto r = db.exec(
      "INSERT INTO operator_links (token_sha256, operator_id, expires_at) "
      "SELECT $1, id, now() + make_interval(mins => $3::int) FROM operators WHERE id = $2 AND active",
      {sha256_hex(token), operator_id, std::to_string(minutes)});
  if (!r) return r.error();
  if (r->affected() != 1) return invalid("no active operator '" + operator_id + "'");
  return token;
}

DbResult<std::optional<std::string>> redeem_operator_link(Db& db, const std::string& token, int session_hours) {
  std::optional<std::string> cookie;
  DbStatus st = db.transaction([&](Db& d) -> DbStatus {
    cookie.reset();
    auto r = d.exec(
        "UPDATE operator_links SET used_at = now() WHERE token_sha256 = $1 AND used_at IS NULL AND expires_at > now() "
        "RETURNING operator_id",
        {sha256_hex(token)});
    if (!r) return r.error();
    if (r->empty()) return {};
    auto s = open_operator_session(d, r->text(0, 0), session_hours);
    if (!s) return s.error();
    cookie = *s;
    return audit(d, r->text(0, 0), "operator.login_link", "");
  });
  if (!st.ok()) return st.error();
  return cookie;
}

// --- enrolment codes ----------------------------------------------------------------------------------

std::string normalise_code(const std::string& code) {
  std::string out;
  for (char c : code) {
    if (c == '-' || c == ' ') continue;
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (c == 'I' || c == 'L') c = '1';
    if (c == 'O') c = '0';
    out += c;
  }
  return out;
}

DbResult<std::string> create_enrolment_code(Db& db, const std::string& location_id, const std::string& operator_id,
                                            int valid_minutes) {
  static constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  unsigned char raw[8];
  randombytes_buf(raw, sizeof raw);
  std::uint64_t v = 0;
  for (unsigned char b : raw) v = (v << 8) | b;
  sodium_memzero(raw, sizeof raw);
  std::string code;
  for (int i = 0; i < 12; ++i) {
    if (i > 0 && i % 4 == 0) code += '-';
    code += kCrockford[v & 31];
    v >>= 5;
  }
  const std::string norm = normalise_code(code);
  std::string result;
  DbStatus st = db.transaction([&](Db& d) -> DbStatus {
    auto loc = d.exec("SELECT 1 FROM locations WHERE id = $1", {location_id});
    if (!loc) return loc.error();
    if (loc->empty()) return invalid("unknown location '" + location_id + "'");
    auto r = d.exec(
        "INSERT INTO enrolment_codes (code_sha256, code_hint, location_id, created_by, expires_at) "
        "VALUES ($1, $2, $3, $4, now() + make_interval(mins => $5::int))",
        {sha256_hex(norm), norm.substr(norm.size() - 4), location_id, operator_id, std::to_string(valid_minutes)});
    if (!r) return r.error();
    return audit(d, operator_id, "enrolment_code.create", "location=" + location_id + " hint=" + norm.substr(8));
  });
  if (!st.ok()) return st.error();
  return code;
}

DbResult<std::vector<CodeInfo>> list_enrolment_codes(Db& db, int limit) {
  auto r = db.exec(
      "SELECT code_hint, location_id, created_by, to_char(created_at, 'YYYY-MM-DD HH24:MI'), "
      "to_char(expires_at, 'YYYY-MM-DD HH24:MI'), to_char(used_at, 'YYYY-MM-DD HH24:MI'), used_by "
      "FROM enrolment_codes ORDER BY created_at DESC LIMIT $1",
      {std::to_string(limit)});
  if (!r) return r.error();
  std::vector<CodeInfo> out;
  for (int i = 0; i < r->size(); ++i)
    out.push_back({r->text(i, 0), r->text(i, 1), r->text(i, 2), r->text(i, 3), r->text(i, 4), r->get(i, 5), r->get(i, 6)});
  return out;
}

// --- configuration ------------------------------------------------------------------------------------

DbResult<std::int64_t> put_location_config(Db& db, const std::string& location_id, const nlohmann::json& config,
                                           const std::string& actor, const CoaIdentity& coa) {
  if (!config.is_object()) return invalid("the configuration must be a JSON object");
  for (const char* k : {"ntp_servers", "sync_window", "routes", "staff", "texts"})
    if (!config.contains(k)) return invalid(std::string("the configuration lacks \"") + k + "\"");
  for (auto it = config.begin(); it != config.end(); ++it)
    if (it.key() != "ntp_servers" && it.key() != "sync_window" && it.key() != "routes" && it.key() != "staff" &&
        it.key() != "texts")
      return invalid("unknown configuration field \"" + it.key() + "\"");
  // Check it the way a terminal will: as the payload of a bundle (a placeholder device; the COA CA
  // stands in for the device certificate, which parse_bundle_payload only parses).
  nlohmann::json probe = config;
  probe["bundle_version"] = 1;
  probe["issued_at"] = "2026-01-01T00:00:00Z";
  probe["device"] = {{"device_id", "T0"}, {"location_id", location_id}, {"location_name", "check"},
                     {"ed25519_pk", std::string(64, '0')}, {"tls_certificate_pem", coa.ca_pem}};
  probe["coa"] = {{"endpoint", coa.endpoint}, {"ca_pem", coa.ca_pem}, {"pins", coa.pins}};
  if (auto p = store::parse_bundle_payload(probe.dump()); !p.ok()) return invalid("configuration: " + p.error().message);
  std::int64_t version = 0;
  DbStatus st = db.transaction([&](Db& d) -> DbStatus {
    auto loc = d.exec("SELECT 1 FROM locations WHERE id = $1 FOR UPDATE", {location_id});
    if (!loc) return loc.error();
    if (loc->empty()) return invalid("unknown location '" + location_id + "'");
    auto r = d.exec(
        "INSERT INTO location_configs (location_id, version, config, created_by) "
        "SELECT $1, coalesce(max(version), 0) + 1, $2::jsonb, $3 FROM location_configs WHERE location_id = $1 "
        "RETURNING version",
        {location_id, config.dump(), actor});
    if (!r) return r.error();
    version = r->int64(0, 0);
    return audit(d, actor, "config.put", "location=" + location_id + " version=" + std::to_string(version));
  });
  if (!st.ok()) return st.error();
  return version;
}

DbResult<std::optional<std::pair<std::int64_t, nlohmann::json>>> latest_location_config(Db& db,
                                                                                       const std::string& location_id) {
  using Out = std::optional<std::pair<std::int64_t, nlohmann::json>>;
  auto r = db.exec(
      "SELECT version, config::text FROM location_configs WHERE location_id = $1 ORDER BY version DESC LIMIT 1",
      {location_id});
  if (!r) return r.error();
  if (r->empty()) return Out{};
  auto j = nlohmann::json::parse(r->text(0, 1), nullptr, false);
  if (j.is_discarded()) return DbError{Kind::Other, "stored configuration is not JSON"};
  return Out{std::make_pair(r->int64(0, 0), std::move(j))};
}

// --- devices --------------------------------------------------------------------------------------------

namespace {
constexpr const char* kDeviceColumns =
    "d.device_id, d.location_id, l.name, d.ed25519_pk, d.tls_pin, d.cert_pem, "
    "to_char(d.enrolled_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), d.cert_serial, "
    "to_char(d.revoked_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), d.revoke_reason";

DbResult<std::optional<Device>> one_device(Db& db, const std::string& where, const std::string& value) {
  auto r = db.exec(std::string("SELECT ") + kDeviceColumns +
                       " FROM devices d JOIN locations l ON l.id = d.location_id WHERE " + where,
                   {value});
  if (!r) return r.error();
  if (r->empty()) return std::optional<Device>{};
  Device d{r->text(0, 0), r->text(0, 1), r->text(0, 2), r->text(0, 3), r->text(0, 4), r->text(0, 5), r->text(0, 6),
           r->int64(0, 7), r->get(0, 8), r->get(0, 9)};
  return std::optional<Device>{std::move(d)};
}
}  // namespace

DbResult<std::optional<Device>> device_by_pin(Db& db, const std::string& tls_pin) {
  return one_device(db, "d.tls_pin = $1", tls_pin);
}
DbResult<std::optional<Device>> device_by_id(Db& db, const std::string& device_id) {
  return one_device(db, "d.device_id = $1", device_id);
}

DbStatus revoke_device(Db& db, const std::string& device_id, const std::string& reason, const std::string& actor) {
  if (!printable(reason, 1, 300)) return invalid("a reason (1-300 characters) is required");
  return db.transaction([&](Db& d) -> DbStatus {
    auto r = d.exec(
        "UPDATE devices SET revoked_at = now(), revoke_reason = $2 WHERE device_id = $1 AND revoked_at IS NULL",
        {device_id, reason});
    if (!r) return r.error();
    if (r->affected() != 1) return invalid("no active device '" + device_id + "'");
    auto a = d.exec(
        "INSERT INTO alerts (device_id, kind, detail) VALUES ($1, 'revoked', $2) "
        "ON CONFLICT (device_id, kind) WHERE cleared_at IS NULL DO NOTHING",
        {device_id, reason});
    if (!a) return a.error();
    return audit(d, actor, "device.revoke", device_id + ": " + reason);
  });
}

DbResult<std::vector<Revoked>> revoked_certificates(Db& db) {
  auto r = db.exec(
      "SELECT cert_serial, extract(epoch FROM revoked_at)::bigint FROM devices WHERE revoked_at IS NOT NULL "
      "ORDER BY cert_serial");
  if (!r) return r.error();
  std::vector<Revoked> out;
  for (int i = 0; i < r->size(); ++i) out.push_back({r->int64(i, 0), r->int64(i, 1)});
  return out;
}

// --- residents ------------------------------------------------------------------------------------------

std::optional<std::string> check_resident(const ResidentIn& r) {
  if (!record::is_token(r.id, 64)) return "id: 1-64 of A-Z a-z 0-9 . _ -";
  if (!record::is_token(r.location_id, 64)) return "location_id: 1-64 of A-Z a-z 0-9 . _ -";
  if (!printable(r.naam_latijns, 1, 200, true)) return "naam_latijns: 1-200 bytes of printable UTF-8, no bidi controls";
  if (!printable(r.naam_eigen_schrift, 0, 200, true))
    return "naam_eigen_schrift: at most 200 bytes of printable UTF-8, no bidi controls";
  if (r.v_nummer.size() != 10 || !std::all_of(r.v_nummer.begin(), r.v_nummer.end(), ::isdigit))
    return "v_nummer: 10 digits";
  if (!valid_date(r.geboortedatum)) return "geboortedatum: YYYY-MM-DD";
  if (!printable(r.kamer, 0, 32, true)) return "kamer: at most 32 bytes of printable UTF-8, no bidi controls";
  if (r.regime != "Wi2021" && r.regime != "Wi2013" && r.regime != "Wi2007") return "regime: Wi2021, Wi2013 or Wi2007";
  if (r.gemeentecode.has_value() != r.gekoppeld_sinds.has_value())
    return "gemeentecode and gekoppeld_sinds go together";
  if (r.gemeentecode && !valid_gemeentecode(*r.gemeentecode)) return "gemeentecode: GM and 4 digits";
  if (r.gekoppeld_sinds && !valid_date(*r.gekoppeld_sinds)) return "gekoppeld_sinds: YYYY-MM-DD";
  return std::nullopt;
}

DbStatus put_resident(Db& db, const ResidentIn& r, const std::string& actor) {
  if (auto p = check_resident(r)) return invalid("resident " + r.id + ": " + *p);
  return db.transaction([&](Db& d) -> DbStatus {
    auto cur = d.exec("SELECT location_id FROM residents WHERE id = $1 FOR UPDATE", {r.id});
    if (!cur) return cur.error();
    // Moving: the old location's terminals get active=false (they delete what they hold).
    if (!cur->empty() && cur->text(0, 0) != r.location_id) {
      auto seq = d.exec("UPDATE locations SET resident_seq = resident_seq + 1 WHERE id = $1 RETURNING resident_seq",
                        {cur->text(0, 0)});
      if (!seq) return seq.error();
      // The row moves with the new location below; the old one keeps a withdrawal.
      auto t = d.exec(
          "INSERT INTO resident_withdrawals (location_id, resident_id, change_seq) VALUES ($2, $1, $3) "
          "ON CONFLICT (location_id, resident_id) DO UPDATE SET change_seq = $3",
          {r.id, cur->text(0, 0), seq->text(0, 0)});
      if (!t) return t.error();
    }
    auto seq = d.exec("UPDATE locations SET resident_seq = resident_seq + 1 WHERE id = $1 RETURNING resident_seq",
                      {r.location_id});
    if (!seq) return seq.error();
    if (seq->empty()) return invalid("unknown location '" + r.location_id + "'");
    auto up = d.exec(
        "INSERT INTO residents (id, location_id, naam_latijns, naam_eigen_schrift, v_nummer, geboortedatum, kamer, "
        "regime, gemeentecode, gekoppeld_sinds, active, change_seq, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $6::date, $7, $8, $9, $10::date, $11::boolean, $12, now()) "
        "ON CONFLICT (id) DO UPDATE SET location_id = $2, naam_latijns = $3, naam_eigen_schrift = $4, v_nummer = $5, "
        "geboortedatum = $6::date, kamer = $7, regime = $8, gemeentecode = $9, gekoppeld_sinds = $10::date, "
        "active = $11::boolean, change_seq = $12, updated_at = now()",
        {r.id, r.location_id, r.naam_latijns, r.naam_eigen_schrift, r.v_nummer, r.geboortedatum, r.kamer, r.regime,
         opt(r.gemeentecode), opt(r.gekoppeld_sinds), std::string(r.active ? "true" : "false"), seq->text(0, 0)});
    if (!up) return up.error();
    return audit(d, actor, "resident.put",
                 "id=" + r.id + " location=" + r.location_id + " gemeente=" + r.gemeentecode.value_or("-"));
  });
}

DbStatus withdraw_resident(Db& db, const std::string& id, const std::string& reason, const std::string& actor) {
  if (!record::is_token(id, 64)) return invalid("id: 1-64 of A-Z a-z 0-9 . _ -");
  if (reason != "obligation_withdrawn" && reason != "regime_corrected")
    return invalid("reason: obligation_withdrawn or regime_corrected");
  return db.transaction([&](Db& d) -> DbStatus {
    auto cur = d.exec("SELECT location_id FROM residents WHERE id = $1 FOR UPDATE", {id});
    if (!cur) return cur.error();
    if (cur->empty()) return invalid("no resident '" + id + "'");
    auto seq = d.exec("UPDATE locations SET resident_seq = resident_seq + 1 WHERE id = $1 RETURNING resident_seq",
                      {cur->text(0, 0)});
    if (!seq) return seq.error();
    auto up = d.exec("UPDATE residents SET active = false, withdrawal_reason = $2, change_seq = $3, updated_at = now() "
                     "WHERE id = $1",
                     {id, reason, seq->text(0, 0)});
    if (!up) return up.error();
    return audit(d, actor, "resident.withdraw", "id=" + id + " reason=" + reason);
  });
}

DbResult<nlohmann::json> residents_page(Db& db, const std::string& location_id, const std::string& cursor, int limit,
                                        bool with_consent) {
  if (!cursor.empty() && (cursor.size() > 19 || !std::all_of(cursor.begin(), cursor.end(), ::isdigit)))
    return invalid("cursor must be a number returned by this service");
  limit = std::clamp(limit, 1, 500);
  auto r = db.exec(
      "SELECT id, naam_latijns, naam_eigen_schrift, v_nummer, to_char(geboortedatum, 'YYYY-MM-DD'), kamer, regime, "
      "gemeentecode, to_char(gekoppeld_sinds, 'YYYY-MM-DD'), active, change_seq, withdrawal_reason "
      "FROM residents WHERE location_id = $1 AND change_seq > $2::bigint "
      "UNION ALL SELECT resident_id, '', '', '', '', '', '', NULL, NULL, false, change_seq, NULL "
      "FROM resident_withdrawals WHERE location_id = $1 AND change_seq > $2::bigint ORDER BY 11 LIMIT $3",
      {location_id, cursor.empty() ? std::string("0") : cursor, std::to_string(limit + 1)});
  if (!r) return r.error();
  const int n = std::min(r->size(), limit);
  nlohmann::json items = nlohmann::json::array();
  std::string next = cursor;
  for (int i = 0; i < n; ++i) {
    const std::string id = r->text(i, 0);
    const bool active = r->boolean(i, 9);
    if (!active) {
      // A withdrawal (left, or moved to another location) names only the id.
      nlohmann::json it = {{"id", id}, {"active", false}};
      // Withdrawn because the obligation ended as if it never was: the terminals drop unsent records.
      if (auto w = r->get(i, 11)) it["withdrawal_reason"] = *w;
      items.push_back(std::move(it));
    } else {
      nlohmann::json it = {{"id", id},
                           {"naam_latijns", r->text(i, 1)},
                           {"naam_eigen_schrift", r->text(i, 2)},
                           {"v_nummer", r->text(i, 3)},
                           {"geboortedatum", r->text(i, 4)},
                           {"kamer", r->text(i, 5)},
                           {"regime", r->text(i, 6)},
                           {"gemeentecode", nullptr},
                           {"gekoppeld_sinds", nullptr},
                           {"active", true}};
      if (auto g = r->get(i, 7)) it["gemeentecode"] = *g;
      if (auto s = r->get(i, 8)) it["gekoppeld_sinds"] = *s;
      items.push_back(std::move(it));
    }
    next = r->text(i, 10);
  }
  if (with_consent) {
    // Ids are tokens ([A-Za-z0-9._-]), so the array literal needs no quoting.
    std::string ids = "{";
    for (const auto& it : items)
      if (it["active"].get<bool>()) ids += (ids.size() > 1 ? "," : "") + it["id"].get<std::string>();
    ids += "}";
    auto c = db.exec(
        "SELECT resident_id, purpose, decision, to_char(decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
        "to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), record_id::text, text_version, "
        "(expires_at IS NOT NULL AND expires_at <= now()) FROM resident_consent_current "
        "WHERE resident_id = ANY($1::text[]) ORDER BY resident_id, purpose",
        {ids});
    if (!c) return c.error();
    std::map<std::string, nlohmann::json> by_resident;
    for (int i = 0; i < c->size(); ++i) {
      nlohmann::json e = {{"purpose", c->text(i, 1)}, {"decision", c->text(i, 2)}, {"decided_at", c->text(i, 3)},
                          {"expires_at", nullptr}, {"record_id", c->text(i, 5)}, {"text_version", c->text(i, 6)},
                          {"expired", c->boolean(i, 7)}};
      if (auto x = c->get(i, 4)) e["expires_at"] = *x;
      auto& arr = by_resident[c->text(i, 0)];
      if (arr.is_null()) arr = nlohmann::json::array();
      arr.push_back(std::move(e));
    }
    for (auto& it : items) {
      if (!it["active"].get<bool>()) continue;
      auto f = by_resident.find(it["id"].get<std::string>());
      it["consent"] = f == by_resident.end() ? nlohmann::json::array() : f->second;
    }
  }
  return nlohmann::json{{"format", "balie-coa-residents"}, {"format_version", 1}, {"location_id", location_id},
                        {"cursor", next}, {"more", r->size() > limit}, {"residents", std::move(items)}};
}

// --- consent (issue 16) ---------------------------------------------------------------------------------

std::optional<std::string> check_consent_post(const nlohmann::json& body) {
  if (!body.is_object()) return "the body must be a JSON object";
  for (auto it = body.begin(); it != body.end(); ++it)
    if (it.key() != "format" && it.key() != "format_version" && it.key() != "events") return "unknown field " + it.key().substr(0, 40);
  if (body.value("format", "") != "balie-coa-consent" || !body.contains("format_version") ||
      !body["format_version"].is_number_integer() || body["format_version"].get<long long>() != 1)
    return "format must be balie-coa-consent, format_version 1";
  if (!body.contains("events") || !body["events"].is_array() || body["events"].empty() ||
      body["events"].size() > kMaxConsentEventsPerPost)
    return "events must be an array of 1.." + std::to_string(kMaxConsentEventsPerPost) + " events";
  return std::nullopt;
}

namespace {
// One event: nullopt when usable, else the reason (names the field, never a value).
std::optional<std::string> check_consent_event(const nlohmann::json& e) {
  if (!e.is_object()) return "an event must be an object";
  static const std::set<std::string> kKnown = {"record_id", "resident_id", "purpose", "decision", "decided_at",
                                               "expires_at", "text_version"};
  for (auto it = e.begin(); it != e.end(); ++it)
    if (!kKnown.count(it.key())) return "unknown field in an event";
  for (const char* k : {"record_id", "resident_id", "purpose", "decision", "decided_at", "text_version"})
    if (!e.contains(k) || !e[k].is_string()) return std::string(k) + " must be a string";
  if (!e.contains("expires_at") || !(e["expires_at"].is_null() || e["expires_at"].is_string()))
    return "expires_at must be a string or null";
  if (!record::is_uuid(e["record_id"].get<std::string>())) return "record_id must be a lowercase UUID";
  if (!record::is_token(e["resident_id"].get<std::string>(), 64)) return "resident_id: 1-64 of A-Z a-z 0-9 . _ -";
  if (!record::is_token(e["purpose"].get<std::string>(), 48)) return "purpose: 1-48 of A-Z a-z 0-9 . _ -";
  if (!record::is_token(e["text_version"].get<std::string>(), 128)) return "text_version: 1-128 of A-Z a-z 0-9 . _ -";
  const std::string d = e["decision"].get<std::string>();
  if (d != "given" && d != "refused" && d != "withdrawn") return "decision: given, refused or withdrawn";
  auto at = record::parse_utc(e["decided_at"].get<std::string>());
  if (!at) return "decided_at: YYYY-MM-DDTHH:MM:SSZ";
  if (e["expires_at"].is_string()) {
    auto ex = record::parse_utc(e["expires_at"].get<std::string>());
    if (!ex) return "expires_at: YYYY-MM-DDTHH:MM:SSZ or null";
    if (*ex <= *at) return "expires_at must be after decided_at";
    if (*ex > *at + 366LL * 24 * 3600) return "expires_at: a consent lasts at most 12 months";
  }
  if ((d == "given") != e["expires_at"].is_string()) return "expires_at is set exactly when the decision is given";
  return std::nullopt;
}
}  // namespace

DbResult<ConsentIngest> ingest_consent_events(Db& db, const Device& device, const nlohmann::json& body) {
  if (auto p = check_consent_post(body)) return invalid(*p);
  ConsentIngest out;
  auto st = db.transaction([&](Db& d) -> DbStatus {
    out = ConsentIngest{};
    const auto& events = body["events"];
    for (std::size_t i = 0; i < events.size(); ++i) {
      const auto& e = events[i];
      std::string rid = e.is_object() && e.contains("record_id") && e["record_id"].is_string() &&
                                record::is_uuid(e["record_id"].get<std::string>())
                            ? e["record_id"].get<std::string>()
                            : "#" + std::to_string(i);
      if (auto p = check_consent_event(e)) {
        out.refused.emplace_back(rid, *p);
        continue;
      }
      const std::string resident = e["resident_id"].get<std::string>();
      auto loc = d.exec("SELECT location_id, regime FROM residents WHERE id = $1 AND active FOR UPDATE", {resident});
      if (!loc) return loc.error();
      if (loc->empty() || loc->text(0, 0) != device.location_id) {
        out.refused.emplace_back(rid, "resident_id: no active resident with this id at the device's location");
        continue;
      }
      // Consent is asked only under the Wet inburgering 2021 (issue 16): nothing to act on otherwise.
      if (loc->text(0, 1) != "Wi2021") {
        out.refused.emplace_back(rid, "resident_id: the resident is not under Wi2021; consent is not asked");
        continue;
      }
      Param expires = e["expires_at"].is_string() ? Param(e["expires_at"].get<std::string>()) : Param(std::nullopt);
      auto ins = d.exec(
          "INSERT INTO consent_events (record_id, resident_id, purpose, decision, decided_at, expires_at, text_version, "
          "device_id) VALUES ($1::uuid, $2, $3, $4, $5::timestamptz, $6::timestamptz, $7, $8) "
          "ON CONFLICT (record_id) DO NOTHING RETURNING record_id",
          {rid, resident, e["purpose"].get<std::string>(), e["decision"].get<std::string>(),
           e["decided_at"].get<std::string>(), expires, e["text_version"].get<std::string>(), device.device_id});
      if (!ins) return ins.error();
      if (ins->empty()) {  // delivered before: the same event again is acknowledged, another one refused
        auto same = d.exec(
            "SELECT 1 FROM consent_events WHERE record_id = $1::uuid AND resident_id = $2 AND purpose = $3 AND "
            "decision = $4 AND decided_at = $5::timestamptz AND expires_at IS NOT DISTINCT FROM $6::timestamptz "
            "AND text_version = $7",
            {rid, resident, e["purpose"].get<std::string>(), e["decision"].get<std::string>(),
             e["decided_at"].get<std::string>(), expires, e["text_version"].get<std::string>()});
        if (!same) return same.error();
        if (same->empty()) out.refused.emplace_back(rid, "record_id: already stored with other content");
        else out.acknowledged.push_back(rid);
        continue;
      }
      // The location's terminals get the resident again in their feed, with the new state.
      auto seq = d.exec("UPDATE locations SET resident_seq = resident_seq + 1 WHERE id = $1 RETURNING resident_seq",
                        {device.location_id});
      if (!seq) return seq.error();
      auto up = d.exec("UPDATE residents SET change_seq = $2, updated_at = now() WHERE id = $1", {resident, seq->text(0, 0)});
      if (!up) return up.error();
      if (auto a = audit(d, "device:" + device.device_id, "consent.received",
                         "record=" + rid + " resident=" + resident + " purpose=" + e["purpose"].get<std::string>() +
                             " decision=" + e["decision"].get<std::string>());
          !a)
        return a;
      out.acknowledged.push_back(rid);
    }
    return DbStatus{};
  });
  if (!st) return st.error();
  return out;
}

DbResult<std::vector<ResidentConsentRow>> resident_consent_rows(Db& db, const std::string& location_id) {
  auto r = db.exec(
      "SELECT r.id, r.location_id, r.regime, r.gemeentecode, coalesce(c.purpose, ''), coalesce(c.decision, ''), "
      "coalesce(to_char(c.decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''), "
      "coalesce(to_char(c.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''), "
      "(c.expires_at IS NOT NULL AND c.expires_at <= now()) "
      "FROM residents r LEFT JOIN resident_consent_current c ON c.resident_id = r.id "
      "WHERE r.active AND ($1 = '' OR r.location_id = $1) ORDER BY r.location_id, r.id, c.purpose LIMIT 5000",
      {location_id});
  if (!r) return r.error();
  std::vector<ResidentConsentRow> out;
  for (int i = 0; i < r->size(); ++i) {
    ResidentConsentRow row;
    row.resident_id = r->text(i, 0);
    row.location_id = r->text(i, 1);
    row.regime = r->text(i, 2);
    row.gemeentecode = r->get(i, 3);
    row.purpose = r->text(i, 4);
    row.decision = r->text(i, 5);
    row.decided_at = r->text(i, 6);
    row.expires_at = r->text(i, 7);
    row.expired = r->boolean(i, 8);
    out.push_back(std::move(row));
  }
  return out;
}

// --- health ---------------------------------------------------------------------------------------------

std::optional<std::string> check_health_document(const nlohmann::json& doc) {
  if (!doc.is_object()) return "the health document must be a JSON object";
  if (doc.value("format", "") != "balie-health" || doc.value("format_version", 0) != 1)
    return "format must be balie-health, format_version 1";
  if (!doc.contains("generated_at") || !doc["generated_at"].is_string() || doc["generated_at"].get<std::string>().size() != 20)
    return "generated_at must be a UTC time";
  if (!doc.contains("device") || !doc["device"].is_object() || !doc["device"].contains("device_id"))
    return "device.device_id is required";
  for (const char* k : {"versions", "outbox", "clock", "disk", "data_unlock"})
    if (!doc.contains(k) || !doc[k].is_object()) return std::string(k) + " must be an object";
  return std::nullopt;
}

DbResult<std::vector<std::string>> ingest_health(Db& db, const std::string& device_id, const nlohmann::json& doc) {
  // Alert conditions of this document (no_pass is judged when the fleet is read: a silent terminal
  // posts nothing).
  std::vector<std::pair<std::string, std::string>> raise;
  const auto& clock = doc["clock"];
  if (clock.contains("offset_us") && clock["offset_us"].is_number_integer()) {
    const long long off = clock["offset_us"].get<long long>();
    if (off > 60'000'000 || off < -60'000'000) raise.push_back({"clock_offset", std::to_string(off / 1000) + " ms"});
  }
  if (clock.value("synchronised", true) == false && clock.value("state", "") == "error")
    raise.push_back({"clock_offset", "clock not synchronised"});
  const auto& disk = doc["disk"];
  if (disk.contains("free_bytes") && disk["free_bytes"].is_number_integer() && disk.contains("total_bytes") &&
      disk["total_bytes"].is_number_integer() && disk["total_bytes"].get<long long>() > 0) {
    const double used = 1.0 - static_cast<double>(disk["free_bytes"].get<long long>()) /
                                  static_cast<double>(disk["total_bytes"].get<long long>());
    if (used > 0.80) raise.push_back({"disk_full", std::to_string(static_cast<int>(used * 100)) + "%"});
  }
  const auto& outbox = doc["outbox"];
  if (outbox.value("any_overdue", false)) {
    raise.push_back({"deadline_near", "records past their deadline"});
  } else if (outbox.contains("earliest_deadline") && outbox["earliest_deadline"].is_string()) {
    raise.push_back({"deadline_near@check", outbox["earliest_deadline"].get<std::string>()});
  }
  if (doc["data_unlock"].value("unlocked", true) == false) raise.push_back({"unlock_failed", "data volume locked"});
  if (doc.contains("last_update") && doc["last_update"].is_object()) {
    const std::string res = doc["last_update"].value("result", "");
    if (res.find("rolled") != std::string::npos || res.find("rollback") != std::string::npos)
      raise.push_back({"rolled_back", res.substr(0, 200)});
  }

  std::vector<std::string> open;
  DbStatus st = db.transaction([&](Db& d) -> DbStatus {
    open.clear();
    auto ins = d.exec("INSERT INTO health_reports (device_id, generated_at, document) VALUES ($1, $2::timestamptz, $3::jsonb)",
                      {device_id, doc["generated_at"].get<std::string>(), doc.dump()});
    if (!ins) return ins.error();
    auto pruned = d.exec("DELETE FROM health_reports WHERE device_id = $1 AND received_at < now() - make_interval(days => $2)",
                         {device_id, std::to_string(kHealthRetentionDays)});
    if (!pruned) return pruned.error();
    std::vector<std::string> kinds;
    for (const auto& [kind, detail] : raise) {
      std::string k = kind, det = detail;
      if (k == "deadline_near@check") {
        // Within 2 working days (4 calendar days covers a weekend) of the 10-working-day deadline.
        auto near = d.exec("SELECT $1::date <= (now() AT TIME ZONE 'Europe/Amsterdam')::date + 4", {detail});
        if (!near) return near.error();
        if (!near->boolean(0, 0)) continue;
        k = "deadline_near";
        det = "earliest deadline " + detail;
      }
      kinds.push_back(k);
      auto a = d.exec(
          "INSERT INTO alerts (device_id, kind, detail) VALUES ($1, $2, $3) "
          "ON CONFLICT (device_id, kind) WHERE cleared_at IS NULL DO UPDATE SET detail = $3",
          {device_id, k, det});
      if (!a) return a.error();
    }
    // Conditions this document no longer shows are cleared (a revocation and a roll-back stay until
    // an operator deals with them).
    std::string list = "{";
    for (size_t i = 0; i < kinds.size(); ++i) list += (i ? "," : "") + kinds[i];
    list += "}";
    auto c = d.exec(
        "UPDATE alerts SET cleared_at = now() WHERE device_id = $1 AND cleared_at IS NULL "
        "AND kind NOT IN ('revoked', 'rolled_back', 'update_failed') AND NOT (kind = ANY($2::text[]))",
        {device_id, list});
    if (!c) return c.error();
    auto o = d.exec("SELECT kind FROM alerts WHERE device_id = $1 AND cleared_at IS NULL ORDER BY kind", {device_id});
    if (!o) return o.error();
    for (int i = 0; i < o->size(); ++i) open.push_back(o->text(i, 0));
    return {};
  });
  if (!st.ok()) return st.error();
  return open;
}

}  // namespace balie::coa
