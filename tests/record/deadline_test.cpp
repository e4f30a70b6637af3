// The one registration-deadline rule (record/deadline.h) that the kiosk's staff status screen and
// balie-syncd status both use: ten Dutch working days counted from the record's Amsterdam day.
#include <gtest/gtest.h>

#include "balie/record/codec.h"
#include "balie/record/deadline.h"

using namespace balie;
using namespace balie::record;

namespace {
std::chrono::system_clock::time_point t(const char* s) { return std::chrono::system_clock::from_time_t(*parse_utc(s)); }
}  // namespace

TEST(RegistrationDeadline, RecordSignedAt2330ZCountsFromTheAmsterdamDay) {
  // 23:30 UTC on Monday 2 March 2026 is 00:30 on Tuesday 3 March in Amsterdam: the record is of
  // the 3rd, its tenth working day is Tuesday 17 March (a UTC-day rule would say Monday 16 March).
  const auto d = registration_deadline(t("2026-03-02T23:30:00Z"), t("2026-03-16T10:00:00Z"));
  EXPECT_EQ(calendar::to_iso(d.made_on), "2026-03-03");
  EXPECT_EQ(calendar::to_iso(d.last_day), "2026-03-17");
  EXPECT_EQ(d.working_days_waiting, 9);
  EXPECT_EQ(d.working_days_left, 1);
  EXPECT_FALSE(d.overdue);
  EXPECT_FALSE(registration_deadline(t("2026-03-02T23:30:00Z"), t("2026-03-17T21:00:00Z")).overdue);
  // 17 March 23:30Z is already 18 March in Amsterdam: past the deadline.
  const auto late = registration_deadline(t("2026-03-02T23:30:00Z"), t("2026-03-17T23:30:00Z"));
  EXPECT_TRUE(late.overdue);
  EXPECT_EQ(late.working_days_left, -1);
  // The same instant an hour earlier in UTC is still 2 March in Amsterdam (22:30Z = 23:30 CET).
  EXPECT_EQ(calendar::to_iso(registration_deadline(t("2026-03-02T22:30:00Z"), t("2026-03-03T10:00:00Z")).made_on),
            "2026-03-02");
}

TEST(RegistrationDeadline, SkipsWeekendsAndDutchHolidays) {
  // Algemene termijnenwet: 5 May counts every year, Goede Vrijdag is a working day.
  EXPECT_EQ(registration_deadline(t("2026-05-04T10:00:00Z"), t("2026-05-06T10:00:00Z")).working_days_waiting, 1);
  EXPECT_EQ(registration_deadline(t("2026-04-02T10:00:00Z"), t("2026-04-03T10:00:00Z")).working_days_waiting, 1);
  // Friday 2026-12-18 -> Monday 2027-01-04: 21,22,23,24,28,29,30,31 Dec, 4 Jan (25/26 Dec, 1 Jan off).
  EXPECT_EQ(registration_deadline(t("2026-12-18T10:00:00Z"), t("2027-01-04T10:00:00Z")).working_days_waiting, 9);
  EXPECT_EQ(registration_deadline(t("2026-03-02T10:00:00Z"), t("2026-03-02T22:00:00Z")).working_days_waiting, 0);
}

TEST(RegistrationDeadline, OverdueTheDayAfterTheTenthWorkingDayWeekendIncluded) {
  // Monday 2 March: the tenth working day is Monday 16 March.
  auto d = registration_deadline(t("2026-03-02T10:00:00Z"), t("2026-03-16T10:00:00Z"));
  EXPECT_EQ(d.working_days_waiting, 10);
  EXPECT_EQ(d.working_days_left, 0);
  EXPECT_FALSE(d.overdue);
  EXPECT_TRUE(registration_deadline(t("2026-03-02T10:00:00Z"), t("2026-03-17T10:00:00Z")).overdue);
  // Friday 6 March: the tenth working day is Friday 20 March; Saturday the 21st is already past it.
  d = registration_deadline(t("2026-03-06T10:00:00Z"), t("2026-03-21T10:00:00Z"));
  EXPECT_EQ(calendar::to_iso(d.last_day), "2026-03-20");
  EXPECT_TRUE(d.overdue);
}
