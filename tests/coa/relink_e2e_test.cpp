// Links that change, and the same person twice (issue 16), end to end on real processes: balie-coa
// on a private PostgreSQL cluster changes a koppeling, the real balie-syncd pass applies it and holds
// the record not yet delivered to the old municipality, a staff decision (PIN + Store::void_record /
// Store::release, the kiosk's path) voids or delivers it, and the old municipality's real balie-inbox
// receives the void / the record with its chain check passing. A municipality's feed item for a
// resident COA did not link to it is refused and reported back; one person twice blocks signing.
#include <gtest/gtest.h>

#include "balie/platform/key_provider.h"
#include "balie/store/store.h"
#include "coa_harness.h"
#include "enrolled_terminal.h"

using namespace balie::coa::testing;
namespace store = balie::store;

class RelinkE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    signal(SIGPIPE, SIG_IGN);
    ASSERT_GE(sodium_init(), 0);
    ASSERT_TRUE(pg_.ok()) << pg_.error();
    dir_ = fresh_dir(std::string("coa-relink-") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    pki_ = std::make_unique<CoaPki>(dir_ / "pki");
    coa_ = CoaService::start(*pki_, pg_, dir_ / "coa");
  }
  void TearDown() override {
    if (HasFailure() && coa_) std::fprintf(stderr, "balie-coa log:\n%s\n", coa_->log().c_str());
  }
  std::unique_ptr<store::Store> open_store() { return term_.open_store(); }
  std::string sign(const std::string& resident, const std::string& g) {
    auto st = open_store();
    if (!st) return "";
    (void)st->put_text_version({"pvt-e2e-nl-1", "pvt_declaration", "nl", "Participatieverklaring", "Ik verklaar ...", ""});
    store::RecordDraft d;
    d.kind = "pvt.ondertekend";
    d.resident_id = resident;
    d.text_version_id = "pvt-e2e-nl-1";
    d.decision = "signed";
    d.device_id = term_.device_id;
    d.expected_gemeentecode = g;
    d.public_json = "{\"resident_id\":\"" + resident + "\"}";
    d.sensitive = json{{"resident_id", resident}, {"datumOndertekeningPvt", "2026-12-06"}}.dump();
    auto c = st->commit_sealed(d, term_.device_key);
    return c.ok() ? c.value().record_id : "error: " + c.error().message;
  }
  json resident(const std::string& id, const std::string& v, const char* g) {
    return {{"id", id}, {"location_id", "azc-a"}, {"naam_latijns", "Test " + id}, {"v_nummer", v},
            {"geboortedatum", "1990-01-01"}, {"kamer", "B-" + id}, {"regime", "Wi2021"},
            {"gemeentecode", g ? json(g) : json(nullptr)}, {"gekoppeld_sinds", g ? json("2026-11-01") : json(nullptr)}};
  }
  void coa_put(const json& residents) {
    std::string out;
    spit(dir_ / "residents.json", residents.dump());
    ASSERT_EQ(coa_->admin({"resident", "put", (dir_ / "residents.json").string()}, &out), 0) << out;
  }
  std::string pass() {
    return term_.sync_pass();
  }
  json inbox_cmd(const Inbox& ib, const std::string& cmd, int* rc = nullptr) {
    std::string out;
    const int r = run({bin("balie-inbox").string(), cmd, "--db", ib.db.string(), "--db-key-file", balie::test::inbox_key(ib.db), "--gemeentecode", ib.g}, &out);
    if (rc) *rc = r;
    auto j = json::parse(out, nullptr, false);
    return j.is_discarded() ? json(out) : j;
  }
  // Enrols the terminal online at COA for location azc-a with routes to both receivers.
  void enrol(Inbox& a, Inbox& b) {
    auto route = [&](const Inbox& ib) {
      return json{{"gemeentecode", ib.g}, {"base_url", ib.url()}, {"ca_pem", slurp(pki_->dir / "ca.pem")},
                  {"pins", {trim(slurp(pki_->dir / ib.g / "pin")), trim(slurp(pki_->dir / (ib.g + "@backup") / "pin"))}},
                  {"ed25519_pk", balie::record::to_hex(ib.ed_pk.data(), 32)},
                  {"x25519_pk", balie::record::to_hex(ib.x_pk.data(), 32)}};
    };
    std::string out;
    ASSERT_EQ(coa_->admin({"location", "add", "azc-a", "AZC Ter Apel"}, &out), 0) << out;
    ASSERT_EQ(coa_->admin({"operator", "add", "ops-1", "Olga Operator"}, &out, "correct horse battery"), 0) << out;
    json cfg = location_config(*pki_);
    cfg["routes"] = json::array({route(a), route(b)});
    spit(dir_ / "config.json", cfg.dump());
    ASSERT_EQ(coa_->admin({"config", "put", "azc-a", (dir_ / "config.json").string()}, &out), 0) << out;
    term_ = EnrolledTerminal::enrol(dir_, *coa_, *pki_, "azc-a", "ops-1", {&a, &b});
    ASSERT_FALSE(HasFailure());
    auto st = open_store();
    ASSERT_NE(st, nullptr);
    store::StaffAccount s;
    s.id = "coa-anna";
    s.display_name = "Anna";
    s.role = store::StaffRole::CoaStaff;
    s.active = true;
    ASSERT_TRUE(st->upsert_staff(s, "482916").ok());
  }

  PgCluster pg_;
  fs::path dir_;
  std::unique_ptr<CoaPki> pki_;
  std::unique_ptr<CoaService> coa_;
  EnrolledTerminal term_;  // enrolled by enrol(), at dir_
};

TEST_F(RelinkE2E, RelinkHoldsUndeliveredRecordsStaffVoidsOrDeliversAndTheOldChainStaysWhole) {
  balie::test::Pki inbox_pki(pki_->dir, {"GM0363", "GM0344", "GM0363@backup", "GM0344@backup"});
  InboxOptions o;
  o.client_ca = "device-ca.pem";
  o.locatiecode = "azc-a";
  auto ams = Inbox::start(inbox_pki, "GM0363", dir_, o);
  auto utr = Inbox::start(inbox_pki, "GM0344", dir_, o);
  enrol(*ams, *utr);
  if (HasFatalFailure()) return;
  coa_put(json::array({resident("r1", "1000000001", "GM0363"), resident("r2", "1000000002", "GM0363"),
                       resident("r3", "1000000003", "GM0363")}));
  std::string out = pass();
  const std::string a = sign("r1", "GM0363");  // seq 1 to GM0363: not yet delivered when COA relinks r1
  const std::string b = sign("r2", "GM0363");  // seq 2 to GM0363
  ASSERT_EQ(a.find("error"), std::string::npos) << a << "\n" << out;
  ASSERT_EQ(b.find("error"), std::string::npos) << b;

  // COA re-links r1 to Utrecht. Utrecht's feed now carries r1 (linked to it: applied) and r3
  // (COA links r3 to Amsterdam: refused and reported back, never applied).
  coa_put(json::array({resident("r1", "1000000001", "GM0344")}));
  spit(dir_ / "utr.json",
       json{{"residents", json::array({{{"resident_id", "r1"}, {"locatiecode", "azc-a"},
                                        {"dossier", feed_dossier("r1", "GM0344", "azc-a")}},
                                       {{"resident_id", "r3"}, {"locatiecode", "azc-a"},
                                        {"dossier", feed_dossier("r3", "GM0344", "azc-a")}}})}}
           .dump());
  ASSERT_EQ(run({bin("balie-inbox").string(), "import-dossiers", "--db", utr->db.string(), "--db-key-file", balie::test::inbox_key(utr->db), "--gemeentecode", "GM0344",
                 "--file", (dir_ / "utr.json").string()},
                &out),
            0)
      << out;
  out = pass();
  {
    auto st = open_store();
    ASSERT_NE(st, nullptr);
    EXPECT_EQ(st->resident("r1").value()->gemeentecode, "GM0344") << out;
    EXPECT_EQ(st->resident("r3").value()->gemeentecode, "GM0363") << out;  // Utrecht cannot take it over
    auto e = st->outbox_entry(a).value();
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(store::to_string(e->state), std::string("held")) << out;
    EXPECT_EQ(e->held_reason.rfind("link-changed: ", 0), 0u) << e->held_reason;
    EXPECT_EQ(e->addressee, "GM0363");
  }
  EXPECT_NE(out.find("feed items refused 1"), std::string::npos) << out;
  EXPECT_EQ(out.find("GM0344: sent 0, acknowledged 0 (0 duplicates), rejected 0, dossiers +2"), std::string::npos) << out;
  const json problems = inbox_cmd(*utr, "feed-problems");
  ASSERT_TRUE(problems.is_array()) << problems.dump();
  ASSERT_EQ(problems.size(), 1u) << problems.dump();
  EXPECT_EQ(problems[0]["resident_id"], "r3");
  EXPECT_EQ(problems[0]["problem"], "feed-item-not-linked");
  // Amsterdam has b (its predecessor held), never a; Utrecht has nothing of either.
  json recs = ams->records();
  ASSERT_EQ(recs.size(), 1u) << recs.dump();
  EXPECT_EQ(recs[0]["record_id"], b);
  EXPECT_TRUE(recs[0]["chain_gap"].get<bool>());
  EXPECT_TRUE(utr->records().empty());

  // Staff decide with a PIN (the kiosk's "Vastgehouden records" path): a wrong PIN does nothing,
  // the right one voids a. Amsterdam receives the void at a's chain place; its chain check passes.
  {
    auto st = open_store();
    ASSERT_NE(st, nullptr);
    EXPECT_EQ(st->verify_pin("coa-anna", "000000").value().kind, store::PinVerdict::Kind::Wrong);
    ASSERT_EQ(st->verify_pin("coa-anna", "482916").value().kind, store::PinVerdict::Kind::Ok);
    auto v = st->void_record(a, "coa-anna", "link_changed", term_.device_key);
    ASSERT_TRUE(v.ok()) << v.error().message;
    EXPECT_EQ(v.value().seq, 1u);
  }
  out = pass();
  recs = ams->records();
  ASSERT_EQ(recs.size(), 2u) << out << recs.dump();
  EXPECT_EQ(recs[0]["kind"], "record.void");
  EXPECT_EQ(recs[0]["seq"], 1);
  EXPECT_EQ(recs[0]["public"]["voided_record_id"], a);
  EXPECT_EQ(recs[0]["public"]["already_delivered"], false);
  EXPECT_EQ(recs[0]["public"]["reason"], "link_changed");
  EXPECT_FALSE(recs[1]["chain_gap"].get<bool>()) << recs.dump();  // the void closed b's gap
  int rc = -1;
  json chain = inbox_cmd(*ams, "check-chain", &rc);
  EXPECT_EQ(rc, 0) << chain.dump();
  EXPECT_EQ(chain["ok"], true) << chain.dump();
  ASSERT_EQ(chain["devices"].size(), 1u);
  EXPECT_EQ(chain["devices"][0]["first_seq"], 1);
  EXPECT_EQ(chain["devices"][0]["voids"].size(), 1u);
  EXPECT_TRUE(utr->records().empty());
  {
    auto st = open_store();
    ASSERT_NE(st, nullptr);
    EXPECT_FALSE(st->outbox_entry(a).value().has_value());  // a's payload is gone; the void was acknowledged
    bool voided = false;
    const auto recs1 = st->records_for("r1").value();
    for (const auto& r : recs1) voided = voided || (r.record_id == a && r.outbox_state == "voided");
    EXPECT_TRUE(voided);
  }

  // The other decision: r2's next record is held by a second relink and delivered to Amsterdam,
  // under whose link it was signed.
  const std::string c = sign("r2", "GM0363");
  ASSERT_EQ(c.find("error"), std::string::npos) << c;
  coa_put(json::array({resident("r2", "1000000002", "GM0344")}));
  out = pass();
  {
    auto st = open_store();
    ASSERT_NE(st, nullptr);
    ASSERT_EQ(store::to_string(st->outbox_entry(c).value()->state), std::string("held")) << out;
    ASSERT_EQ(st->verify_pin("coa-anna", "482916").value().kind, store::PinVerdict::Kind::Ok);
    ASSERT_TRUE(st->release(c, "coa-anna", "staff: deliver to GM0363 (signed under its link)").ok());
  }
  out = pass();
  recs = ams->records();
  ASSERT_EQ(recs.size(), 3u) << out << recs.dump();
  EXPECT_EQ(recs[2]["record_id"], c);
  chain = inbox_cmd(*ams, "check-chain", &rc);
  EXPECT_EQ(rc, 0) << chain.dump();
  EXPECT_TRUE(utr->records().empty());
  {
    auto st = open_store();
    bool audited = false;
    const auto tail = st->audit_tail(100).value();
    for (const auto& e : tail)
      audited = audited || (e.action == "outbox.release" && e.actor == "coa-anna" && e.detail.find(c) != std::string::npos);
    EXPECT_TRUE(audited);
  }
}

TEST_F(RelinkE2E, OnePersonTwiceFromCoaIsOneConflictAndNothingIsSigned) {
  balie::test::Pki inbox_pki(pki_->dir, {"GM0363", "GM0344", "GM0363@backup", "GM0344@backup"});
  InboxOptions o;
  o.client_ca = "device-ca.pem";
  o.locatiecode = "azc-a";
  auto ams = Inbox::start(inbox_pki, "GM0363", dir_, o);
  auto utr = Inbox::start(inbox_pki, "GM0344", dir_, o);
  enrol(*ams, *utr);
  if (HasFatalFailure()) return;
  // COA holds the same V-nummer under two resident ids.
  coa_put(json::array({resident("p1", "1000000007", "GM0363"), resident("p2", "1000000007", "GM0363"),
                       resident("p3", "1000000008", "GM0363")}));
  std::string out = pass();
  auto st = open_store();
  ASSERT_NE(st, nullptr);
  auto cs = st->identity_conflicts();
  ASSERT_TRUE(cs.ok());
  ASSERT_EQ(cs.value().size(), 1u) << out;
  EXPECT_EQ(cs.value()[0].key_kind, "v_nummer");
  EXPECT_EQ(cs.value()[0].resident_ids, (std::vector<std::string>{"p1", "p2"}));
  st.reset();
  EXPECT_NE(sign("p1", "GM0363").find("one person twice"), std::string::npos);
  EXPECT_NE(sign("p2", "GM0363").find("one person twice"), std::string::npos);
  EXPECT_EQ(sign("p3", "GM0363").find("error"), std::string::npos);
  // COA fixes it (p2 left): p1 can sign again.
  json gone = resident("p2", "1000000007", "GM0363");
  gone["active"] = false;
  coa_put(json::array({gone}));
  out = pass();
  EXPECT_EQ(sign("p1", "GM0363").find("error"), std::string::npos) << out;
}
