// Names are data, not formatting (issue 18; Xvfb, real SQLCipher store, the real kiosk): COA's feed
// delivers "Yohannes <RLO>evil" (an override that showed the resident "Yohannes live" while staff saw
// "Yohannes evil"); the staff search, the identity check and the resident's own dossier (Tigrinya)
// all show "Yohannes evil", and staff see the note that direction characters were removed.
// BALIE_TEST_KEEP_SHOTS=DIR keeps the screenshots (b01-search, b02-identity, b03-dossier-ti) there.
#include <gtest/gtest.h>
#include <sodium.h>

#include <filesystem>

#include "balie/platform/key_provider.h"
#include "balie/store/store.h"
#include "demo_store.h"
#include "kiosk_process.h"

using namespace balie::kiosk::testing;
namespace fs = std::filesystem;
namespace store = balie::store;

namespace {

class BidiNamesE2E : public KioskProcessTest {
 protected:
  std::unique_ptr<store::Store> open_store() { return open_demo_store(dir_ / "state"); }
};

TEST_F(BidiNamesE2E, ResidentAndStaffSeeTheSameNameForAHostileCoaName) {
  ASSERT_GE(sodium_init(), 0);
  fs::create_directories(dir_ / "state");
  {
    auto st = open_store();
    ASSERT_NE(st, nullptr);
    ASSERT_TRUE(store::seed_demo_data(*st).ok());
    store::CoaResidentsPage page;
    page.location_id = st->device_config().value()->location_id;
    page.cursor = "c1";
    store::CoaResident c;
    c.id = "bidi-01";
    c.naam_latijns = "Yohannes \xE2\x80\xAE" "evil";                                    // U+202E RLO, never closed
    c.naam_eigen_schrift = "\xE2\x81\xA7\xE1\x8B\xAE\xE1\x88\x83\xE1\x8A\x95\xE1\x88\xB5";  // RLI + ዮሃንስ
    c.v_nummer = "9990000099";
    c.geboortedatum = "1994-04-04";
    c.kamer = "B-\xE2\x80\xAE" "12";
    c.regime = store::Regime::Wi2021;
    c.gemeentecode = "GM0363";
    c.gekoppeld_sinds = "2026-11-01";
    page.residents.push_back(c);
    auto applied = st->apply_coa_residents(page);
    ASSERT_TRUE(applied.ok()) << applied.error().message;
    ASSERT_EQ(applied.value().inserted, 1);
  }
  const char* keep = std::getenv("BALIE_TEST_KEEP_SHOTS");
  const fs::path shots = keep && *keep ? fs::path(keep) : dir_ / "shots";
  auto r = run_process({kiosk_binary(), "--windowed", "1920x1080", "--clock-start", "2026-12-06T09:30:00Z", "--script",
                        scripts_dir() + "/bidi_names.balie", "--shots", shots.string()},
                       kiosk_env(), std::chrono::seconds(240));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* s : {"b01-search", "b02-identity", "b03-dossier-ti"}) {
    Png png;
    ASSERT_TRUE(read_png((shots / (std::string(s) + ".png")).string(), &png)) << s;
    EXPECT_GT(distinct_colours(png), 20u) << s;
  }
}

}  // namespace
