// Held and failed records and duplicate persons on the real kiosk (issue 16; Xvfb, real SQLCipher
// store, real crypto): COA's relink holds demo-01's record, staff home says so, the staff member
// voids it on "Vastgehouden records" with their PIN (a wrong PIN first does nothing), and a second
// resident id with demo-01's V-nummer shows in the search as one conflict entry. Screenshots land in
// the test folder (kept on failure; BALIE_HELD_SHOTS=DIR copies them there).
#include <gtest/gtest.h>
#include <sodium.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "balie/platform/key_provider.h"
#include "balie/store/store.h"
#include "demo_store.h"
#include "kiosk_process.h"

using namespace balie::kiosk::testing;
namespace fs = std::filesystem;
namespace store = balie::store;

namespace {
const std::string kHeld = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const std::string kFailed = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";

class HeldRecordsE2E : public KioskProcessTest {
 protected:
  std::unique_ptr<store::Store> open_store() { return open_demo_store(dir_ / "state"); }
};

TEST_F(HeldRecordsE2E, StaffVoidHeldRecordWithPinAndSeeOnePersonTwiceAsOneConflict) {
  ASSERT_GE(sodium_init(), 0);
  fs::create_directories(dir_ / "state");
  {
    auto st = open_store();
    ASSERT_NE(st, nullptr);
    ASSERT_TRUE(store::seed_demo_data(*st).ok());
    balie::platform::KeyProvider kp(balie::platform::KeyMode::Demo, dir_ / "state", {});
    auto device = kp.device_signing_key();
    ASSERT_TRUE(device.ok()) << device.error().message;
    ASSERT_TRUE(st->put_text_version({"held-e2e-nl-1", "pvt_declaration", "nl", "Participatieverklaring", "Tekst.", ""}).ok());
    auto draft = [&](const std::string& id, const std::string& resident, const std::string& g) {
      store::RecordDraft d;
      d.record_id = id;
      d.kind = "pvt.ondertekend";
      d.resident_id = resident;
      d.text_version_id = "held-e2e-nl-1";
      d.decision = "signed";
      d.staff_id = "demo-coa";
      d.device_id = st->device_config().value()->kiosk_id;
      d.expected_gemeentecode = g;
      d.sensitive = "{\"resident_id\":\"" + resident + "\"}";
      return d;
    };
    ASSERT_TRUE(st->commit_sealed(draft(kHeld, "demo-01", "GM0363"), device.value()).ok());
    auto r2 = st->resident("demo-02").value().value();
    ASSERT_TRUE(st->commit_sealed(draft(kFailed, "demo-02", r2.gemeentecode), device.value()).ok());
    ASSERT_TRUE(st->mark_failed(kFailed, "bad-payload: HTTP 422 rejected by the municipality").ok());
    // COA re-links demo-01 to Utrecht: its record for Amsterdam is held.
    auto r1 = st->resident("demo-01").value().value();
    store::CoaResidentsPage page;
    page.location_id = r1.location_id;
    page.cursor = "c1";
    store::CoaResident c;
    c.id = r1.id;
    c.naam_latijns = r1.naam_latijns;
    c.naam_eigen_schrift = r1.naam_eigen_schrift;
    c.v_nummer = r1.v_nummer;
    c.geboortedatum = r1.geboortedatum;
    c.kamer = r1.kamer;
    c.regime = r1.regime;
    c.gemeentecode = "GM0344";
    c.gekoppeld_sinds = "2026-12-01";
    page.residents.push_back(c);
    auto applied = st->apply_coa_residents(page);
    ASSERT_TRUE(applied.ok()) << applied.error().message;
    ASSERT_EQ(applied.value().records_held, 1);
    // A second resident id for the same person (demo-01's V-nummer).
    store::ResidentDossier twin;
    twin.resident = r1;
    twin.resident.id = "demo-01-bis";
    twin.resident.bsn.clear();
    ASSERT_TRUE(st->upsert_resident(twin).ok());
  }
  auto r = run_process({kiosk_binary(), "--windowed", "1920x1080", "--clock-start", "2026-12-06T09:30:00Z", "--script",
                        scripts_dir() + "/held_records.balie", "--shots", (dir_ / "shots").string()},
                       kiosk_env(), std::chrono::seconds(240));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* s : {"01-staff-home", "02-held-list", "03-void-pin", "04-after-void", "05-search-conflict"}) {
    Png png;
    ASSERT_TRUE(read_png((dir_ / "shots" / (std::string(s) + ".png")).string(), &png)) << s;
    EXPECT_GT(distinct_colours(png), 20u) << s;
  }
  if (const char* keep = std::getenv("BALIE_HELD_SHOTS"); keep && *keep) {
    fs::create_directories(keep);
    for (const auto& e : fs::directory_iterator(dir_ / "shots"))
      fs::copy_file(e.path(), fs::path(keep) / e.path().filename(), fs::copy_options::overwrite_existing);
  }
  auto st = open_store();
  ASSERT_NE(st, nullptr);
  EXPECT_FALSE(st->outbox_entry(kHeld).value().has_value());  // voided: its payload is gone
  const auto recs = st->records_for("demo-01").value();
  int voided = 0, voids = 0;
  for (const auto& x : recs) {
    voided += x.record_id == kHeld && x.outbox_state == "voided";
    voids += x.kind == "record.void" && x.addressee == "GM0363" && x.outbox_state == "pending";
  }
  EXPECT_EQ(voided, 1);
  EXPECT_EQ(voids, 1);
  EXPECT_EQ(store::to_string(st->outbox_entry(kFailed).value()->state), std::string("failed"));  // not touched
  const auto tail = st->audit_tail(200).value();
  bool by_staff = false;
  for (const auto& e : tail)
    by_staff = by_staff || (e.action == "record.void" && e.actor == "demo-coa" && e.detail.find(kHeld) != std::string::npos);
  EXPECT_TRUE(by_staff);
  // The wrong PIN counted as a failure of demo-coa's account (the right one then reset it).
  auto conflicts = st->identity_conflicts().value();
  ASSERT_EQ(conflicts.size(), 1u);
  EXPECT_EQ(conflicts[0].resident_ids, (std::vector<std::string>{"demo-01", "demo-01-bis"}));
}

}  // namespace
