// Working-day arithmetic for the PVT registration deadline (seed 004, 4.4: the municipality
// registers the signing date with DUO within ten working days) and the staff status summary
// built from SyncStore::counts() (sync/, any thread).
#pragma once
#include <ctime>
#include <string>
#include <vector>

#include "balie/sync/store_port.h"

namespace balie::sync {

inline constexpr int kPvtDeadlineWorkingDays = 10;

// Working days (balie/platform/dutch_calendar.h: Mon-Fri, no public holidays of the Algemene
// termijnenwet) strictly after the Amsterdam date of `from` up to and including that of `to`;
// 0 when to <= from. The same days the kiosk's staff status screen counts.
int working_days_between(std::time_t from, std::time_t to);

// The staff status screen per municipality, as JSON lines for balie-syncd status.
struct StaffStatusRow {
  GemeenteCounts counts;
  bool overdue = false;  // the oldest waiting record is older than the ten-working-day deadline
  int working_days_waiting = 0;
};
std::vector<StaffStatusRow> staff_status(const std::vector<GemeenteCounts>& counts, std::time_t now);
std::string staff_status_json(const std::vector<StaffStatusRow>& rows);

}  // namespace balie::sync
