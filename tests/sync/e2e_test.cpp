// End-to-end sync tests: balie-syncd and several balie-inbox processes on loopback with a test PKI
// made by sync/tools/make-pki.sh. Routing proof, exactly-once, link changes, dossier feed, bad
// certificates and the DUO export. No mocked HTTP anywhere.
#include <gtest/gtest.h>

#include <set>

#include "harness.h"

using namespace balie;
using namespace balie::test;
using nlohmann::json;

namespace {

std::set<std::string> ids_at(const Inbox& ib) {
  std::set<std::string> s;
  for (const auto& r : ib.records()) s.insert(r["record_id"].get<std::string>());
  return s;
}

struct Env {
  fs::path work;
  std::unique_ptr<Pki> pki;
  std::map<std::string, std::unique_ptr<Inbox>> inbox;
  std::unique_ptr<Kiosk> kiosk;
  Env(const std::string& name, const std::vector<std::string>& gs, const std::vector<std::string>& pki_extra = {}) {
    work = fresh_dir(name);
    auto all = gs;
    all.insert(all.end(), pki_extra.begin(), pki_extra.end());
    pki = std::make_unique<Pki>(work / "pki", all);
    for (const auto& g : gs) inbox[g] = Inbox::start(*pki, g, work);
    kiosk = std::make_unique<Kiosk>(*pki, work);
    auto st = kiosk->open();
    for (const auto& g : gs) EXPECT_TRUE(st->put_route(route_for(*pki, *inbox[g])));
  }
};

}  // namespace

TEST(SyncEndToEnd, EachMunicipalityReceivesExactlyItsOwnRecordsOnce) {
  Env env("own-records", {"GM0363", "GM0344", "GM0599"});
  std::map<std::string, std::set<std::string>> expected;
  {
    auto st = env.kiosk->open();
    int n = 0;
    for (auto [g, count] : std::vector<std::pair<std::string, int>>{{"GM0363", 5}, {"GM0344", 3}, {"GM0599", 2}})
      for (int i = 0; i < count; ++i) expected[g].insert(env.kiosk->add_record(*st, g, "res-" + std::to_string(n++)));
  }
  std::string out;
  ASSERT_EQ(env.kiosk->sync_once(&out), 0) << out;
  for (auto& [g, ib] : env.inbox) {
    EXPECT_EQ(ids_at(*ib), expected[g]) << g;
    for (const auto& r : ib->records()) {
      EXPECT_EQ(r["gemeentecode"], g);
      EXPECT_EQ(r["sensitive"]["bsn"], "999990019");  // the inbox opened the sealed part
      EXPECT_FALSE(r["chain_gap"].get<bool>());
    }
  }
  auto st = env.kiosk->open();
  for (auto& [g, ids] : expected)
    for (auto& id : ids) EXPECT_EQ(*st->outbox_state(id), "acknowledged");
  // A second pass sends nothing and stores nothing twice.
  ASSERT_EQ(env.kiosk->sync_once(&out), 0) << out;
  EXPECT_NE(out.find("GM0363: sent 0"), std::string::npos) << out;
  for (auto& [g, ib] : env.inbox) EXPECT_EQ(ib->records().size(), expected[g].size());
}

TEST(SyncEndToEnd, RecordWithoutEndpointIsHeldAndShownToStaff) {
  Env env("no-endpoint", {"GM0363", "GM0518"});
  std::string held_id, ok_id;
  {
    auto st = env.kiosk->open();
    ok_id = env.kiosk->add_record(*st, "GM0363", "a");
    held_id = env.kiosk->add_record(*st, "GM0518", "b");
    ASSERT_TRUE(st->remove_route("GM0518"));  // the endpoint disappears from the routing table
  }
  std::string out;
  EXPECT_EQ(env.kiosk->sync_once(&out), 1) << out;  // 1 = staff must look
  EXPECT_NE(out.find("HELD"), std::string::npos) << out;
  EXPECT_TRUE(env.inbox["GM0518"]->records().empty());
  auto st = env.kiosk->open();
  EXPECT_EQ(*st->outbox_state(held_id), "held");
  EXPECT_EQ(*st->outbox_state(ok_id), "acknowledged");
  ASSERT_EQ(run({bin("balie-syncd").string(), "--config", env.kiosk->config.string(), "status"}, &out), 0);
  auto status = json::parse(out);
  bool seen = false;
  for (const auto& row : status)
    if (row["gemeentecode"] == "GM0518") {
      seen = true;
      EXPECT_EQ(row["held"], 1);
      EXPECT_NE(row["held_reason"].get<std::string>().find("no endpoint"), std::string::npos);
    }
  EXPECT_TRUE(seen) << out;
  // The route comes back: the held record is released and delivered on the next pass.
  ASSERT_TRUE(st->put_route(route_for(*env.pki, *env.inbox["GM0518"])));
  st.reset();
  EXPECT_EQ(env.kiosk->sync_once(&out), 0) << out;
  EXPECT_EQ(ids_at(*env.inbox["GM0518"]), std::set<std::string>{held_id});
}

// Misrouting (seed 001): municipality A's gemeentecode points at B's endpoint.
TEST(Misrouting, AsRecordsPointedAtBsEndpointAreHeldAndNothingReachesB) {
  Env env("misrouting", {"GM0363", "GM0344"});
  auto& A = *env.inbox["GM0363"];
  auto& B = *env.inbox["GM0344"];
  std::set<std::string> a_ids;
  {
    auto st = env.kiosk->open();
    for (int i = 0; i < 3; ++i) a_ids.insert(env.kiosk->add_record(*st, "GM0363", "a" + std::to_string(i)));
    env.kiosk->add_record(*st, "GM0344", "b0");
  }
  struct Case {
    const char* name;
    std::function<void(store::Route&)> edit;
    const char* reason;
  };
  std::vector<Case> cases = {
      {"B's URL, A's pin", [&](store::Route& r) { r.endpoint_base_url = B.url(); }, "TLS refused"},
      {"B's URL and B's pin", [&](store::Route& r) {
         r.endpoint_base_url = B.url();
         r.pinned_public_key = trim(slurp(env.pki->dir / "GM0344/pin"));
       }, "does not name GM0363"},
      {"A's URL, wrong municipality key", [&](store::Route& r) { r.ack_verify_key = B.ed_pk; }, "did not prove"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    {
      auto st = env.kiosk->open();
      store::Route r = route_for(*env.pki, A);
      c.edit(r);
      ASSERT_TRUE(st->put_route(r));
    }
    std::string out;
    EXPECT_EQ(env.kiosk->sync_once(&out), 1) << out;
    EXPECT_NE(out.find(c.reason), std::string::npos) << out;
    auto st = env.kiosk->open();
    for (const auto& id : a_ids) EXPECT_EQ(*st->outbox_state(id), "held");
    for (const auto& r : B.records()) EXPECT_EQ(r["gemeentecode"], "GM0344");  // only B's own record
    EXPECT_EQ(B.records().size(), 1u);
    EXPECT_TRUE(A.records().empty());
  }
  // Correct route again: A's records go to A and nowhere else.
  {
    auto st = env.kiosk->open();
    ASSERT_TRUE(st->put_route(route_for(*env.pki, A)));
  }
  std::string out;
  EXPECT_EQ(env.kiosk->sync_once(&out), 0) << out;
  EXPECT_EQ(ids_at(A), a_ids);
  EXPECT_EQ(B.records().size(), 1u);
}

TEST(BadCertificates, UntrustedExpiredAndWrongPinAreRefused) {
  Env env("bad-certs", {"GM0363"});
  auto& A = *env.inbox["GM0363"];
  std::string id;
  {
    auto st = env.kiosk->open();
    id = env.kiosk->add_record(*st, "GM0363", "x");
  }
  struct Case {
    const char* name;
    std::string cert;
    std::string pin_from;
  };
  for (const auto& c : std::vector<Case>{{"untrusted CA", "rogue.pem", ""},
                                         {"expired", "expired.pem", ""},
                                         {"wrong pin", "cert.pem", "rogue-pin"}}) {
    SCOPED_TRACE(c.name);
    A.stop();
    A.restart(*env.pki, {c.cert});
    {
      auto st = env.kiosk->open();
      auto r = route_for(*env.pki, A);
      if (!c.pin_from.empty()) r.pinned_public_key = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
      ASSERT_TRUE(st->put_route(r));
    }
    std::string out;
    EXPECT_EQ(env.kiosk->sync_once(&out), 1) << out;
    EXPECT_NE(out.find("TLS refused"), std::string::npos) << out;
    EXPECT_TRUE(A.records().empty());
    EXPECT_EQ(*env.kiosk->open()->outbox_state(id), "held");
  }
  // The inbox refuses a kiosk whose certificate is not from the configured client CA.
  A.stop();
  A.restart(*env.pki, {"cert.pem", "rogue-ca.pem"});
  {
    auto st = env.kiosk->open();
    ASSERT_TRUE(st->put_route(route_for(*env.pki, A)));
  }
  std::string out;
  EXPECT_NE(env.kiosk->sync_once(&out, 60), 0) << out;
  EXPECT_TRUE(A.records().empty());
}

TEST(LinkChange, OldRecordsStayWithTheOldMunicipalityNewOnesGoToTheNew) {
  Env env("link-change", {"GM0363", "GM0344"});
  std::string before, after;
  {
    auto st = env.kiosk->open();
    before = env.kiosk->add_record(*st, "GM0363", "res-1");  // linked to Amsterdam
    after = env.kiosk->add_record(*st, "GM0344", "res-1");   // link changed to Utrecht
  }
  std::string out;
  ASSERT_EQ(env.kiosk->sync_once(&out), 0) << out;
  EXPECT_EQ(ids_at(*env.inbox["GM0363"]), std::set<std::string>{before});
  EXPECT_EQ(ids_at(*env.inbox["GM0344"]), std::set<std::string>{after});
}

TEST(DossierFeed, AppliesUpsertsAndPurgesPerMunicipalityAndAdvancesTheCursor) {
  Env env("feed", {"GM0363", "GM0344"});
  auto& A = *env.inbox["GM0363"];
  json residents = json::array();
  for (int i = 0; i < 25; ++i)
    residents.push_back({{"resident_id", "r" + std::to_string(i)}, {"locatiecode", "AZC-TER-APEL"},
                         {"dossier", feed_dossier("r" + std::to_string(i), "GM0363", "AZC-TER-APEL")}});
  residents.push_back({{"resident_id", "elsewhere"}, {"locatiecode", "AZC-BUDEL"},
                       {"dossier", feed_dossier("elsewhere", "GM0363", "AZC-BUDEL")}});
  spit(env.work / "d1.json", json{{"residents", residents}}.dump());
  std::string out;
  ASSERT_EQ(run({bin("balie-inbox").string(), "import-dossiers", "--db", A.db.string(), "--db-key-file", inbox_key(A.db.string()), "--gemeentecode", "GM0363",
                 "--file", (env.work / "d1.json").string()}, &out), 0) << out;
  // COA delivered the residents and their link (issue 16: a municipality's feed never creates one).
  {
    std::vector<std::string> ids;
    for (int i = 0; i < 25; ++i) ids.push_back("r" + std::to_string(i));
    auto st = env.kiosk->open();
    env.kiosk->coa_residents(*st, "GM0363", ids);
  }
  // Small feed pages so the pass needs several batches.
  Kiosk k(*env.pki, env.work, "AZC-TER-APEL", {{"store", env.kiosk->store.string()}});
  ASSERT_EQ(k.sync_once(&out), 0) << out;
  auto st = env.kiosk->open();
  EXPECT_EQ(*st->dossier_count("GM0363"), 25);
  EXPECT_EQ(*st->dossier_count("GM0344"), 0);
  EXPECT_EQ(*st->dossier("GM0363", "elsewhere"), "");  // another location's resident never arrives
  st.reset();
  // DUO events and departures: the feed says purge, the kiosk deletes.
  spit(env.work / "d2.json", json{{"residents", {{{"resident_id", "r3"}, {"locatiecode", "AZC-TER-APEL"}, {"purge", "SS106"}},
                                                 {{"resident_id", "r4"}, {"locatiecode", "AZC-TER-APEL"}, {"purge", "left_location"}}}}}
                                  .dump());
  ASSERT_EQ(run({bin("balie-inbox").string(), "import-dossiers", "--db", A.db.string(), "--db-key-file", inbox_key(A.db.string()), "--gemeentecode", "GM0363",
                 "--file", (env.work / "d2.json").string()}, &out), 0) << out;
  ASSERT_EQ(k.sync_once(&out), 0) << out;
  st = env.kiosk->open();
  EXPECT_EQ(*st->dossier_count("GM0363"), 23);
  EXPECT_EQ(*st->dossier("GM0363", "r3"), "");
  EXPECT_NE(*st->dossier("GM0363", "r5"), "");
  EXPECT_NE(*st->dossier_cursor("GM0363"), "");
}

TEST(DuoExport, ExportsPvtBodiesOnlyWhereDuoRulesAllow) {
  Env env("duo", {"GM0363"});
  auto& A = *env.inbox["GM0363"];
  std::time_t now = std::time(nullptr);
  std::string today = record::format_utc(now).substr(0, 10);
  json residents = {
      // Store-shaped dossiers (what the terminal applies from the feed); the PIP belongs to the
      // resident's gekoppelde gemeente. "other-pip" has no PIP at all.
      {{"resident_id", "ok"}, {"locatiecode", "AZC-TER-APEL"},
       {"dossier", feed_dossier("ok", "GM0363", "AZC-TER-APEL",
                                {{"inburgeringsplicht", {{"plichtig", true}}},
                                 {"inburgeringstermijn", {{"startdatum", "2024-01-01"}, {"einddatum", "2099-01-01"}}},
                                 {"pip", {{"dagtekening", "2024-02-01"}}}})}},
      {{"resident_id", "other-pip"}, {"locatiecode", "AZC-TER-APEL"},
       {"dossier", feed_dossier("other-pip", "GM0363", "AZC-TER-APEL",
                                {{"inburgeringsplicht", {{"plichtig", true}}},
                                 {"inburgeringstermijn", {{"startdatum", "2024-01-01"}, {"einddatum", "2099-01-01"}}}})}},
      {{"resident_id", "late"}, {"locatiecode", "AZC-TER-APEL"},
       {"dossier", feed_dossier("late", "GM0363", "AZC-TER-APEL",
                                {{"inburgeringsplicht", {{"plichtig", true}}},
                                 {"inburgeringstermijn", {{"startdatum", "2020-01-01"}, {"einddatum", "2023-01-01"}}},
                                 {"pip", {{"dagtekening", "2020-02-01"}}}})}},
  };
  spit(env.work / "d.json", json{{"residents", residents}}.dump());
  std::string out;
  ASSERT_EQ(run({bin("balie-inbox").string(), "import-dossiers", "--db", A.db.string(), "--db-key-file", inbox_key(A.db.string()), "--gemeentecode", "GM0363",
                 "--file", (env.work / "d.json").string()}, &out), 0) << out;
  std::string ok_id, other_id, late_id;
  {
    auto st = env.kiosk->open();
    ok_id = env.kiosk->add_record(*st, "GM0363", "ok", now);
    other_id = env.kiosk->add_record(*st, "GM0363", "other-pip", now);
    late_id = env.kiosk->add_record(*st, "GM0363", "late", now);
  }
  ASSERT_EQ(env.kiosk->sync_once(&out), 0) << out;
  ASSERT_EQ(run({bin("balie-inbox").string(), "export-pvt", "--db", A.db.string(), "--db-key-file", inbox_key(A.db.string()), "--gemeentecode", "GM0363",
                 "--today", today}, &out), 0) << out;
  auto j = json::parse(out);
  ASSERT_EQ(j["exports"].size(), 1u) << out;
  EXPECT_EQ(j["exports"][0]["record_id"], ok_id);
  EXPECT_EQ(j["exports"][0]["path"], "/personen/999990019/pvt");
  EXPECT_EQ(j["exports"][0]["body"], (json{{"datumOndertekeningPvt", today}}));  // no verwijtbaar before term end
  ASSERT_EQ(j["blocked"].size(), 2u) << out;
  std::map<std::string, std::string> why;
  for (const auto& b : j["blocked"]) why[b["record_id"]] = b["reason"];
  EXPECT_EQ(why[other_id], "no_pip");
  EXPECT_NE(why[late_id].find("verwijtbaar"), std::string::npos);
  // A date in the future (relative to --today) is refused.
  ASSERT_EQ(run({bin("balie-inbox").string(), "export-pvt", "--db", A.db.string(), "--db-key-file", inbox_key(A.db.string()), "--gemeentecode", "GM0363",
                 "--today", "2024-06-01"}, &out), 0) << out;
  EXPECT_EQ(json::parse(out)["exports"].size(), 0u);
}

// DUO's einddatum is exclusive: the last day of the term is einddatum-1, so a signing ON einddatum
// overschrijdt the term and needs the municipality's verwijtbaar decision (issue 16: the export was
// one day off and sent such a signing without verwijtbaar, which DUO refuses).
TEST(DuoExport, SigningOnTheExclusiveEinddatumNeedsVerwijtbaar) {
  Env env("duo-eind", {"GM0363"});
  auto& A = *env.inbox["GM0363"];
  std::time_t now = std::time(nullptr);
  std::string today = record::format_utc(now).substr(0, 10);
  json residents = {
      {{"resident_id", "on-end"}, {"locatiecode", "AZC-TER-APEL"},
       {"dossier", feed_dossier("on-end", "GM0363", "AZC-TER-APEL",
                                {{"inburgeringsplicht", {{"plichtig", true}}},
                                 {"inburgeringstermijn", {{"startdatum", "2020-01-01"}, {"einddatum", today}}},
                                 {"pip", {{"dagtekening", "2020-02-01"}}}})}},
  };
  spit(env.work / "d.json", json{{"residents", residents}}.dump());
  std::string out;
  ASSERT_EQ(run({bin("balie-inbox").string(), "import-dossiers", "--db", A.db.string(), "--db-key-file", inbox_key(A.db.string()), "--gemeentecode", "GM0363",
                 "--file", (env.work / "d.json").string()}, &out), 0) << out;
  std::string id;
  {
    auto st = env.kiosk->open();
    id = env.kiosk->add_record(*st, "GM0363", "on-end", now);
  }
  ASSERT_EQ(env.kiosk->sync_once(&out), 0) << out;
  ASSERT_EQ(run({bin("balie-inbox").string(), "export-pvt", "--db", A.db.string(), "--db-key-file", inbox_key(A.db.string()), "--gemeentecode", "GM0363",
                 "--today", today}, &out), 0) << out;
  auto j = json::parse(out);
  EXPECT_EQ(j["exports"].size(), 0u) << "signed on the exclusive einddatum without verwijtbaar: " << out;
  ASSERT_EQ(j["blocked"].size(), 1u) << out;
  EXPECT_EQ(j["blocked"][0]["record_id"], id);
  EXPECT_NE(j["blocked"][0]["reason"].get<std::string>().find("verwijtbaar"), std::string::npos) << out;
}

// What kiosks send is checked by the inbox: driven with the curl command-line client and the
// device certificate, so only the inbox's behaviour is under test.
class InboxInput : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { env_ = new Env("inbox-input", {"GM0363", "GM0344"}); }
  static void TearDownTestSuite() { delete env_; }
  static Env* env_;

  // Returns "status body".
  std::string post(const std::string& body, const std::string& content_type = "application/json",
                   const std::string& cert = "device/cert.pem", bool gzip = false) {
    fs::path f = env_->work / "req.bin";
    spit(f, body);
    if (gzip) {
      auto gz = record::gzip_compress(body);
      spit(f, *gz);
    }
    auto& A = *env_->inbox["GM0363"];
    std::vector<std::string> argv = {"/usr/bin/curl", "-sS", "--max-time", "20", "--cacert",
                                     (env_->pki->dir / "ca.pem").string(), "-w", "\n%{http_code}", "-H",
                                     "Content-Type: " + content_type, "--data-binary", "@" + f.string(),
                                     A.url() + "/v1/records"};
    if (gzip) argv.insert(argv.end() - 1, {"-H", "Content-Encoding: gzip"});
    if (!cert.empty()) {
      argv.insert(argv.end() - 1, {"--cert", (env_->pki->dir / cert).string(), "--key",
                                   (env_->pki->dir / "device/key.pem").string()});
    }
    std::string out;
    run(argv, &out, 30);
    auto nl = out.rfind('\n');
    return nl == std::string::npos ? out : out.substr(nl + 1) + " " + out.substr(0, nl);
  }
  record::SealedRecord seal(const std::string& g, std::uint64_t seq_prev, const std::string& prev_hash,
                          const record::SigningKey* key = nullptr, std::time_t when = 0, std::string id = "") {
    record::RecordInput in;
    in.record_id = id.empty() ? record::new_uuid_v4() : id;
    in.kind = "pvt.ondertekend";
    in.gemeentecode = g;
    in.device_id = env_->pki->device_id;
    in.created_at = when ? when : std::time(nullptr);
    in.sensitive = "{\"resident_id\":\"x\"}";
    auto r = record::seal_record(in, key ? *key : env_->pki->device, env_->inbox[g]->x_pk,
                               record::ChainHead{seq_prev, prev_hash});
    EXPECT_TRUE(r.ok());
    return *r;
  }
  static std::string batch(const std::vector<std::string>& envs) {
    std::string b = "{\"records\":[";
    for (std::size_t i = 0; i < envs.size(); ++i) b += (i ? "," : "") + envs[i];
    return b + "]}";
  }
  std::size_t stored() { return env_->inbox["GM0363"]->records().size(); }
};
Env* InboxInput::env_ = nullptr;

TEST_F(InboxInput, RejectsMalformedAndOffContractRequestsWithProblemJsonAndStoresNothing) {
  std::size_t before = stored();
  auto r1 = seal("GM0363", 0, std::string(64, '0'));
  EXPECT_EQ(post("{\"records\":[").substr(0, 3), "400");
  EXPECT_EQ(post(batch({r1.envelope}), "text/plain").substr(0, 3), "415");
  EXPECT_EQ(post("{\"records\":[], \"extra\":1}").substr(0, 3), "400");
  auto unknown = json::parse(r1.envelope);
  unknown["note"] = "x";
  EXPECT_EQ(post(batch({unknown.dump()})).substr(0, 3), "400");
  EXPECT_EQ(post(std::string(9u * 1024 * 1024, ' ')).substr(0, 3), "413");
  // A gzip bomb: small on the wire, too large once inflated.
  EXPECT_EQ(post("{\"records\":[" + std::string(9u * 1024 * 1024, ' ') + "]}", "application/json",
                 "device/cert.pem", true).substr(0, 3), "413");
  auto no_cert = post(batch({r1.envelope}), "application/json", "");
  EXPECT_NE(no_cert.substr(0, 3), "200") << no_cert;
  auto p = post("{\"records\":[");
  EXPECT_NE(p.find("\"title\""), std::string::npos) << p;
  EXPECT_EQ(stored(), before);
}

TEST_F(InboxInput, RejectsWrongSignaturesMisaddressedAndSkewedRecordsPerRecord) {
  std::size_t before = stored();
  auto stranger = record::SigningKey::generate();
  auto bad_sig = seal("GM0363", 0, std::string(64, '0'), &stranger);
  auto for_b = seal("GM0344", 0, std::string(64, '0'));
  auto future = seal("GM0363", 0, std::string(64, '0'), nullptr, std::time(nullptr) + 3600);
  auto out = post(batch({bad_sig.envelope}));
  EXPECT_NE(out.find("bad-signature"), std::string::npos) << out;
  out = post(batch({for_b.envelope}));
  EXPECT_NE(out.find("misdirected-record"), std::string::npos) << out;
  out = post(batch({future.envelope}));
  EXPECT_NE(out.find("clock-skew"), std::string::npos) << out;
  EXPECT_EQ(stored(), before);
  EXPECT_TRUE(env_->inbox["GM0344"]->records().empty());
}

TEST_F(InboxInput, ReplayIsReAcknowledgedReorderedBatchIsRefusedForkedChainIsRejected) {
  auto& A = *env_->inbox["GM0363"];
  std::size_t before = stored();
  // A chain of a fresh "device sequence" after whatever the other tests stored: use high seqs.
  auto r1 = seal("GM0363", 1000, std::string(64, '1'));
  auto r2 = seal("GM0363", r1.next.seq, r1.next.package_sha256);
  auto out = post(batch({r2.envelope, r1.envelope}));
  EXPECT_EQ(out.substr(0, 3), "409") << out;
  EXPECT_NE(out.find("reordered-batch"), std::string::npos);
  EXPECT_EQ(stored(), before);
  out = post(batch({r1.envelope, r2.envelope}));
  ASSERT_EQ(out.substr(0, 3), "200") << out;
  EXPECT_EQ(stored(), before + 2);
  out = post(batch({r1.envelope, r2.envelope}));  // replay
  EXPECT_NE(out.find("\"duplicate\""), std::string::npos) << out;
  EXPECT_EQ(stored(), before + 2);
  auto acks = sync::parse_push_response(out.substr(4));
  ASSERT_TRUE(acks.ok()) << out;
  EXPECT_TRUE(record::verify_ack((*acks)[0].ack_json, (*acks)[0].record_id, "GM0363",
                               r1.package_sha256, A.ed_pk));
  // A different record claiming r2's place in the chain (a fork) is refused.
  auto fork = seal("GM0363", r1.next.seq, r1.next.package_sha256);
  out = post(batch({fork.envelope}));
  EXPECT_NE(out.find("chain-conflict"), std::string::npos) << out;
  EXPECT_EQ(stored(), before + 2);
}


// Outside its night window the daemon does nothing until staff ask (SIGUSR1 or the sync-now file),
// and it stops cleanly on SIGTERM.
TEST(SyncDaemon, RunsAPassOnStaffRequestOutsideTheWindowAndStopsOnSigterm) {
  Env env("daemon", {"GM0363"});
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  int start = (tm.tm_hour * 60 + tm.tm_min + 180) % (24 * 60), end = (start + 60) % (24 * 60);
  char window[32];
  std::snprintf(window, sizeof window, "%02d:%02d-%02d:%02d", start / 60, start % 60, end / 60, end % 60);
  Kiosk k(*env.pki, env.work, "AZC-TER-APEL", {{"store", env.kiosk->store.string()}, {"window", window}});
  std::string id1, id2;
  {
    auto st = k.open();
    id1 = k.add_record(*st, "GM0363", "a");
  }
  fs::path runtime = env.work / "run";
  fs::create_directories(runtime);
  setenv("BALIE_RUNTIME_DIR", runtime.c_str(), 1);
  Proc d({bin("balie-syncd").string(), "--config", k.config.string()}, env.work / "syncd.log");
  unsetenv("BALIE_RUNTIME_DIR");
  auto wait_acked = [&](const std::string& id) {
    for (int i = 0; i < 300; ++i) {
      if (*k.open()->outbox_state(id) == "acknowledged") return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  };
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(*k.open()->outbox_state(id1), "pending");  // outside the window: nothing happens
  d.signal(SIGUSR1);
  EXPECT_TRUE(wait_acked(id1)) << slurp(env.work / "syncd.log");
  {
    auto st = k.open();
    id2 = k.add_record(*st, "GM0363", "b");
  }
  spit(runtime / "sync-now", "");
  EXPECT_TRUE(wait_acked(id2)) << slurp(env.work / "syncd.log");
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait(std::chrono::seconds(10)), 0);
  EXPECT_EQ(ids_at(*env.inbox["GM0363"]), (std::set<std::string>{id1, id2}));
}

// balie-syncd opens only the terminal's encrypted store and never makes one: a missing store or key
// is refused with a clear message (exit 2, the next pass tries again), a wrong key with 3, an old
// development "store_kind" as a configuration error (2); nothing is created on disk by any of them.
TEST(SyncDaemon, RefusesAMissingOrUnkeyedStoreAndNeverMakesOne) {
  fs::path work = fresh_dir("refuse-store");
  Pki pki(work / "pki", {"GM0363"});
  fs::path other = work / "elsewhere";
  fs::create_directories(other);
  Kiosk k(pki, work / "a", "AZC-TER-APEL", {{"store", (other / "balie.db").string()}});
  std::string out;
  EXPECT_EQ(k.sync_once(&out), 2) << out;
  EXPECT_NE(out.find("no store at"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(other / "balie.db"));
  EXPECT_FALSE(fs::exists(other / "db.key"));

  // A store whose key is gone: refused, and no new key is made (it could only open a new, empty store).
  Kiosk real(pki, work / "b");  // makes b/kiosk/balie.db with its demo key db.key
  fs::copy_file(real.store, other / "balie.db");
  EXPECT_EQ(k.sync_once(&out), 2) << out;
  EXPECT_NE(out.find("has no key"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(other / "db.key"));

  // Another key: the store says so (wrong_key), exit 3; the file is untouched.
  const auto before = slurp(other / "balie.db");
  {
    std::ofstream f(other / "db.key", std::ios::binary);
    auto wrong = record::random_key32();
    f.write(reinterpret_cast<const char*>(wrong.data()), static_cast<std::streamsize>(wrong.size()));
  }
  fs::permissions(other / "db.key", fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(k.sync_once(&out), 3) << out;
  EXPECT_NE(out.find("wrong_key"), std::string::npos) << out;
  EXPECT_EQ(slurp(other / "balie.db"), before);

  // The development stand-in is gone; a config that still asks for it is refused.
  Kiosk dev(pki, work / "c", "AZC-TER-APEL", {{"store", real.store.string()}, {"store_kind", "dev"}});
  EXPECT_EQ(dev.sync_once(&out), 2) << out;  // a configuration error (sync_config_cli_test)
  EXPECT_NE(out.find("store_kind"), std::string::npos) << out;
}
