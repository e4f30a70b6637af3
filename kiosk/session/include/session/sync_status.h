// The staff status screen's rows (kiosk session layer, headless): per gekoppelde gemeente the last
// successful sync, waiting / held / failed counts with the reason records are held or the feed
// failed, and the oldest waiting record against the ten-working-day registration deadline
// (record/deadline.h: the rule balie-syncd uses too).
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "balie/store/types.h"


namespace balie::session {

struct MunicipalityStatus {
  std::string gemeentecode;  // "" = records whose gekoppelde gemeente is unknown
  std::string name;
  std::optional<store::UtcTime> last_success;
  std::string last_error;
  int waiting = 0, held = 0, failed = 0;
  bool has_route = false;
  enum class Deadline { None, Ok, Soon, Overdue } deadline = Deadline::None;
  int working_days_left = 0;  // for the oldest waiting record (negative when overdue)
  // What staff must know, in Dutch: why records are held (the problem table's text for the held
  // reason, balie/record/problems.h), else the last sync or dossier feed problem. "" when none.
  std::string problem;
};

inline constexpr int kDeadlineSoonWorkingDays = 3;

std::vector<MunicipalityStatus> build_sync_status(const std::vector<store::OutboxCounts>& counts,
                                                  const std::vector<store::SyncState>& states,
                                                  const std::vector<store::Route>& routes,
                                                  std::chrono::system_clock::time_point now);

// Per withdrawn resident (obligation withdrawn / regime corrected), for the staff status screen:
// "deletion requested: N receivers, M receipts in". No resident id, name or record id.
struct DeletionLine {
  std::string day;     // Amsterdam day of the withdrawal, YYYY-MM-DD
  std::string reason;  // obligation_withdrawn | regime_corrected
  int receivers = 0, receipts = 0, dropped = 0;
  bool complete = false;  // every receiver's signed receipt is in
};
std::vector<DeletionLine> build_deletion_lines(const std::vector<store::DeletionStatus>& deletions);

}  // namespace balie::session
