// balie-syncd against COA's terminal API (issue 15, terminal side), on loopback with real parts: a
// real HTTPS server in this test (cpp-httplib SSLServer, COA's own CA, client certificates required
// from the device CA) speaking the contract's /v1/health, /v1/bundle and /v1/residents; the real
// balie-syncd process on the terminal's real SQLCipher store, enrolled with a real signed bundle;
// a real balie-inbox for the case where COA is out of reach. Plus the residents page parser alone.
#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <mutex>
#include <thread>

#include "balie/store/coa_residents.h"
#include "balie/store/tls_pin.h"
#include "harness.h"

using namespace balie;
using namespace balie::test;
using nlohmann::json;

namespace {

std::string hex32(const std::array<std::uint8_t, 32>& k) { return record::to_hex(k.data(), k.size()); }

// PKIs and the provisioning key, made once for the whole binary.
struct Shared {
  fs::path dir;
  std::unique_ptr<Pki> pki;      // device CA, device certificate, municipality server certificates
  std::unique_ptr<Pki> coa_pki;  // COA's own CA and server certificate (CN=GM9999 is not looked at)
  std::array<std::uint8_t, 32> prov_seed{};
  store::Ed25519PublicKey prov_pk{};
  std::string tls_pin;  // pin of the device's TLS key (pki/device/key.pem)
  Shared() {
    dir = fresh_dir("coa-shared");
    pki = std::make_unique<Pki>(dir / "pki", std::vector<std::string>{"GM0363", "GM0344"});
    coa_pki = std::make_unique<Pki>(dir / "coa-pki", std::vector<std::string>{"GM9999"});
    randombytes_buf(prov_seed.data(), prov_seed.size());
    std::uint8_t sk[64];
    crypto_sign_seed_keypair(prov_pk.data(), sk, prov_seed.data());
    sodium_memzero(sk, sizeof sk);
    fs::create_directories(dir / "prov");
    spit(dir / "prov" / "test.pub", hex32(prov_pk) + "\n");
    tls_pin = store::pin_of_private_key_pem(slurp(pki->dir / "device/key.pem")).value();
  }
  std::string coa_pin() const { return trim(slurp(coa_pki->dir / "GM9999/pin")); }
  std::string other_pin() const { return trim(slurp(pki->dir / "GM0344/pin")); }  // another key's pin
};
Shared& shared() {
  static Shared s;
  return s;
}

std::string peer_cn(const httplib::Request& req) {
  if (req.ssl == nullptr) return "";
  X509* cert = SSL_get1_peer_certificate(req.ssl);
  if (cert == nullptr) return "";
  char cn[256] = {0};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
  X509_free(cert);
  return cn;
}

// COA's terminal listener as the contract describes it; what it serves is set by the test.
class CoaServer {
 public:
  std::mutex mu;
  std::vector<std::string> health_bodies, health_encodings, bundle_haves, cursors, limits, client_cns;
  std::string bundle;                      // served on GET /v1/bundle (empty: 204)
  std::map<std::string, std::string> pages;  // cursor -> page body
  std::vector<std::string> consent_bodies, residents_queries;  // issue 16
  int consent_status = 404;                  // answer of POST /v1/consent (200: acknowledge all)
  int port = 0;

  explicit CoaServer(const Shared& s)
      : svr_((s.coa_pki->dir / "GM9999/cert.pem").c_str(), (s.coa_pki->dir / "GM9999/key.pem").c_str(),
             (s.pki->dir / "ca.pem").c_str()) {
    svr_.Post("/v1/health", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> l(mu);
      health_bodies.push_back(req.body);
      health_encodings.push_back(req.get_header_value("Content-Encoding"));
      client_cns.push_back(peer_cn(req));
      res.status = 202;
      res.set_content(R"({"alerts":["no_pass"]})", "application/json");
    });
    svr_.Get("/v1/bundle", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> l(mu);
      bundle_haves.push_back(req.get_param_value("have"));
      client_cns.push_back(peer_cn(req));
      if (bundle.empty()) {
        res.status = 204;
        return;
      }
      res.set_content(bundle, "application/json");
    });
    svr_.Post("/v1/consent", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> l(mu);
      consent_bodies.push_back(req.body);
      res.status = consent_status;
      if (consent_status != 200) {
        res.set_content(R"({"error":"database_unavailable","message":"retry later"})", "application/json");
        return;
      }
      json ids = json::array();
      const json body = json::parse(req.body);
      for (const auto& e : body["events"]) ids.push_back(e["record_id"]);
      res.set_content(json{{"acknowledged", ids}, {"refused", json::array()}}.dump(), "application/json");
    });
    svr_.Get("/v1/residents", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> l(mu);
      residents_queries.push_back(req.get_param_value("consent"));
      const std::string c = req.has_param("cursor") ? req.get_param_value("cursor") : "(none)";
      cursors.push_back(c);
      limits.push_back(req.get_param_value("limit"));
      client_cns.push_back(peer_cn(req));
      auto it = pages.find(c);
      if (it == pages.end()) {
        res.status = 400;
        res.set_content(R"({"error":"invalid_request","message":"unknown cursor"})", "application/json");
        return;
      }
      res.set_content(it->second, "application/json");
    });
    port = svr_.bind_to_any_port("127.0.0.1");
    th_ = std::thread([this] { svr_.listen_after_bind(); });
    for (int i = 0; i < 500 && !svr_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ~CoaServer() {
    svr_.stop();
    th_.join();
  }

 private:
  httplib::SSLServer svr_;
  std::thread th_;
};

// A port nothing listens on (bound, then closed).
int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t n = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n);
  int port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

json coa_item(const std::string& id, const std::string& gm = "GM0363", const std::string& kamer = "B-12",
              const std::string& sinds = "2026-01-15") {
  return {{"id", id},
          {"naam_latijns", "Test " + id},
          {"naam_eigen_schrift", "تست " + id},
          {"v_nummer", "1234567890"},
          {"geboortedatum", "1990-04-01"},
          {"kamer", kamer},
          {"regime", "Wi2021"},
          {"gemeentecode", gm.empty() ? json(nullptr) : json(gm)},
          {"gekoppeld_sinds", gm.empty() ? json(nullptr) : json(sinds)},
          {"active", true}};
}
json left_item(const std::string& id) { return {{"id", id}, {"active", false}}; }

std::string page(const std::string& cursor, bool more, const json& items, const std::string& loc = "AZC-TER-APEL") {
  return json{{"format", "balie-coa-residents"}, {"format_version", 1}, {"location_id", loc},
              {"cursor", cursor},            {"more", more},         {"residents", items}}
      .dump();
}

struct TestRoute {
  std::string g, url, ca_pem, pin;
  record::Key32 ed{}, x{};
};

class CoaSync : public ::testing::Test {
 protected:
  Shared& s = shared();
  fs::path work, config_dir;
  std::unique_ptr<Kiosk> kiosk;
  std::unique_ptr<CoaServer> coa;
  std::array<std::uint8_t, 32> box_pk{};

  void SetUp() override {
    work = fresh_dir(std::string("coa-") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    config_dir = work / "config";
    fs::create_directories(config_dir);
    setenv("BALIE_CONFIG_DIR", config_dir.c_str(), 1);
    kiosk = std::make_unique<Kiosk>(*s.pki, work, "AZC-TER-APEL", json{{"provisioning_keys", (s.dir / "prov").string()}});
    coa = std::make_unique<CoaServer>(s);
    std::array<std::uint8_t, 32> box_sk{};
    crypto_box_keypair(box_pk.data(), box_sk.data());
  }
  void TearDown() override { unsetenv("BALIE_CONFIG_DIR"); }

  // A route nobody answers on (records for it wait), unless an inbox is given.
  TestRoute dead_route() const {
    TestRoute r{"GM0363", "https://127.0.0.1:" + std::to_string(closed_port()), slurp(s.pki->dir / "ca.pem"),
            trim(slurp(s.pki->dir / "GM0363/pin")), {}, {}};
    std::copy(box_pk.begin(), box_pk.end(), r.x.begin());
    return r;
  }

  json payload(std::int64_t version, int coa_port, const TestRoute& route, const std::string& window = "01:00-05:00",
               const std::vector<std::string>& coa_pins = {}) {
    json routes = json::array({{{"gemeentecode", route.g},
                                {"base_url", route.url},
                                {"ca_pem", route.ca_pem},
                                {"pins", {route.pin, s.other_pin()}},
                                {"ed25519_pk", hex32(route.ed)},
                                {"x25519_pk", hex32(route.x)}}});
    json p = {{"bundle_version", version},
              {"issued_at", "2026-12-05T10:00:00Z"},
              {"device",
               {{"device_id", s.pki->device_id},
                {"location_id", "AZC-TER-APEL"},
                {"location_name", "AZC Ter Apel v" + std::to_string(version)},
                {"ed25519_pk", hex32(s.pki->device.public_key)},
                {"tls_certificate_pem", slurp(s.pki->dir / "device/cert.pem")}}},
              {"coa",
               {{"endpoint", "https://127.0.0.1:" + std::to_string(coa_port)},
                {"ca_pem", slurp(s.coa_pki->dir / "ca.pem")},
                // The backup pin is COA's real key: curl gets "primary;backup" and must accept either.
                {"pins", coa_pins.empty() ? std::vector<std::string>{s.other_pin(), s.coa_pin()} : coa_pins}}},
              {"ntp_servers", {"ntp1.coa.test"}},
              {"sync_window", window},
              {"routes", routes},
              {"staff", {{{"id", "coa-anna"}, {"display_name", "Anna (COA)"}, {"role", "coa_staff"},
                          {"first_login_pin", "271828"}}}},
              {"texts", json::array()}};
    return p;
  }
  std::string bundle(std::int64_t version, int coa_port, const TestRoute& route, const std::string& window = "01:00-05:00",
                     const std::vector<std::string>& coa_pins = {}) {
    auto signed_file = store::sign_bundle(payload(version, coa_port, route, window, coa_pins).dump(), s.prov_seed);
    if (!signed_file.ok()) throw std::runtime_error("sign_bundle: " + signed_file.error().message);
    return signed_file.value();
  }

  // Enrols the kiosk's store with `file` the way balie-admin bundle apply does.
  void enrol(const std::string& file) {
    auto st = kiosk->open();
    store::TerminalIdentityLoader id = [this](store::TerminalIdentity* out) -> std::optional<std::string> {
      out->device_pk = s.pki->device.public_key;
      out->tls_pin = s.tls_pin;
      return std::nullopt;
    };
    std::vector<store::Ed25519PublicKey> trusted{s.prov_pk};
    auto r = store::install_bundle(st->store(), file, trusted, id, config_dir, kiosk->store, "test");
    ASSERT_EQ(r.kind, store::BundleInstall::Kind::Applied) << (r.refusal ? r.refusal->message : r.message);
  }

  int audit_count(store::Store& st, const std::string& action, std::vector<std::string>* details = nullptr) {
    auto tail = st.audit_tail(1000);
    int n = 0;
    for (const auto& e : tail.value())
      if (e.action == action) {
        ++n;
        if (details) details->push_back(e.detail);
      }
    return n;
  }
};

}  // namespace

// [SECTION] The page parser alone

TEST(CoaResidentsPage, RefusesBadItemsOneByOneAndMalformedPagesWhole) {
  json items = json::array();
  items.push_back(coa_item("ok-1"));
  auto with = [](json j, const std::string& k, const json& v) {
    j[k] = v;
    return j;
  };
  items.push_back(with(coa_item("unknown-field"), "bsn", "999990019"));
  items.push_back(with(coa_item("vnr-9"), "v_nummer", "123456789"));
  items.push_back(with(coa_item("vnr-alpha"), "v_nummer", "12345678AB"));
  items.push_back(with(coa_item("bad-date"), "geboortedatum", "1990-02-30"));
  items.push_back(with(coa_item("bad-regime"), "regime", "Wi2099"));
  items.push_back(with(coa_item("bad-gm"), "gemeentecode", "GM36"));
  items.push_back(with(coa_item("rlo-name"), "naam_latijns", "Ali \u202Egnp.exe"));  // kept: the store cleans it (issue 18)
  items.push_back(with(coa_item("ctl-kamer"), "kamer", "B\n12"));
  items.push_back(with(coa_item("num-name"), "naam_latijns", 42));
  items.push_back(with(coa_item("sinds-no-gm"), "gemeentecode", nullptr));
  items.push_back(with(coa_item("x"), "id", "has space"));
  items.push_back("not an object");
  items.push_back(coa_item("ok-1"));  // duplicate
  items.push_back(left_item("gone-1"));
  auto p = store::parse_coa_residents_page(page("c1", false, items));
  ASSERT_TRUE(p.ok()) << p.error().message;
  ASSERT_EQ(p.value().residents.size(), 3u);
  EXPECT_EQ(p.value().residents[0].id, "ok-1");
  EXPECT_EQ(p.value().residents[1].id, "rlo-name");
  EXPECT_EQ(p.value().residents[2].id, "gone-1");
  EXPECT_FALSE(p.value().residents[2].active);
  std::map<std::string, std::string> why(p.value().refused.begin(), p.value().refused.end());
  EXPECT_EQ(p.value().refused.size(), 12u);
  EXPECT_NE(why["unknown-field"].find("coa-item-unknown-field"), std::string::npos);
  EXPECT_NE(why["vnr-9"].find("v_nummer"), std::string::npos);
  EXPECT_NE(why["vnr-alpha"].find("v_nummer"), std::string::npos);
  EXPECT_NE(why["bad-date"].find("geboortedatum"), std::string::npos);
  EXPECT_NE(why["bad-regime"].find("regime"), std::string::npos);
  EXPECT_NE(why["bad-gm"].find("gemeentecode"), std::string::npos);
  EXPECT_EQ(why.count("rlo-name"), 0u);
  EXPECT_NE(why["ctl-kamer"].find("kamer"), std::string::npos);
  EXPECT_NE(why["num-name"].find("naam_latijns"), std::string::npos);
  EXPECT_NE(why["sinds-no-gm"].find("gekoppeld_sinds"), std::string::npos);
  EXPECT_NE(why["#11"].find("\"id\""), std::string::npos);
  EXPECT_NE(why["#12"].find("object"), std::string::npos);
  EXPECT_NE(why["ok-1"].find("twice"), std::string::npos);
  for (const auto& [id, w] : p.value().refused) {  // refusals name rules, never values
    EXPECT_EQ(w.find("999990019"), std::string::npos) << w;
    EXPECT_EQ(w.find("gnp"), std::string::npos) << w;
  }

  // Whole-page problems: nothing comes back.
  auto changed = [](const std::string& k, const json& v) {
    json j = json::parse(page("c1", false, json::array({coa_item("r1")})));
    j[k] = v;
    return j.dump();
  };
  // JSON is UTF-8: a page with an invalid byte sequence anywhere (here inside a name) is refused whole.
  std::string bad_utf8 = page("c1", false, json::array({coa_item("r1", "GM0363", "@@BAD@@")}));
  bad_utf8.replace(bad_utf8.find("@@BAD@@"), 7, std::string("\xC3\x28", 2));
  const std::vector<std::string> bad_pages = {
      page("c1", false, json::array()).substr(0, 40),
      "[]",
      changed("extra", 1),
      changed("format", "balie-dossier"),
      changed("format_version", 2),
      changed("more", "no"),
      changed("residents", json::object()),
      page("c 1", false, json::array()),
      page("c1", false, json::array(), "AZC TER"),
      json{{"format", "balie-coa-residents"}, {"format_version", 1}, {"location_id", "L"}, {"cursor", "c"}, {"more", false}}.dump(),
      std::string(40, '[') + std::string(40, ']'),
      bad_utf8};
  for (const auto& bad : bad_pages) {
    auto r = store::parse_coa_residents_page(bad);
    EXPECT_FALSE(r.ok()) << bad.substr(0, 200);
  }
  json many = json::array();
  for (int i = 0; i < 501; ++i) many.push_back(coa_item("r" + std::to_string(i)));
  auto r = store::parse_coa_residents_page(page("c1", false, many));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, store::StoreErrc::LimitReached);
}

// [SECTION] balie-syncd against COA

TEST_F(CoaSync, FirstPullOverThreePagesThenIncrementalPullSendsTheStoredCursorAndPostsTheHealthDocument) {
  enrol(bundle(1, coa->port, dead_route()));
  // (the server thread touches these only while balie-syncd runs; sync_once waits for it)
  coa->pages[""] = page("c1", true, json::array({coa_item("r1"), coa_item("r2")}));
  coa->pages["c1"] = page("c2", true, json::array({coa_item("r3", "GM0344"), coa_item("r4", "")}));
  coa->pages["c2"] = page("c3", false, json::array({coa_item("r5")}));
  std::string out;
  kiosk->sync_once(&out);
  {
    auto st = kiosk->open();
    EXPECT_EQ(st->store().coa_residents_cursor().value(), "c3") << out;
    auto all = st->store().list_residents("AZC-TER-APEL").value();
    ASSERT_EQ(all.size(), 5u) << out;
    auto r3 = st->store().resident("r3").value();
    ASSERT_TRUE(r3);
    EXPECT_EQ(r3->gemeentecode, "GM0344");
    EXPECT_EQ(r3->v_nummer, "1234567890");
    EXPECT_EQ(r3->kamer, "B-12");
    EXPECT_EQ(r3->regime.raw, "Wi2021");
    EXPECT_EQ(r3->naam_eigen_schrift, "تست r3");
    EXPECT_EQ(st->store().resident("r4").value()->gemeentecode, "");
    EXPECT_EQ(audit_count(st->store(), "coa.residents_apply"), 3);
  }
  EXPECT_EQ(coa->cursors, (std::vector<std::string>{"", "c1", "c2"})) << out;
  EXPECT_EQ(coa->limits, (std::vector<std::string>{"200", "200", "200"}));
  EXPECT_EQ(coa->bundle_haves, std::vector<std::string>{"1"});  // answered 204: nothing changes
  EXPECT_TRUE(coa->health_bodies.empty());  // no health.json before the first pass
  for (const auto& cn : coa->client_cns) EXPECT_EQ(cn, s.pki->device_id);  // the terminal's mTLS certificate
  ASSERT_TRUE(fs::exists(config_dir / "health.json")) << out;
  const std::string health = slurp(config_dir / "health.json");

  // Incremental: the stored cursor goes out; COA changes a room.
  coa->pages["c3"] = page("c4", false, json::array({coa_item("r2", "GM0363", "C-7")}));
  kiosk->sync_once(&out);
  EXPECT_EQ(coa->cursors, (std::vector<std::string>{"", "c1", "c2", "c3"})) << out;
  ASSERT_EQ(coa->health_bodies.size(), 1u) << out;
  EXPECT_EQ(coa->health_bodies[0], health);  // the document's bytes, as written after the first pass
  EXPECT_EQ(coa->health_encodings[0], "");
  EXPECT_NE(out.find("alerts: no_pass"), std::string::npos) << out;
  auto st = kiosk->open();
  EXPECT_EQ(st->store().coa_residents_cursor().value(), "c4");
  EXPECT_EQ(st->store().resident("r2").value()->kamer, "C-7");
  EXPECT_EQ(st->store().applied_bundle().value()->version, 1);
}

TEST_F(CoaSync, KoppelingChangeKeepsTheDossierAndThePreviousLinkAndQueuedRecordsKeepTheirAddressee) {
  enrol(bundle(1, coa->port, dead_route()));
  std::string record_id;
  {
    auto st = kiosk->open();
    json fd = feed_dossier("r1", "GM0363", "AZC-TER-APEL",
                           {{"pip", {{"dagtekening", "2026-03-01"}, {"leerroute", "B"}, {"niveau", "B1"}}}});
    fd["resident"]["bsn"] = "999990019";
    fd["resident"]["gekoppeld_sinds"] = "2026-01-15";
    fd["resident"]["voorkeurstaal"] = "ar";
    ASSERT_TRUE(st->store().upsert_resident(store::resident_dossier_from_json(fd.dump()).value()).ok());
    record_id = kiosk->add_record(*st, "GM0363", "r1");
  }
  coa->pages[""] = page("c1", false, json::array({coa_item("r1", "GM0344", "A-1", "2026-11-01")}));
  std::string out;
  kiosk->sync_once(&out);
  auto st = kiosk->open();
  auto v = st->store().load_dossier("r1");
  ASSERT_TRUE(v.ok()) << out;
  const auto& r = v.value().resident;
  EXPECT_EQ(r.gemeentecode, "GM0344");
  EXPECT_EQ(r.gekoppeld_sinds, "2026-11-01");
  ASSERT_EQ(r.eerdere_koppelingen.size(), 1u);
  EXPECT_EQ(r.eerdere_koppelingen[0].gemeentecode, "GM0363");
  EXPECT_EQ(r.eerdere_koppelingen[0].van, "2026-01-15");
  EXPECT_EQ(r.eerdere_koppelingen[0].tot, "2026-11-01");
  EXPECT_EQ(r.kamer, "A-1");
  EXPECT_EQ(r.bsn, "999990019");  // what COA does not send stays
  EXPECT_EQ(r.voorkeurstaal, "ar");
  ASSERT_TRUE(v.value().dossier.pip) << out;  // the dossier stays
  EXPECT_EQ(v.value().dossier.pip->leerroute.raw, "B");
  auto e = st->store().outbox_entry(record_id).value();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->addressee, "GM0363");  // made for GM0363, stays GM0363's
  EXPECT_NE(e->state, store::OutboxState::Acknowledged);
  std::vector<std::string> d;
  EXPECT_EQ(audit_count(st->store(), "coa.link_change", &d), 1);
  EXPECT_NE(d[0].find("from=GM0363 to=GM0344 waiting_records_keep_addressee=1"), std::string::npos) << d[0];

  // The same page again (a pass cut after the commit, before COA heard of it): no second link entry.
  auto again = st->store().apply_coa_residents(
      store::parse_coa_residents_page(page("c1", false, json::array({coa_item("r1", "GM0344", "A-1", "2026-11-01")})))
          .value());
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again.value().link_changes, 0);
  EXPECT_EQ(again.value().updated, 1);
  EXPECT_EQ(st->store().resident("r1").value()->eerdere_koppelingen.size(), 1u);
}

TEST_F(CoaSync, ResidentWhoLeftIsPurgedAndAWaitingRecordStaysUntilDelivered) {
  enrol(bundle(1, coa->port, dead_route()));
  std::string record_id;
  {
    auto st = kiosk->open();
    for (const char* id : {"stay", "left", "left-waiting"}) {
      json fd = feed_dossier(id, "GM0363", "AZC-TER-APEL", {{"pip", {{"dagtekening", "2026-03-01"}}}});
      ASSERT_TRUE(st->store().upsert_resident(store::resident_dossier_from_json(fd.dump()).value()).ok());
    }
    record_id = kiosk->add_record(*st, "GM0363", "left-waiting");
  }
  coa->pages[""] = page("c1", false, json::array({left_item("left"), left_item("left-waiting"), left_item("never-here"),
                                                  coa_item("stay")}));
  std::string out;
  kiosk->sync_once(&out);
  auto st = kiosk->open();
  EXPECT_TRUE(st->store().resident("stay").value()) << out;
  EXPECT_FALSE(st->store().resident("left").value()) << out;
  EXPECT_FALSE(st->store().resident("left-waiting").value()) << out;
  EXPECT_FALSE(st->store().load_dossier("left").ok());
  auto e = st->store().outbox_entry(record_id).value();  // not lost: goes once acknowledged
  ASSERT_TRUE(e);
  EXPECT_FALSE(e->payload.empty());
  std::vector<std::string> d;
  EXPECT_EQ(audit_count(st->store(), "coa.resident_left", &d), 2);
  std::string all;
  for (const auto& x : d) all += x + "\n";
  EXPECT_NE(all.find("resident=left-waiting records_deleted=0 waiting=1"), std::string::npos) << all;
  EXPECT_EQ(st->store().coa_residents_cursor().value(), "c1");
}

TEST_F(CoaSync, HostileAndUnknownFieldItemsAreRefusedAndAuditedWhileTheOthersApply) {
  enrol(bundle(1, coa->port, dead_route()));
  json bad1 = coa_item("hostile-1");
  bad1["naam_latijns"] = "Ali \u0007gnp.exe";  // a control character: refused
  json bad2 = coa_item("hostile-2");
  bad2["bsn"] = "999990019";
  json bad3 = coa_item("hostile-3");
  bad3["v_nummer"] = "12345";
  // Issue 18: a bidi override is formatting, not a reason to leave the resident out: stored without
  // it, flagged for staff and audited by id and field.
  json bidi = coa_item("bidi-1");
  bidi["naam_latijns"] = "Ali \u202Egnp.exe";
  coa->pages[""] = page("c1", false, json::array({coa_item("good-1"), bad1, bad2, bad3, bidi, coa_item("good-2")}));
  std::string out;
  int rc = kiosk->sync_once(&out);
  EXPECT_EQ(rc, 1) << out;  // refused input: the operator must look
  EXPECT_NE(out.find("3 residents item(s) refused"), std::string::npos) << out;
  auto st = kiosk->open();
  EXPECT_TRUE(st->store().resident("good-1").value());
  EXPECT_TRUE(st->store().resident("good-2").value());
  for (const char* id : {"hostile-1", "hostile-2", "hostile-3"}) EXPECT_FALSE(st->store().resident(id).value()) << id;
  auto cleaned = st->store().resident("bidi-1").value();
  ASSERT_TRUE(cleaned);
  EXPECT_EQ(cleaned->naam_latijns, "Ali gnp.exe");
  EXPECT_EQ(cleaned->bidi_stripped, std::vector<std::string>{"naam_latijns"});
  std::vector<std::string> stripped;
  EXPECT_EQ(audit_count(st->store(), "resident.bidi_stripped", &stripped), 1);
  EXPECT_EQ(stripped, std::vector<std::string>{"resident=bidi-1 field=naam_latijns"});
  std::vector<std::string> d;
  EXPECT_EQ(audit_count(st->store(), "coa.item_refused", &d), 3);
  std::string all;
  for (const auto& x : d) all += x + "\n";
  EXPECT_NE(all.find("resident=hostile-1 cursor=c1 reason=coa-item-invalid: \"naam_latijns\""), std::string::npos) << all;
  EXPECT_NE(all.find("resident=hostile-2 cursor=c1 reason=coa-item-unknown-field"), std::string::npos) << all;
  EXPECT_NE(all.find("resident=hostile-3 cursor=c1 reason=coa-item-invalid: \"v_nummer\""), std::string::npos) << all;
  EXPECT_EQ(all.find("999990019"), std::string::npos) << all;
  EXPECT_EQ(st->store().coa_residents_cursor().value(), "c1");
  EXPECT_TRUE(st->store().verify_audit().value().ok);
}

TEST_F(CoaSync, MalformedPageAppliesNothingAndKeepsTheCursor) {
  enrol(bundle(1, coa->port, dead_route()));
  coa->pages[""] = page("c1", false, json::array({coa_item("r1")}));
  std::string out;
  kiosk->sync_once(&out);
  // Next page: a good item on a page with an unknown page-level field, then one for another location.
  json bad = json::parse(page("c2", false, json::array({coa_item("r2")})));
  bad["note"] = "x";
  coa->pages["c1"] = bad.dump();
  int rc = kiosk->sync_once(&out);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("residents page refused"), std::string::npos) << out;
  {
    auto st = kiosk->open();
    EXPECT_FALSE(st->store().resident("r2").value()) << out;
    EXPECT_EQ(st->store().coa_residents_cursor().value(), "c1");
  }
  coa->pages["c1"] = page("c2", false, json::array({coa_item("r2")}), "AZC-BUDEL");
  rc = kiosk->sync_once(&out);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("AZC-BUDEL"), std::string::npos) << out;
  auto st = kiosk->open();
  EXPECT_FALSE(st->store().resident("r2").value()) << out;
  EXPECT_EQ(st->store().coa_residents_cursor().value(), "c1");
  EXPECT_EQ(coa->cursors, (std::vector<std::string>{"", "c1", "c1"}));
}

TEST_F(CoaSync, NewerBundleIsInstalledWithItsFilesAndAnOlderOneIsRefused) {
  const TestRoute route = dead_route();
  enrol(bundle(1, coa->port, route));
  coa->bundle = bundle(3, coa->port, route, "02:00-04:00");
  coa->pages[""] = page("c1", false, json::array());
  std::string out;
  kiosk->sync_once(&out);
  {
    auto st = kiosk->open();
    auto ab = st->store().applied_bundle().value();
    ASSERT_TRUE(ab);
    EXPECT_EQ(ab->version, 3) << out;
    EXPECT_EQ(ab->sync_window, "02:00-04:00");
    EXPECT_EQ(st->store().device_config().value()->location_name, "AZC Ter Apel v3");
    EXPECT_EQ(audit_count(st->store(), "bundle.apply"), 2);
  }
  EXPECT_EQ(slurp(config_dir / "bundle-version"), "3\n");
  auto syncd = json::parse(slurp(config_dir / "syncd.json"));
  EXPECT_EQ(syncd["window"], "02:00-04:00");
  EXPECT_EQ(syncd["store"], fs::absolute(kiosk->store).string());
  EXPECT_EQ(slurp(config_dir / "device-cert.pem"), slurp(s.pki->dir / "device/cert.pem"));
  EXPECT_NE(out.find("bundle version 3 installed"), std::string::npos) << out;
  EXPECT_EQ(coa->bundle_haves.back(), "1");

  // COA (or someone in between) serves an older bundle: refused, nothing changes.
  coa->bundle = bundle(2, coa->port, route, "03:00-04:00");
  int rc = kiosk->sync_once(&out);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("bundle refused [older]"), std::string::npos) << out;
  EXPECT_EQ(coa->bundle_haves.back(), "3");
  auto st = kiosk->open();
  EXPECT_EQ(st->store().applied_bundle().value()->version, 3);
  EXPECT_EQ(st->store().applied_bundle().value()->sync_window, "02:00-04:00");
  EXPECT_EQ(slurp(config_dir / "bundle-version"), "3\n");
  std::vector<std::string> d;
  EXPECT_EQ(audit_count(st->store(), "bundle.refused", &d), 1);
  EXPECT_NE(d[0].find("version=2 reason=older"), std::string::npos) << d[0];

  // A bundle signed by a key the image does not trust: refused the same way.
  std::array<std::uint8_t, 32> other{};
  randombytes_buf(other.data(), other.size());
  auto p = payload(4, coa->port, route);
  coa->bundle = store::sign_bundle(p.dump(), other).value();
  rc = kiosk->sync_once(&out);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("bundle refused [unknown-key]"), std::string::npos) << out;
  EXPECT_EQ(kiosk->open()->store().applied_bundle().value()->version, 3);

  // Issue 20: a production bundle (trusted key) on this test-key terminal (no trust file): refused too.
  p = payload(4, coa->port, route);
  p["keys"] = "production";
  coa->bundle = store::sign_bundle(p.dump(), s.prov_seed).value();
  rc = kiosk->sync_once(&out);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("bundle refused [key-set]"), std::string::npos) << out;
  EXPECT_EQ(kiosk->open()->store().applied_bundle().value()->version, 3);
}

TEST_F(CoaSync, CoaOutOfReachOrWithTheWrongPinsDoesNotStopRecordsGoingToTheMunicipality) {
  auto ib = Inbox::start(*s.pki, "GM0363", work);
  TestRoute route{"GM0363", ib->url(), slurp(s.pki->dir / "ca.pem"), trim(slurp(s.pki->dir / "GM0363/pin")), ib->ed_pk, ib->x_pk};
  enrol(bundle(1, closed_port(), route));
  std::string id1;
  {
    auto st = kiosk->open();
    id1 = kiosk->add_record(*st, "GM0363", "res-1");
  }
  std::string out;
  int rc = kiosk->sync_once(&out);
  EXPECT_EQ(rc, 0) << out;  // COA out of reach: the records decide the exit status
  EXPECT_NE(out.find("COA https://127.0.0.1:"), std::string::npos) << out;
  EXPECT_NE(out.find("TRANSIENT: bundle"), std::string::npos) << out;  // no health.json before the first pass
  auto recs = ib->records();
  ASSERT_EQ(recs.size(), 1u) << out;
  EXPECT_EQ(recs[0]["record_id"], id1);
  EXPECT_EQ(kiosk->open()->outbox_state(id1).value(), "acknowledged");

  // COA answers, but with a key neither pin names: TLS refused, nothing of it used, records still go.
  const std::string wrong = s.other_pin();
  ASSERT_NO_FATAL_FAILURE(enrol(bundle(2, coa->port, route, "01:00-05:00", {wrong, trim(slurp(s.pki->dir / "GM0363/pin"))})));
  coa->pages[""] = page("c1", false, json::array({coa_item("never")}));
  std::string id2;
  {
    auto st = kiosk->open();
    id2 = kiosk->add_record(*st, "GM0363", "res-1");
  }
  rc = kiosk->sync_once(&out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("TLS refused"), std::string::npos) << out;
  EXPECT_TRUE(coa->cursors.empty());
  EXPECT_FALSE(kiosk->open()->store().resident("never").value());
  recs = ib->records();
  ASSERT_EQ(recs.size(), 2u) << out;
  EXPECT_EQ(kiosk->open()->outbox_state(id2).value(), "acknowledged");
}

// [SECTION] issue16-consent: consent states in COA's feed, the consent queue and its delivery

namespace {
json consent_entry(const std::string& record_id, const std::string& decision, const std::string& at,
                   const std::string& expires = "", bool expired = false) {
  return {{"purpose", "pid_sharing"}, {"decision", decision}, {"decided_at", at},
          {"expires_at", expires.empty() ? json(nullptr) : json(expires)}, {"record_id", record_id},
          {"text_version", "consent-pid-balie-2-nl"}, {"expired", expired}};
}
const char* kRec1 = "11111111-1111-4111-8111-111111111111";
const char* kRec2 = "22222222-2222-4222-8222-222222222222";
}  // namespace

TEST(CoaResidentsPage, ConsentEntriesAreCheckedOneByOne) {
  struct Case {
    json consent;
    std::string refusal;  // "" = accepted
  };
  const std::vector<Case> cases = {
      {json::array({consent_entry(kRec1, "given", "2026-12-06T08:00:00Z", "2027-12-06T08:00:00Z")}), ""},
      {json::array({consent_entry(kRec1, "refused", "2026-12-06T08:00:00Z")}), ""},
      {json::array(), ""},
      {json::object(), "must be an array"},
      {json::array({consent_entry(kRec1, "given", "2026-12-06T08:00:00Z")}), "exactly when"},
      {json::array({consent_entry(kRec1, "refused", "2026-12-06T08:00:00Z", "2027-12-06T08:00:00Z")}), "exactly when"},
      {json::array({consent_entry(kRec1, "maybe", "2026-12-06T08:00:00Z")}), "decision"},
      {json::array({consent_entry("not-a-uuid", "refused", "2026-12-06T08:00:00Z")}), "record_id"},
      {json::array({consent_entry(kRec1, "refused", "6 dec 2026")}), "decided_at"},
      {json::array({consent_entry(kRec1, "given", "2026-12-06T08:00:00Z", "2026-12-01T08:00:00Z")}), "after decided_at"},
      {json::array({consent_entry(kRec1, "refused", "2026-12-06T08:00:00Z", "", true)}), "only a given"},
      {json::array({consent_entry(kRec1, "refused", "2026-12-06T08:00:00Z"), consent_entry(kRec2, "refused", "2026-12-07T08:00:00Z")}),
       "twice"},
  };
  for (const auto& c : cases) {
    json item = coa_item("r1");
    item["consent"] = c.consent;
    auto p = store::parse_coa_residents_page(page("c1", false, json::array({item})));
    ASSERT_TRUE(p.ok()) << p.error().message;
    if (c.refusal.empty()) {
      ASSERT_EQ(p.value().residents.size(), 1u) << c.consent.dump();
      ASSERT_TRUE(p.value().residents[0].consents.has_value());
      EXPECT_EQ(p.value().residents[0].consents->size(), c.consent.size());
    } else {
      ASSERT_EQ(p.value().refused.size(), 1u) << c.consent.dump();
      EXPECT_NE(p.value().refused[0].second.find(c.refusal), std::string::npos) << p.value().refused[0].second;
    }
  }
  json extra = coa_item("r1");
  extra["consent"] = json::array({consent_entry(kRec1, "refused", "2026-12-06T08:00:00Z")});
  extra["consent"][0]["note"] = "free text";
  auto p = store::parse_coa_residents_page(page("c1", false, json::array({extra})));
  ASSERT_EQ(p.value().refused.size(), 1u);
  EXPECT_NE(p.value().refused[0].second.find("unknown-field"), std::string::npos);
  // Without "consent" the item says nothing about consent (an older COA).
  auto none = store::parse_coa_residents_page(page("c1", false, json::array({coa_item("r1")})));
  EXPECT_FALSE(none.value().residents[0].consents.has_value());
}

TEST_F(CoaSync, ConsentFromCoasFeedIsKeptAndTheNewerDecisionWinsAndLeavesWithTheResident) {
  enrol(bundle(1, coa->port, dead_route()));
  json item = coa_item("r1");
  item["consent"] = json::array({consent_entry(kRec1, "given", "2026-12-06T08:00:00Z", "2027-12-06T08:00:00Z")});
  coa->pages[""] = page("c1", false, json::array({item}));
  std::string out;
  kiosk->sync_once(&out);
  EXPECT_EQ(coa->residents_queries.at(0), "1") << "the terminal asks for the consent field";
  auto st = kiosk->open();
  auto s = st->store().consent_states("r1");
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s.value().size(), 1u) << out;
  EXPECT_EQ(s.value()[0].decision, "given");
  EXPECT_EQ(s.value()[0].source, "coa");
  EXPECT_EQ(record::format_utc(*s.value()[0].expires_at), "2027-12-06T08:00:00Z");
  // An older decision from COA does not overwrite a newer one; "consent" absent changes nothing.
  json older = coa_item("r1");
  older["consent"] = json::array({consent_entry(kRec2, "refused", "2026-11-01T08:00:00Z")});
  auto a = st->store().apply_coa_residents(store::parse_coa_residents_page(page("c2", false, json::array({older}))).value());
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(st->store().consent_states("r1").value()[0].record_id, kRec1);
  a = st->store().apply_coa_residents(store::parse_coa_residents_page(page("c3", false, json::array({coa_item("r1")}))).value());
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(st->store().consent_states("r1").value()[0].record_id, kRec1);
  json newer = coa_item("r1");
  newer["consent"] = json::array({consent_entry(kRec2, "withdrawn", "2026-12-07T08:00:00Z")});
  a = st->store().apply_coa_residents(store::parse_coa_residents_page(page("c4", false, json::array({newer}))).value());
  ASSERT_TRUE(a.ok());
  auto w = st->store().consent_states("r1").value();
  EXPECT_EQ(w[0].decision, "withdrawn");
  EXPECT_FALSE(w[0].expires_at.has_value());
  // The resident leaves: the consent state goes with them.
  a = st->store().apply_coa_residents(store::parse_coa_residents_page(page("c5", false, json::array({left_item("r1")}))).value());
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(st->store().consent_states("r1").value().empty());
}

// Decisions carry whole seconds: given and withdrawn within one second tie. The more protective one
// wins (as in COA's resident_consent_current), whichever arrives first; before, the withdrawal was
// dropped as "not newer" (seen as a flaky CoaConsentE2E under load).
TEST_F(CoaSync, SameSecondConsentDecisionsResolveToTheProtectiveOne) {
  enrol(bundle(1, coa->port, dead_route()));
  json item = coa_item("r1");
  item["consent"] = json::array({consent_entry(kRec1, "given", "2026-12-06T08:00:00Z", "2027-12-06T08:00:00Z")});
  coa->pages[""] = page("c1", false, json::array({item}));
  std::string out;
  kiosk->sync_once(&out);
  auto st = kiosk->open();
  ASSERT_EQ(st->store().consent_states("r1").value().at(0).decision, "given") << out;
  json withdrawn = coa_item("r1");
  withdrawn["consent"] = json::array({consent_entry(kRec2, "withdrawn", "2026-12-06T08:00:00Z")});
  auto a = st->store().apply_coa_residents(
      store::parse_coa_residents_page(page("c2", false, json::array({withdrawn}))).value());
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(st->store().consent_states("r1").value().at(0).decision, "withdrawn");
  EXPECT_EQ(st->store().consent_states("r1").value().at(0).record_id, kRec2);
  // A given of the same second after it does not bring the consent back.
  a = st->store().apply_coa_residents(store::parse_coa_residents_page(page("c3", false, json::array({item}))).value());
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(st->store().consent_states("r1").value().at(0).decision, "withdrawn");
}

TEST_F(CoaSync, AConsentEventStaysQueuedUntilCoaAcknowledgesIt) {
  enrol(bundle(1, coa->port, dead_route()));
  std::string record_id;
  {
    auto st = kiosk->open();
    auto rd = store::resident_dossier_from_json(feed_dossier("r1", "GM0363", "AZC-TER-APEL").dump());
    ASSERT_TRUE(st->store().upsert_resident(rd.value()).ok());
    store::TextVersion tv{"consent-pid-t-nl", "consent:pid_sharing", "nl", "Blauwe map", "Mag COA ...", ""};
    ASSERT_TRUE(st->store().put_text_version(tv).ok());
    store::RecordDraft d;
    d.kind = "consent.pid_sharing";
    d.resident_id = "r1";
    d.text_version_id = tv.version_id;
    d.decision = "given";
    d.device_id = s.pki->device_id;
    d.sensitive = "{\"resident_id\":\"r1\"}";
    d.consent = store::RecordDraft::Consent{"pid_sharing", 12};
    auto c = st->store().commit_sealed(d, s.pki->device);
    ASSERT_TRUE(c.ok()) << c.error().message;
    record_id = c.value().record_id;
    // A decision that is not a consent decision, or a wrong validity, stores nothing.
    d.record_id.clear();
    d.consent->valid_months = 13;
    EXPECT_FALSE(st->store().commit_sealed(d, s.pki->device).ok());
    d.consent->valid_months = 12;
    d.decision = "signed";
    EXPECT_FALSE(st->store().commit_sealed(d, s.pki->device).ok());
    EXPECT_EQ(st->store().pending_consent_events(10).value().size(), 1u);
  }
  coa->pages[""] = page("c1", false, json::array());
  coa->pages["c1"] = page("c1", false, json::array());
  coa->consent_status = 503;
  std::string out;
  kiosk->sync_once(&out);
  ASSERT_EQ(coa->consent_bodies.size(), 1u) << out;
  const json body = json::parse(coa->consent_bodies[0]);
  EXPECT_EQ(body["format"], "balie-coa-consent");
  ASSERT_EQ(body["events"].size(), 1u);
  const json& e = body["events"][0];
  EXPECT_EQ(e["record_id"], record_id);
  EXPECT_EQ(e["resident_id"], "r1");
  EXPECT_EQ(e["purpose"], "pid_sharing");
  EXPECT_EQ(e["decision"], "given");
  EXPECT_EQ(e["text_version"], "consent-pid-t-nl");
  EXPECT_EQ(e.size(), 7u) << "ids, purpose, decision, times and text version; no free text: " << e.dump();
  EXPECT_NE(out.find("consent: HTTP 503"), std::string::npos) << out;
  {
    auto st = kiosk->open();
    auto q = st->store().pending_consent_events(10).value();
    ASSERT_EQ(q.size(), 1u) << "not acknowledged: still queued";
    EXPECT_EQ(q[0].attempts, 1);
    EXPECT_NE(q[0].last_error.find("503"), std::string::npos);
  }
  coa->consent_status = 200;
  kiosk->sync_once(&out);
  ASSERT_EQ(coa->consent_bodies.size(), 2u) << out;
  EXPECT_EQ(json::parse(coa->consent_bodies[1])["events"][0]["record_id"], record_id) << "the same event again";
  EXPECT_NE(out.find("consent 1 acknowledged"), std::string::npos) << out;
  {
    auto st = kiosk->open();
    EXPECT_TRUE(st->store().pending_consent_events(10).value().empty());
    EXPECT_EQ(audit_count(st->store(), "consent.coa_acknowledged"), 1);
  }
  kiosk->sync_once(&out);
  EXPECT_EQ(coa->consent_bodies.size(), 2u) << "nothing left to post";
}
