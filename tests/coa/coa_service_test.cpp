// balie-coa end to end: real balie-coa processes on a private PostgreSQL cluster, terminals with real
// keys and enrolment requests over mutual TLS. Enrolment codes (once, expiry, unknown, same device),
// bundles only when newer (a staff change reaches the terminal), the residents feed with its cursor
// and location boundary, health and alerts, revocation at once, two instances on one database, a
// PostgreSQL restart (503, nothing half written), the operator login with CSRF, and request limits.
#include <gtest/gtest.h>

#include <thread>

#include "balie/record/codec.h"
#include "chromium.h"
#include "coa_harness.h"

using namespace balie::coa::testing;

class CoaE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    signal(SIGPIPE, SIG_IGN);  // a refused upload closes the connection under the client's feet
    ASSERT_TRUE(pg_.ok()) << pg_.error();
    dir_ = fresh_dir(std::string("coa-") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    pki_ = std::make_unique<CoaPki>(dir_ / "pki");
    coa_ = balie::coa::testing::CoaService::start(*pki_, pg_, dir_ / "coa");
    std::string out;
    ASSERT_EQ(coa_->admin({"location", "add", "azc-a", "AZC Ter Apel"}, &out), 0) << out;
    ASSERT_EQ(coa_->admin({"location", "add", "azc-b", "AZC Budel"}, &out), 0) << out;
    ASSERT_EQ(coa_->admin({"operator", "add", "ops-1", "Olga Operator"}, &out, "correct horse battery"), 0) << out;
    spit(dir_ / "config-a.json", location_config(*pki_).dump());
    ASSERT_EQ(coa_->admin({"config", "put", "azc-a", (dir_ / "config-a.json").string()}, &out), 0) << out;
    ASSERT_NE(out.find("version 1"), std::string::npos) << out;
  }
  void TearDown() override {
    if (HasFailure() && coa_) std::fprintf(stderr, "balie-coa log:\n%s\n", coa_->log().c_str());
  }
  std::string code(const std::string& location = "azc-a") {
    std::string out;
    EXPECT_EQ(coa_->admin({"code", "create", location, "ops-1"}, &out), 0) << out;
    return trim(out);
  }
  std::unique_ptr<TestTerminal> enrolled(const std::string& name, const std::string& location = "azc-a") {
    auto t = std::make_unique<TestTerminal>(dir_ / name);
    auto r = t->enrol(*pki_, coa_->terminal_port, code(location));
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
    EXPECT_FALSE(t->device_id.empty());
    return t;
  }

  PgCluster pg_;
  fs::path dir_;
  std::unique_ptr<CoaPki> pki_;
  std::unique_ptr<balie::coa::testing::CoaService> coa_;
};

TEST_F(CoaE2E, EnrolsWithACodeOnceAndRefusesReusedExpiredAndUnknownCodes) {
  const std::string c = code();
  ASSERT_EQ(c.size(), 14u) << c;  // XXXX-XXXX-XXXX
  TestTerminal first(dir_ / "t1");
  auto r = first.enrol(*pki_, coa_->terminal_port, c);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  // The bundle is signed by the provisioning key the image trusts, and is this terminal's.
  ASSERT_FALSE(first.device_id.empty()) << r->body.substr(0, 300);
  EXPECT_EQ(first.bundle.version, 1);
  EXPECT_EQ(first.bundle.device.location_id, "azc-a");
  EXPECT_EQ(first.bundle.device.location_name, "AZC Ter Apel");
  auto req = balie::sync::parse_enrolment_request(first.request_json);
  ASSERT_TRUE(req.ok());
  balie::store::Ed25519PublicKey own{};
  std::copy(first.device_pk.begin(), first.device_pk.end(), own.begin());
  EXPECT_FALSE(balie::store::check_for_terminal(first.bundle, own, req->tls_pin).has_value());
  // The certificate chains to COA's device CA and names the device.
  std::string out;
  EXPECT_EQ(run({"/usr/bin/openssl", "verify", "-CAfile", (pki_->dir / "device-ca.pem").string(), (first.dir / "cert.pem").string()}, &out), 0) << out;
  run({"/usr/bin/openssl", "x509", "-in", (first.dir / "cert.pem").string(), "-noout", "-subject"}, &out);
  EXPECT_NE(out.find("CN = " + first.device_id), std::string::npos) << out;

  // The same code again, from a second terminal: refused.
  TestTerminal second(dir_ / "t2");
  auto again = second.enrol(*pki_, coa_->terminal_port, c);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 403);
  EXPECT_NE(again->body.find("code_used"), std::string::npos) << again->body;
  // Separators and case do not matter; unknown codes are refused.
  auto unknown = second.enrol(*pki_, coa_->terminal_port, "AAAA-BBBB-CCCC");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 403);
  EXPECT_NE(unknown->body.find("code_unknown"), std::string::npos);
  // An expired code.
  const std::string old = code();
  pg_.psql("UPDATE enrolment_codes SET expires_at = now() - interval '1 second' WHERE used_at IS NULL");
  auto expired = second.enrol(*pki_, coa_->terminal_port, old);
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->status, 403);
  EXPECT_NE(expired->body.find("code_expired"), std::string::npos) << expired->body;
  // The first terminal again with a fresh code: it is enrolled already.
  auto twice = first.enrol(*pki_, coa_->terminal_port, code());
  ASSERT_TRUE(twice);
  EXPECT_EQ(twice->status, 409);
  EXPECT_NE(twice->body.find("device_enrolled"), std::string::npos);
  // A changed request (its CSR no longer matches its pin) is refused, and the code stays usable.
  const std::string fresh = code();
  json body = {{"code", fresh}, {"request", json::parse(second.request_json)}};
  body["request"]["tls_pin"] = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  auto bad = TestTerminal::anon_client(*pki_, coa_->terminal_port)->Post("/v1/enrol", body.dump(), "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400) << bad->body;
  auto ok = second.enrol(*pki_, coa_->terminal_port, fresh);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  EXPECT_EQ(pg_.psql("SELECT count(*) FROM devices"), "2");
  // A location without configuration cannot enrol terminals yet.
  TestTerminal third(dir_ / "t3");
  auto unconfigured = third.enrol(*pki_, coa_->terminal_port, code("azc-b"));
  ASSERT_TRUE(unconfigured);
  EXPECT_EQ(unconfigured->status, 409);
  EXPECT_NE(unconfigured->body.find("location_not_configured"), std::string::npos);
}

TEST_F(CoaE2E, ABundleComesOnlyWhenNewerAndAStaffChangeReachesTheTerminal) {
  auto t = enrolled("t1");
  auto c = t->client(*pki_, coa_->terminal_port);
  auto same = c->Get("/v1/bundle?have=1");
  ASSERT_TRUE(same);
  EXPECT_EQ(same->status, 204);
  std::string out;
  ASSERT_EQ(coa_->admin({"staff", "add", "azc-a", "coa-bram", "Bram Bakker", "coa_staff", "735102"}, &out), 0) << out;
  auto newer = c->Get("/v1/bundle?have=1");
  ASSERT_TRUE(newer);
  ASSERT_EQ(newer->status, 200) << newer->body;
  const auto key = provisioning_pub();
  auto b = balie::store::open_bundle(newer->body, std::span<const balie::store::Ed25519PublicKey>(&key, 1));
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(b->version, 2);
  ASSERT_EQ(b->staff.size(), 2u);
  EXPECT_EQ(b->staff[1].account.id, "coa-bram");
  EXPECT_EQ(b->device.kiosk_id, t->device_id);
  // A staff account that exists already is refused and no version is made.
  EXPECT_EQ(coa_->admin({"staff", "add", "azc-a", "coa-bram", "Bram", "coa_staff", "111111"}, &out), 4) << out;
  // A configuration the terminal would refuse is refused here.
  json broken = location_config(*pki_);
  broken["routes"][0]["gemeentecode"] = "0363";
  spit(dir_ / "broken.json", broken.dump());
  EXPECT_EQ(coa_->admin({"config", "put", "azc-a", (dir_ / "broken.json").string()}, &out), 4);
  EXPECT_NE(out.find("gemeentecode"), std::string::npos) << out;
  EXPECT_EQ(pg_.psql("SELECT max(version) FROM location_configs WHERE location_id = 'azc-a'"), "2");
  auto junk = c->Get("/v1/bundle?have=x1");
  ASSERT_TRUE(junk);
  EXPECT_EQ(junk->status, 400);
}

TEST_F(CoaE2E, TheResidentsFeedPagesWithItsCursorAndShowsOnlyTheTerminalsLocation) {
  auto t = enrolled("t1");
  json residents = json::array();
  for (int i = 1; i <= 5; ++i)
    residents.push_back({{"id", "r" + std::to_string(i)}, {"location_id", "azc-a"}, {"naam_latijns", "Resident " + std::to_string(i)},
                         {"naam_eigen_schrift", "ساكن"}, {"v_nummer", "100000000" + std::to_string(i)},
                         {"geboortedatum", "1990-01-0" + std::to_string(i)}, {"kamer", "B-10" + std::to_string(i)},
                         {"regime", "Wi2021"}, {"gemeentecode", "GM0363"}, {"gekoppeld_sinds", "2026-11-01"}});
  residents.push_back({{"id", "elsewhere"}, {"location_id", "azc-b"}, {"naam_latijns", "Other Place"}, {"v_nummer", "2000000001"},
                       {"geboortedatum", "1985-05-05"}, {"regime", "Wi2021"}, {"gemeentecode", nullptr}, {"gekoppeld_sinds", nullptr}});
  // Hostile or wrong items are refused one by one; the rest is stored.
  residents.push_back({{"id", "bad-1"}, {"location_id", "azc-a"}, {"naam_latijns", "Evil\x1b[2J"}, {"v_nummer", "3000000001"},
                       {"geboortedatum", "1990-01-01"}, {"regime", "Wi2021"}});
  residents.push_back({{"id", "bad-2"}, {"location_id", "azc-a"}, {"naam_latijns", "No Link Date"}, {"v_nummer", "3000000002"},
                       {"geboortedatum", "1990-01-01"}, {"regime", "Wi2021"}, {"gemeentecode", "GM0363"}});
  residents.push_back({{"id", "bad-3"}, {"location_id", "azc-a"}, {"naam_latijns", "Ali \u202Egnp.exe"}, {"v_nummer", "3000000003"},
                       {"geboortedatum", "1990-01-01"}, {"regime", "Wi2021"}});
  spit(dir_ / "residents.json", residents.dump());
  std::string out;
  EXPECT_EQ(coa_->admin({"resident", "put", (dir_ / "residents.json").string()}, &out), 4) << out;
  EXPECT_NE(out.find("6 residents stored, 3 refused"), std::string::npos) << out;

  auto c = t->client(*pki_, coa_->terminal_port);
  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  for (bool more = true; more && pages < 10; ++pages) {
    auto r = c->Get("/v1/residents?limit=2&cursor=" + cursor);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    auto j = json::parse(r->body);
    EXPECT_EQ(j["format"], "balie-coa-residents");
    EXPECT_EQ(j["location_id"], "azc-a");
    for (const auto& it : j["residents"]) seen.push_back(it["id"].get<std::string>());
    more = j["more"].get<bool>();
    cursor = j["cursor"].get<std::string>();
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (std::vector<std::string>{"r1", "r2", "r3", "r4", "r5"}));
  // Nothing new: an empty page with the same cursor.
  auto idle = c->Get("/v1/residents?cursor=" + cursor);
  ASSERT_TRUE(idle);
  auto ij = json::parse(idle->body);
  EXPECT_TRUE(ij["residents"].empty());
  EXPECT_EQ(ij["cursor"], cursor);
  // A new koppeling and a move to another location: the terminal reads the change and a withdrawal.
  residents = json::array();
  residents.push_back({{"id", "r2"}, {"location_id", "azc-a"}, {"naam_latijns", "Resident 2"}, {"v_nummer", "1000000002"},
                       {"geboortedatum", "1990-01-02"}, {"regime", "Wi2021"}, {"gemeentecode", "GM0344"}, {"gekoppeld_sinds", "2026-12-01"}});
  residents.push_back({{"id", "r4"}, {"location_id", "azc-b"}, {"naam_latijns", "Resident 4"}, {"v_nummer", "1000000004"},
                       {"geboortedatum", "1990-01-04"}, {"regime", "Wi2021"}, {"gemeentecode", "GM0363"}, {"gekoppeld_sinds", "2026-11-01"}});
  spit(dir_ / "changes.json", residents.dump());
  ASSERT_EQ(coa_->admin({"resident", "put", (dir_ / "changes.json").string()}, &out), 0) << out;
  auto delta = c->Get("/v1/residents?cursor=" + cursor);
  ASSERT_TRUE(delta);
  auto dj = json::parse(delta->body);
  ASSERT_EQ(dj["residents"].size(), 2u) << delta->body;
  EXPECT_EQ(dj["residents"][0]["id"], "r2");
  EXPECT_EQ(dj["residents"][0]["gemeentecode"], "GM0344");
  EXPECT_EQ(dj["residents"][1]["id"], "r4");
  EXPECT_EQ(dj["residents"][1]["active"], false);
  EXPECT_EQ(dj["residents"][1].size(), 2u) << "a withdrawal carries no personal data";
  EXPECT_EQ(delta->body.find("Other Place"), std::string::npos);
  auto bad = c->Get("/v1/residents?cursor=abc");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  auto big = c->Get("/v1/residents?limit=501");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 400);
}

TEST_F(CoaE2E, HealthIsKeptAlertsOpenAndCloseAndAnotherDevicesDocumentIsRefused) {
  auto t = enrolled("t1");
  auto other = enrolled("t2");
  auto c = t->client(*pki_, coa_->terminal_port);
  auto r = c->Post("/v1/health", health_doc(t->device_id, "azc-a").dump(), "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 202) << r->body;
  EXPECT_EQ(json::parse(r->body)["alerts"], json::array());
  // Clock off by 90 s and the disk 90% full: two alerts.
  r = c->Post("/v1/health", health_doc(t->device_id, "azc-a", 90'000'000, 800'000'000).dump(), "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 202) << r->body;
  EXPECT_EQ(json::parse(r->body)["alerts"], json({"clock_offset", "disk_full"}));
  // Back to normal: both close.
  r = c->Post("/v1/health", health_doc(t->device_id, "azc-a").dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(json::parse(r->body)["alerts"], json::array());
  EXPECT_EQ(pg_.psql("SELECT count(*) FROM alerts WHERE device_id = '" + t->device_id + "' AND cleared_at IS NOT NULL"), "2");
  EXPECT_EQ(pg_.psql("SELECT count(*) FROM health_reports WHERE device_id = '" + t->device_id + "'"), "3");
  // History is kept for 90 days: a report from 91 days ago goes with the next post, one from 89 stays.
  pg_.psql("UPDATE health_reports SET received_at = now() - interval '91 days' WHERE id = (SELECT min(id) FROM health_reports WHERE device_id = '" +
           t->device_id + "')");
  pg_.psql("UPDATE health_reports SET received_at = now() - interval '89 days' WHERE id = (SELECT max(id) FROM health_reports WHERE device_id = '" +
           t->device_id + "')");
  r = c->Post("/v1/health", health_doc(t->device_id, "azc-a").dump(), "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 202) << r->body;
  EXPECT_EQ(pg_.psql("SELECT count(*) FROM health_reports WHERE device_id = '" + t->device_id + "'"), "3");
  EXPECT_EQ(pg_.psql("SELECT count(*) FROM health_reports WHERE received_at < now() - interval '90 days'"), "0");
  // Posting the other terminal's document with this terminal's certificate.
  auto forged = c->Post("/v1/health", health_doc(other->device_id, "azc-a").dump(), "application/json");
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 403);
  EXPECT_NE(forged->body.find("other_device"), std::string::npos);
  auto junk = c->Post("/v1/health", "{\"format\":\"balie-health\"}", "application/json");
  ASSERT_TRUE(junk);
  EXPECT_EQ(junk->status, 400);
  // Without a client certificate nothing but enrolment answers.
  auto anon = TestTerminal::anon_client(*pki_, coa_->terminal_port)->Get("/v1/residents");
  ASSERT_TRUE(anon);
  EXPECT_EQ(anon->status, 401);
}

// Issue 20: COA signs "keys": "test" into its bundles unless its configuration says production (and
// then refuses the TEST provisioning key); a terminal's health "keys" is stored with the document on
// PostgreSQL and the fleet and terminal pages mark a test-key terminal TEST KEYS.
TEST_F(CoaE2E, TestKeysAreSignedIntoBundlesStoredFromHealthAndMarkedOnTheFleet) {
  auto t = enrolled("t1");
  EXPECT_EQ(t->bundle.keys, "test");
  auto c = t->client(*pki_, coa_->terminal_port);
  json doc = health_doc(t->device_id, "azc-a");
  doc["keys"] = "test";
  auto r = c->Post("/v1/health", doc.dump(), "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 202) << r->body;
  EXPECT_EQ(pg_.psql("SELECT document->>'keys' FROM health_reports WHERE device_id = '" + t->device_id + "'"), "test");

  httplib::SSLClient web("127.0.0.1", coa_->web_port);
  web.set_ca_cert_path((pki_->dir / "ca.pem").c_str());
  web.enable_server_certificate_verification(true);
  std::string out;
  ASSERT_EQ(coa_->admin({"operator", "link", "ops-1"}, &out), 0) << out;
  auto link = web.Get(trim(out).substr(trim(out).find("/login/link/")));
  ASSERT_TRUE(link);
  const std::string sess = link->get_header_value("Set-Cookie");
  ASSERT_EQ(sess.rfind("balie_coa_session=", 0), 0u) << sess;
  httplib::Headers auth = {{"Cookie", "balie_coa_session=" + sess.substr(18, 64)}};
  auto fleet = web.Get("/", auth);
  ASSERT_TRUE(fleet);
  ASSERT_EQ(fleet->status, 200);
  EXPECT_NE(fleet->body.find("tag-testkeys\" title=\"ontwikkelimage met openbare testsleutels\">TEST KEYS"), std::string::npos)
      << fleet->body;
  auto page = web.Get("/terminal/" + t->device_id, auth);
  ASSERT_TRUE(page);
  EXPECT_NE(page->body.find("TEST KEYS</span> ontwikkelimage"), std::string::npos) << page->body;

  // The terminal reinstalled with a production image: the mark goes.
  doc["keys"] = "production";
  r = c->Post("/v1/health", doc.dump(), "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 202) << r->body;
  fleet = web.Get("/", auth);
  ASSERT_TRUE(fleet);
  EXPECT_EQ(fleet->body.find(">TEST KEYS<"), std::string::npos);
  page = web.Get("/terminal/" + t->device_id, auth);
  ASSERT_TRUE(page);
  EXPECT_NE(page->body.find("<dd>productie</dd>"), std::string::npos) << page->body;

  // A production COA refuses to run with the TEST provisioning key, and "keys" has two values only
  // (balie-coa serve exits at once, naming the problem).
  for (const auto& [keys, says] : std::vector<std::pair<std::string, std::string>>{
           {"production", "TEST provisioning key"}, {"staging", "keys must be"}}) {
    json cfg = json::parse(slurp(coa_->config));
    cfg["keys"] = keys;
    cfg["terminal"]["port"] = 0;
    const fs::path file = dir_ / ("coa-" + keys + ".json");
    spit(file, cfg.dump(2));
    std::string log;
    EXPECT_NE(run({coa_bin().string(), "--config", file.string(), "serve"}, &log), 0) << keys;
    EXPECT_NE(log.find(says), std::string::npos) << keys << ": " << log;
  }
}

TEST_F(CoaE2E, ARevokedDeviceIsRefusedAtOnce) {
  auto t = enrolled("t1");
  auto c = t->client(*pki_, coa_->terminal_port);
  auto before = c->Get("/v1/bundle?have=1");
  ASSERT_TRUE(before);
  EXPECT_EQ(before->status, 204);
  std::string out;
  ASSERT_EQ(coa_->admin({"device", "revoke", t->device_id, "stolen from the office"}, &out), 0) << out;
  auto after = c->Get("/v1/bundle?have=1");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 403);
  EXPECT_NE(after->body.find("revoked"), std::string::npos);
  EXPECT_EQ(pg_.psql("SELECT kind FROM alerts WHERE device_id = '" + t->device_id + "' AND cleared_at IS NULL"), "revoked");
  EXPECT_EQ(coa_->admin({"device", "revoke", t->device_id, "again"}, &out), 4);
}

TEST_F(CoaE2E, TwoInstancesServeFromOneDatabase) {
  auto second = balie::coa::testing::CoaService::start(*pki_, pg_, dir_ / "coa2");
  ASSERT_NE(second->terminal_port, coa_->terminal_port);
  // Enrolled through one instance, served by the other.
  TestTerminal t(dir_ / "t1");
  auto r = t.enrol(*pki_, coa_->terminal_port, code());
  ASSERT_TRUE(r && r->status == 200);
  std::string out;
  ASSERT_EQ(coa_->admin({"staff", "add", "azc-a", "coa-bram", "Bram Bakker", "coa_staff", "735102"}, &out), 0) << out;
  auto b = t.client(*pki_, second->terminal_port)->Get("/v1/bundle?have=1");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->status, 200);
  // One code raced through both instances by many terminals: exactly one is enrolled.
  const std::string c = code();
  std::vector<std::unique_ptr<TestTerminal>> racers;
  for (int i = 0; i < 6; ++i) racers.push_back(std::make_unique<TestTerminal>(dir_ / ("race" + std::to_string(i))));
  std::vector<int> status(racers.size(), 0);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < racers.size(); ++i)
    threads.emplace_back([&, i] {
      auto res = racers[i]->enrol(*pki_, i % 2 ? second->terminal_port : coa_->terminal_port, c);
      status[i] = res ? res->status : -1;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(std::count(status.begin(), status.end(), 200), 1);
  EXPECT_EQ(std::count(status.begin(), status.end(), 403), 5);
  EXPECT_EQ(pg_.psql("SELECT count(*) FROM devices"), "2");
  if (HasFailure()) std::fprintf(stderr, "second instance log:\n%s\n", second->log().c_str());
}

TEST_F(CoaE2E, APostgresRestartAnswers503AndLeavesNothingHalfWritten) {
  auto t = enrolled("t1");
  const std::string c = code();
  ASSERT_TRUE(pg_.stop());
  TestTerminal next(dir_ / "t2");
  auto during = next.enrol(*pki_, coa_->terminal_port, c);
  ASSERT_TRUE(during);
  EXPECT_EQ(during->status, 503) << during->body;
  EXPECT_TRUE(during->has_header("Retry-After"));
  auto health = t->client(*pki_, coa_->terminal_port)->Post("/v1/health", health_doc(t->device_id, "azc-a").dump(), "application/json");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 503);
  ASSERT_TRUE(pg_.start()) << pg_.error();
  // The code was not used up by the failed attempt; the pool reconnects by itself.
  auto after = next.enrol(*pki_, coa_->terminal_port, c);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200) << after->body;
  EXPECT_EQ(pg_.psql("SELECT count(*) FROM devices"), "2");
  EXPECT_EQ(pg_.psql("SELECT count(*) FROM health_reports"), "0");
}

TEST_F(CoaE2E, OperatorsLogInWithPasswordOrLinkAndEveryFormNeedsItsCsrfToken) {
  auto t = enrolled("t1");
  ASSERT_EQ(t->client(*pki_, coa_->terminal_port)
                ->Post("/v1/health", health_doc(t->device_id, "azc-a", 90'000'000).dump(), "application/json")
                ->status,
            202);
  httplib::SSLClient web("127.0.0.1", coa_->web_port);
  web.set_ca_cert_path((pki_->dir / "ca.pem").c_str());
  web.enable_server_certificate_verification(true);
  auto home = web.Get("/");
  ASSERT_TRUE(home);
  EXPECT_EQ(home->status, 303);
  EXPECT_EQ(home->get_header_value("Location"), "/login");
  auto login = web.Get("/login");
  ASSERT_TRUE(login);
  const std::string set = login->get_header_value("Set-Cookie");
  ASSERT_EQ(set.rfind("balie_coa_login=", 0), 0u) << set;
  EXPECT_NE(set.find("HttpOnly"), std::string::npos);
  EXPECT_NE(set.find("SameSite=Strict"), std::string::npos);
  const std::string pre = set.substr(16, 64);
  const auto csrf_at = login->body.find("name=\"csrf\" value=\"");
  ASSERT_NE(csrf_at, std::string::npos) << login->body;
  const std::string csrf = login->body.substr(csrf_at + 19, 32);
  httplib::Headers cookie = {{"Cookie", "balie_coa_login=" + pre}};
  auto wrong = web.Post("/login", cookie, "csrf=" + csrf + "&id=ops-1&password=nope", "application/x-www-form-urlencoded");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  auto nocsrf = web.Post("/login", cookie, "id=ops-1&password=correct+horse+battery", "application/x-www-form-urlencoded");
  ASSERT_TRUE(nocsrf);
  EXPECT_EQ(nocsrf->status, 400);
  auto ok = web.Post("/login", cookie, "csrf=" + csrf + "&id=ops-1&password=correct+horse+battery",
                     "application/x-www-form-urlencoded");
  ASSERT_TRUE(ok);
  ASSERT_EQ(ok->status, 303) << ok->body;
  const std::string sess = ok->get_header_value("Set-Cookie");
  ASSERT_EQ(sess.rfind("balie_coa_session=", 0), 0u) << sess;
  const std::string token = sess.substr(18, 64);
  httplib::Headers auth = {{"Cookie", "balie_coa_session=" + token}};
  auto fleet = web.Get("/", auth);
  ASSERT_TRUE(fleet);
  ASSERT_EQ(fleet->status, 200);
  EXPECT_NE(fleet->body.find(t->device_id), std::string::npos);
  EXPECT_NE(fleet->body.find("AZC Ter Apel"), std::string::npos);
  EXPECT_NE(fleet->get_header_value("Content-Security-Policy").find("default-src 'none'"), std::string::npos);
  // A revoke without the CSRF token is refused; with it, the device is revoked.
  auto forged = web.Post("/terminal/" + t->device_id + "/revoke", auth, "reason=x", "application/x-www-form-urlencoded");
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 403);
  EXPECT_EQ(pg_.psql("SELECT count(*) FROM devices WHERE revoked_at IS NOT NULL"), "0");
  const auto page = web.Get("/terminal/" + t->device_id, auth);
  ASSERT_TRUE(page);
  const auto at = page->body.find("name=\"csrf\" value=\"");
  ASSERT_NE(at, std::string::npos);
  const std::string session_csrf = page->body.substr(at + 19, 32);
  auto revoke = web.Post("/terminal/" + t->device_id + "/revoke", auth, "csrf=" + session_csrf + "&reason=lost",
                         "application/x-www-form-urlencoded");
  ASSERT_TRUE(revoke);
  EXPECT_EQ(revoke->status, 303);
  EXPECT_EQ(pg_.psql("SELECT revoke_reason FROM devices"), "lost");
  // An enrolment code made on the page is shown once and works.
  auto made = web.Post("/enrolment", auth, "csrf=" + session_csrf + "&location=azc-a", "application/x-www-form-urlencoded");
  ASSERT_TRUE(made);
  ASSERT_EQ(made->status, 200);
  EXPECT_EQ(pg_.psql("SELECT count(*) FROM enrolment_codes WHERE created_by = 'ops-1' AND used_at IS NULL"), "1");
  // A one-time login link works once.
  std::string out;
  ASSERT_EQ(coa_->admin({"operator", "link", "ops-1"}, &out), 0) << out;
  const std::string path = trim(out).substr(trim(out).find("/login/link/"));
  auto first = web.Get(path);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 303);
  EXPECT_EQ(first->get_header_value("Set-Cookie").rfind("balie_coa_session=", 0), 0u);
  auto reuse = web.Get(path);
  ASSERT_TRUE(reuse);
  EXPECT_EQ(reuse->status, 403);
  // Logging out ends the session.
  auto bye = web.Post("/logout", auth, "csrf=" + session_csrf, "application/x-www-form-urlencoded");
  ASSERT_TRUE(bye);
  EXPECT_EQ(bye->status, 303);
  auto after = web.Get("/", auth);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 303);
}

TEST_F(CoaE2E, BodiesOverTheLimitAndFloodsAreRefused) {
  auto t = enrolled("t1");
  auto c = t->client(*pki_, coa_->terminal_port);
  // Refused from its Content-Length before it is read: the answer is 413, or, when the server closes
  // while the client is still writing (a loaded machine), no answer; either way nothing is stored.
  const std::string huge(600 * 1024, 'x');
  auto big = c->Post("/v1/health", huge, "application/json");
  if (big) {
    EXPECT_EQ(big->status, 413);
  }
  EXPECT_EQ(pg_.psql("SELECT count(*) FROM health_reports"), "0");
  EXPECT_NE(coa_->log().find("balie-coa: terminals on"), std::string::npos);
  // A gzip body (here 64 MiB of zeros in ~64 KiB) is refused before it is inflated.
  std::string zeros(64u << 20, '\0');
  auto bomb = balie::record::gzip_compress(zeros);
  ASSERT_TRUE(bomb.ok());
  httplib::Headers gz = {{"Content-Encoding", "gzip"}};
  auto inflated = c->Post("/v1/health", gz, *bomb, "application/json");
  ASSERT_TRUE(inflated);
  EXPECT_EQ(inflated->status, 415);
  int limited = 0;
  for (int i = 0; i < 400 && limited == 0; ++i) {  // 60 at once, then 1 per second: a slow machine refills some
    auto r = c->Get("/v1/bundle?have=1");
    if (r && r->status == 429) {
      ++limited;
      EXPECT_TRUE(r->has_header("Retry-After"));
    }
  }
  EXPECT_EQ(limited, 1) << "60 requests per minute per device, then 429";
}

TEST_F(CoaE2E, ARevocationReachesTheMunicipalityReceiverThroughCoasCrl) {
  auto t = enrolled("t1");
  // COA's revocation list: public, signed by the device CA, empty at first.
  auto anon = TestTerminal::anon_client(*pki_, coa_->terminal_port);
  auto first = anon->Get("/v1/crl");
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 200);
  const fs::path crl = dir_ / "coa.crl";
  spit(crl, first->body);
  std::string out;
  ASSERT_EQ(run({"/usr/bin/openssl", "crl", "-in", crl.string(), "-noout", "-CAfile", (pki_->dir / "device-ca.pem").string()}, &out), 0) << out;
  // A municipality receiver that trusts COA's device CA and reads COA's CRL.
  balie::test::Pki inbox_pki(pki_->dir, {"GM0363"});
  InboxOptions o;
  o.client_ca = "device-ca.pem";
  o.locatiecode = "azc-a";
  o.extra = {"--crl", crl.string()};
  auto ib = Inbox::start(inbox_pki, "GM0363", dir_, o);
  ASSERT_EQ(run({bin("balie-inbox").string(), "enroll-device", "--db", ib->db.string(), "--db-key-file", balie::test::inbox_key(ib->db), "--gemeentecode", "GM0363",
                 "--device-id", t->device_id, "--ed25519-pk", balie::record::to_hex(t->device_pk.data(), 32),
                 "--locatiecode", "azc-a"},
                &out),
            0)
      << out;
  auto to_inbox = [&] {
    httplib::SSLClient c("127.0.0.1", ib->port, (t->dir / "cert.pem").string(), (t->dir / "tls-key.pem").string());
    c.set_ca_cert_path((pki_->dir / "ca.pem").c_str());
    c.enable_server_certificate_verification(true);
    return c.Get("/v1/keten");
  };
  auto before = to_inbox();
  ASSERT_TRUE(before);
  EXPECT_EQ(before->status, 200) << before->body;
  ASSERT_EQ(coa_->admin({"device", "revoke", t->device_id, "decommissioned"}, &out), 0) << out;
  auto fresh = anon->Get("/v1/crl");
  ASSERT_TRUE(fresh);
  // The receiver's timer replaces the file; the receiver reads it on the next request.
  spit(dir_ / "coa.crl.tmp", fresh->body);
  fs::rename(dir_ / "coa.crl.tmp", crl);
  ASSERT_EQ(run({"/usr/bin/openssl", "crl", "-in", crl.string(), "-noout", "-text"}, &out), 0);
  EXPECT_NE(out.find("Revoked Certificates"), std::string::npos) << out;
  auto after = to_inbox();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 403);
  EXPECT_NE(after->body.find("revoked-device"), std::string::npos) << after->body;
  // A CRL signed by anyone else is not taken; the last good one stays in force.
  ASSERT_EQ(coa_->admin({"crl"}, &out), 0);
  std::string forged;
  ASSERT_EQ(run({"/bin/sh", "-c",
                 "cd '" + pki_->dir.string() +
                     "' && openssl ca -gencrl -config rogue-ca.cnf -crldays 7 -out '" + (dir_ / "forged.crl").string() + "' 2>&1"},
                &forged),
            0)
      << forged;
  fs::copy_file(dir_ / "forged.crl", crl, fs::copy_options::overwrite_existing);
  auto still = to_inbox();
  ASSERT_TRUE(still);
  EXPECT_EQ(still->status, 403);
  EXPECT_NE(slurp(ib->dir / "inbox.log").find("not signed by the client CA"), std::string::npos);
}

// COA's operator pages from the real service in a real browser: a one-time login link (the cookie is
// set on the redirect), the fleet table with an alert and a revoked terminal, a terminal's page.
// Screenshots go to BALIE_SHOTS_DIR when set. No resident's name reaches any page.
TEST_F(CoaE2E, TheFleetAndTerminalPagesInHeadlessChromium) {
  BALIE_REQUIRE_CHROMIUM();
  auto a = enrolled("t1");
  auto b = enrolled("t2");
  auto c = enrolled("t3");
  ASSERT_EQ(a->client(*pki_, coa_->terminal_port)->Post("/v1/health", health_doc(a->device_id, "azc-a").dump(), "application/json")->status, 202);
  ASSERT_EQ(b->client(*pki_, coa_->terminal_port)
                ->Post("/v1/health", health_doc(b->device_id, "azc-a", 95'000'000, 700'000'000, 14).dump(), "application/json")
                ->status,
            202);
  std::string out;
  ASSERT_EQ(coa_->admin({"device", "revoke", c->device_id, "gestolen"}, &out), 0) << out;
  json residents = json::array({{{"id", "r1"}, {"location_id", "azc-a"}, {"naam_latijns", "Yohannes Tesfay"},
                                 {"v_nummer", "1000000001"}, {"geboortedatum", "1990-01-01"}, {"regime", "Wi2021"},
                                 {"gemeentecode", "GM0363"}, {"gekoppeld_sinds", "2026-11-01"}}});
  spit(dir_ / "r.json", residents.dump());
  ASSERT_EQ(coa_->admin({"resident", "put", (dir_ / "r.json").string()}, &out), 0) << out;

  const char* shots_env = std::getenv("BALIE_SHOTS_DIR");
  const fs::path shots = shots_env && *shots_env ? fs::path(shots_env) : dir_ / "shots";
  fs::create_directories(shots);
  const std::string pin = pki_->pin("coa-web");
  auto link = [&](const std::string& then) {
    std::string o;
    EXPECT_EQ(coa_->admin({"operator", "link", "ops-1"}, &o), 0) << o;
    const std::string t = trim(o);
    return "https://127.0.0.1:" + std::to_string(coa_->web_port) + t.substr(t.find("/login/link/")) + then;
  };
  auto fleet = balie::test::chromium_run(link(""), pin, true, (shots / "coa-fleet.png").string());
  ASSERT_EQ(fleet.exit_code, 0) << fleet.log;
  EXPECT_NE(fleet.dom.find("Vloot"), std::string::npos) << fleet.dom.substr(0, 2000);
  for (const auto* t : {&a, &b, &c}) EXPECT_NE(fleet.dom.find((*t)->device_id), std::string::npos);
  EXPECT_NE(fleet.dom.find("Klok wijkt"), std::string::npos);
  EXPECT_NE(fleet.dom.find("Ingetrokken"), std::string::npos);
  EXPECT_NE(fleet.dom.find("AZC Ter Apel"), std::string::npos);
  EXPECT_NE(fleet.dom.find("Olga Operator"), std::string::npos);
  EXPECT_EQ(fleet.dom.find("Yohannes"), std::string::npos);
  // A used link does not log in again: the browser ends on the error page.
  auto page = balie::test::chromium_run(
      "https://127.0.0.1:" + std::to_string(coa_->web_port) + "/terminal/" + b->device_id, pin, true, "");
  ASSERT_EQ(page.exit_code, 0) << page.log;
  EXPECT_NE(page.dom.find("Wachtwoord"), std::string::npos) << "without a session the login page is shown";
  // The terminal page, through a link that names it; an outside address in `next` is ignored.
  auto term = balie::test::chromium_run(link("?next=/terminal/" + b->device_id), pin, true,
                                        (shots / "coa-terminal.png").string());
  ASSERT_EQ(term.exit_code, 0) << term.log;
  EXPECT_NE(term.dom.find("Schijf"), std::string::npos) << term.dom.substr(0, 2000);
  EXPECT_NE(term.dom.find(b->device_id), std::string::npos);
  EXPECT_NE(term.dom.find("revoke"), std::string::npos);
  auto away = balie::test::chromium_run(link("?next=//evil.example/x"), pin, true, "");
  ASSERT_EQ(away.exit_code, 0);
  EXPECT_NE(away.dom.find("Vloot"), std::string::npos);
  auto codes = balie::test::chromium_run(link("?next=/enrolment"), pin, true, (shots / "coa-enrolment.png").string());
  ASSERT_EQ(codes.exit_code, 0);
  EXPECT_NE(codes.dom.find("AZC Ter Apel"), std::string::npos);
}

// Issue 20, item 5: both listeners speak TLS 1.3, or TLS 1.2 with an ECDHE AEAD suite only. The curl
// command-line client (the system's OpenSSL) offering only a CBC-SHA1 suite fails the handshake;
// AES-GCM and TLS 1.3 get an HTTP answer. -k: only the suite negotiation is under test here.
TEST_F(CoaE2E, BothListenersRefuseAClientOfferingOnlyCbcSha1) {
  auto probe = [&](int port, const std::vector<std::string>& tls) {
    std::vector<std::string> argv = {"/usr/bin/curl", "-sS", "-k", "--max-time", "20", "-o", "/dev/null", "-w", "%{http_code}"};
    argv.insert(argv.end(), tls.begin(), tls.end());
    argv.push_back("https://127.0.0.1:" + std::to_string(port) + "/v1/bundle");
    std::string out;
    run(argv, &out, 30);
    return out;
  };
  for (int port : {coa_->terminal_port, coa_->web_port}) {
    SCOPED_TRACE(port);
    auto cbc = probe(port, {"--tlsv1.2", "--tls-max", "1.2", "--ciphers", "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA"});
    EXPECT_NE(cbc.find("000"), std::string::npos) << cbc;
    EXPECT_NE(cbc.find("handshake failure"), std::string::npos) << cbc;
    auto gcm = probe(port, {"--tlsv1.2", "--tls-max", "1.2", "--ciphers", "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256"});
    EXPECT_EQ(gcm.find("000"), std::string::npos) << gcm;
    auto tls13 = probe(port, {"--tlsv1.3"});
    EXPECT_EQ(tls13.find("000"), std::string::npos) << tls13;
  }
}
