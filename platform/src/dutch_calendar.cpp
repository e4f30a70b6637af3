// Dutch calendar: ISO dates, Easter (anonymous Gregorian algorithm), public holidays of the
// Algemene termijnenwet, working-day arithmetic, and the Europe/Amsterdam local day.
#include "balie/platform/dutch_calendar.h"

#include <cstdio>

namespace balie::calendar {

using namespace std::chrono;

std::optional<Day> parse_iso_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int v[3] = {0, 0, 0};
  const int pos[3][2] = {{0, 4}, {5, 2}, {8, 2}};
  for (int i = 0; i < 3; ++i) {
    for (int k = 0; k < pos[i][1]; ++k) {
      char c = s[pos[i][0] + k];
      if (c < '0' || c > '9') return std::nullopt;
      v[i] = v[i] * 10 + (c - '0');
    }
  }
  year_month_day ymd{year{v[0]}, month{static_cast<unsigned>(v[1])}, day{static_cast<unsigned>(v[2])}};
  if (!ymd.ok()) return std::nullopt;
  return sys_days{ymd};
}

std::string to_iso(Day d) {
  year_month_day ymd{d};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

Day local_day(system_clock::time_point t) { return floor<days>(t + local_offset(t)); }

std::string local_hhmm(system_clock::time_point t) {
  const auto local = floor<minutes>(t + local_offset(t));
  const auto mins = (local - floor<days>(local)).count();
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", static_cast<int>(mins / 60), static_cast<int>(mins % 60));
  return buf;
}

hours local_offset(system_clock::time_point t) {
  // EU summer time: from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October.
  const Day utc_day = floor<days>(t);
  const int y = static_cast<int>(year_month_day{utc_day}.year());
  auto last_sunday = [&](unsigned m) {
    return sys_days{year_month_weekday_last{year{y}, month{m}, weekday_last{Sunday}}};
  };
  const auto summer_start = last_sunday(3) + hours(1);
  const auto summer_end = last_sunday(10) + hours(1);
  const bool summer = t >= summer_start && t < summer_end;
  return hours(summer ? 2 : 1);
}

Day easter_sunday(int y) {
  const int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4;
  const int f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30;
  const int i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7;
  const int m = (a + 11 * h + 22 * l) / 451;
  const int month_ = (h + l - 7 * m + 114) / 31, day_ = ((h + l - 7 * m + 114) % 31) + 1;
  return sys_days{year{y} / month{static_cast<unsigned>(month_)} / day{static_cast<unsigned>(day_)}};
}

bool is_public_holiday(Day d) {
  const year_month_day ymd{d};
  const int y = static_cast<int>(ymd.year());
  const unsigned m = static_cast<unsigned>(ymd.month()), dd = static_cast<unsigned>(ymd.day());
  if ((m == 1 && dd == 1) || (m == 5 && dd == 5) || (m == 12 && (dd == 25 || dd == 26))) return true;
  // Koningsdag: 27 April, or 26 April when the 27th is a Sunday.
  const Day k27 = sys_days{year{y} / April / 27};
  const Day koningsdag = weekday{k27} == Sunday ? k27 - days(1) : k27;
  if (d == koningsdag) return true;
  const Day easter = easter_sunday(y);
  return d == easter + days(1) || d == easter + days(39) || d == easter + days(50);
}

bool is_working_day(Day d) {
  const weekday w{d};
  return w != Saturday && w != Sunday && !is_public_holiday(d);
}

Day add_working_days(Day from, int n) {
  Day d = from;
  while (n > 0) {
    d += days(1);
    if (is_working_day(d)) --n;
  }
  return d;
}

int working_days_between(Day from, Day to) {
  int n = 0;
  for (Day d = from + days(1); d <= to; d += days(1))
    if (is_working_day(d)) ++n;
  return n;
}

}  // namespace balie::calendar
