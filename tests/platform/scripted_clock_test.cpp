// Unit tests of platform::ScriptedClock, the clock of the kiosk's scripted runs (and the tests'
// FakeClock): it starts where it is told, moves only on advance(), wall and monotonic time move
// together, never backwards, and it reports itself as an unsynchronised "scripted" source.
#include "balie/platform/scripted_clock.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace balie::platform {
namespace {

using namespace std::chrono_literals;

const Clock::WallTime kStart{std::chrono::seconds(1772443800)};  // 2026-03-02T09:30:00Z

TEST(ScriptedClock, StartsAtTheGivenMomentAndStandsStill) {
  ScriptedClock clock(kStart);
  const auto mono = clock.mono_now();
  std::this_thread::sleep_for(5ms);
  EXPECT_EQ(clock.wall_now(), kStart);
  EXPECT_EQ(clock.mono_now(), mono);
}

TEST(ScriptedClock, AdvanceMovesWallAndMonotonicTogether) {
  ScriptedClock clock(kStart);
  const auto mono = clock.mono_now();
  clock.advance(1500ms);
  clock.advance(std::chrono::minutes(2));
  EXPECT_EQ(clock.wall_now(), kStart + 121500ms);
  EXPECT_EQ(clock.mono_now() - mono, std::chrono::duration_cast<Clock::MonoTime::duration>(121500ms));
}

TEST(ScriptedClock, NeverRunsBackwards) {
  ScriptedClock clock(kStart);
  clock.advance(10s);
  const auto wall = clock.wall_now();
  const auto mono = clock.mono_now();
  clock.advance(-5s);
  EXPECT_EQ(clock.wall_now(), wall);
  EXPECT_EQ(clock.mono_now(), mono);
}

TEST(ScriptedClock, IsAnUnsynchronisedScriptedSource) {
  ScriptedClock clock(kStart);
  const Clock& c = clock;
  EXPECT_FALSE(c.wall_synchronised());
  EXPECT_STREQ(c.source_name(), "scripted");
}

TEST(ScriptedClock, AdvancesFromSeveralThreadsAddUp) {
  ScriptedClock clock(kStart);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&clock] {
      for (int i = 0; i < 1000; ++i) clock.advance(1ms);
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(clock.wall_now(), kStart + 4s);
}

}  // namespace
}  // namespace balie::platform
