// Dutch calendar tests: ISO dates, Easter, the public holidays of the Algemene termijnenwet,
// working-day arithmetic for the ten-working-day deadline, and the Europe/Amsterdam local day.
#include <gtest/gtest.h>

#include "balie/platform/dutch_calendar.h"

using namespace balie::calendar;
using namespace std::chrono;

namespace {
Day d(const char* s) { return *parse_iso_date(s); }
}  // namespace

TEST(DutchCalendar, ParsesOnlyRealIsoDates) {
  EXPECT_TRUE(parse_iso_date("2024-02-29"));
  EXPECT_FALSE(parse_iso_date("2023-02-29"));
  EXPECT_FALSE(parse_iso_date("2026-13-01"));
  EXPECT_FALSE(parse_iso_date("2026-1-01"));
  EXPECT_FALSE(parse_iso_date("26-01-2026"));
  EXPECT_FALSE(parse_iso_date(""));
  EXPECT_EQ(to_iso(d("2026-03-07")), "2026-03-07");
}

TEST(DutchCalendar, EasterDates) {
  EXPECT_EQ(to_iso(easter_sunday(2024)), "2024-03-31");
  EXPECT_EQ(to_iso(easter_sunday(2025)), "2025-04-20");
  EXPECT_EQ(to_iso(easter_sunday(2026)), "2026-04-05");
  EXPECT_EQ(to_iso(easter_sunday(2027)), "2027-03-28");
}

TEST(DutchCalendar, PublicHolidays2026) {
  for (const char* h : {"2026-01-01", "2026-04-06", "2026-04-27", "2026-05-05", "2026-05-14", "2026-05-25",
                        "2026-12-25", "2026-12-26"})
    EXPECT_TRUE(is_public_holiday(d(h))) << h;
  for (const char* n : {"2026-04-03", "2026-04-28", "2026-05-04", "2026-12-24", "2026-12-31"})
    EXPECT_FALSE(is_public_holiday(d(n))) << n;
}

TEST(DutchCalendar, KoningsdagMovesToSaturdayWhenOnSunday) {
  // 27 April 2025 was a Sunday: Koningsdag was on 26 April.
  EXPECT_TRUE(is_public_holiday(d("2025-04-26")));
  EXPECT_FALSE(is_public_holiday(d("2025-04-27")));
}

TEST(DutchCalendar, TenWorkingDaysSkipWeekendsAndHolidays) {
  // Signed on Thursday 30 April 2026: Koningsdag was Monday 27 April; 5 May is a holiday;
  // Ascension 14 May. Working days after 30 Apr: 1, 4, 6, 7, 8, 11, 12, 13, 15, 18 May.
  EXPECT_EQ(to_iso(add_working_days(d("2026-04-30"), 10)), "2026-05-18");
  EXPECT_EQ(working_days_between(d("2026-04-30"), d("2026-05-18")), 10);
  EXPECT_EQ(working_days_between(d("2026-05-18"), d("2026-04-30")), 0);
  // A plain fortnight without holidays.
  EXPECT_EQ(to_iso(add_working_days(d("2026-03-02"), 10)), "2026-03-16");
  EXPECT_FALSE(is_working_day(d("2026-03-07")));
  EXPECT_TRUE(is_working_day(d("2026-03-09")));
}

TEST(DutchCalendar, LocalDayFollowsAmsterdamTime) {
  // 23:30 UTC in winter is 00:30 the next day in Amsterdam; in summer 22:30 UTC is 00:30 too.
  EXPECT_EQ(to_iso(local_day(sys_days{d("2026-01-10")} + hours(23) + minutes(30))), "2026-01-11");
  EXPECT_EQ(to_iso(local_day(sys_days{d("2026-07-10")} + hours(22) + minutes(30))), "2026-07-11");
  EXPECT_EQ(to_iso(local_day(sys_days{d("2026-07-10")} + hours(21) + minutes(30))), "2026-07-10");
}
