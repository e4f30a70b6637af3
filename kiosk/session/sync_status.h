// The staff status screen's rows (kiosk session layer, headless): per gekoppelde gemeente the last
// successful sync, waiting / held / failed counts, and the oldest waiting record against the
// ten-working-day registration deadline (seed 004, 4.4), counted in Dutch working days.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "balie/store/types.h"
#include "balie/platform/dutch_calendar.h"

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
};

inline constexpr int kRegistrationWorkingDays = 10;
inline constexpr int kDeadlineSoonWorkingDays = 3;

std::vector<MunicipalityStatus> build_sync_status(const std::vector<store::OutboxCounts>& counts,
                                                  const std::vector<store::SyncState>& states,
                                                  const std::vector<store::Route>& routes, calendar::Day today);

}  // namespace balie::session
