// Unit tests of the kiosk's session wiping (issue 13, item 5) and of the production-mode refusal of
// the test flags (item 8): the intents list leaves no PIN in its storage after use, a wiped vector's
// storage holds none of its former short strings, and production_refusal names the refused flags.
#include <gtest/gtest.h>

#include <string_view>

#include "balie/platform/secure_wipe.h"
#include "core/app_state.h"
#include "core/args.h"
#include "core/intents.h"

using namespace balie::kiosk;

namespace {
// True when `needle` occurs anywhere in the raw bytes [p, p + n).
bool bytes_contain(const void* p, size_t n, std::string_view needle) {
  return std::string_view(static_cast<const char*>(p), n).find(needle) != std::string_view::npos;
}
}  // namespace

TEST(SessionWipe, IntentsLeaveNoPinInTheirStorageAfterUse) {
  Intents in;
  in.push(SubmitStaffPin{"demo-coa", "246810"});  // short: kept inside the string object
  in.push(SearchResidents{"Salma al-Khayaliya"});
  const void* storage = in.items().data();
  const size_t bytes = in.items().capacity() * sizeof(Intent);
  ASSERT_TRUE(bytes_contain(storage, bytes, "246810"));
  std::vector<Intent> list;
  list.reserve(Intents::kMax);
  in.take(list);
  EXPECT_TRUE(in.empty());
  EXPECT_FALSE(bytes_contain(storage, bytes, "246810")) << "the list's old storage still holds the PIN";
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(std::get<SubmitStaffPin>(list[0]).pin, "246810");
  const void* taken = list.data();
  const size_t taken_bytes = list.capacity() * sizeof(Intent);
  wipe(list);
  EXPECT_TRUE(list.empty());
  EXPECT_FALSE(bytes_contain(taken, taken_bytes, "246810"));
}

TEST(SessionWipe, SearchHitsAndGrowthLeaveNoShortStringsBehind) {
  std::vector<ResidentHit> hits;
  for (int i = 0; i < 20; ++i) {  // grows several times
    ResidentHit& h = balie::platform::emplace_back_wiping(hits);
    h.name_own = "Hamid Nogniet";  // 13 bytes: inside the string object
    h.room = "B-114";
  }
  ASSERT_EQ(hits.size(), 20u);
  EXPECT_EQ(hits[19].room, "B-114");
  const void* storage = hits.data();
  const size_t bytes = hits.capacity() * sizeof(ResidentHit);
  wipe(hits);
  EXPECT_TRUE(hits.empty());
  EXPECT_FALSE(bytes_contain(storage, bytes, "Hamid"));
  EXPECT_FALSE(bytes_contain(storage, bytes, "B-114"));
}

TEST(ProductionMode, TestFlagsAreRefusedOnlyInProduction) {
  Options o;
  EXPECT_EQ(production_refusal(o, true), "");
  o.windowed = true;
  EXPECT_EQ(production_refusal(o, true), "");
  o.script = "s.balie";
  o.clock_start = "2026-03-02T09:30:00Z";
  EXPECT_EQ(production_refusal(o, false), "");
  const std::string msg = production_refusal(o, true);
  EXPECT_NE(msg.find("--script"), std::string::npos) << msg;
  EXPECT_NE(msg.find("--clock-start"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("--shots"), std::string::npos) << msg;
  EXPECT_NE(msg.find("production"), std::string::npos) << msg;
}

// The image self-test hook (issue 14): `balie.selftest=sign` as a whole word on the kernel command
// line lets --script through in production; --shots and --clock-start stay refused.
TEST(ProductionMode, SelftestWordAllowsOnlyTheScript) {
  EXPECT_TRUE(selftest_requested("BOOT_IMAGE=/vmlinuz root=/dev/vda2 balie.selftest=sign quiet\n"));
  EXPECT_TRUE(selftest_requested("balie.selftest=sign"));
  EXPECT_FALSE(selftest_requested("root=/dev/vda2 quiet\n"));
  EXPECT_FALSE(selftest_requested("balie.selftest=signx"));
  EXPECT_FALSE(selftest_requested("xbalie.selftest=sign"));
  EXPECT_FALSE(selftest_requested("balie.selftest=sig"));
  EXPECT_FALSE(selftest_requested("foo=balie.selftest=sign"));
  Options o;
  o.script = "selftest.balie";
  EXPECT_NE(production_refusal(o, true, false).find("--script"), std::string::npos);
  EXPECT_EQ(production_refusal(o, true, true), "");
  o.shots_dir = "/tmp/x";
  o.clock_start = "2026-03-02T09:30:00Z";
  const std::string msg = production_refusal(o, true, true);
  EXPECT_EQ(msg.rfind("--shots, --clock-start refused", 0), 0u) << msg;
  EXPECT_NE(msg.find("--clock-start"), std::string::npos) << msg;
}
