// The staff screen's held/failed rows and duplicate persons (kiosk/session/held_records, issue 16):
// oldest first across held and failed, the reason in plain words, link-changed rows counted, the
// void reason a decision records, and conflicts shown with masked ids.
#include <gtest/gtest.h>

#include "session/held_records.h"

using namespace balie;

namespace {
store::OutboxEntry entry(const char* id, long t, const char* held_reason, const char* last_error = "") {
  store::OutboxEntry e;
  e.record_id = id;
  e.kind = "pvt.ondertekend";
  e.addressee = "GM0363";
  e.created_at = store::UtcTime(std::chrono::seconds(t));
  e.held_reason = held_reason;
  e.last_error = last_error;
  return e;
}
}  // namespace

TEST(HeldRecords, OldestFirstWithReasonsInPlainWords) {
  const auto rows = session::build_held_rows(
      {entry("h-new", 300, "no-route: geen adres"), entry("h-link", 100, "link-changed: gekoppelde gemeente GM0363 -> GM0344")},
      {entry("f-mid", 200, "", "bad-payload: HTTP 422"), entry("f-raw", 200, "", "iets onbekends")});
  ASSERT_EQ(rows.size(), 4u);
  struct Want {
    const char* id;
    bool failed, link_changed;
    const char* type;
    const char* void_reason;
  };
  const Want want[] = {{"h-link", false, true, "link-changed", "link_changed"},
                       {"f-mid", true, false, "bad-payload", "failed_not_delivered"},
                       {"f-raw", true, false, "", "failed_not_delivered"},
                       {"h-new", false, false, "no-route", "held_not_delivered"}};
  for (std::size_t i = 0; i < 4; ++i) {
    SCOPED_TRACE(want[i].id);
    EXPECT_EQ(rows[i].record_id, want[i].id);
    EXPECT_EQ(rows[i].failed, want[i].failed);
    EXPECT_EQ(rows[i].link_changed, want[i].link_changed);
    EXPECT_EQ(rows[i].reason_type, want[i].type);
    EXPECT_EQ(session::void_reason_for(rows[i]), want[i].void_reason);
    EXPECT_FALSE(rows[i].reason_text.empty());
  }
  EXPECT_NE(rows[0].reason_text.find("COA"), std::string::npos) << rows[0].reason_text;  // plain Dutch words
  EXPECT_EQ(rows[2].reason_text, "iets onbekends");  // unknown type: the reason itself
  EXPECT_EQ(session::count_link_changed(rows), 1);
}

TEST(HeldRecords, ConflictsAreMaskedAndFound) {
  std::vector<store::IdentityConflict> cs = {{"v_nummer", {"resident-0001", "resident-0002"}}, {"bsn", {"abc", "xyz9"}}};
  const auto lines = session::conflict_lines(cs);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].key_label, "V-nummer");
  EXPECT_EQ(lines[1].key_label, "BSN");
  EXPECT_EQ(lines[0].masked_ids, (std::vector<std::string>{"****0001", "****0002"}));
  for (const auto& id : lines[1].masked_ids) EXPECT_EQ(id.find("xyz"), std::string::npos);
  EXPECT_EQ(session::conflict_of(cs, "resident-0002"), 0);
  EXPECT_EQ(session::conflict_of(cs, "xyz9"), 1);
  EXPECT_EQ(session::conflict_of(cs, "resident-0003"), -1);
}
