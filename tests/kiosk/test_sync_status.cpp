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

// --- Staff rules for enrolled terminals (kiosk/session/staff_rules) ---
#include "session/staff_rules.h"

TEST(NewPin, TooShortMismatchAndNonDigitsAreRefusedWithTheirMessage) {
  using V = session::NewPinVerdict;
  EXPECT_EQ(session::check_new_pin("123", "123"), V::TooShort);
  EXPECT_EQ(session::check_new_pin("1234567890123", "1234567890123"), V::TooLong);
  EXPECT_EQ(session::check_new_pin("12a4", "12a4"), V::NotDigits);
  EXPECT_EQ(session::check_new_pin("482913", "482931"), V::Mismatch);
  EXPECT_EQ(session::check_new_pin("482913", "482913"), V::Ok);
  EXPECT_EQ(session::new_pin_message_key(V::Mismatch), "new_pin.mismatch");
  EXPECT_EQ(session::new_pin_message_key(V::TooShort), "new_pin.too_short");
  EXPECT_EQ(session::new_pin_message_key(V::Ok), "");
}

// "Nu versturen" says only what the sync states prove: waiting while the request file is there,
// "did not start" after two minutes, started once balie-syncd took the file, and the per-municipality
// outcome only from a pass not older than the request (an older success is no evidence).
TEST(SyncRequest, OutcomeComesOnlyFromAPassNewerThanTheRequest) {
  using K = session::SyncRequestView::Kind;
  const auto req = t("2026-03-02T09:30:00Z");  // 10:30 in Amsterdam (CET)
  EXPECT_EQ(session::sync_request_view(std::nullopt, false, {}, req).kind, K::None);
  store::SyncState old_ok{"GM0363", std::chrono::floor<std::chrono::seconds>(t("2026-03-02T08:00:00Z")),
                          std::chrono::floor<std::chrono::seconds>(t("2026-03-02T08:00:00Z")), ""};
  auto v = session::sync_request_view(req, true, {old_ok}, req + std::chrono::seconds(30));
  EXPECT_EQ(v.kind, K::Waiting);
  EXPECT_EQ(v.requested_hhmm, "10:30");
  EXPECT_TRUE(v.lines.empty()) << "the success of 08:00 says nothing about this request";
  EXPECT_EQ(session::sync_request_view(req, true, {old_ok}, req + std::chrono::seconds(119)).kind, K::Waiting);
  EXPECT_EQ(session::sync_request_view(req, true, {old_ok}, req + std::chrono::seconds(120)).kind, K::NotStarted);
  EXPECT_EQ(session::sync_request_view(req, false, {old_ok}, req + std::chrono::seconds(300)).kind, K::Started);
  const auto pass = std::chrono::floor<std::chrono::seconds>(req + std::chrono::seconds(5));
  store::SyncState ok{"GM0363", pass, pass, ""};
  store::SyncState bad{"GM0344", old_ok.last_success, pass, "endpoint-not-proven: pin mismatch"};
  v = session::sync_request_view(req, false, {ok, bad}, req + std::chrono::seconds(10));
  ASSERT_EQ(v.kind, K::Done);
  ASSERT_EQ(v.lines.size(), 2u);
  EXPECT_TRUE(v.lines[0].ok);
  EXPECT_FALSE(v.lines[1].ok);
  EXPECT_EQ(v.lines[1].error, "endpoint-not-proven: pin mismatch");
  EXPECT_FALSE(v.lines[1].staff_text.empty()) << "the problem table's Dutch text";
  // Summer time: 12:05Z is 14:05 in Amsterdam.
  EXPECT_EQ(session::sync_request_view(t("2026-07-01T12:05:00Z"), true, {}, t("2026-07-01T12:05:10Z")).requested_hhmm,
            "14:05");
}

// Issue 16: one line per withdrawn obligation, dated by its Amsterdam day, complete when every
// receiver's receipt is in.
TEST(StaffSyncStatus, DeletionLinesCountReceipts) {
  store::DeletionStatus open{"0123456789abcdef0123456789abcdef", "obligation_withdrawn",
                             std::chrono::time_point_cast<std::chrono::seconds>(t("2026-12-05T23:30:00Z")), 1, 2, 1};
  store::DeletionStatus done{"ffffffffffffffffffffffffffffffff", "regime_corrected",
                             std::chrono::time_point_cast<std::chrono::seconds>(t("2026-12-06T10:00:00Z")), 0, 1, 1};
  store::DeletionStatus local{"00000000000000000000000000000000", "regime_corrected",
                              std::chrono::time_point_cast<std::chrono::seconds>(t("2026-12-06T10:00:00Z")), 2, 0, 0};
  auto lines = session::build_deletion_lines({open, done, local});
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].day, "2026-12-06");  // 23:30Z is the next day in Amsterdam
  EXPECT_EQ(lines[0].receivers, 2);
  EXPECT_EQ(lines[0].receipts, 1);
  EXPECT_EQ(lines[0].dropped, 1);
  EXPECT_FALSE(lines[0].complete);
  EXPECT_TRUE(lines[1].complete);
  EXPECT_TRUE(lines[2].complete);  // nothing was delivered: nobody to ask
}
