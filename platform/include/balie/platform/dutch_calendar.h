// Dates and Dutch working days (platform, headless, any thread; one definition for the kiosk and
// sync). Working days exclude Saturdays, Sundays and the public holidays of the Algemene termijnenwet
// art. 3 (Nieuwjaarsdag, tweede Paasdag, Koningsdag, 5 mei every year, Hemelvaartsdag, tweede
// Pinksterdag, beide Kerstdagen; not Goede Vrijdag), the basis of seed 004's ten-working-day deadline.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace balie::calendar {

using Day = std::chrono::sys_days;

// "YYYY-MM-DD" -> day; nullopt for anything else (including impossible dates like 2026-02-30).
std::optional<Day> parse_iso_date(std::string_view s);
std::string to_iso(Day d);
// The UTC day of an instant, and the local (Europe/Amsterdam) day: CET/CEST by EU rules.
Day local_day(std::chrono::system_clock::time_point t);
// Amsterdam's offset from UTC at `t` (1 h, or 2 h in summer time) and the local "HH:MM".
std::chrono::hours local_offset(std::chrono::system_clock::time_point t);
std::string local_hhmm(std::chrono::system_clock::time_point t);

Day easter_sunday(int year);
bool is_public_holiday(Day d);
bool is_working_day(Day d);
// The day that is `n` working days after `from` (from itself not counted). n >= 0.
Day add_working_days(Day from, int n);
// Working days after `from` up to and including `to` (0 when to <= from).
int working_days_between(Day from, Day to);

}  // namespace balie::calendar
