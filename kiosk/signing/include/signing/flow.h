// State and rules of the signing and consent flows (kiosk signing layer, headless, main thread).
// FlowState lives in AppState: what the dossier offers (PvtOffer, computed from the dossier by
// pvt_offer()), the signing moment in progress (SigningSession: host, texts shown, events, ink,
// result) and the resident's consents. Everything personal in it is overwritten by wipe().
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "balie/store/bundle.h"
#include "balie/store/types.h"
#include "signing/ink.h"

namespace balie::signing {

// Why the declaration is (not) offered. `reason_key` is a catalog key shown on the dossier; DUO's
// rules come from the one PVT rule table (record/pvt_rule.h), shared with balie-inbox's DUO export.
struct PvtOffer {
  bool offered = false;
  std::string reason_key;       // "" when offered or when there is nothing to explain
  std::string reason_code;      // record::pvt_reason_code or a kiosk reason ("signed_here", "under_18", ...)
  std::string staff_text;       // Dutch, for the staff screens ("" when offered)
  bool staff_problem = false;   // missing key or text: a configuration problem for staff to fix
};

struct OfferInput {
  const store::Resident* resident = nullptr;
  const store::Dossier* dossier = nullptr;
  std::string today;                 // Europe/Amsterdam day YYYY-MM-DD (the date of signing)
  bool pip_required = true;          // the resident's municipality requires a vastgesteld PIP (bundle)
  bool route_key_present = false;    // a route with a box key for the resident's gemeentecode
  bool text_present = false;         // the approved declaration text (Dutch) is in the store
  // Issue 18: the language the resident reads and whether the same text version exists in it.
  // Missing: not offered (no fallback to another language); staff are told which language.
  std::string language = "nl";
  bool own_text_present = true;
  bool signed_on_this_device = false;  // a pvt record for this resident already exists here
};
// DUO's rules (record::pvt_rule) first, then the kiosk's own: signed here, age 18, key, text.
PvtOffer pvt_offer(const OfferInput& in);

// Whole years between an ISO birth date and an ISO day; -1 when either is malformed.
int age_on(std::string_view birth_iso, std::string_view day_iso);

// What a listen tap actually played (issue 18): recorded only after the audio output accepted a
// clip, never on a tap that played nothing. In the evidence: events[i].audio (optional, additive to
// balie-pvt-evidence/1; receivers that do not know it ignore it).
struct AudioPlayed {
  std::string key;              // catalog key ("signing_text.intro") or "text:<series>"
  std::string text_version_id;  // the TextVersion read aloud ("" for a catalog text)
  std::string text_sha256;      // SHA-256 of the displayed text the clip reads (TextVersion.sha256 for a series)
  std::string language;         // language of the clip
  std::int64_t duration_ms = 0; // length of the clip that was started
  std::string source;           // "recorded", "generated" (build-time espeak-ng) or "synthesised" (run time)
};

struct FlowEvent {
  std::string name;       // shown, audio_played, scrolled_to_end, understood, signature_started, ...
  std::int64_t t_ms = 0;  // monotonic ms since the text was first shown
  std::optional<AudioPlayed> audio;  // audio_played only
};

// The signing moment from the host's PIN to "saved".
struct SigningSession {
  static constexpr std::size_t kMaxEvents = 128;
  std::string host_id, host_name;
  store::TextVersion text_nl;                // the approved Dutch text (always shown)
  std::optional<store::TextVersion> text_own;  // the resident's language, when there is one
  std::string canonical_sha256;              // of canonical_shown_text(texts shown)
  std::chrono::steady_clock::time_point started{};
  std::vector<FlowEvent> events;
  int redo_count = 0;
  Ink ink;                                   // the signature being reviewed (samples + dabs)
  int screen_w = 0, screen_h = 0;
  float dpi = 0;
  std::string pad_message_key;               // why the last "done" was refused (catalog key)
  // Outcome
  bool saved = false;
  std::string record_id, reference;
  std::string error;                         // staff-facing, when storing failed

  void mark(std::string_view name, std::chrono::steady_clock::time_point now);
  // An "audio_played" event with exactly what played (call only after the output started it).
  void mark_audio(AudioPlayed what, std::chrono::steady_clock::time_point now);
  bool has(std::string_view name) const;
};

// The exact text shown, as hashed into the evidence (documented format, see flow.cpp).
std::string canonical_shown_text(const store::TextVersion& nl, const store::TextVersion* own);

// One optional processing purpose a resident can consent to (one purpose per screen). Issue 16: the
// resident's choice is whether COA shares the PID ("blauwe map", which the resident owns) with the
// gekoppelde gemeente; the klantprofiel goes to the municipality through TVS by law, without asking,
// and is no purpose here. Other purposes only when the applied enrolment bundle defines them.
struct ConsentPurpose {
  std::string id;             // "pid_sharing", or a bundle purpose id
  std::string text_kind;      // TextVersion kind, "consent:<id>"
  std::string record_kind;    // record kind, "consent.<id>"
  std::string title_key;      // catalog key of the short title ("" for a bundle purpose: the text's title)
  std::string category;       // Kantara purposeCategory
  std::vector<std::string> pii_categories;
  bool sensitive = false;     // special category: explicit consent
  std::string spi_category;
  std::string legal_basis;
  std::string controller;     // who decides on the sharing (COA for the PID)
  std::string recipient;      // who receives ("gekoppelde gemeente")
  int valid_months = 12;      // a given consent expires after this many months
};
// The built-in PID sharing, then the purposes the applied bundle defines (in its order).
std::vector<ConsentPurpose> consent_purposes(std::span<const store::BundleConsentPurpose> from_bundle = {});
const ConsentPurpose* find_purpose(const std::vector<ConsentPurpose>& purposes, std::string_view id);

// Who is asked (issue 16): only a Wi2021 resident with an inburgeringsplicht (plichtig) who is linked
// to a gemeente. "" when asked, else the catalog key that says why not (shown on the consent list).
std::string consent_not_asked_reason(const store::Resident& r, const store::Dossier& d);

struct ConsentStatus {
  std::string purpose;
  std::string title;            // the notice's title, for bundle purposes without a catalog key
  std::string missing_language; // issue 18: the notice is not there in this language: not asked here
  std::string state;            // "" (never asked), "given", "refused", "withdrawn", "expired"
  std::string last_record_id;   // the receipt a new answer supersedes
  store::UtcTime at{};
  std::optional<store::UtcTime> until;  // given / expired: when the consent ends (ended)
  bool from_other_terminal = false;     // learnt from COA's feed
};
// Current state per purpose from the store's consent states, as of `now` (a given consent past its
// expiry is "expired" and counts as not given).
std::vector<ConsentStatus> consent_states(const std::vector<ConsentPurpose>& purposes,
                                          const std::vector<store::ConsentState>& states, store::UtcTime now);

// The consent question on screen.
struct ConsentScreen {
  std::string purpose;
  bool withdraw = false;              // the withdrawal screen of a given consent
  store::TextVersion text;            // in the resident's language (or Dutch)
  std::optional<store::TextVersion> text_nl;  // Dutch alongside when the language differs
  std::string gemeente_name;
  std::vector<AudioPlayed> audio;     // what listen taps played on this screen (issue 18), for the receipt
};

struct StaffTileLite {
  std::string id, name;
};

struct FlowState {
  PvtOffer offer;
  std::vector<ConsentPurpose> purposes;        // what this terminal asks (built-in + bundle)
  std::string consent_not_asked_key;           // why this resident is not asked ("" = asked)
  std::vector<StaffTileLite> hosts;            // hosts mandated for the resident's gemeente
  std::optional<SigningSession> pvt;
  std::vector<ConsentStatus> consents;
  std::optional<ConsentScreen> consent;
  std::string consent_saved_key;               // confirmation line on the consent list
  std::string consent_reference;
  std::string staff_error;                     // staff-facing message on the host/review screens
  // Issue 18: texts missing in the resident's language (Dutch lines for staff: "verklaring in het
  // Dari (prs)"); the flows they belong to are blocked, never shown in another language.
  std::vector<std::string> missing_texts;
  int host_pin_attempts_left = -1;
};

void wipe(SigningSession& s);
void wipe(FlowState& f);

// Short receipt reference for a record id: "XXXX-XXXX" (Crockford base32 of SHA-256, 40 bits).
std::string reference_code(std::string_view record_id);

}  // namespace balie::signing
