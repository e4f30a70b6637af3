// Obligations that end as if they never were (issue 16, seeds 000/001) on real SQLCipher files: which
// purge reasons drop a resident's unsent records and ask receivers to delete (table), what the deletion
// request holds (record ids + hashes of delivered and attempted records, per receiver), the audit
// (ids and hashes only), COA's withdrawal reason in its residents page, and the receipt bookkeeping.
#include <gtest/gtest.h>

#include "balie/record/envelope.h"
#include "balie/store/store.h"
#include "store_test_util.h"

namespace balie::store::test {
namespace {

struct Fx {
  TempDir dir;
  std::array<std::uint8_t, 32> key = random_key();
  std::unique_ptr<Store> store = open_ok(dir / "balie.db", key);
  ResidentDossier victim = marker_resident("victim", "V9X");
  ResidentDossier keeper = marker_resident("keeper", "K7Y");
  std::string delivered, unsent, delivered_package;

  void seed() {
    ASSERT_TRUE(store->put_text_version(test_text()).ok());
    ASSERT_TRUE(store->upsert_resident(victim).ok());
    ASSERT_TRUE(store->upsert_resident(keeper).ok());
    auto a = commit(*store, draft_for("victim"));
    auto b = commit(*store, draft_for("victim"));
    ASSERT_TRUE(a.ok() && b.ok());
    delivered = a.value().record_id;
    unsent = b.value().record_id;
    auto env = record::parse_envelope(as_text(store->outbox_entry(delivered).value()->payload));
    ASSERT_TRUE(env);
    delivered_package = env->package_sha256;
    const auto ack = record::make_ack_json({delivered, "GM0363", delivered_package, "stored", "2026-12-06T08:00:00Z", {}},
                                           platform::Ed25519KeyPair::generate());
    ASSERT_TRUE(store->store_acknowledgement(delivered, bytes(ack), UtcTime(std::chrono::seconds(100))).ok());
  }
  static std::string as_text(const std::vector<std::uint8_t>& b) { return std::string(b.begin(), b.end()); }
  static std::vector<std::uint8_t> bytes(const std::string& s) { return std::vector<std::uint8_t>(s.begin(), s.end()); }
  bool unsent_still_queued() {
    auto e = store->outbox_entry(unsent);
    return e.ok() && e.value().has_value();
  }
  std::vector<AuditEntry> audit() { return store->audit_tail(1000).value(); }
};

// Which purge reasons drop what: the municipality feed's reasons, one row each.
struct Row {
  const char* reason;
  bool drops_unsent;  // the unsent record is gone (not delivered)
  bool asks_receiver; // a deletion request for GM0363 names the delivered record
};
class FeedPurgeReasons : public ::testing::TestWithParam<Row> {};

TEST_P(FeedPurgeReasons, DropOrDeliver) {
  const Row row = GetParam();
  Fx f;
  f.seed();
  DossierBatch batch;
  batch.purges = {"victim"};
  if (is_deletion_reason(row.reason)) batch.purge_reasons.emplace_back("victim", row.reason);
  auto r = f.store->apply_dossier_batch("loc-1", "GM0363", batch, "c-2");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value().purged, 1);
  EXPECT_EQ(r.value().withdrawn, row.drops_unsent ? 1 : 0);
  EXPECT_FALSE(f.store->resident("victim").value().has_value());
  EXPECT_EQ(f.unsent_still_queued(), !row.drops_unsent) << row.reason;
  auto reqs = f.store->deletion_requests().value();
  if (!row.asks_receiver) {
    EXPECT_TRUE(reqs.empty());
    EXPECT_TRUE(f.store->deletion_status().value().empty());
    return;
  }
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].addressee, "GM0363");
  EXPECT_EQ(reqs[0].reason, row.reason);
  ASSERT_EQ(reqs[0].records.size(), 1u);  // the delivered one; the unsent one was never attempted
  EXPECT_EQ(reqs[0].records[0].record_id, f.delivered);
  EXPECT_EQ(reqs[0].records[0].package_sha256, f.delivered_package);
  EXPECT_EQ(reqs[0].deletion_id.size(), 32u);
  // The store holds nothing of the resident: no record rows, no outbox entries.
  EXPECT_TRUE(f.store->records_for("victim").value().empty());
  EXPECT_EQ(f.store->status().value().records, 2 - 2);
  // Audit: the dropped record by id and hash, the withdrawal by deletion id; never a name.
  bool dropped = false, withdrawn = false;
  for (const auto& a : f.audit()) {
    if (a.action == "record.dropped") {
      dropped = true;
      EXPECT_NE(a.detail.find("record=" + f.unsent), std::string::npos) << a.detail;
      EXPECT_NE(a.detail.find("sha256="), std::string::npos) << a.detail;
    }
    if (a.action == "resident.withdrawn") {
      withdrawn = true;
      EXPECT_NE(a.detail.find("deletion=" + reqs[0].deletion_id), std::string::npos);
      EXPECT_EQ(a.detail.find("victim"), std::string::npos) << a.detail;
    }
    for (const auto& m : {f.victim.resident.naam_latijns, f.victim.resident.bsn, f.victim.resident.v_nummer})
      EXPECT_EQ(a.detail.find(m), std::string::npos) << a.detail;
  }
  EXPECT_TRUE(dropped);
  EXPECT_TRUE(withdrawn);
  auto st = f.store->deletion_status().value();
  ASSERT_EQ(st.size(), 1u);
  EXPECT_EQ(st[0].receivers, 1);
  EXPECT_EQ(st[0].receipts, 0);
  EXPECT_EQ(st[0].dropped, 1);
}

INSTANTIATE_TEST_SUITE_P(Table, FeedPurgeReasons,
                         ::testing::Values(Row{"SS106", false, false}, Row{"SS107", false, false},
                                           Row{"SS111", false, false}, Row{"left_location", false, false},
                                           Row{"obligation_withdrawn", true, true}, Row{"regime_corrected", true, true}),
                         [](const auto& info) { return std::string(info.param.reason); });

// A feed purge with a drop reason from a municipality the resident is not linked to is skipped.
TEST(Withdrawal, OtherMunicipalitysFeedCannotWithdraw) {
  Fx f;
  f.seed();
  DossierBatch batch;
  batch.purges = {"victim"};
  batch.purge_reasons.emplace_back("victim", "obligation_withdrawn");
  auto r = f.store->apply_dossier_batch("loc-1", "GM0344", batch, "c-2");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().skipped, 1);
  EXPECT_TRUE(f.store->resident("victim").value().has_value());
  EXPECT_TRUE(f.unsent_still_queued());
}

// An unsent record that was already attempted may sit at its receiver (acknowledgement lost): the
// request names it too, and its late acknowledgement is accepted without storing anything.
TEST(Withdrawal, AttemptedUnsentRecordIsNamedAndItsLateAckAccepted) {
  Fx f;
  f.seed();
  ASSERT_TRUE(f.store->mark_attempt(f.unsent).ok());
  auto id = f.store->withdraw_resident("victim", "regime_corrected", "admin");
  ASSERT_TRUE(id.ok()) << id.error().message;
  auto reqs = f.store->open_deletion_requests("GM0363").value();
  ASSERT_EQ(reqs.size(), 1u);
  ASSERT_EQ(reqs[0].records.size(), 2u);
  EXPECT_EQ(reqs[0].records[1].record_id, f.unsent);
  EXPECT_EQ(reqs[0].records[1].package_sha256.size(), 64u);
  EXPECT_TRUE(f.store->store_acknowledgement(f.unsent, {}, UtcTime(std::chrono::seconds(200))).ok());
  EXPECT_FALSE(f.store->tombstone(f.unsent).value().has_value());
  // An unknown record's acknowledgement is still NotFound.
  EXPECT_FALSE(f.store->store_acknowledgement("00000000-0000-4000-8000-000000000000", {}, UtcTime{}).ok());
}

TEST(Withdrawal, ReceiptsCloseRequestsIdempotently) {
  Fx f;
  f.seed();
  auto id = f.store->withdraw_resident("victim", "obligation_withdrawn", "admin");
  ASSERT_TRUE(id.ok());
  ASSERT_EQ(f.store->gemeentecodes_with_deletions().value(), std::vector<std::string>{"GM0363"});
  ASSERT_TRUE(f.store->mark_deletion_attempt(id.value(), "GM0363", "HTTP 503").ok());
  EXPECT_EQ(f.store->open_deletion_requests("GM0363").value()[0].attempts, 1);
  EXPECT_EQ(f.store->open_deletion_requests("GM0363").value()[0].last_error, "HTTP 503");
  const auto receipt = Fx::bytes("{\"signed\":\"receipt\"}");
  EXPECT_FALSE(f.store->store_deletion_receipt(id.value(), "GM0344", receipt, UtcTime{}).ok());
  EXPECT_FALSE(f.store->store_deletion_receipt(id.value(), "GM0363", {}, UtcTime{}).ok());
  ASSERT_TRUE(f.store->store_deletion_receipt(id.value(), "GM0363", receipt, UtcTime(std::chrono::seconds(300))).ok());
  ASSERT_TRUE(f.store->store_deletion_receipt(id.value(), "GM0363", receipt, UtcTime(std::chrono::seconds(301))).ok());
  EXPECT_TRUE(f.store->open_deletion_requests("GM0363").value().empty());
  EXPECT_TRUE(f.store->gemeentecodes_with_deletions().value().empty());
  auto all = f.store->deletion_requests().value();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].receipt, receipt);
  EXPECT_EQ(all[0].receipt_at, UtcTime(std::chrono::seconds(300)));
  auto st = f.store->deletion_status().value();
  ASSERT_EQ(st.size(), 1u);
  EXPECT_EQ(st[0].receipts, 1);
  // A resident the terminal does not hold: nothing to withdraw, no deletion.
  auto none = f.store->withdraw_resident("nobody", "obligation_withdrawn", "admin");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none.value(), "");
  EXPECT_FALSE(f.store->withdraw_resident("keeper", "SS106", "admin").ok());  // not a drop reason
}

TEST(Withdrawal, TombstoneKeepsReceiverAndPackageHash) {
  Fx f;
  f.seed();
  EXPECT_EQ(f.store->tombstone_addressee(f.delivered).value(), "GM0363");
}

// COA's residents page: withdrawal_reason only on inactive items, only the two reasons.
TEST(Withdrawal, CoaPageWithdrawalReason) {
  auto page = [](const std::string& items) {
    return "{\"format\":\"balie-coa-residents\",\"format_version\":1,\"location_id\":\"loc-1\",\"cursor\":\"5\","
           "\"more\":false,\"residents\":[" + items + "]}";
  };
  auto p = parse_coa_residents_page(page(
      "{\"id\":\"a\",\"active\":false,\"withdrawal_reason\":\"obligation_withdrawn\"},"
      "{\"id\":\"b\",\"active\":false,\"withdrawal_reason\":\"regime_corrected\"},"
      "{\"id\":\"c\",\"active\":false,\"withdrawal_reason\":\"SS106\"},"
      "{\"id\":\"d\",\"active\":false,\"withdrawal_reason\":null},"
      "{\"id\":\"e\",\"active\":true,\"withdrawal_reason\":\"obligation_withdrawn\",\"naam_latijns\":\"X\","
      "\"naam_eigen_schrift\":\"\",\"v_nummer\":\"1234567890\",\"geboortedatum\":\"2000-01-01\",\"kamer\":\"\","
      "\"regime\":\"Wi2021\",\"gemeentecode\":null,\"gekoppeld_sinds\":null},"
      "{\"id\":\"f\",\"active\":false}"));
  ASSERT_TRUE(p.ok()) << p.error().message;
  ASSERT_EQ(p.value().residents.size(), 3u);
  EXPECT_EQ(p.value().residents[0].withdrawal_reason, "obligation_withdrawn");
  EXPECT_EQ(p.value().residents[1].withdrawal_reason, "regime_corrected");
  EXPECT_EQ(p.value().residents[2].withdrawal_reason, "");
  ASSERT_EQ(p.value().refused.size(), 3u);
  EXPECT_EQ(p.value().refused[0].first, "c");
  EXPECT_EQ(p.value().refused[1].first, "d");
  EXPECT_EQ(p.value().refused[2].first, "e");
}

// The COA path: an inactive item with a withdrawal reason drops; one without keeps today's rule.
TEST(Withdrawal, CoaWithdrawalDropsLeavingDoesNot) {
  for (const bool withdraw : {false, true}) {
    Fx f;
    f.seed();
    ASSERT_TRUE(f.store->set_device_config(DeviceConfig{"kiosk-1", "loc-1", "AZC"}).ok());
    CoaResidentsPage page;
    page.location_id = "loc-1";
    page.cursor = "9";
    CoaResident c;
    c.id = "victim";
    c.active = false;
    if (withdraw) c.withdrawal_reason = "obligation_withdrawn";
    page.residents.push_back(c);
    auto r = f.store->apply_coa_residents(page);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r.value().purged, 1);
    EXPECT_EQ(r.value().withdrawn, withdraw ? 1 : 0);
    EXPECT_EQ(f.unsent_still_queued(), !withdraw);
    EXPECT_EQ(f.store->deletion_requests().value().size(), withdraw ? 1u : 0u);
  }
}

}  // namespace
}  // namespace balie::store::test
