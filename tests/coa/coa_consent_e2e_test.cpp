// Consent that reaches who acts on it (issue 16), on real processes: two terminals at one location,
// each enrolled online at the real balie-coa (real PostgreSQL cluster) with its own keys. Terminal A
// records a resident's consent for sharing the PID (blauwe map) through the store's one record path;
// the real balie-syncd delivers the sealed record to the municipality's real balie-inbox and the
// consent event to balie-coa (POST /v1/consent), which keeps it per resident; terminal B's balie-syncd
// pulls COA's residents feed and knows the state, with its expiry. A consent decided more than 12
// months ago arrives expired everywhere. And COA's endpoint itself: idempotent by record id, refusing
// a resident of another location or under Wi2013.
#include <gtest/gtest.h>

#include <map>

#include "balie/platform/key_provider.h"
#include "balie/platform/scripted_clock.h"
#include "balie/record/codec.h"
#include "balie/store/coa_residents.h"
#include "balie/store/store.h"
#include "coa_harness.h"
#include "enrolled_terminal.h"

using namespace balie::coa::testing;
namespace store = balie::store;

class CoaConsentE2E : public ::testing::Test {
 protected:
  using Terminal = EnrolledTerminal;

  void SetUp() override {
    signal(SIGPIPE, SIG_IGN);
    ASSERT_GE(sodium_init(), 0);
    ASSERT_TRUE(pg_.ok()) << pg_.error();
    dir_ = fresh_dir(std::string("coa-consent-") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    pki_ = std::make_unique<CoaPki>(dir_ / "pki");
    coa_ = CoaService::start(*pki_, pg_, dir_ / "coa");
  }
  void TearDown() override {
    if (HasFailure() && coa_) std::fprintf(stderr, "balie-coa log:\n%s\n", coa_->log().c_str());
  }
  // A terminal enrolled online at azc-a and known to `inbox` (enrolled_terminal.h).
  Terminal enrol(const std::string& name, const Inbox& inbox) {
    return EnrolledTerminal::enrol(dir_ / name, *coa_, *pki_, "azc-a", "ops-1", {&inbox});
  }
  std::string sync(const Terminal& t) { return t.sync_pass(); }
  std::unique_ptr<store::Store> open_store(const Terminal& t, const balie::platform::Clock* clock = nullptr) {
    return t.open_store(clock);
  }
  // The kiosk's consent commit (kiosk/app/signing_handlers.cpp): a sealed consent record whose
  // decision the store also keeps as the current state and queues for COA, in one transaction.
  std::string consent(store::Store& st, const Terminal& t, const std::string& resident, const std::string& decision) {
    store::TextVersion tv{"consent-pid-e2e-nl", "consent:pid_sharing", "nl", "Blauwe map delen", "Mag COA ...", ""};
    (void)st.put_text_version(tv);
    store::RecordDraft d;
    d.kind = "consent.pid_sharing";
    d.resident_id = resident;
    d.text_version_id = tv.version_id;
    d.decision = decision;
    d.device_id = t.device_id;
    d.expected_gemeentecode = "GM0363";
    d.public_json = json{{"purpose", "pid_sharing"}, {"state", decision}}.dump();
    d.sensitive = json{{"resident_id", resident}, {"state", decision}}.dump();
    d.consent = store::RecordDraft::Consent{"pid_sharing", 12};
    auto c = st.commit_sealed(d, t.device_key);
    EXPECT_TRUE(c.ok()) << c.error().message;
    return c.ok() ? c.value().record_id : "";
  }
  void setup_location(const Inbox& gm0363) {
    std::string out;
    ASSERT_EQ(coa_->admin({"location", "add", "azc-a", "AZC Ter Apel"}, &out), 0) << out;
    ASSERT_EQ(coa_->admin({"operator", "add", "ops-1", "Olga Operator"}, &out, "correct horse battery"), 0) << out;
    json cfg = location_config(*pki_);
    cfg["routes"] = json::array(
        {{{"gemeentecode", "GM0363"}, {"base_url", gm0363.url()}, {"ca_pem", slurp(pki_->dir / "ca.pem")},
          {"pins", {trim(slurp(pki_->dir / "GM0363/pin")), trim(slurp(pki_->dir / "GM0363@backup/pin"))}},
          {"ed25519_pk", balie::record::to_hex(gm0363.ed_pk.data(), 32)},
          {"x25519_pk", balie::record::to_hex(gm0363.x_pk.data(), 32)}}});
    spit(dir_ / "config.json", cfg.dump());
    ASSERT_EQ(coa_->admin({"config", "put", "azc-a", (dir_ / "config.json").string()}, &out), 0) << out;
    json residents = json::array(
        {{{"id", "r1"}, {"location_id", "azc-a"}, {"naam_latijns", "Yohannes Tesfay"}, {"v_nummer", "1000000001"},
          {"geboortedatum", "1990-01-01"}, {"regime", "Wi2021"}, {"gemeentecode", "GM0363"}, {"gekoppeld_sinds", "2026-11-01"}},
         {{"id", "r2"}, {"location_id", "azc-a"}, {"naam_latijns", "Amal Haddad"}, {"v_nummer", "1000000002"},
          {"geboortedatum", "1988-05-05"}, {"regime", "Wi2021"}, {"gemeentecode", "GM0363"}, {"gekoppeld_sinds", "2025-01-01"}},
         {{"id", "r3"}, {"location_id", "azc-a"}, {"naam_latijns", "Old Regime"}, {"v_nummer", "1000000003"},
          {"geboortedatum", "1980-02-02"}, {"regime", "Wi2013"}, {"gemeentecode", "GM0363"}, {"gekoppeld_sinds", "2025-01-01"}}});
    spit(dir_ / "residents.json", residents.dump());
    ASSERT_EQ(coa_->admin({"resident", "put", (dir_ / "residents.json").string()}, &out), 0) << out;
  }

  PgCluster pg_;
  fs::path dir_;
  std::unique_ptr<CoaPki> pki_;
  std::unique_ptr<CoaService> coa_;
};

TEST_F(CoaConsentE2E, ConsentOnTerminalAReachesCoaAndTheMunicipalityAndTerminalBKnowsItAndItsExpiry) {
  balie::test::Pki inbox_pki(pki_->dir, {"GM0363", "GM0363@backup"});
  InboxOptions o;
  o.client_ca = "device-ca.pem";
  o.locatiecode = "azc-a";
  auto gm0363 = Inbox::start(inbox_pki, "GM0363", dir_, o);
  setup_location(*gm0363);
  const Terminal a = enrol("term-a", *gm0363), b = enrol("term-b", *gm0363);
  ASSERT_FALSE(HasFailure());
  ASSERT_NE(a.device_id, b.device_id);

  // Both terminals learn the residents from COA.
  std::string out = sync(a);
  out += sync(b);
  std::string given_id, old_id;
  {
    auto st = open_store(a);
    ASSERT_TRUE(st) << out;
    ASSERT_TRUE(st->resident("r1").value()) << out;
    given_id = consent(*st, a, "r1", "given");
    auto q = st->pending_consent_events(100);
    ASSERT_TRUE(q.ok());
    ASSERT_EQ(q.value().size(), 1u) << "queued with the record, in the same transaction";
    EXPECT_EQ(q.value()[0].record_id, given_id);
  }
  {
    // r2 decided 13 months ago (a terminal whose store clock says so): expired 1 month ago.
    balie::platform::ScriptedClock past(std::chrono::system_clock::now() - std::chrono::hours(24 * 396));
    auto st = open_store(a, &past);
    ASSERT_TRUE(st);
    old_id = consent(*st, a, "r2", "given");
  }
  ASSERT_FALSE(given_id.empty());
  ASSERT_FALSE(old_id.empty());

  // Terminal A's pass: the sealed records go to GM0363's inbox, the consent events to COA.
  out = sync(a);
  EXPECT_NE(out.find("consent 2 acknowledged"), std::string::npos) << out;
  const auto got = gm0363->records();
  ASSERT_TRUE(got.is_array()) << out;
  EXPECT_EQ(got.size(), 2u) << out;
  EXPECT_EQ(pg_.psql("SELECT decision || ' ' || resident_id || ' ' || purpose || ' ' || text_version FROM consent_events "
                     "WHERE record_id = '" + given_id + "'"),
            "given r1 pid_sharing consent-pid-e2e-nl");
  EXPECT_EQ(pg_.psql("SELECT count(*) FROM consent_events"), "2");
  EXPECT_EQ(pg_.psql("SELECT (expires_at - decided_at) BETWEEN interval '365 days' AND interval '366 days' "
                     "FROM consent_events WHERE record_id = '" + given_id + "'"),
            "t");
  EXPECT_EQ(pg_.psql("SELECT device_id FROM consent_events WHERE record_id = '" + given_id + "'"), a.device_id);
  {
    auto st = open_store(a);
    ASSERT_TRUE(st);
    EXPECT_TRUE(st->pending_consent_events(100).value().empty()) << "acknowledged events leave the queue";
  }
  // A second pass posts nothing again (COA keeps one row per record id).
  out = sync(a);
  EXPECT_EQ(out.find("consent "), std::string::npos) << out;
  EXPECT_EQ(pg_.psql("SELECT count(*) FROM consent_events"), "2");

  // Terminal B never saw the decisions; COA's feed brings them.
  out = sync(b);
  {
    auto st = open_store(b);
    ASSERT_TRUE(st) << out;
    const auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    auto s1 = st->consent_states("r1");
    ASSERT_TRUE(s1.ok());
    ASSERT_EQ(s1.value().size(), 1u) << out;
    EXPECT_EQ(s1.value()[0].decision, "given");
    EXPECT_EQ(s1.value()[0].record_id, given_id);
    EXPECT_EQ(s1.value()[0].source, "coa");
    ASSERT_TRUE(s1.value()[0].expires_at.has_value());
    EXPECT_EQ(*s1.value()[0].expires_at, store::add_months(s1.value()[0].decided_at, 12));
    EXPECT_TRUE(s1.value()[0].in_force(now));
    auto s2 = st->consent_states("r2");
    ASSERT_TRUE(s2.ok());
    ASSERT_EQ(s2.value().size(), 1u) << out;
    EXPECT_TRUE(s2.value()[0].expired(now)) << "a consent older than 12 months counts as not given";
    EXPECT_FALSE(s2.value()[0].in_force(now));
    EXPECT_TRUE(st->consent_states("r3").value().empty());
  }
  // COA's view: r1 in force, r2 expired (what the web's residents page and the feed show).
  EXPECT_EQ(pg_.psql("SELECT resident_id || ':' || decision || ':' || (expires_at <= now()) FROM resident_consent_current "
                     "ORDER BY resident_id"),
            "r1:given:false\nr2:given:true");

  // Terminal B withdraws r1's consent; it goes to COA and back to terminal A.
  std::string withdrawn_id;
  {
    auto st = open_store(b);
    ASSERT_TRUE(st);
    withdrawn_id = consent(*st, b, "r1", "withdrawn");
  }
  out = sync(b);
  EXPECT_NE(out.find("consent 1 acknowledged"), std::string::npos) << out;
  out = sync(a);
  {
    auto st = open_store(a);
    ASSERT_TRUE(st);
    auto s1 = st->consent_states("r1").value();
    ASSERT_EQ(s1.size(), 1u);
    EXPECT_EQ(s1[0].decision, "withdrawn") << out;
    EXPECT_EQ(s1[0].record_id, withdrawn_id);
    EXPECT_FALSE(s1[0].expires_at.has_value());
  }
  EXPECT_EQ(gm0363->records().size(), 3u) << "the withdrawal reached the municipality too";
}

TEST_F(CoaConsentE2E, CoasConsentEndpointIsIdempotentAndRefusesOtherLocationsAndWi2013) {
  std::string out;
  ASSERT_EQ(coa_->admin({"location", "add", "azc-a", "AZC Ter Apel"}, &out), 0) << out;
  ASSERT_EQ(coa_->admin({"location", "add", "azc-b", "AZC Budel"}, &out), 0) << out;
  ASSERT_EQ(coa_->admin({"operator", "add", "ops-1", "Olga Operator"}, &out, "correct horse battery"), 0) << out;
  spit(dir_ / "config.json", location_config(*pki_).dump());
  ASSERT_EQ(coa_->admin({"config", "put", "azc-a", (dir_ / "config.json").string()}, &out), 0) << out;
  json residents = json::array(
      {{{"id", "r1"}, {"location_id", "azc-a"}, {"naam_latijns", "A"}, {"v_nummer", "1000000001"},
        {"geboortedatum", "1990-01-01"}, {"regime", "Wi2021"}, {"gemeentecode", "GM0363"}, {"gekoppeld_sinds", "2026-11-01"}},
       {{"id", "r3"}, {"location_id", "azc-a"}, {"naam_latijns", "B"}, {"v_nummer", "1000000003"},
        {"geboortedatum", "1980-02-02"}, {"regime", "Wi2013"}, {"gemeentecode", "GM0363"}, {"gekoppeld_sinds", "2025-01-01"}},
       {{"id", "rb"}, {"location_id", "azc-b"}, {"naam_latijns", "C"}, {"v_nummer", "1000000004"},
        {"geboortedatum", "1980-02-02"}, {"regime", "Wi2021"}, {"gemeentecode", "GM0363"}, {"gekoppeld_sinds", "2025-01-01"}}});
  spit(dir_ / "residents.json", residents.dump());
  ASSERT_EQ(coa_->admin({"resident", "put", (dir_ / "residents.json").string()}, &out), 0) << out;
  ASSERT_EQ(coa_->admin({"code", "create", "azc-a", "ops-1"}, &out), 0) << out;
  TestTerminal t(dir_ / "t");
  auto e = t.enrol(*pki_, coa_->terminal_port, trim(out));
  ASSERT_TRUE(e && e->status == 200) << (e ? e->body : "no answer");
  auto c = t.client(*pki_, coa_->terminal_port);
  auto ev = [](const std::string& id, const std::string& resident, const std::string& decision) {
    return json{{"record_id", id}, {"resident_id", resident}, {"purpose", "pid_sharing"}, {"decision", decision},
                {"decided_at", "2026-12-06T08:00:00Z"},
                {"expires_at", decision == "given" ? json("2027-12-06T08:00:00Z") : json(nullptr)},
                {"text_version", "consent-pid-balie-2-nl"}};
  };
  auto post = [&](const json& events) {
    return c->Post("/v1/consent", json{{"format", "balie-coa-consent"}, {"format_version", 1}, {"events", events}}.dump(),
                   "application/json");
  };
  const std::string id1 = balie::record::new_uuid_v4(), id2 = balie::record::new_uuid_v4(),
                    id3 = balie::record::new_uuid_v4(), id4 = balie::record::new_uuid_v4();
  const std::string seq_before = pg_.psql("SELECT change_seq FROM residents WHERE id = 'r1'");
  auto r = post(json::array({ev(id1, "r1", "given"), ev(id2, "r3", "given"), ev(id3, "rb", "given"),
                             ev(id4, "r1", "sometimes")}));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto j = json::parse(r->body);
  EXPECT_EQ(j["acknowledged"], json::array({id1}));
  ASSERT_EQ(j["refused"].size(), 3u) << r->body;
  EXPECT_NE(j["refused"][0]["reason"].get<std::string>().find("Wi2021"), std::string::npos) << r->body;
  EXPECT_NE(j["refused"][1]["reason"].get<std::string>().find("location"), std::string::npos) << r->body;
  EXPECT_NE(j["refused"][2]["reason"].get<std::string>().find("decision"), std::string::npos) << r->body;
  EXPECT_NE(pg_.psql("SELECT change_seq FROM residents WHERE id = 'r1'"), seq_before) << "the feed carries the change";
  // The same event again (the terminal did not hear the answer): acknowledged, stored once.
  r = post(json::array({ev(id1, "r1", "given")}));
  ASSERT_TRUE(r && r->status == 200);
  EXPECT_EQ(json::parse(r->body)["acknowledged"], json::array({id1}));
  EXPECT_EQ(pg_.psql("SELECT count(*) FROM consent_events"), "1");
  // Another content under the same record id is refused, the stored one stays.
  r = post(json::array({ev(id1, "r1", "refused")}));
  ASSERT_TRUE(r && r->status == 200);
  EXPECT_EQ(json::parse(r->body)["refused"].size(), 1u);
  EXPECT_EQ(pg_.psql("SELECT decision FROM consent_events WHERE record_id = '" + id1 + "'"), "given");
  // Malformed posts are refused whole.
  r = c->Post("/v1/consent", json{{"format", "balie-coa-consent"}, {"format_version", 1}, {"events", json::array()}}.dump(),
              "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  r = c->Post("/v1/consent", json{{"format", "balie-coa-consent"}, {"format_version", 1},
                                  {"events", json::array({ev(id2, "r1", "given")})}, {"note", "x"}}.dump(),
              "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << "no free text travels with a decision";
  // The feed with consent=1 carries r1's state; r3 (Wi2013) has none.
  auto f = c->Get("/v1/residents?consent=1");
  ASSERT_TRUE(f && f->status == 200);
  auto page = json::parse(f->body);
  std::map<std::string, json> by_id;
  for (const auto& it : page["residents"]) by_id[it["id"].get<std::string>()] = it;
  ASSERT_TRUE(by_id.count("r1"));
  ASSERT_EQ(by_id["r1"]["consent"].size(), 1u) << f->body;
  EXPECT_EQ(by_id["r1"]["consent"][0]["decision"], "given");
  EXPECT_EQ(by_id["r1"]["consent"][0]["expires_at"], "2027-12-06T08:00:00Z");
  EXPECT_EQ(by_id["r1"]["consent"][0]["record_id"], id1);
  EXPECT_EQ(by_id["r3"]["consent"], json::array());
  auto parsed = store::parse_coa_residents_page(f->body);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_TRUE(parsed.value().refused.empty());
  // Without consent=1 the items are as before (terminals that do not know the field).
  f = c->Get("/v1/residents");
  ASSERT_TRUE(f && f->status == 200);
  for (const auto& it : json::parse(f->body)["residents"]) EXPECT_FALSE(it.contains("consent"));
  // Without a device certificate: refused.
  auto anon = TestTerminal::anon_client(*pki_, coa_->terminal_port);
  r = anon->Post("/v1/consent", "{}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
}
