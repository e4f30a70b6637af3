// The staff status summary of balie-syncd, built from SyncStore::counts() with the registration
// deadline rule of record/deadline.h (the same rule as the kiosk's staff status screen; sync/, any thread).
#pragma once
#include <ctime>
#include <string>
#include <vector>

#include "balie/sync/store_port.h"

namespace balie::sync {

// The staff status screen per municipality, as JSON lines for balie-syncd status.
struct StaffStatusRow {
  GemeenteCounts counts;
  bool overdue = false;  // the oldest waiting record is past its ten-working-day deadline
  int working_days_waiting = 0;
  int working_days_left = 0;  // negative once overdue
};
std::vector<StaffStatusRow> staff_status(const std::vector<GemeenteCounts>& counts, std::time_t now);
std::string staff_status_json(const std::vector<StaffStatusRow>& rows);

}  // namespace balie::sync
