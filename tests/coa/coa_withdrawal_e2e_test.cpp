// Obligations that end as if they never were (issue 16, seeds 000/001) on real processes: balie-coa
// on a real PostgreSQL cluster, a terminal enrolled online, the real balie-syncd and a real balie-inbox
// over mutual TLS on loopback. COA withdraws r1 as wrongly imposed after one of r1's records reached
// the inbox and another is still unsent: the pass drops the unsent one (it never reaches the inbox),
// sends a deletion request, the inbox deletes the delivered one and answers with a receipt signed with
// its ack key, which the terminal verifies and stores. The same for r3 through the municipality's feed
// (purge reason regime_corrected). Afterwards the terminal holds nothing of either resident.
#include <gtest/gtest.h>

#include "balie/platform/key_provider.h"
#include "balie/store/store.h"
#include "balie/sync/protocol.h"
#include "coa_harness.h"
#include "enrolled_terminal.h"

using namespace balie::coa::testing;
namespace store = balie::store;

class CoaWithdrawalE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    signal(SIGPIPE, SIG_IGN);
    ASSERT_GE(sodium_init(), 0);
    ASSERT_TRUE(pg_.ok()) << pg_.error();
    dir_ = fresh_dir(std::string("coa-withdraw-") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    pki_ = std::make_unique<CoaPki>(dir_ / "pki");
    coa_ = CoaService::start(*pki_, pg_, dir_ / "coa");
  }
  void TearDown() override {
    if (HasFailure() && coa_) std::fprintf(stderr, "balie-coa log:\n%s\n", coa_->log().c_str());
  }
  int terminal(const std::vector<std::string>& argv, std::string* out) { return term_.tool(argv, out); }
  std::unique_ptr<store::Store> open_store() { return term_.open_store(); }
  PgCluster pg_;
  fs::path dir_;
  std::unique_ptr<CoaPki> pki_;
  std::unique_ptr<CoaService> coa_;
  EnrolledTerminal term_;  // enrolled in the test, at dir_
};

namespace {
std::set<std::string> ids_of(const json& arr) {
  std::set<std::string> s;
  if (arr.is_array())
    for (const auto& r : arr) s.insert(r.value("record_id", ""));
  return s;
}
}  // namespace

TEST_F(CoaWithdrawalE2E, WithdrawnObligationDropsUnsentAndReceiversDeleteWithSignedReceipts) {
  balie::test::Pki inbox_pki(pki_->dir, {"GM0363", "GM0363@backup"});
  InboxOptions o;
  o.client_ca = "device-ca.pem";
  o.locatiecode = "azc-a";
  auto gm0363 = Inbox::start(inbox_pki, "GM0363", dir_, o);
  std::string out;
  ASSERT_EQ(coa_->admin({"location", "add", "azc-a", "AZC Ter Apel"}, &out), 0) << out;
  ASSERT_EQ(coa_->admin({"operator", "add", "ops-1", "Olga Operator"}, &out, "correct horse battery"), 0) << out;
  json cfg = location_config(*pki_);
  cfg["routes"] = json::array(
      {{{"gemeentecode", "GM0363"}, {"base_url", gm0363->url()}, {"ca_pem", slurp(pki_->dir / "ca.pem")},
        {"pins", {trim(slurp(pki_->dir / "GM0363/pin")), trim(slurp(pki_->dir / "GM0363@backup/pin"))}},
        {"ed25519_pk", balie::record::to_hex(gm0363->ed_pk.data(), 32)},
        {"x25519_pk", balie::record::to_hex(gm0363->x_pk.data(), 32)}}});
  spit(dir_ / "config.json", cfg.dump());
  ASSERT_EQ(coa_->admin({"config", "put", "azc-a", (dir_ / "config.json").string()}, &out), 0) << out;

  // The terminal, enrolled online with a one-time code (enrolled_terminal.h, as in coa_terminal_e2e_test).
  term_ = EnrolledTerminal::enrol(dir_, *coa_, *pki_, "azc-a", "ops-1", {gm0363.get()});
  ASSERT_FALSE(HasFailure());
  const std::string& device_id = term_.device_id;
  const auto& device_key = term_.device_key;
  const std::string syncd = (fs::path(BALIE_BINARY_DIR) / "sync/balie-syncd").string();

  // COA links r1, r2 and r3 to GM0363 (r2 stays: the control).
  json residents = json::array();
  for (const char* id : {"r1", "r2", "r3"})
    residents.push_back({{"id", id}, {"location_id", "azc-a"}, {"naam_latijns", std::string("Naam ") + id},
                         {"v_nummer", std::string("10000000") + (id + 1) + "0"}, {"geboortedatum", "1990-01-01"},
                         {"regime", "Wi2021"}, {"gemeentecode", "GM0363"}, {"gekoppeld_sinds", "2026-11-01"}});
  spit(dir_ / "residents.json", residents.dump());
  ASSERT_EQ(coa_->admin({"resident", "put", (dir_ / "residents.json").string()}, &out), 0) << out;
  const std::string syncd_config = (dir_ / "config/syncd.json").string();
  terminal({syncd, "--config", syncd_config, "--once"}, &out);

  // One record each for r1, r2, r3, delivered in the next pass; then a second, unsent one for r1 and r3.
  const auto sign = [&](const std::string& resident) {
    auto st = open_store();
    EXPECT_TRUE(st != nullptr);
    if (!st) return std::string();
    store::TextVersion t{"pvt-e2e-nl-1", "pvt_declaration", "nl", "Participatieverklaring", "Ik verklaar ...", ""};
    if (!st->text_version(t.version_id).value()) {
      EXPECT_TRUE(st->put_text_version(t).ok());
    }
    store::RecordDraft d;
    d.kind = "pvt.ondertekend";
    d.resident_id = resident;
    d.text_version_id = t.version_id;
    d.decision = "signed";
    d.device_id = device_id;
    d.expected_gemeentecode = "GM0363";
    d.public_json = "{\"resident_id\":\"" + resident + "\"}";
    d.sensitive = json{{"resident_id", resident}, {"naam", "Naam " + resident}}.dump();
    auto c = st->commit_sealed(d, device_key);
    EXPECT_TRUE(c.ok()) << c.error().message;
    return c.ok() ? c.value().record_id : std::string();
  };
  const std::string a1 = sign("r1"), a2 = sign("r2"), a3 = sign("r3");
  terminal({syncd, "--config", syncd_config, "--once"}, &out);
  ASSERT_EQ(ids_of(gm0363->records()), (std::set<std::string>{a1, a2, a3})) << out;
  const std::string b1 = sign("r1");

  // COA withdraws r1: the obligation was wrongly imposed.
  ASSERT_EQ(coa_->admin({"resident", "withdraw", "r1", "obligation_withdrawn"}, &out), 0) << out;
  EXPECT_EQ(pg_.psql("SELECT withdrawal_reason FROM residents WHERE id = 'r1'"), "obligation_withdrawn");
  EXPECT_NE(coa_->admin({"resident", "withdraw", "r2", "SS106"}, &out), 0) << "not a withdrawal reason";
  terminal({syncd, "--config", syncd_config, "--once"}, &out);
  const std::string pass_r1 = out;
  EXPECT_NE(pass_r1.find("deletion requests 1 (receipts 1)"), std::string::npos) << pass_r1;
  auto held = gm0363->records();
  EXPECT_EQ(ids_of(held), (std::set<std::string>{a2, a3})) << "a1 deleted, b1 never arrived: " << held.dump();
  std::string dels;
  ASSERT_EQ(run({bin("balie-inbox").string(), "deletions", "--db", gm0363->db.string(), "--db-key-file", balie::test::inbox_key(gm0363->db), "--gemeentecode", "GM0363"}, &dels), 0);
  EXPECT_EQ(ids_of(json::parse(dels)), (std::set<std::string>{a1})) << dels;  // b1 never reached the inbox
  EXPECT_EQ(dels.find("Naam"), std::string::npos) << dels;
  {
    auto st = open_store();
    ASSERT_TRUE(st);
    EXPECT_FALSE(st->resident("r1").value().has_value());
    EXPECT_TRUE(st->records_for("r1").value().empty());
    EXPECT_FALSE(st->outbox_entry(b1).value().has_value()) << "the unsent record was dropped";
    auto reqs = st->deletion_requests().value();
    ASSERT_EQ(reqs.size(), 1u);
    EXPECT_EQ(reqs[0].addressee, "GM0363");
    ASSERT_FALSE(reqs[0].receipt.empty()) << pass_r1;
    // The stored receipt verifies under the inbox's ack key and answers exactly this request.
    balie::sync::DeletionRequest q{reqs[0].deletion_id, reqs[0].reason, {}};
    for (const auto& r : reqs[0].records) q.records.push_back({r.record_id, r.package_sha256});
    const std::string receipt(reqs[0].receipt.begin(), reqs[0].receipt.end());
    EXPECT_TRUE(balie::sync::verify_deletion_receipt(receipt, q, "GM0363", device_id, gm0363->ed_pk));
    EXPECT_FALSE(balie::sync::verify_deletion_receipt(receipt, q, "GM0363", device_id, balie::record::Key32{}));
    auto r = balie::sync::parse_deletion_receipt(receipt);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->records.size(), 1u);
    EXPECT_EQ(r->records[0].record_id, a1);
    EXPECT_EQ(r->records[0].result, "deleted");
    auto status = st->deletion_status().value();
    ASSERT_EQ(status.size(), 1u);
    EXPECT_EQ(status[0].receivers, 1);
    EXPECT_EQ(status[0].receipts, 1);
    EXPECT_EQ(status[0].dropped, 1);
    EXPECT_TRUE(st->resident("r2").value().has_value());
  }

  // The municipality corrects r3's regime: its feed purges r3 with regime_corrected. balie-syncd pushes
  // before it reads the feed, so r3's second record goes in that pass and is deleted with the first.
  const std::string b3 = sign("r3");
  spit(dir_ / "purge.json", json{{"residents", {{{"resident_id", "r3"}, {"locatiecode", "azc-a"}, {"purge", "regime_corrected"}}}}}.dump());
  ASSERT_EQ(run({bin("balie-inbox").string(), "import-dossiers", "--db", gm0363->db.string(), "--db-key-file", balie::test::inbox_key(gm0363->db), "--gemeentecode", "GM0363",
                 "--file", (dir_ / "purge.json").string()},
                &out),
            0)
      << out;
  terminal({syncd, "--config", syncd_config, "--once"}, &out);
  const std::string pass_r3 = out;
  EXPECT_EQ(ids_of(gm0363->records()), (std::set<std::string>{a2})) << pass_r3;
  ASSERT_EQ(run({bin("balie-inbox").string(), "deletions", "--db", gm0363->db.string(), "--db-key-file", balie::test::inbox_key(gm0363->db), "--gemeentecode", "GM0363"}, &dels), 0);
  EXPECT_EQ(ids_of(json::parse(dels)), (std::set<std::string>{a1, a3, b3})) << dels << pass_r3;
  {
    auto st = open_store();
    ASSERT_TRUE(st);
    EXPECT_FALSE(st->resident("r3").value().has_value()) << pass_r3;
    EXPECT_TRUE(st->records_for("r3").value().empty());
    auto status = st->deletion_status().value();
    ASSERT_EQ(status.size(), 2u) << pass_r3;
    for (const auto& s : status) {
      EXPECT_EQ(s.receivers, 1) << s.reason;
      EXPECT_EQ(s.receipts, 1) << s.reason;
    }
    EXPECT_TRUE(st->open_deletion_requests("GM0363").value().empty());
    // No audit entry of the withdrawals names the residents' names or V-nummers.
    const auto audit = st->audit_tail(500).value();
    for (const auto& e : audit)
      for (const char* m : {"Naam r1", "Naam r3", "1000000010", "1000000030"})
        EXPECT_EQ(e.detail.find(m), std::string::npos) << e.action << " " << e.detail;
  }
  // A later pass asks nothing more (every receipt is in) and r2's record is untouched.
  terminal({syncd, "--config", syncd_config, "--once"}, &out);
  EXPECT_EQ(out.find("deletion requests"), std::string::npos) << out;
  EXPECT_EQ(ids_of(gm0363->records()), (std::set<std::string>{a2}));
}
