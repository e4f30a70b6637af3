// Production mode (issue 13, item 8), on the real balie-kiosk binary: with BALIE_MODE=production the
// test and demo flags --script, --shots and --clock-start are refused with a clear message and exit
// status 2, before a window, a store or a screenshot folder is made (so no scripted clock can reach
// the store); without them the kiosk goes on to its normal start.
#include <gtest/gtest.h>

#include <filesystem>

#include "kiosk_process.h"

using namespace balie::kiosk::testing;
namespace fs = std::filesystem;

namespace {
class ProductionModeE2E : public KioskProcessTest {
 protected:
  std::vector<std::string> production_env() const {
    auto e = kiosk_env();
    e.push_back("BALIE_MODE=production");
    e.push_back("CREDENTIALS_DIRECTORY=" + (dir_ / "credentials").string());
    return e;
  }
  RunResult run(const std::vector<std::string>& flags, const std::vector<std::string>& env) {
    std::vector<std::string> argv{kiosk_binary(), "--windowed", "800x600"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    return run_process(argv, env, std::chrono::seconds(60));
  }
  fs::path script() {
    fs::path p = dir_ / "s.balie";
    std::ofstream(p) << "wait-scene welcome\nscreenshot ran\n";
    return p;
  }
};
}  // namespace

TEST_F(ProductionModeE2E, ScriptShotsAndClockStartAreRefused) {
  const fs::path shots = dir_ / "shots";
  const std::vector<std::vector<std::string>> cases = {
      {"--script", script().string()},
      {"--shots", shots.string()},
      {"--clock-start", "2026-03-02T09:30:00Z"},
      {"--script", script().string(), "--shots", shots.string(), "--clock-start", "2026-03-02T09:30:00Z"}};
  for (const auto& flags : cases) {
    auto r = run(flags, production_env());
    EXPECT_EQ(r.exit_code, 2) << flags[0] << ":\n" << r.output;
    EXPECT_NE(r.output.find(flags[0]), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("refused in production mode"), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(shots)) << "a screenshot folder was made in production mode";
    EXPECT_FALSE(fs::exists(dir_ / "state" / "balie.db")) << "the store was opened before the refusal";
  }
}

TEST_F(ProductionModeE2E, WithoutTestFlagsProductionGoesOnToItsNormalStart) {
  // No display and no credentials here: the kiosk gets past the flag check and stops at the display.
  auto env = production_env();
  env.push_back("DISPLAY=");
  env.push_back("WAYLAND_DISPLAY=");
  auto r = run({}, env);
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_EQ(r.output.find("refused"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("no display"), std::string::npos) << r.output;
}

TEST_F(ProductionModeE2E, DemoModeStillRunsScripts) {
  auto r = run({"--script", script().string(), "--shots", (dir_ / "shots").string(), "--clock-start",
                "2026-03-02T09:30:00Z"},
               kiosk_env());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(fs::exists(dir_ / "shots" / "ran.png"));
}
