// balie-syncd on the kiosk's real encrypted record store in its own state folder (as the demo and the
// terminal lay it out): records committed with store::Store::commit_sealed reach exactly their
// gekoppelde gemeente, acks land in the store, and the dossier feed goes through
// store::Store::apply_dossier_batch scoped per municipality. Real processes.
#include <gtest/gtest.h>

#include <set>

#include "balie/platform/key_provider.h"
#include "balie/store/json.h"
#include "balie/store/store.h"
#include "balie/sync/store_adapter.h"
#include "harness.h"

using namespace balie;
using namespace balie::test;
using nlohmann::json;

namespace {

store::ResidentDossier resident(const std::string& id, const std::string& g) {
  store::ResidentDossier rd;
  rd.resident.id = id;
  rd.resident.naam_latijns = "Test " + id;
  rd.resident.location_id = "azc-demo";
  rd.resident.gemeentecode = g;
  // One BSN per resident id (the same BSN under two ids is one person twice: nothing is signed for it).
  rd.resident.bsn = "99999" + std::to_string(1000 + std::hash<std::string>{}(id) % 9000);
  return rd;
}

std::unique_ptr<store::Store> open_store(const fs::path& state) {
  auto kp = platform::KeyProvider(platform::KeyMode::Demo, state, {});
  auto key = kp.db_key();
  if (!key) throw std::runtime_error(key.error().message);
  auto s = store::Store::open(state / "balie.db", key.value().bytes());
  if (!s) throw std::runtime_error(s.error().message);
  return std::move(s.value());
}

}  // namespace

TEST(StoreAdapter, SyncdOnTheEncryptedStoreDeliversToTheRightMunicipalityAndAppliesTheFeed) {
  fs::path work = fresh_dir("store-adapter");
  Pki pki(work / "pki", {"GM0363", "GM0344"});
  InboxOptions at_demo;
  at_demo.locatiecode = "azc-demo";  // the device is enrolled at the kiosk's location (feed scope)
  auto a = Inbox::start(pki, "GM0363", work, at_demo);
  auto b = Inbox::start(pki, "GM0344", work, at_demo);
  fs::path state = work / "state";
  fs::create_directories(state);
  fs::permissions(state, fs::perms::owner_all);
  std::map<std::string, std::set<std::string>> expected;
  {
    auto st = open_store(state);
    for (auto* ib : {a.get(), b.get()}) {
      auto r = route_for(pki, *ib);
      ASSERT_TRUE(st->put_route(r).ok());
    }
    store::TextVersion tv;
    tv.version_id = "pvt-test-1-nl";
    tv.kind = "pvt_declaration";
    tv.language = "nl";
    tv.title = "Participatieverklaring (test)";
    tv.body = "Testtekst.";
    ASSERT_TRUE(st->put_text_version(tv).ok());
    ASSERT_TRUE(st->upsert_resident(resident("res-a", "GM0363")).ok());
    ASSERT_TRUE(st->upsert_resident(resident("res-b", "GM0344")).ok());
    for (auto [res, g] : std::vector<std::pair<std::string, std::string>>{
             {"res-a", "GM0363"}, {"res-a", "GM0363"}, {"res-b", "GM0344"}}) {
      store::RecordDraft d;
      d.kind = "pvt.ondertekend";
      d.resident_id = res;
      d.decision = "signed";
      d.text_version_id = "pvt-test-1-nl";
      d.device_id = pki.device_id;
      d.sensitive = json{{"resident_id", res}, {"bsn", "999990019"}}.dump();
      // Sealed to the route's box key inside the store's transaction, chained (the signing flow path).
      auto c = st->commit_sealed(d, pki.device);
      ASSERT_TRUE(c.ok()) << c.error().message;
      ASSERT_EQ(c.value().addressee, g);
      expected[g].insert(c.value().record_id);
    }
    // A resident whose gekoppelde gemeente is unknown: nothing can be sealed, the commit says so.
    ASSERT_TRUE(st->upsert_resident(resident("res-unknown", "")).ok());
    store::RecordDraft d;
    d.kind = "pvt.ondertekend";
    d.resident_id = "res-unknown";
    d.decision = "signed";
    d.text_version_id = "pvt-test-1-nl";
    d.device_id = pki.device_id;
    d.sensitive = "{}";
    auto refused = st->commit_sealed(d, pki.device);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, store::StoreErrc::NotFound);
    // res-new arrived from COA (the link comes only from COA), without a dossier yet.
    auto base = resident("res-new", "GM0363");
    base.resident.bsn.clear();
    ASSERT_TRUE(st->upsert_resident(base).ok());
  }
  // GM0363 feeds res-new's dossier; GM0344 claims res-a moved away (it never had her): ignored.
  json feed_a = {{"residents", {{{"resident_id", "res-new"}, {"locatiecode", "azc-demo"},
                                 {"dossier", json::parse(store::to_json(resident("res-new", "GM0363")))}}}}};
  json feed_b = {{"residents", {{{"resident_id", "res-a"}, {"locatiecode", "azc-demo"}, {"purge", "link_changed"}}}}};
  spit(work / "fa.json", feed_a.dump());
  spit(work / "fb.json", feed_b.dump());
  ASSERT_EQ(run({bin("balie-inbox").string(), "import-dossiers", "--db", a->db.string(), "--db-key-file", inbox_key(a->db.string()), "--gemeentecode", "GM0363",
                 "--file", (work / "fa.json").string()}), 0);
  ASSERT_EQ(run({bin("balie-inbox").string(), "import-dossiers", "--db", b->db.string(), "--db-key-file", inbox_key(b->db.string()), "--gemeentecode", "GM0344",
                 "--file", (work / "fb.json").string()}), 0);

  Kiosk k(pki, work, "azc-demo", {{"store", (state / "balie.db").string()}});
  setenv("BALIE_STATE_DIR", state.c_str(), 1);
  std::string out;
  int rc = k.sync_once(&out);
  unsetenv("BALIE_STATE_DIR");
  ASSERT_EQ(rc, 0) << out;
  for (auto* ib : {a.get(), b.get()}) {
    std::set<std::string> got;
    for (const auto& r : ib->records()) got.insert(r["record_id"].get<std::string>());
    EXPECT_EQ(got, expected[ib->g]) << ib->g;
  }
  auto st = open_store(state);
  for (auto& [g, ids] : expected)
    for (auto& id : ids) {
      auto e = st->outbox_entry(id);
      ASSERT_TRUE(e.ok() && e.value());
      EXPECT_EQ(e.value()->state, store::OutboxState::Acknowledged) << id;
    }
  auto fresh = st->resident("res-new");
  ASSERT_TRUE(fresh.ok());
  ASSERT_TRUE(fresh.value().has_value());
  EXPECT_EQ(fresh.value()->bsn, resident("res-new", "GM0363").resident.bsn);  // the municipality's dossier arrived
  auto kept = st->resident("res-a");
  ASSERT_TRUE(kept.ok());
  EXPECT_TRUE(kept.value().has_value()) << "a purge from a municipality that is not responsible was applied";
}
