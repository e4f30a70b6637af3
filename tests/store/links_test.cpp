// Links only from COA, link-change holds, void records, one person twice and the deadline count
// (issue 16, "Links that change, and the same person twice"; tests/store/): unit tables on the real
// SQLCipher store. The end-to-end run over real processes is tests/coa/relink_e2e_test.cpp.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "balie/record/envelope.h"
#include "balie/store/store.h"
#include "fake_clock.h"
#include "store_test_util.h"

namespace balie::store::test {
namespace {

using platform::FakeClock;

class LinksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key = random_key();
    opts.clock = &clock;
    store = open_ok(dir / "balie.db", key, opts);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->put_text_version(test_text()).ok());
    ASSERT_TRUE(store->set_device_config(DeviceConfig{"kiosk-test-01", "loc-1", "AZC Test"}).ok());
  }
  // COA's residents page with one active resident linked to `g`.
  Result<CoaResidentsOutcome> coa_link(const std::string& id, const std::string& g, const std::string& cursor,
                                       const std::string& v_nummer = "1234567890") {
    CoaResidentsPage p;
    p.location_id = "loc-1";
    p.cursor = cursor;
    CoaResident c;
    c.id = id;
    c.naam_latijns = "Coa Naam " + id;
    c.v_nummer = v_nummer;
    c.geboortedatum = "1990-01-01";
    c.kamer = "K-" + id;
    c.regime = Regime::Wi2021;
    c.gemeentecode = g;
    c.gekoppeld_sinds = g.empty() ? "" : "2026-11-01";
    p.residents.push_back(c);
    return store->apply_coa_residents(p);
  }
  OutboxEntry entry(const std::string& id) { return store->outbox_entry(id).value().value(); }
  record::Envelope envelope(const OutboxEntry& e) {
    return record::parse_envelope(std::string(e.payload.begin(), e.payload.end())).value();
  }
  bool audited(const std::string& action, const std::string& needle) {
    const auto tail = store->audit_tail(200).value();
    for (const auto& a : tail)
      if (a.action == action && a.detail.find(needle) != std::string::npos) return true;
    return false;
  }

  TempDir dir;
  std::array<std::uint8_t, 32> key{};
  FakeClock clock{std::chrono::system_clock::time_point(std::chrono::seconds(1795000000))};
  OpenOptions opts;
  std::unique_ptr<Store> store;
};

// [SECTION] The link comes only from COA ---------------------------------------------------------------

TEST_F(LinksTest, MunicipalityFeedNeverCreatesAResidentNorChangesCoaFields) {
  ASSERT_TRUE(coa_link("r1", "GM0363", "c1").ok());
  auto feed = marker_resident("r1", "F1", "GM0363");
  feed.resident.naam_latijns = "Gemeente Andere Naam";
  feed.resident.v_nummer = "9999999999";
  feed.resident.kamer = "Z-99";
  feed.resident.regime = Regime::Wi2013;
  feed.resident.location_id = "elders";
  auto unknown = marker_resident("r9", "F9", "GM0363");
  auto out = store->apply_dossier_batch("loc-1", "GM0363", DossierBatch{{feed, unknown}, {}}, "ams-1");
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out.value().upserted, 1);
  EXPECT_EQ(out.value().skipped, 1);  // r9: COA never delivered it
  EXPECT_FALSE(store->resident("r9").value().has_value());
  auto r1 = store->load_dossier("r1").value();
  EXPECT_EQ(r1.resident.naam_latijns, "Coa Naam r1");
  EXPECT_EQ(r1.resident.v_nummer, "1234567890");
  EXPECT_EQ(r1.resident.kamer, "K-r1");
  EXPECT_EQ(r1.resident.regime.raw, "Wi2021");
  EXPECT_EQ(r1.resident.location_id, "loc-1");
  EXPECT_EQ(r1.resident.gemeentecode, "GM0363");
  EXPECT_EQ(r1.resident.gekoppeld_sinds, "2026-11-01");
  EXPECT_EQ(r1.resident.bsn, feed.resident.bsn);  // the municipality's own fields do arrive
  EXPECT_TRUE(r1.dossier.pip.has_value());
  // Another municipality cannot take r1 over, whatever gemeentecode its copy names.
  auto takeover = marker_resident("r1", "F2", "GM0344");
  auto other = store->apply_dossier_batch("loc-1", "GM0344", DossierBatch{{takeover}, {}}, "utr-1");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other.value().upserted, 0);
  EXPECT_EQ(other.value().skipped, 1);
  EXPECT_EQ(store->resident("r1").value()->gemeentecode, "GM0363");
  EXPECT_EQ(store->resident("r1").value()->bsn, feed.resident.bsn);
}

// [SECTION] Link change: hold, release, void ---------------------------------------------------------

TEST_F(LinksTest, CoaLinkChangeHoldsRecordsNotYetDeliveredToTheOldMunicipality) {
  ASSERT_TRUE(coa_link("r1", "GM0014", "c1").ok());
  auto delivered = commit(*store, draft_for("r1"));
  auto waiting = commit(*store, draft_for("r1"));
  ASSERT_TRUE(delivered.ok() && waiting.ok());
  ASSERT_TRUE(store->store_acknowledgement(delivered.value().record_id, {}, UtcTime(std::chrono::seconds(5))).ok());
  auto out = coa_link("r1", "GM0363", "c2");
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out.value().link_changes, 1);
  EXPECT_EQ(out.value().records_held, 1);
  auto e = entry(waiting.value().record_id);
  EXPECT_EQ(e.state, OutboxState::Held);
  EXPECT_EQ(e.addressee, "GM0014");  // sealed to the old municipality, never re-addressed
  EXPECT_EQ(e.held_reason.rfind("link-changed: ", 0), 0u) << e.held_reason;
  EXPECT_TRUE(audited("coa.link_change", "records_held=1"));
  // The endpoint proving itself again does not release it: only a staff decision does.
  EXPECT_EQ(store->release_held("GM0014").value(), 0);
  EXPECT_EQ(entry(waiting.value().record_id).state, OutboxState::Held);
  ASSERT_TRUE(store->release(waiting.value().record_id, "staff-1", "deliver to the old municipality").ok());
  EXPECT_EQ(entry(waiting.value().record_id).state, OutboxState::Pending);
  EXPECT_EQ(entry(waiting.value().record_id).addressee, "GM0014");
  // New records go to the new municipality.
  auto next = commit(*store, draft_for("r1"));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next.value().addressee, "GM0363");
}

TEST_F(LinksTest, VoidTakesTheVoidedRecordsChainPlaceAndNamesItsPackage) {
  ASSERT_TRUE(coa_link("r1", "GM0014", "c1").ok());
  ASSERT_TRUE(coa_link("r2", "GM0014", "c2", "2234567890").ok());
  auto a = commit(*store, draft_for("r1"));  // seq 1
  auto b = commit(*store, draft_for("r2"));  // seq 2, resident stays linked
  ASSERT_TRUE(a.ok() && b.ok());
  const auto env_a = envelope(entry(a.value().record_id));
  ASSERT_TRUE(coa_link("r1", "GM0363", "c3").ok());
  ASSERT_EQ(entry(a.value().record_id).state, OutboxState::Held);

  // Refusals first: nothing changes.
  EXPECT_EQ(store->void_record(b.value().record_id, "staff-1", "link_changed", test_device()).error().code,
            StoreErrc::Conflict);  // pending: may be on its way
  EXPECT_EQ(store->void_record(a.value().record_id, "staff-1", "Vrije tekst met naam", test_device()).error().code,
            StoreErrc::InvalidArgument);
  EXPECT_EQ(store->void_record(a.value().record_id, "", "link_changed", test_device()).error().code,
            StoreErrc::InvalidArgument);
  EXPECT_EQ(store->void_record("00000000-0000-4000-8000-000000000000", "staff-1", "link_changed", test_device())
                .error().code,
            StoreErrc::NotFound);

  auto v = store->void_record(a.value().record_id, "staff-1", "link_changed", test_device());
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_FALSE(v.value().already_delivered);
  EXPECT_EQ(v.value().addressee, "GM0014");
  EXPECT_EQ(v.value().seq, 1u);
  EXPECT_FALSE(store->outbox_entry(a.value().record_id).value().has_value());  // payload gone
  auto pending = store->list_pending("GM0014", 10, 1 << 20).value();
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].record_id, v.value().void_record_id);
  EXPECT_EQ(pending[1].record_id, b.value().record_id);
  const auto env_v = envelope(pending[0]);
  const auto env_b = envelope(pending[1]);
  EXPECT_EQ(env_v.kind, "record.void");
  EXPECT_EQ(env_v.seq, env_a.seq);
  EXPECT_EQ(env_v.prev_sha256, env_a.prev_sha256);
  auto pub = nlohmann::json::parse(env_v.public_json);
  EXPECT_EQ(pub["voided_record_id"], a.value().record_id);
  EXPECT_EQ(pub["voided_package_sha256"], env_a.package_sha256);
  EXPECT_EQ(pub["voided_payload_sha256"], a.value().payload_sha256);
  EXPECT_EQ(pub["already_delivered"], false);
  EXPECT_EQ(pub["reason"], "link_changed");
  EXPECT_EQ(pub.size(), 6u);  // nothing personal: ids, hashes, a reason code
  EXPECT_EQ(env_b.prev_sha256, env_a.package_sha256);  // the next record's prev is named by the void
  // The sealed part opens for the addressee and holds the same non-personal facts.
  auto plain = record::open_sealed(env_v, box_key("GM0014"));
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(nlohmann::json::parse(*plain), pub);
  // Records: the voided one says so, stored once; the void is the resident's too; audited with staff.
  int voided = 0, voids = 0;
  const auto recs = store->records_for("r1").value();
  for (const auto& r : recs) {
    voided += r.record_id == a.value().record_id && r.outbox_state == "voided";
    voids += r.record_id == v.value().void_record_id && r.outbox_state == "pending";
  }
  EXPECT_EQ(voided, 1);
  EXPECT_EQ(voids, 1);
  EXPECT_TRUE(audited("record.void", "record=" + a.value().record_id));
  bool by_staff = false;
  const auto tail = store->audit_tail(50).value();
  for (const auto& e : tail) by_staff = by_staff || (e.action == "record.void" && e.actor == "staff-1");
  EXPECT_TRUE(by_staff);
  EXPECT_EQ(store->void_record(a.value().record_id, "staff-1", "link_changed", test_device()).error().code,
            StoreErrc::Conflict);  // voided once
  EXPECT_EQ(store->chain_head("GM0014").value().seq, 2u);  // the chain did not grow
}

TEST_F(LinksTest, VoidOfADeliveredRecordIsAppendedAndSaysSo) {
  ASSERT_TRUE(coa_link("r1", "GM0014", "c1").ok());
  auto a = commit(*store, draft_for("r1"));
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(store->store_acknowledgement(a.value().record_id, {}, UtcTime(std::chrono::seconds(5))).ok());
  auto v = store->void_record(a.value().record_id, "staff-2", "signed_in_error", test_device());
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_TRUE(v.value().already_delivered);
  EXPECT_EQ(v.value().seq, 2u);
  EXPECT_EQ(store->chain_head("GM0014").value().seq, 2u);
  auto env = envelope(entry(v.value().void_record_id));
  auto pub = nlohmann::json::parse(env.public_json);
  EXPECT_EQ(pub["already_delivered"], true);
  EXPECT_EQ(pub["voided_payload_sha256"], a.value().payload_sha256);
  EXPECT_TRUE(store->tombstone(a.value().record_id).value().has_value());  // the delivery stays on record
}

// [SECTION] One person twice ------------------------------------------------------------------------------

TEST_F(LinksTest, SameVnummerOrBsnIsOneConflictAndBlocksRecords) {
  struct Case {
    const char* name;
    bool same_v;
    bool same_bsn;
    std::size_t conflicts;
  };
  for (const Case& c : {Case{"different", false, false, 0}, Case{"same V-nummer", true, false, 1},
                        Case{"same BSN", false, true, 1}, Case{"both", true, true, 2}}) {
    SCOPED_TRACE(c.name);
    auto x = marker_resident("x1", "X1", "GM0363");
    auto y = marker_resident("y1", "Y1", "GM0363");
    if (c.same_v) y.resident.v_nummer = x.resident.v_nummer;
    if (c.same_bsn) y.resident.bsn = x.resident.bsn;
    ASSERT_TRUE(store->upsert_resident(x).ok());
    ASSERT_TRUE(store->upsert_resident(y).ok());
    auto cs = store->identity_conflicts();
    ASSERT_TRUE(cs.ok());
    ASSERT_EQ(cs.value().size(), c.conflicts);
    for (const auto& k : cs.value()) EXPECT_EQ(k.resident_ids, (std::vector<std::string>{"x1", "y1"}));
    auto rec = commit(*store, draft_for("y1"));
    EXPECT_EQ(rec.ok(), c.conflicts == 0);
    if (!rec.ok()) {
      EXPECT_EQ(rec.error().code, StoreErrc::Conflict);
    }
    ASSERT_TRUE(store->purge_resident("x1", true).ok());
    ASSERT_TRUE(store->purge_resident("y1", true).ok());
  }
}

// [SECTION] The ten-working-day count --------------------------------------------------------------------

TEST_F(LinksTest, DeadlineCountStartsAtTheOldestUndeliveredRecordHeldAndFailedIncluded) {
  ASSERT_TRUE(coa_link("r1", "GM0014", "c1").ok());
  struct Case {
    const char* name;
    void (*mark)(Store&, const std::string&);
  };
  for (const Case& c : {Case{"held", [](Store& s, const std::string& id) { ASSERT_TRUE(s.mark_held(id, "no-route: x").ok()); }},
                        Case{"failed", [](Store& s, const std::string& id) { ASSERT_TRUE(s.mark_failed(id, "bad-payload: x").ok()); }}}) {
    SCOPED_TRACE(c.name);
    const auto first_at = clock.wall_now();
    auto old = commit(*store, draft_for("r1"));
    ASSERT_TRUE(old.ok());
    c.mark(*store, old.value().record_id);
    clock.advance(std::chrono::hours(24 * 20));
    auto fresh = commit(*store, draft_for("r1"));
    ASSERT_TRUE(fresh.ok());
    auto counts = store->outbox_counts().value();
    ASSERT_EQ(counts.size(), 1u);
    ASSERT_TRUE(counts[0].oldest_waiting.has_value());
    EXPECT_EQ(std::chrono::duration_cast<std::chrono::seconds>(counts[0].oldest_waiting->time_since_epoch()).count(),
              std::chrono::duration_cast<std::chrono::seconds>(first_at.time_since_epoch()).count());
    for (const auto& id : {old.value().record_id, fresh.value().record_id}) {
      (void)store->release(id, "test", "");
      ASSERT_TRUE(store->store_acknowledgement(id, {}, UtcTime(std::chrono::seconds(5))).ok());
    }
  }
}

}  // namespace
}  // namespace balie::store::test
