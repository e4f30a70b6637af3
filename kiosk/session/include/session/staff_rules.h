// Rules of the staff screens added for enrolled terminals (kiosk session layer, headless): the new
// PIN chosen at first login, what the status screen says after "Nu versturen" (only what the store's
// sync states prove), and whether the system clock is synchronised (adjtimex, no network).
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "balie/store/types.h"

namespace balie::session {

// --- First-login PIN ---
inline constexpr std::size_t kMinPinDigits = 4, kMaxPinDigits = 12;  // the store's rule (upsert_staff)
enum class NewPinVerdict { Ok, TooShort, TooLong, NotDigits, Mismatch };
NewPinVerdict check_new_pin(std::string_view first, std::string_view second);
// Catalog key of the staff message for a verdict ("" for Ok); the same-as-before case is decided by
// the store (Store::change_pin answers Conflict): "new_pin.same_as_before".
std::string_view new_pin_message_key(NewPinVerdict v);

// --- "Nu versturen" ---
struct SyncRequestLine {
  std::string gemeentecode;
  bool ok = false;           // the pass succeeded for this municipality
  std::string error;         // the stored last_error (ids and problem types only)
  std::string staff_text;    // Dutch text for it (record/problems.h), "" when unknown
};
struct SyncRequestView {
  enum class Kind {
    None,        // nothing requested in this staff session
    Waiting,     // requested; the sync service has not yet picked it up (the request file is still there)
    Started,     // the sync service took the request (removed the file); no municipality has reported yet
    NotStarted,  // still not picked up after the start timeout: the sync service did not start
    Done,        // a pass newer than the request reported per municipality (lines)
  } kind = Kind::None;
  std::string requested_hhmm;  // local time of the request
  std::vector<SyncRequestLine> lines;
};
inline constexpr std::chrono::seconds kSyncStartTimeout{120};
// `requested_at`: when the kiosk wrote the request; `request_file_present`: the request file still
// exists (balie-syncd removes it when its pass starts). Only sync states whose last_attempt is not
// older than the request count as its outcome.
SyncRequestView sync_request_view(std::optional<std::chrono::system_clock::time_point> requested_at,
                                  bool request_file_present, const std::vector<store::SyncState>& states,
                                  std::chrono::system_clock::time_point now);

// --- Clock ---
// The kernel's view (adjtimex(2)): false when STA_UNSYNC is set or the call fails.
bool system_clock_synchronised();

}  // namespace balie::session
