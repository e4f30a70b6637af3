// COA's operator web pages (balie-coa "web" listener): pure rendering functions from view structs to
// server-rendered HTML5 in Dutch. No I/O, no JavaScript, one stylesheet (coa_stylesheet(), which the
// server serves at /static/coa.css). Every string that reaches the page goes through html_escape, so
// hostile terminal or location names are shown as text. The views carry no resident personal data.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace balie::coa {

// Names of the form fields the pages post; the handlers read these.
inline constexpr std::string_view kCsrfField = "csrf";            // every POST form
inline constexpr std::string_view kLoginIdField = "id";           // POST /login
inline constexpr std::string_view kLoginPasswordField = "password";
inline constexpr std::string_view kEnrolLocationField = "location";  // POST /enrolment
inline constexpr std::string_view kRevokeReasonField = "reason";     // POST /terminal/<id>/revoke
inline constexpr int kRevokeReasonMaxLength = 200;
inline constexpr std::string_view kRolloutCanaryField = "canary";    // POST /rollouts/<version>/start
inline constexpr std::string_view kRolloutPercentField = "percent";  // POST /rollouts/<version>/advance
inline constexpr std::string_view kHaltReasonField = "reason";       // POST /rollouts/<version>/halt
inline constexpr int kHaltReasonMaxLength = 200;
inline constexpr std::size_t kHistoryRows = 50;  // health history rows shown on the terminal page

// What every signed-in page shows in its header. now_utc is shown as "Stand van" (the data's time).
struct PageChrome {
  std::string operator_name, csrf_token, now_utc;
};

// One terminal in the fleet table. Timestamps (here and in the other views) are strings as the server
// has them: "YYYY-MM-DD[T ]HH:MM[:SS[.frac]][Z|+HH[:MM]]" (ISO 8601 or PostgreSQL timestamptz text; no
// zone = UTC) is shown as "YYYY-MM-DD HH:MM" UTC, with the age relative to PageChrome::now_utc for
// the last pass; any other string is shown as it is (escaped).
struct FleetRow {
  std::string location_id, location_name, device_id, software_version, image_version;
  std::optional<std::string> last_pass_utc;
  long waiting = 0, held = 0, failed = 0;
  std::optional<long> clock_offset_ms;
  std::optional<int> disk_percent;
  std::vector<std::string> alerts;  // kinds of the open alerts (see alert_label)
  bool revoked = false;             // shown as "Ingetrokken"; counts as an open "revoked" alert
  std::string keys;                 // issue 20: the health document's "keys" (test|production; "" = not reported)
};

// The fleet page's query string (?location=..&alert=..&sort=..&dir=..), values as received.
//   location: a location_id ("" = all).
//   alert:    an alert kind, "any" (rows with at least one alert) or "" (all rows).
//   sort:     location | terminal | version | last_pass | queue | clock | alerts; anything else = location.
//   dir:      asc | desc; anything else = asc.
struct FleetQuery {
  std::string location, alert, sort = "location", dir = "asc";
};

// Renders the fleet page. Filtering and sorting happen here, as a pure function of rows + query:
//  - filter: location matches FleetRow::location_id exactly; alert matches a kind among the row's open
//    alerts (a revoked row has "revoked"); "any" keeps rows with at least one.
//  - sort keys: location = location_name, then location_id; terminal = device_id; version =
//    software_version compared piecewise (digit runs as numbers, "1.10" > "1.9"); last_pass = the
//    instant (the strings when either is not a timestamp); queue = failed, then held, then waiting; clock = |clock_offset_ms|;
//    alerts = rows with open alerts always first (both directions), then the number of open alerts.
//  - an absent value (never synchronised, clock unknown) sorts after every present one in both
//    directions; rows with equal keys keep the order the caller gave (stable, also for desc).
// The location filter's choices are the locations present in `rows`, by name.
std::string render_fleet_page(const std::vector<FleetRow>& rows, const FleetQuery& query, const PageChrome& chrome);
// The rows render_fleet_page shows, in its order (exposed for tests and for a CSV export later).
std::vector<FleetRow> filter_and_sort_fleet(const std::vector<FleetRow>& rows, const FleetQuery& query);

struct HealthPoint {
  std::string received_at, generated_at;
  long waiting = 0, held = 0, failed = 0;
  std::optional<long> clock_offset_ms;
  std::optional<int> disk_percent;
  std::string software_version;
};
struct AlertRow {
  std::string kind, detail, raised_at;
  std::optional<std::string> cleared_at;  // nullopt: still open
};
struct TerminalView {
  FleetRow row;
  std::string enrolled_at, cert_serial;
  std::optional<std::string> revoked_at;
  std::optional<std::string> revoke_reason;  // shown when revoked
  std::vector<HealthPoint> history;  // newest first; the first kHistoryRows are shown
  std::vector<AlertRow> alerts;      // open ones and cleared ones, newest first
};
// Summary, open and cleared alerts, the revoke form (unless revoked; it posts
// csrf + reason to /terminal/<device_id>/revoke) and the health history.
std::string render_terminal_page(const TerminalView& view, const PageChrome& chrome);

struct CodeRow {
  std::string hint, location_id, created_by, created_at, expires_at;
  std::optional<std::string> used_at, used_by;
};
struct LocationOption {
  std::string id, name;
};
// The create-code form (posts csrf + location to /enrolment), the new code in a large box when
// new_code is set (it is shown this once), and the list of codes.
// issue 16: the residents page, each active resident (COA's id, location, regime, gemeente; no
// names) with the current consent per purpose: given (until when), refused, withdrawn, expired, or
// not asked. COA shares the PID (blauwe map) only while the consent is in force.
struct ConsentCell {
  std::string resident_id, location_id, regime, gemeentecode;  // gemeentecode "" = not linked
  std::string purpose, decision, decided_at, expires_at;       // purpose "" = no decision yet
  bool expired = false;
};
std::string render_residents_page(const std::vector<ConsentCell>& rows, const std::string& location, const PageChrome& chrome);

std::string render_enrolment_page(const std::vector<CodeRow>& codes, const std::vector<LocationOption>& locations,
                                  const std::optional<std::string>& new_code, const PageChrome& chrome);

// One uploaded update and its rollout (nullopt: not rolled out yet). Stage texts as in the rollouts
// table: canary | percent | all | halted | done. counts: devices per latest reported state.
struct RolloutCounts {
  long downloaded = 0, installed = 0, blessed = 0, rolled_back = 0;  // rolled_back: also "failed" (not installed)
};
struct RolloutInfo {
  std::string stage;
  int percent = 0;                    // the percent stage's share (also kept when halted/done)
  std::vector<std::string> canary;    // canary device ids
  std::string stopped_in;             // halted/done: the stage it stopped in
  std::string halt_reason;            // halted: the operator's reason or the roll-back rule's text
  std::string stage_started_at, changed_by;
  RolloutCounts counts;
};
struct UpdateSummary {
  std::int64_t version = 0, size = 0;
  std::string sha256, uploaded_at, uploaded_by;
  std::optional<RolloutInfo> rollout;
};
// A device of a rollout: its latest report (state "" = a canary device that has not reported yet).
struct RolloutDeviceRow {
  std::string device_id, state, at, detail;
};
struct RolloutView {
  UpdateSummary update;
  std::vector<RolloutDeviceRow> devices;
};
// What the forms of the rollout page had when an action was refused (shown again with the message).
struct RolloutFormState {
  std::string message;  // Dutch, "" = none; shown in a role="alert" box above the forms
  std::string notice;   // Dutch confirmation of a done action ("" = none)
  std::string canary, percent, reason;
};

// Table of uploaded updates (newest first) with their rollout stage and report counts; each version
// links to /rollouts/<version>.
std::string render_rollouts_page(const std::vector<UpdateSummary>& updates, const PageChrome& chrome);
// One update: its rollout, the devices' latest states and, depending on the stage, the forms that
// post csrf + canary to /rollouts/<v>/start (no rollout yet), csrf + percent to /rollouts/<v>/advance
// (canary or percent: a percentage, or "all"), csrf + reason to /rollouts/<v>/halt (canary, percent, all).
std::string render_rollout_page(const RolloutView& view, const RolloutFormState& form, const PageChrome& chrome);
// Dutch labels of a rollout stage and of a reported state (unknown ones are shown as they are, escaped
// by the renderer).
std::string rollout_stage_label(std::string_view stage, int percent);
std::string update_state_label(std::string_view state);

// Login form (posts csrf + id + password to /login); message ("" = none) is shown above it.
std::string render_login_page(const std::string& message, const std::string& csrf_token);
// A page for an HTTP error status with a Dutch explanation and `message`.
std::string render_error_page(int status, const std::string& message);

std::string_view coa_stylesheet();

// Escapes text for HTML element content and quoted attribute values: & < > " ' become entities;
// invalid UTF-8 and control characters (C0 except tab/newline/CR, DEL, C1) become U+FFFD; bidirectional
// formatting characters (U+061C, U+200E/F, U+202A-E, U+2066-9) are shown as "[U+202E]" so a name
// cannot reorder what an operator reads.
std::string html_escape(std::string_view text);
// Percent-encodes a query or path component (everything but A-Z a-z 0-9 - . _ ~).
std::string url_encode(std::string_view text);
// The Dutch label of an alert kind; an unknown kind gives "Onbekende alert: <kind>" (unescaped).
std::string alert_label(std::string_view kind);
// Every known alert kind, in the order the pages list them.
const std::vector<std::string_view>& alert_kinds();

}  // namespace balie::coa
