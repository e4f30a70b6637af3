// balie-syncd's staff status rows use the one registration-deadline rule of record/deadline.h:
// the same answers as the kiosk's staff status screen, on Amsterdam days.
#include <gtest/gtest.h>

#include "balie/sync/deadline.h"

using namespace balie::sync;

TEST(StaffStatus, WaitingRecordAgainstTheTenWorkingDayDeadline) {
  auto t = [](const char* s) { return *parse_utc(s); };
  GemeenteCounts c;
  c.gemeentecode = "GM0363";
  c.waiting = 1;
  c.oldest_waiting = t("2026-03-02T10:00:00Z");  // a Monday
  auto rows = staff_status({c}, t("2026-03-16T10:00:00Z"));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].working_days_waiting, 10);
  EXPECT_EQ(rows[0].working_days_left, 0);
  EXPECT_FALSE(rows[0].overdue);
  rows = staff_status({c}, t("2026-03-17T10:00:00Z"));
  EXPECT_TRUE(rows[0].overdue);
  // Signed at 23:30Z on 2 March = 3 March in Amsterdam: not yet overdue on the 17th (the kiosk agrees).
  c.oldest_waiting = t("2026-03-02T23:30:00Z");
  rows = staff_status({c}, t("2026-03-17T10:00:00Z"));
  EXPECT_FALSE(rows[0].overdue);
  EXPECT_EQ(rows[0].working_days_left, 0);
  EXPECT_NE(staff_status_json(rows).find("\"working_days_left\": 0"), std::string::npos);
}
