// The staff status rows of balie-syncd (sync/): waiting records per municipality and their age in
// Dutch working days (one calendar for kiosk and sync: balie/platform/dutch_calendar.h).
#include "balie/sync/deadline.h"

#include "balie/platform/dutch_calendar.h"

#include <nlohmann/json.hpp>

#include "balie/sync/codec.h"

namespace balie::sync {

int working_days_between(std::time_t from, std::time_t to) {
  if (to <= from) return 0;
  using std::chrono::system_clock;
  return calendar::working_days_between(calendar::local_day(system_clock::from_time_t(from)),
                                        calendar::local_day(system_clock::from_time_t(to)));
}

std::vector<StaffStatusRow> staff_status(const std::vector<GemeenteCounts>& counts, std::time_t now) {
  std::vector<StaffStatusRow> rows;
  for (const auto& c : counts) {
    StaffStatusRow r;
    r.counts = c;
    if (c.oldest_waiting) {
      r.working_days_waiting = working_days_between(*c.oldest_waiting, now);
      r.overdue = r.working_days_waiting > kPvtDeadlineWorkingDays;
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

std::string staff_status_json(const std::vector<StaffStatusRow>& rows) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& r : rows) {
    const auto& c = r.counts;
    arr.push_back({{"gemeentecode", c.gemeentecode},
                   {"last_success", c.last_success ? format_utc(*c.last_success) : ""},
                   {"waiting", c.waiting},
                   {"held", c.held},
                   {"failed", c.failed},
                   {"acknowledged", c.acknowledged},
                   {"oldest_unsent", c.oldest_waiting ? format_utc(*c.oldest_waiting) : ""},
                   {"working_days_waiting", r.working_days_waiting},
                   {"past_ten_working_days", r.overdue},
                   {"held_reason", c.held_reason},
                   {"last_error", c.last_error}});
  }
  return arr.dump(1);
}

}  // namespace balie::sync
