// The kiosk's application state (kiosk core, main thread). Scenes read it (const) while drawing;
// only the app's intent handlers (app/kiosk_app.cpp) change it. Everything personal it holds is
// overwritten by AppState::end_session().
#pragma once
#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "balie/store/types.h"
#include "core/scene_id.h"
#include "session/dossier_view.h"
#include "session/held_records.h"
#include "session/staff_rules.h"
#include "session/sync_status.h"
#include "signing/flow.h"

namespace balie::kiosk {

struct StaffTile {  // a staff account as shown on the unlock screen (no personal data of residents)
  std::string id;
  std::string name;
};

struct ResidentHit {  // one search result (personal data: wiped at session end)
  std::string id;
  std::string name_own;
  std::string name_latin;
  std::string room;
  std::string v_nummer_masked;
  bool bidi_stripped = false;  // issue 18: the store removed bidi formatting from this resident's data
  // One person twice (issue 16): this entry stands for every resident id of one conflict (never two
  // people); it cannot be chosen, staff see the conflict screen. `id` is then empty.
  bool conflict = false;
  std::string conflict_ids_masked;
};

using MunicipalityStatus = session::MunicipalityStatus;

struct AppState {
  SceneId scene = SceneId::Welcome;
  std::string language = "nl";          // session language; staff screens use Dutch
  bool large_text = false;              // large-text mode chosen by the resident (reset at session end)
  // Listen buttons (issue 18), refreshed when the session language changes: what can be heard in the
  // session language. A button whose text has no clip (and no run-time voice) says so and asks staff
  // to read aloud (ti, so, ckb today). See audio_can_play() in scenes/scenes.h.
  struct Audio {
    bool device = true;                              // an audio output exists
    std::set<std::string, std::less<>> keys;         // catalog keys with a clip in the session language
    std::set<std::string, std::less<>> texts;        // "<language>:<sha256>" of declaration/consent clips
    bool voice = false;                              // libespeak-ng speaks the session language (dossier)
    std::string failed_button;                       // the last tap on this button played nothing
  } audio;
  std::chrono::system_clock::time_point now;  // wall clock at frame start (the scripted clock in scripts)

  // Device and store
  std::string store_error;              // staff-facing; non-empty -> StoreError scene
  std::string location_name;
  std::vector<StaffTile> staff_tiles;

  // Staff
  std::string staff_id;                 // staff member who unlocked, empty when locked
  std::string staff_name;
  store::StaffRole staff_role = store::StaffRole::CoaStaff;
  std::string staff_message;            // staff-facing error/status line (never personal data)
  int pin_attempts_left = -1;           // after a wrong PIN; -1 = none shown
  int locked_minutes = 0;               // > 0 while the chosen staff account is locked
  // First login: the account whose PIN was right but must be changed (not unlocked until it is).
  std::string pending_pin_staff_id, pending_pin_name;
  std::string new_pin_message_key;      // why the last new PIN was refused (catalog key)

  // Resident session (personal data)
  std::vector<ResidentHit> search_hits;
  std::optional<store::Resident> resident;     // chosen by staff
  std::optional<session::DossierView> dossier; // built when the resident is chosen
  bool identity_checked = false;
  bool resident_session = false;               // handed over to the resident
  signing::FlowState flow;                     // signing moment and consents (wiped at session end)

  // Status screen
  std::vector<MunicipalityStatus> status_rows;
  int held_without_route = 0;
  std::optional<std::chrono::system_clock::time_point> sync_requested_at;  // "Nu versturen" in this staff session
  session::SyncRequestView sync_request;  // what the store's sync states say about that request
  bool clock_synchronised = true;         // adjtimex: the kernel's clock is NTP-synchronised
  bool test_keys = false;                 // issue 20: the image has TEST keys (store::image_trust(); no trust file = test)
  std::vector<session::DeletionLine> deletion_lines;
  // Issue 18: per municipality, the declaration/consent texts missing in some of the ten languages
  // (Dutch staff lines); residents reading those languages are not offered those flows.
  std::vector<std::string> missing_text_lines;  // withdrawn obligations: receipts in per deletion

  // Held and failed records, duplicate persons (issue 16; no personal data: ids masked)
  std::vector<session::HeldRecordRow> held_rows;
  int link_changed_held = 0;               // "Koppeling gewijzigd: N records vastgehouden"
  std::vector<session::ConflictLine> conflict_lines;

  // Enrolment / terminal details (technician screen; public data only)
  struct Enrolment {
    bool required = false;        // production without an applied bundle: this screen instead of staff
    bool request_read = false;    // request.json was read
    std::string request_error;    // why not (path and reason)
    std::string request_json;     // the whole request text (QR code)
    std::string short_code, device_pk_fingerprint, created_at;
    // Enrolled terminal (from the applied bundle)
    std::string device_id, location_id, location_name;
    std::int64_t bundle_version = 0;
    std::string bundle_applied_at;
    // Online enrolment: the code handed to balie-enrol-online (code.json) and its answer
    // (online-status.json: state received|refused|unreachable|error, a message for the technician).
    bool online_available = false;  // COA's endpoint is configured (the code field is shown)
    bool code_waiting = false;
    std::string online_state, online_message, code_error_key;
  } enrolment;

  // Timers
  bool inactivity_warning = false;
  int inactivity_seconds_left = 0;
  bool dimmed = false;                  // attract mode on the welcome scene
  bool panel_off = false;

  bool staff_unlocked() const { return !staff_id.empty(); }
  // Drops and overwrites everything that belongs to the session (staff, resident, messages).
  void end_session();
};

// Overwrites the strings of a resident record.
void wipe(store::Resident& r);
// Overwrites every search result and the list's whole storage, and empties it.
void wipe(std::vector<ResidentHit>& hits);

}  // namespace balie::kiosk
