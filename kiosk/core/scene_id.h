// The identifiers of every scene (screen) of the kiosk. The table that maps them to their code is
// kiosk/scenes/scenes.cpp; keep both in the same order.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace balie::kiosk {

enum class SceneId : uint8_t {
  Welcome,         // attract/welcome screen between sessions
  StaffUnlock,     // staff member picks their name and enters the PIN
  StaffHome,       // what staff can do: start a session, sync status, stop (technician)
  ResidentSearch,  // find the resident (on-screen keyboard, Latin/Arabic/digits)
  IdentityCheck,   // staff confirms they checked the residence document, then hands over
  Language,        // resident chooses a language
  Dossier,         // the resident's own dossier
  StaffStatus,     // sync status per municipality, deadlines
  StoreError,      // the encrypted store could not be opened: staff-facing error
  SigningHost,       // the municipality host opens the signing moment with their PIN (staff)
  SigningText,       // the declaration: Dutch and the resident's language, read to the end
  SigningUnderstood, // "I have read and understood it"
  SigningPad,        // the signature pad
  SigningReview,     // title, name, date, place, signature: confirm or redo
  SigningSaved,      // durably stored: receipt reference and QR code
  ConsentList,       // the resident's consents: give or withdraw, one purpose at a time
  ConsentQuestion,   // one purpose: yes / no (or withdraw / keep)
  StaffNewPin,       // first login: the staff member chooses a new PIN (typed twice)
  Enrolment,         // technician: enrolment request (short code, QR) or the terminal's details
  StaffHeld,         // held and failed records with their reason, release/void with a PIN; duplicate persons
  kCount
};

// Stable lowercase name used in scripts and logs ("welcome", "staff_unlock", ...).
std::string_view scene_name(SceneId id);
std::optional<SceneId> scene_from_name(std::string_view name);

}  // namespace balie::kiosk
