// Records that used to end up failed for good, one bad feed item that blocked a municipality's feed,
// and the location scope of the feed (issue 13, items 2-4): real balie-syncd, balie-inbox and
// balie-admin processes on loopback over the terminal's real encrypted store (tests/sync/harness.h).
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "balie/record/problems.h"
#include "balie/sync/reports.h"
#include "harness.h"

using namespace balie;
using namespace balie::test;
using nlohmann::json;

namespace {

struct Env {
  fs::path work;
  std::unique_ptr<Pki> pki;
  std::map<std::string, std::unique_ptr<Inbox>> inbox;
  std::unique_ptr<Kiosk> kiosk;
  Env(const std::string& name, const std::vector<std::string>& gs, const InboxOptions& o = {}) {
    work = fresh_dir(name);
    pki = std::make_unique<Pki>(work / "pki", gs);
    for (const auto& g : gs) inbox[g] = Inbox::start(*pki, g, work, o);
    kiosk = std::make_unique<Kiosk>(*pki, work);
    auto st = kiosk->open();
    for (const auto& g : gs) EXPECT_TRUE(st->put_route(route_for(*pki, *inbox[g])));
  }
};

std::string inbox_cmd(const Inbox& ib, const std::string& cmd, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv = {bin("balie-inbox").string(), cmd, "--db", ib.db.string(), "--db-key-file", inbox_key(ib.db.string()), "--gemeentecode", ib.g};
  argv.insert(argv.end(), extra.begin(), extra.end());
  std::string out;
  EXPECT_EQ(run(argv, &out), 0) << out;
  return out;
}

int admin(const Kiosk& k, const std::vector<std::string>& args, std::string* out) {
  std::vector<std::string> argv = {(fs::path(BALIE_BINARY_DIR) / "store/balie-admin").string(), "--db", k.store.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, out);
}

json syncd_status(const Kiosk& k) {
  std::string out;
  EXPECT_EQ(run({bin("balie-syncd").string(), "--config", k.config.string(), "status"}, &out), 0) << out;
  return json::parse(out, nullptr, false);
}

std::string held_reason_of(KioskStore& st, const std::string& id) {
  auto e = st.store().outbox_entry(id);
  return e.ok() && e.value() ? e.value()->held_reason + e.value()->last_error : std::string();
}

bool audit_has(KioskStore& st, const std::string& action, const std::string& needle = "") {
  auto t = st.store().audit_tail(500);
  if (!t.ok()) return false;
  for (const auto& a : t.value())
    if (a.action == action && a.detail.find(needle) != std::string::npos) return true;
  return false;
}

// Commits a record signed with `key` (a reinstalled terminal with a new key), like Kiosk::add_record.
std::string add_record_with(const Kiosk& k, KioskStore& st, const record::SigningKey& key, const std::string& g,
                            const std::string& resident) {
  auto rd = store::resident_dossier_from_json(feed_dossier(resident, g, k.locatie).dump());
  if (auto s = st.store().upsert_resident(rd.value()); !s.ok()) throw std::runtime_error(s.error().message);
  store::RecordDraft d;
  d.kind = "pvt.ondertekend";
  d.resident_id = resident;
  d.text_version_id = Kiosk::kTextVersion;
  d.decision = "signed";
  d.device_id = k.pki->device_id;
  d.sensitive = json{{"resident_id", resident}, {"bsn", "999990019"}}.dump();
  auto r = st.store().commit_sealed(d, key);
  if (!r) throw std::runtime_error(r.error().message);
  return r.value().record_id;
}

std::string curl_get(const Env& env, const std::string& url) {
  std::string out;
  run({"/usr/bin/curl", "-sS", "--max-time", "20", "--cacert", (env.pki->dir / "ca.pem").string(), "--cert",
       (env.pki->dir / "device/cert.pem").string(), "--key", (env.pki->dir / "device/key.pem").string(), "-w",
       "\n%{http_code}", url},
      &out, 30);
  auto nl = out.rfind('\n');
  return nl == std::string::npos ? out : out.substr(nl + 1) + " " + out.substr(0, nl);
}

}  // namespace

// Item 2: a clock set back between signings made records leave in time order, not chain order; the
// inbox answered 409 reordered-batch and all records became failed for good.
TEST(StrandedRecords, ClockSetBackBetweenSigningsStillDeliversEveryRecordInChainOrder) {
  Env env("clock-back", {"GM0363"});
  std::vector<std::string> ids;
  const std::time_t now = std::time(nullptr);
  {
    auto st = env.kiosk->open();
    for (int i = 0; i < 6; ++i)  // the clock goes back one hour before every signing
      ids.push_back(env.kiosk->add_record(*st, "GM0363", "res-" + std::to_string(i % 3), now - 3600 * i));
  }
  std::string out;
  EXPECT_EQ(env.kiosk->sync_once(&out), 0) << out;
  auto st = env.kiosk->open();
  for (const auto& id : ids) EXPECT_EQ(*st->outbox_state(id), "acknowledged") << held_reason_of(*st, id);
  auto recs = env.inbox["GM0363"]->records();
  ASSERT_EQ(recs.size(), 6u) << recs.dump();
  for (std::size_t i = 0; i < recs.size(); ++i) {
    EXPECT_EQ(recs[i]["seq"], i + 1);
    EXPECT_EQ(recs[i]["record_id"], ids[i]);
    EXPECT_FALSE(recs[i]["chain_gap"].get<bool>());
  }
}

// Item 2: a clock running ahead made the inbox answer clock-skew and the record failed for good. Now
// it is held with the reason shown, not resent while its time is still ahead, and delivered once it
// is not; balie-admin lists it with the reason and can release it (audited).
TEST(StrandedRecords, ClockSkewIsHeldWithItsReasonAndSentOnceTheRecordsTimeHasCome) {
  InboxOptions o;
  o.extra = {"--clock-skew-seconds", "2"};
  Env env("clock-fast", {"GM0363"}, o);
  std::string normal, fast;
  const std::time_t ahead = std::time(nullptr) + 12;
  {
    auto st = env.kiosk->open();
    normal = env.kiosk->add_record(*st, "GM0363", "a");
    fast = env.kiosk->add_record(*st, "GM0363", "b", ahead);  // the terminal's clock ran 12 s fast
  }
  std::string out;
  EXPECT_EQ(env.kiosk->sync_once(&out), 1) << out;  // staff must know
  {
    auto st = env.kiosk->open();
    EXPECT_EQ(*st->outbox_state(normal), "acknowledged");
    EXPECT_EQ(*st->outbox_state(fast), "held") << held_reason_of(*st, fast);
    EXPECT_EQ(record::reason_type(held_reason_of(*st, fast)), "clock-skew") << held_reason_of(*st, fast);
  }
  bool shown = false;
  for (const auto& row : syncd_status(*env.kiosk))
    if (row["gemeentecode"] == "GM0363") {
      shown = true;
      EXPECT_EQ(row["held"], 1);
      EXPECT_NE(row["held_reason"].get<std::string>().find("clock-skew"), std::string::npos) << row.dump();
    }
  EXPECT_TRUE(shown);
  // balie-admin shows it with the reason.
  ASSERT_EQ(admin(*env.kiosk, {"outbox"}, &out), 0) << out;
  EXPECT_NE(out.find(fast), std::string::npos) << out;
  EXPECT_NE(out.find("clock-skew"), std::string::npos) << out;
  // While its time is still ahead nothing is resent.
  EXPECT_EQ(env.kiosk->sync_once(&out), 1) << out;
  EXPECT_EQ(env.inbox["GM0363"]->records().size(), 1u);
  EXPECT_EQ(*env.kiosk->open()->outbox_state(fast), "held");
  // Once the clock has passed the record's time, the next pass sends it by itself.
  while (std::time(nullptr) <= ahead) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(env.kiosk->sync_once(&out), 0) << out;
  auto st = env.kiosk->open();
  EXPECT_EQ(*st->outbox_state(fast), "acknowledged");
  EXPECT_EQ(env.inbox["GM0363"]->records().size(), 2u);
  EXPECT_TRUE(audit_has(*st, "outbox.hold", fast));
  EXPECT_TRUE(audit_has(*st, "outbox.release", fast));
}

// Item 2: a permanent rejection (the record was sealed to a key the municipality cannot open) is
// failed with its reason; balie-admin lists it and `retry` puts it back in the queue with an audit
// entry naming the operator, so no state is without a way back.
TEST(StrandedRecords, PermanentRejectionIsFailedAndBalieAdminRetriesItWithAnAuditEntry) {
  Env env("permanent", {"GM0363"});
  std::string id;
  {
    auto st = env.kiosk->open();
    auto r = route_for(*env.pki, *env.inbox["GM0363"]);
    r.box_public_key = record::BoxKey::generate().public_key;  // not the municipality's key
    ASSERT_TRUE(st->put_route(r));
    id = env.kiosk->add_record(*st, "GM0363", "x");
    // The route corrected after signing (issue 20: with the wrong key still in the route the pass
    // holds the record as sealing-key-mismatch and sends nothing): the record goes out and is refused.
    ASSERT_TRUE(st->put_route(route_for(*env.pki, *env.inbox["GM0363"])));
  }
  std::string out;
  EXPECT_EQ(env.kiosk->sync_once(&out), 1) << out;
  EXPECT_EQ(*env.kiosk->open()->outbox_state(id), "failed");
  ASSERT_EQ(admin(*env.kiosk, {"outbox"}, &out), 0) << out;
  EXPECT_NE(out.find("failed"), std::string::npos) << out;
  EXPECT_NE(out.find("cannot-open"), std::string::npos) << out;
  EXPECT_NE(admin(*env.kiosk, {"retry", "00000000-0000-4000-8000-000000000000"}, &out), 0) << out;
  ASSERT_EQ(admin(*env.kiosk, {"retry", id}, &out), 0) << out;
  auto st = env.kiosk->open();
  EXPECT_EQ(*st->outbox_state(id), "pending");
  EXPECT_TRUE(audit_has(*st, "outbox.release", id));
  auto tail = st->store().audit_tail(5);
  ASSERT_TRUE(tail.ok());
  bool by_admin = false;
  for (const auto& a : tail.value()) by_admin = by_admin || (a.action == "outbox.release" && a.actor == "admin");
  EXPECT_TRUE(by_admin);
  ASSERT_EQ(admin(*env.kiosk, {"--help"}, &out), 0) << out;
  EXPECT_NE(out.find("release"), std::string::npos) << out;
  EXPECT_NE(out.find("retry"), std::string::npos) << out;
}

// Item 2: a reinstalled terminal (same device id and key, empty store) starts its chain at seq 1
// again; the inbox already holds seq 1.. from the old installation and answered chain-conflict
// forever. The terminal now continues its chain after the receiver's head (audited) and delivers.
TEST(StrandedRecords, ReinstalledTerminalContinuesItsChainFromTheReceiversHead) {
  Env env("reinstall", {"GM0363"});
  {
    auto st = env.kiosk->open();
    env.kiosk->add_record(*st, "GM0363", "a");
    env.kiosk->add_record(*st, "GM0363", "b");
  }
  std::string out;
  ASSERT_EQ(env.kiosk->sync_once(&out), 0) << out;
  Kiosk again(*env.pki, env.work / "reinstalled");  // a fresh store, same device id and key
  std::vector<std::string> ids;
  {
    auto st = again.open();
    ASSERT_TRUE(st->put_route(route_for(*env.pki, *env.inbox["GM0363"])));
    for (int i = 0; i < 3; ++i) ids.push_back(again.add_record(*st, "GM0363", "c" + std::to_string(i)));
  }
  EXPECT_EQ(again.sync_once(&out), 0) << out;
  {
    auto st = again.open();
    for (const auto& id : ids) EXPECT_EQ(*st->outbox_state(id), "acknowledged") << held_reason_of(*st, id);
    EXPECT_TRUE(audit_has(*st, "outbox.rechain", "from_seq=2"));
    ids.push_back(again.add_record(*st, "GM0363", "d"));  // signed after: continues the chain at once
  }
  EXPECT_EQ(again.sync_once(&out), 0) << out;
  auto recs = env.inbox["GM0363"]->records();
  ASSERT_EQ(recs.size(), 6u) << recs.dump();
  std::set<std::uint64_t> seqs;
  for (const auto& r : recs) seqs.insert(r["seq"].get<std::uint64_t>());
  EXPECT_EQ(seqs, (std::set<std::uint64_t>{1, 2, 3, 4, 5, 6}));
  for (const auto& r : recs) EXPECT_FALSE(r["chain_gap"].get<bool>()) << r.dump();
}

// Item 2: reinstalled with a NEW device key: the inbox answers bad-signature. The records are held
// with that reason until a technician re-enrols the new key, then delivered without any command.
TEST(StrandedRecords, ReinstalledWithANewKeyIsHeldUntilReEnrolledThenDelivered) {
  Env env("reinstall-key", {"GM0363"});
  {
    auto st = env.kiosk->open();
    env.kiosk->add_record(*st, "GM0363", "a");
  }
  std::string out;
  ASSERT_EQ(env.kiosk->sync_once(&out), 0) << out;
  const fs::path dir = env.work / "reinstalled";
  fs::create_directories(dir / "kiosk");
  auto seed = record::random_key32();
  {
    std::ofstream f(dir / "kiosk" / "device.key", std::ios::binary);
    f.write(reinterpret_cast<const char*>(seed.data()), static_cast<std::streamsize>(seed.size()));
  }
  fs::permissions(dir / "kiosk" / "device.key", fs::perms::owner_read | fs::perms::owner_write);
  auto new_key = record::SigningKey::from_seed(seed);
  Kiosk again(*env.pki, dir);
  std::vector<std::string> ids;
  {
    auto st = again.open();
    ASSERT_TRUE(st->put_route(route_for(*env.pki, *env.inbox["GM0363"])));
    for (int i = 0; i < 2; ++i) ids.push_back(add_record_with(again, *st, new_key, "GM0363", "n" + std::to_string(i)));
  }
  EXPECT_EQ(again.sync_once(&out), 1) << out;
  {
    auto st = again.open();
    for (const auto& id : ids) {
      EXPECT_EQ(*st->outbox_state(id), "held");
      EXPECT_EQ(record::reason_type(held_reason_of(*st, id)), "bad-signature") << held_reason_of(*st, id);
    }
  }
  inbox_cmd(*env.inbox["GM0363"], "enroll-device",
            {"--device-id", env.pki->device_id, "--ed25519-pk", record::to_hex(new_key.public_key.data(), 32),
             "--locatiecode", "AZC-TER-APEL"});
  EXPECT_EQ(again.sync_once(&out), 0) << out;  // released by itself, chain continued, delivered
  auto st = again.open();
  for (const auto& id : ids) EXPECT_EQ(*st->outbox_state(id), "acknowledged") << held_reason_of(*st, id);
  std::set<std::string> at_inbox;
  for (const auto& r : env.inbox["GM0363"]->records()) at_inbox.insert(r["record_id"]);
  for (const auto& id : ids) EXPECT_TRUE(at_inbox.count(id)) << id;
}

// Item 2: every problem type balie-inbox can answer is in the one table, classified.
TEST(ProblemTable, EveryTitleTheInboxCanAnswerIsClassified) {
  std::set<std::string> titles;
  const std::regex re(R"re((?:send_problem\(res,\s*[^,]+,|reject\(\s*[0-9]+\s*,)\s*"([a-z][a-z-]+)")re");
  for (const char* f : {"sync/inbox/inbox_server.cpp", "sync/inbox/inbox_db.cpp"}) {
    const std::string src = slurp(fs::path(BALIE_SOURCE_DIR) / f);
    for (std::sregex_iterator it(src.begin(), src.end(), re), end; it != end; ++it) titles.insert((*it)[1]);
  }
  EXPECT_GE(titles.size(), 15u);
  for (const auto& t : {"clock-skew", "reordered-batch", "chain-conflict", "bad-signature", "wrong-location"})
    EXPECT_TRUE(titles.count(t)) << t;
  std::set<std::string_view> known;
  for (const auto& p : record::problem_types()) {
    EXPECT_TRUE(known.insert(p.type).second) << "duplicate " << p.type;
    EXPECT_FALSE(p.staff_nl.empty()) << p.type;
  }
  for (const auto& t : titles) EXPECT_TRUE(known.count(t)) << "problem type '" << t << "' is not classified";
  EXPECT_EQ(record::classify_problem("clock-skew", 422).retry, record::RetryRule::WhenNotAhead);
  EXPECT_EQ(record::classify_problem("something-new", 429).cls, record::ProblemClass::Transient);
  EXPECT_EQ(record::classify_problem("something-new", 422).cls, record::ProblemClass::Permanent);
  EXPECT_EQ(record::reason_type(record::problem_reason("chain-conflict", "x: y")), "chain-conflict");
  EXPECT_EQ(record::reason_type("no endpoint configured"), "");
}

// Item 3: an upsert with "plichtig":"ja" failed the whole page, the cursor never moved and an SS106
// purge behind it was never applied, while balie-syncd --once exited 0.
TEST(FeedProblems, BadItemIsSkippedAuditedReportedAndThePurgeBehindItApplies) {
  Env env("feed-bad-item", {"GM0363"});
  auto& A = *env.inbox["GM0363"];
  auto imp = [&](const json& residents, const char* name) {
    spit(env.work / name, json{{"residents", residents}}.dump());
    inbox_cmd(A, "import-dossiers", {"--file", (env.work / name).string()});
  };
  imp({{{"resident_id", "r1"}, {"locatiecode", "AZC-TER-APEL"}, {"dossier", feed_dossier("r1", "GM0363", "AZC-TER-APEL")}},
       {{"resident_id", "r2"}, {"locatiecode", "AZC-TER-APEL"}, {"dossier", feed_dossier("r2", "GM0363", "AZC-TER-APEL")}}},
      "d1.json");
  {  // the residents and their link come from COA; the municipality's feed brings their dossiers
    auto st = env.kiosk->open();
    env.kiosk->coa_residents(*st, "GM0363", {"r1", "r2", "r3"});
  }
  std::string out;
  ASSERT_EQ(env.kiosk->sync_once(&out), 0) << out;
  ASSERT_NE(*env.kiosk->open()->dossier("GM0363", "r1"), "");
  json bad = feed_dossier("r-bad", "GM0363", "AZC-TER-APEL");
  bad["dossier"]["inburgeringsplicht"] = {{"plichtig", "ja"}};
  imp({{{"resident_id", "r-bad"}, {"locatiecode", "AZC-TER-APEL"}, {"dossier", bad}},
       {{"resident_id", "r1"}, {"locatiecode", "AZC-TER-APEL"}, {"purge", "SS106"}},
       {{"resident_id", "r3"}, {"locatiecode", "AZC-TER-APEL"}, {"dossier", feed_dossier("r3", "GM0363", "AZC-TER-APEL")}}},
      "d2.json");
  const std::string cursor_before = *env.kiosk->open()->dossier_cursor("GM0363");
  EXPECT_EQ(env.kiosk->sync_once(&out), 1) << out;  // a feed error is for staff
  EXPECT_NE(out.find("feed items refused 1"), std::string::npos) << out;
  {
    auto st = env.kiosk->open();
    EXPECT_EQ(*st->dossier("GM0363", "r1"), "");     // the SS106 purge behind the bad item applied
    EXPECT_NE(*st->dossier("GM0363", "r3"), "");
    EXPECT_EQ(*st->dossier("GM0363", "r-bad"), "");
    EXPECT_NE(*st->dossier_cursor("GM0363"), cursor_before);
    EXPECT_TRUE(audit_has(*st, "feed.item_refused", "resident=r-bad"));
    auto states = st->store().sync_states();
    ASSERT_TRUE(states.ok());
    ASSERT_EQ(states.value().size(), 1u);
    EXPECT_NE(states.value()[0].last_error.find("refused"), std::string::npos) << states.value()[0].last_error;
    EXPECT_TRUE(states.value()[0].last_success.has_value());
  }
  auto probs = json::parse(inbox_cmd(A, "feed-problems"));
  ASSERT_EQ(probs.size(), 1u) << probs.dump();
  EXPECT_EQ(probs[0]["resident_id"], "r-bad");
  EXPECT_EQ(probs[0]["problem"], "feed-item-invalid");
  EXPECT_EQ(probs[0]["device_id"], env.pki->device_id);
  // The next pass does not see the item again and reports nothing twice.
  EXPECT_EQ(env.kiosk->sync_once(&out), 0) << out;
  EXPECT_EQ(json::parse(inbox_cmd(A, "feed-problems")).size(), 1u);
}

// Item 4: any enrolled kiosk could read every location's dossiers, and a feed page could store a
// resident of another location on this terminal.
TEST(FeedScope, DeviceReadsOnlyItsOwnLocationAndTheTerminalRefusesOtherLocationsResidents) {
  Env env("feed-scope", {"GM0363"});
  auto& A = *env.inbox["GM0363"];
  json budel = feed_dossier("budel-1", "GM0363", "AZC-BUDEL");
  budel["resident"]["bsn"] = "999990019";
  json misfiled = feed_dossier("misfiled", "GM0363", "AZC-BUDEL");  // listed under Ter Apel, lives in Budel
  spit(env.work / "d.json",
       json{{"residents",
             {{{"resident_id", "budel-1"}, {"locatiecode", "AZC-BUDEL"}, {"dossier", budel}},
              {{"resident_id", "misfiled"}, {"locatiecode", "AZC-TER-APEL"}, {"dossier", misfiled}},
              {{"resident_id", "ok"}, {"locatiecode", "AZC-TER-APEL"}, {"dossier", feed_dossier("ok", "GM0363", "AZC-TER-APEL")}}}}}
           .dump());
  inbox_cmd(A, "import-dossiers", {"--file", (env.work / "d.json").string()});
  auto other = curl_get(env, A.url() + "/v1/locaties/AZC-BUDEL/dossierupdates");
  EXPECT_EQ(other.substr(0, 3), "403") << other;
  EXPECT_NE(other.find("wrong-location"), std::string::npos) << other;
  EXPECT_EQ(other.find("999990019"), std::string::npos) << other;
  EXPECT_EQ(other.find("budel-1"), std::string::npos) << other;
  auto own = curl_get(env, A.url() + "/v1/locaties/AZC-TER-APEL/dossierupdates");
  EXPECT_EQ(own.substr(0, 3), "200") << own;

  {  // "ok" came from COA (the link comes only from COA)
    auto st = env.kiosk->open();
    env.kiosk->coa_residents(*st, "GM0363", {"ok"});
  }
  std::string out;
  EXPECT_EQ(env.kiosk->sync_once(&out), 1) << out;
  EXPECT_NE(out.find("feed items refused 1"), std::string::npos) << out;
  auto st = env.kiosk->open();
  EXPECT_NE(*st->dossier("GM0363", "ok"), "");
  EXPECT_EQ(*st->dossier("GM0363", "misfiled"), "");
  EXPECT_EQ(*st->dossier("GM0363", "budel-1"), "");
  EXPECT_TRUE(audit_has(*st, "feed.item_refused", "resident=misfiled"));
  auto probs = json::parse(inbox_cmd(A, "feed-problems"));
  ASSERT_EQ(probs.size(), 1u) << probs.dump();
  EXPECT_EQ(probs[0]["problem"], "feed-item-wrong-location");
}

// The two new wire messages: round trip, and bad input refused with a clear error (no throw).
TEST(Reports, FeedReportAndChainHeadParsersAreStrictAndBounded) {
  sync::FeedProblemReport r{"AZC-TER-APEL", "", "7", {{"r-bad", "feed-item-invalid", "plichtig: must be a boolean"}}};
  auto back = sync::parse_feed_report(sync::feed_report_json(r));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->problems.at(0).resident_id, "r-bad");
  EXPECT_EQ(back->next_cursor, "7");
  EXPECT_FALSE(sync::parse_feed_report("{\"problems\":" + std::string(100000, '[') + std::string(100000, ']') + "}").ok());
  EXPECT_FALSE(sync::parse_feed_report(R"({"locatiecode":"A","cursor":"","next_cursor":"1","problems":[]})").ok());
  EXPECT_FALSE(sync::parse_feed_report(R"({"locatiecode":"A","cursor":"x","next_cursor":"1","problems":[{"resident_id":"a","problem":"p","detail":""}]})").ok());
  EXPECT_FALSE(sync::parse_feed_report(R"({"locatiecode":"A","cursor":"","next_cursor":"1","extra":1,"problems":[{"resident_id":"a","problem":"p","detail":""}]})").ok());
  EXPECT_FALSE(sync::parse_feed_report(std::string(sync::kMaxReportBytes + 1, ' ')).ok());
  sync::DeviceChainHead h{"GM0363", "kiosk-1", record::ChainHead{5, std::string(64, 'a')}};
  auto hb = sync::parse_chain_head(sync::chain_head_json(h));
  ASSERT_TRUE(hb.ok()) << hb.error().message;
  EXPECT_EQ(hb->head.seq, 5u);
  EXPECT_FALSE(sync::parse_chain_head(R"({"gemeentecode":"GM0363","device_id":"k","seq":-1,"package_sha256":"00"})").ok());
  EXPECT_FALSE(sync::parse_chain_head("[[[[").ok());
}
