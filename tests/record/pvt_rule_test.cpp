// The PVT rule (record/pvt_rule.h) against the shared case table, plus its helpers: elfproef,
// 4-digit gemeentecodes, month arithmetic and a catalog key and staff text for every reason.
#include <gtest/gtest.h>

#include <set>

#include "pvt_rule_cases.h"

using namespace balie;
using namespace balie::record;

TEST(PvtRule, EveryCaseOfTheSharedTableGetsItsExpectedVerdict) {
  const auto cases = test::load_pvt_cases();
  std::set<std::string> reasons_seen;
  for (const auto& c : cases) {
    const PvtVerdict v = pvt_rule(c.in);
    EXPECT_EQ(pvt_reason_code(v.reason), c.reason) << c.name;
    EXPECT_EQ(v.allowed, c.reason == "ok") << c.name;
    EXPECT_EQ(v.verwijtbaar, c.verwijtbaar) << c.name;
    reasons_seen.insert(c.reason);
  }
  // The table covers every reason the rule can give.
  for (int r = 0; r < static_cast<int>(PvtReason::kCount); ++r)
    EXPECT_TRUE(reasons_seen.count(std::string(pvt_reason_code(static_cast<PvtReason>(r)))))
        << "no case for " << pvt_reason_code(static_cast<PvtReason>(r));
}

TEST(PvtRule, EveryReasonHasACodeACatalogKeyAndAStaffText) {
  std::set<std::string_view> codes;
  for (int r = 0; r < static_cast<int>(PvtReason::kCount); ++r) {
    const auto reason = static_cast<PvtReason>(r);
    EXPECT_TRUE(codes.insert(pvt_reason_code(reason)).second) << "duplicate code";
    EXPECT_FALSE(pvt_reason_staff_text(reason).empty());
    if (reason != PvtReason::ok) {
      EXPECT_EQ(pvt_reason_key(reason).substr(0, 16), "signing.blocked.");
    }
  }
}

TEST(PvtRule, ElfproefGemeentecodeAndMonths) {
  EXPECT_TRUE(bsn_elfproef("999990019"));
  EXPECT_TRUE(bsn_elfproef("111222333"));
  EXPECT_FALSE(bsn_elfproef("999990001"));
  EXPECT_FALSE(bsn_elfproef("000000000"));
  EXPECT_FALSE(bsn_elfproef("99999001"));
  EXPECT_FALSE(bsn_elfproef("99999001a"));
  EXPECT_EQ(normalize_gemeentecode("0363"), "GM0363");
  EXPECT_EQ(normalize_gemeentecode("GM0363"), "GM0363");
  EXPECT_EQ(normalize_gemeentecode("363"), "");
  EXPECT_EQ(normalize_gemeentecode("gm0363"), "");
  EXPECT_EQ(normalize_gemeentecode(""), "");
  EXPECT_EQ(add_months("2026-12-31", 2), "2027-02-28");
  EXPECT_EQ(add_months("2027-12-31", 2), "2028-02-29");
  EXPECT_EQ(add_months("2026-10-06", 2), "2026-12-06");
  EXPECT_EQ(add_months("2026-02-30", 2), "");
}
