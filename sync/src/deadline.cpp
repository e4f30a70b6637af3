// The staff status rows of balie-syncd (sync/): waiting records per municipality and their age in
// Dutch working days against the registration deadline (one rule for kiosk and sync: record/deadline.h).
#include "balie/sync/deadline.h"

#include <nlohmann/json.hpp>

#include "balie/record/deadline.h"

namespace balie::sync {

std::vector<StaffStatusRow> staff_status(const std::vector<GemeenteCounts>& counts, std::time_t now) {
  using std::chrono::system_clock;
  std::vector<StaffStatusRow> rows;
  for (const auto& c : counts) {
    StaffStatusRow r;
    r.counts = c;
    if (c.oldest_waiting) {
      const auto d = registration_deadline(system_clock::from_time_t(*c.oldest_waiting), system_clock::from_time_t(now));
      r.working_days_waiting = d.working_days_waiting;
      r.working_days_left = d.working_days_left;
      r.overdue = d.overdue;
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
                   {"working_days_left", r.working_days_left},
                   {"held_reason", c.held_reason},
                   {"last_error", c.last_error}});
  }
  return arr.dump(1);
}

}  // namespace balie::sync
