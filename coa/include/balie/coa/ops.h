// balie-coa's operations on its database (coa/, headless): locations, operators and their sessions,
// enrolment codes, devices, per-location configuration, residents and their koppeling, health and
// alerts. The CLI and the HTTPS handlers both call these; each write is one serializable transaction.
// Nothing here holds state between calls: several balie-coa instances may share the database.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "balie/coa/db.h"
#include "balie/store/types.h"

namespace balie::coa {

// --- locations, operators -------------------------------------------------------------------------
DbStatus add_location(Db& db, const std::string& id, const std::string& name);
struct Location {
  std::string id, name;
};
DbResult<std::vector<Location>> list_locations(Db& db);
DbStatus add_operator(Db& db, const std::string& id, const std::string& display_name, const std::string& password);
// The operator's display name when id + password match an active operator; nullopt otherwise.
DbResult<std::optional<std::string>> check_operator_password(Db& db, const std::string& id, const std::string& password);
// A new session for the operator: returns the cookie value (random, only its SHA-256 is stored).
DbResult<std::string> open_operator_session(Db& db, const std::string& operator_id, int hours);
struct OperatorSession {
  std::string operator_id, display_name, csrf_token;  // csrf derived from the session token
};
DbResult<std::optional<OperatorSession>> find_operator_session(Db& db, const std::string& cookie_value);
DbStatus close_operator_session(Db& db, const std::string& cookie_value);
// A one-time login link token (valid `minutes`), and its redemption into a session cookie value.
DbResult<std::string> create_operator_link(Db& db, const std::string& operator_id, int minutes);
DbResult<std::optional<std::string>> redeem_operator_link(Db& db, const std::string& token, int session_hours);
std::string csrf_for(const std::string& cookie_value);

// --- enrolment codes ------------------------------------------------------------------------------
// Codes look like "7KQM-3XHD-9TPV" (Crockford base32, 60 bits). Returned once; stored as SHA-256.
DbResult<std::string> create_enrolment_code(Db& db, const std::string& location_id, const std::string& operator_id,
                                            int valid_minutes);
struct CodeInfo {
  std::string hint, location_id, created_by, created_at, expires_at;
  std::optional<std::string> used_at, used_by;
};
DbResult<std::vector<CodeInfo>> list_enrolment_codes(Db& db, int limit);
std::string normalise_code(const std::string& code);  // upper case, no separators/spaces, I/L->1, O->0

// --- configuration per location -------------------------------------------------------------------
// The location's configuration document: {"ntp_servers", "sync_window", "routes", "staff", "texts"}
// exactly as in the bundle payload. put_location_config checks it by building a bundle payload with
// it (store::parse_bundle_payload) and stores it as the next version. Returns the new version.
struct CoaIdentity {
  std::string endpoint, ca_pem;
  std::vector<std::string> pins;  // primary, backup
};
DbResult<std::int64_t> put_location_config(Db& db, const std::string& location_id, const nlohmann::json& config,
                                           const std::string& actor, const CoaIdentity& coa);
DbResult<std::optional<std::pair<std::int64_t, nlohmann::json>>> latest_location_config(Db& db,
                                                                                       const std::string& location_id);

// --- devices ----------------------------------------------------------------------------------------
struct Device {
  std::string device_id, location_id, location_name, ed25519_pk, tls_pin, cert_pem, enrolled_at;
  std::int64_t cert_serial = 0;
  std::optional<std::string> revoked_at, revoke_reason;
};
DbResult<std::optional<Device>> device_by_pin(Db& db, const std::string& tls_pin);
DbResult<std::optional<Device>> device_by_id(Db& db, const std::string& device_id);
DbStatus revoke_device(Db& db, const std::string& device_id, const std::string& reason, const std::string& actor);
struct Revoked {
  std::int64_t serial = 0;
  std::int64_t revoked_at = 0;  // Unix seconds
};
DbResult<std::vector<Revoked>> revoked_certificates(Db& db);

// --- residents (the koppeling) ----------------------------------------------------------------------
struct ResidentIn {
  std::string id, location_id, naam_latijns, naam_eigen_schrift, v_nummer, geboortedatum, kamer, regime;
  std::optional<std::string> gemeentecode, gekoppeld_sinds;
  bool active = true;
};
// Checks and upserts; a change of any field gives the resident the location's next change number.
// A resident moving to another location is withdrawn (active=false) at the old one in the same
// transaction. Errors name the field.
DbStatus put_resident(Db& db, const ResidentIn& r, const std::string& actor);
std::optional<std::string> check_resident(const ResidentIn& r);  // the problem, or nullopt
// COA withdraws a resident because the obligation was wrongly imposed ("obligation_withdrawn") or the
// regime was corrected ("regime_corrected"): the row becomes inactive with that reason and the next
// change number, so the location's terminals read {"id","active":false,"withdrawal_reason"} and drop
// the resident's unsent records, ask the receivers to delete the delivered ones and purge the rest.
// Unknown resident or reason: Invalid. Audited (resident.withdraw, id and reason only).
DbStatus withdraw_resident(Db& db, const std::string& id, const std::string& reason, const std::string& actor);
// One page of a location's residents after `cursor` (the feed of the terminal protocol).
// with_consent (the terminal asked with consent=1, issue 16): every active item carries "consent", the
// resident's current decision per purpose with "expired" as of now.
DbResult<nlohmann::json> residents_page(Db& db, const std::string& location_id, const std::string& cursor, int limit,
                                        bool with_consent = false);

// --- consent (issue 16) ---------------------------------------------------------------------------------
// POST /v1/consent: {"format":"balie-coa-consent","format_version":1,"events":[{"record_id","resident_id",
// "purpose","decision","decided_at","expires_at","text_version"}]} (1..kMaxConsentEventsPerPost). Each
// event is checked on its own; one for a resident not at the device's location is refused. A new event
// moves the resident's change number (the location's terminals get the new state in their feed); an
// event already stored with the same content is acknowledged again (idempotent by record id).
inline constexpr std::size_t kMaxConsentEventsPerPost = store::kMaxConsentEventsPerPost;
struct ConsentIngest {
  std::vector<std::string> acknowledged;                       // record ids
  std::vector<std::pair<std::string, std::string>> refused;    // record id (or "#n"), reason
};
// The body's shape: nullopt when usable, else the problem (the whole post is refused with 400).
std::optional<std::string> check_consent_post(const nlohmann::json& body);
DbResult<ConsentIngest> ingest_consent_events(Db& db, const Device& device, const nlohmann::json& body);
// The web's residents page: each resident of a location (or all) with its current consent per purpose.
struct ResidentConsentRow {
  std::string resident_id, location_id, regime;
  std::optional<std::string> gemeentecode;
  std::string purpose, decision, decided_at, expires_at;  // purpose "" = never asked
  bool expired = false;
};
DbResult<std::vector<ResidentConsentRow>> resident_consent_rows(Db& db, const std::string& location_id);

// --- health and alerts --------------------------------------------------------------------------------
// Stores one health document of `device_id` and opens/clears its alerts. Returns the open alert kinds.
// The device's reports older than kHealthRetentionDays go in the same transaction (history for a
// terminal's page, not an archive: 5,000 terminals would add ~2.6 GB a year).
inline constexpr int kHealthRetentionDays = 90;
DbResult<std::vector<std::string>> ingest_health(Db& db, const std::string& device_id, const nlohmann::json& doc);
// Checks a posted health document's shape (format, version, device, the fields alerts read).
std::optional<std::string> check_health_document(const nlohmann::json& doc);

DbStatus audit(Db& db, const std::string& actor, const std::string& action, const std::string& detail);

}  // namespace balie::coa
