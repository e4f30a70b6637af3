// Held and failed records and duplicate persons for the staff screen "Vastgehouden records" (kiosk
// session library, headless, any thread; issue 16). Rows hold no personal data: record ids, kinds,
// addressees, dates and the reason in plain Dutch words (record/problems.h); conflicts are masked ids.
#pragma once
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "balie/store/types.h"

namespace balie::session {

struct HeldRecordRow {
  std::string record_id;
  std::string kind;
  std::string addressee;       // gemeentecode the record is sealed to (never changed)
  bool failed = false;         // failed (permanent problem) rather than held
  bool link_changed = false;   // held because COA changed the link: deliver there, or void
  std::string reason_type;     // problem type ("link-changed", "no-route", ...), "" if unknown
  std::string reason_text;     // plain Dutch words for staff
  std::chrono::system_clock::time_point created_at;
};

// Held and failed entries merged, oldest first (created_at, then record id). An entry without a
// known reason type keeps its raw reason (first 200 bytes) as the text.
std::vector<HeldRecordRow> build_held_rows(const std::vector<store::OutboxEntry>& held,
                                           const std::vector<store::OutboxEntry>& failed);
int count_link_changed(const std::vector<HeldRecordRow>& rows);
// The void reason code a staff decision on this row records (a code, never free text).
std::string_view void_reason_for(const HeldRecordRow& row);

// One person twice: "V-nummer" / "BSN" and the resident ids, masked (mask_identifier).
struct ConflictLine {
  std::string key_label;
  std::vector<std::string> masked_ids;
};
std::vector<ConflictLine> conflict_lines(const std::vector<store::IdentityConflict>& conflicts);
// Index of the first conflict that names `resident_id`, or -1.
int conflict_of(const std::vector<store::IdentityConflict>& conflicts, std::string_view resident_id);

}  // namespace balie::session
