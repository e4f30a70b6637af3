// The kiosk's staff status rows (kiosk/session/sync_status) count the registration deadline with the
// one rule of record/deadline.h: a record signed at 23:30Z counts from its Amsterdam day, the same
// answer balie-syncd status gives (tests/sync/deadline_test.cpp).
#include <gtest/gtest.h>

#include "balie/record/codec.h"
#include "session/sync_status.h"

using namespace balie;

namespace {
std::chrono::system_clock::time_point t(const char* s) {
  return std::chrono::system_clock::from_time_t(*record::parse_utc(s));
}
}  // namespace

TEST(StaffSyncStatus, RecordSignedAt2330ZUsesTheAmsterdamDayForItsDeadline) {
  store::OutboxCounts c;
  c.gemeentecode = "GM0363";
  c.waiting = 1;
  c.oldest_waiting = std::chrono::time_point_cast<std::chrono::seconds>(t("2026-03-02T23:30:00Z"));
  // Amsterdam day 3 March: the tenth working day is 17 March. A UTC-day count would say 16 March
  // and call the record overdue on the 17th.
  auto rows = session::build_sync_status({c}, {}, {}, t("2026-03-17T10:00:00Z"));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].deadline, session::MunicipalityStatus::Deadline::Soon);
  EXPECT_EQ(rows[0].working_days_left, 0);
  rows = session::build_sync_status({c}, {}, {}, t("2026-03-17T23:30:00Z"));  // 18 March in Amsterdam
  EXPECT_EQ(rows[0].deadline, session::MunicipalityStatus::Deadline::Overdue);
  EXPECT_EQ(rows[0].working_days_left, -1);
  rows = session::build_sync_status({c}, {}, {}, t("2026-03-05T10:00:00Z"));
  EXPECT_EQ(rows[0].deadline, session::MunicipalityStatus::Deadline::Ok);
  EXPECT_EQ(rows[0].working_days_left, 8);
}

// A held record's reason reaches the staff status row as the problem table's Dutch text; a feed
// problem (the gemeente's last error) is shown when nothing is held.
TEST(StaffSyncStatus, HeldReasonAndFeedProblemAreShownInDutch) {
  store::OutboxCounts c;
  c.gemeentecode = "GM0363";
  c.held = 2;
  c.held_reason = "clock-skew: rejected by GM0363: clock-skew: created_at lies in the future";
  store::SyncState s;
  s.gemeentecode = "GM0344";
  s.last_error = "1 dossier feed item(s) refused (feed-item-invalid: resident r-bad: plichtig)";
  auto rows = session::build_sync_status({c}, {s}, {}, t("2026-03-17T10:00:00Z"));
  ASSERT_EQ(rows.size(), 2u);
  const auto& gm0344 = rows[0].gemeentecode == "GM0344" ? rows[0] : rows[1];
  const auto& gm0363 = rows[0].gemeentecode == "GM0363" ? rows[0] : rows[1];
  EXPECT_NE(gm0363.problem.find("klok van de terminal liep voor"), std::string::npos) << gm0363.problem;
  EXPECT_NE(gm0344.problem.find("refused"), std::string::npos) << gm0344.problem;
  c.held = 0;
  c.held_reason.clear();
  rows = session::build_sync_status({c}, {}, {}, t("2026-03-17T10:00:00Z"));
  EXPECT_EQ(rows[0].problem, "");
}
