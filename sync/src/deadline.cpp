// Dutch working days and the staff status rows (sync/). Easter via the anonymous Gregorian
// algorithm; all dates in UTC (records carry UTC creation times).
#include "balie/sync/deadline.h"

#include <nlohmann/json.hpp>

#include "balie/sync/codec.h"

namespace balie::sync {
namespace {

std::time_t utc_days(int y, int m, int d) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = m - 1;
  tm.tm_mday = d;
  return timegm(&tm) / 86400;
}

void easter(int y, int* m, int* d) {
  int a = y % 19, b = y / 100, c = y % 100, dd = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3,
      h = (19 * a + b - dd - g + 15) % 30, i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7,
      mm = (a + 11 * h + 22 * l) / 451;
  *m = (h + l - 7 * mm + 114) / 31;
  *d = ((h + l - 7 * mm + 114) % 31) + 1;
}

}  // namespace

bool is_dutch_holiday(int y, int m, int d) {
  if ((m == 1 && d == 1) || (m == 12 && (d == 25 || d == 26))) return true;
  if (m == 5 && d == 5 && y % 5 == 0) return true;
  std::time_t day = utc_days(y, m, d);
  std::time_t kd = utc_days(y, 4, 27);
  if (((kd + 4) % 7) == 0) kd -= 1;  // 27 April on a Sunday -> 26 April (1970-01-01 was a Thursday)
  if (day == kd) return true;
  int em, ed;
  easter(y, &em, &ed);
  std::time_t e = utc_days(y, em, ed);
  for (int off : {-2, 0, 1, 39, 49, 50})
    if (day == e + off) return true;
  return false;
}

int working_days_between(std::time_t from, std::time_t to) {
  std::time_t a = from / 86400, b = to / 86400;
  if (b <= a || b - a > 3660) return b <= a ? 0 : 9999;
  int n = 0;
  for (std::time_t day = a + 1; day <= b; ++day) {
    int wd = static_cast<int>((day + 4) % 7);  // 0 = Sunday
    if (wd == 0 || wd == 6) continue;
    std::time_t t = day * 86400;
    std::tm tm{};
    gmtime_r(&t, &tm);
    if (is_dutch_holiday(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday)) continue;
    ++n;
  }
  return n;
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
