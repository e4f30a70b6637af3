// COA's operator pages in a real browser: each page is rendered to a file, served by a loopback
// HTTPS server in this test (cpp-httplib SSLServer, throwaway certificate made here with OpenSSL) and
// loaded in headless Chromium (tests/coa/chromium.h), trusted by the server key's pin only. The DOM
// Chromium built must show hostile names as text with no injected element and the fleet rows in the
// expected order, and the rollout pages' forms and device rows; 1280x800 screenshots go to $BALIE_SHOTS_DIR (else <build>/tests/coa/shots), and
// with BALIE_SHOTS_TALL=1 also 1280x2400 ones of the whole page.
#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "balie/coa/web.h"
#include "balie/store/tls_pin.h"
#include "chromium.h"

using namespace balie::coa;
namespace fs = std::filesystem;
using balie::test::BrowserResult;

namespace {

void spit(const fs::path& p, std::string_view s) { std::ofstream(p, std::ios::binary) << s; }

// A self-signed certificate for 127.0.0.1 (P-256, one day); returns its pin "sha256//<base64>".
std::string make_server_cert(const fs::path& cert, const fs::path& key) {
  EVP_PKEY* pkey = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  unsigned char serial[8];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7F;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_set_pubkey(x, pkey);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1"}, std::pair{NID_ext_key_usage, "serverAuth"},
                            std::pair{NID_basic_constraints, "critical,CA:FALSE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(x, pkey, EVP_sha256());
  BIO* b = BIO_new_file(cert.c_str(), "w");
  PEM_write_bio_X509(b, x);
  BIO_free(b);
  b = BIO_new_file(key.c_str(), "w");
  PEM_write_bio_PrivateKey(b, pkey, nullptr, nullptr, 0, nullptr, nullptr);
  BIO_free(b);
  X509_free(x);
  EVP_PKEY_free(pkey);
  std::ifstream f(cert);
  const std::string pem((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto pin = balie::store::pin_of_certificate_pem(pem);
  if (!pin.ok()) throw std::runtime_error("pin of the test certificate: " + pin.error().message);
  return pin.value();
}

const std::string kScriptName = "<script>alert('x')</script> Locatie";
const std::string kInjectName = "Locatie \"><i id=\"pwned\">x</i> \xE2\x80\xAE" "evil";
const std::string kHostileVersion = "1.4.0<img src=x onerror=alert(1)>";
const std::string kLongLocation = "AZC-Gilze-en-Rijen-Noodopvang-Vliegbasis-Paviljoen-Oost-Tijdelijke-Locatie-2026";
const std::string kLongDevice = "gilze-rijen-noodopvang-vliegbasis-paviljoen-oost-terminal-000001";

FleetRow make_row(std::string loc, std::string name, std::string dev, std::string ver, std::optional<std::string> last,
                  long w, long h, long f, std::optional<long> clock, std::vector<std::string> alerts) {
  FleetRow r;
  r.location_id = std::move(loc);
  r.location_name = std::move(name);
  r.device_id = std::move(dev);
  r.software_version = std::move(ver);
  r.image_version = "2026.11.2";
  r.last_pass_utc = std::move(last);
  r.waiting = w;
  r.held = h;
  r.failed = f;
  r.clock_offset_ms = clock;
  r.disk_percent = 41;
  r.alerts = std::move(alerts);
  return r;
}

// Twelve terminals as the server would list them (by location, then device).
std::vector<FleetRow> fleet() {
  std::vector<FleetRow> v;
  v.push_back(make_row("ter-apel", "AZC Ter Apel", "ter-apel-01", "1.4.0", "2026-12-06T09:12:04Z", 0, 0, 0, 120, {}));
  v.push_back(make_row("ter-apel", "AZC Ter Apel", "ter-apel-02", "1.4.0", "2026-12-06T08:55:40Z", 14, 0, 0, -350, {}));
  v.push_back(make_row("ter-apel", "AZC Ter Apel", "ter-apel-03", "1.3.2", "2026-12-04T17:40:11Z", 63, 2, 0, 95'000,
                       {"no_pass", "clock_offset"}));
  v.push_back(make_row("ter-apel", "AZC Ter Apel", "ter-apel-04", "1.3.2", "2026-11-28T10:00:00Z", 0, 0, 0,
                       std::nullopt, {}));
  v.back().revoked = true;
  v.push_back(make_row("budel", "AZC Budel-Cranendonck", "budel-01", "1.4.0", "2026-12-06T09:01:00Z", 2, 0, 0, 40,
                       {"disk_full"}));
  v.back().disk_percent = 87;
  v.push_back(make_row("budel", "AZC Budel-Cranendonck", "budel-02", "1.4.0", "2026-12-06T09:03:30Z", 3, 0, 0, 15, {}));
  v.push_back(make_row("budel", "AZC Budel-Cranendonck", "budel-03", kHostileVersion, std::nullopt, 120, 7, 4,
                       std::nullopt, {"unlock_failed", "no_pass", "deadline_near"}));
  v.push_back(make_row("zwolle", "AZC Zwolle", "zwolle-01", "1.3.2", "2026-12-06T07:45:00Z", 2, 0, 1, -800,
                       {"rolled_back"}));
  v.push_back(make_row("zwolle", "AZC Zwolle", "zwolle-02", "1.4.0", "2026-12-06T09:10:00Z", 0, 0, 0, 5, {}));
  v.push_back(make_row("hostile-1", kScriptName, "h-01", "1.4.0", "2026-12-06T09:00:00Z", 0, 0, 0, 0, {}));
  v.push_back(make_row("hostile-2", kInjectName, "h-02", "1.4.0", "2026-12-06T09:00:00Z", 0, 0, 0, 0, {}));
  v.back().image_version = "\xE2\x80\xAE" "2.11.6202";
  v.push_back(make_row("gilze", kLongLocation, kLongDevice, "1.4.0", "2026-12-06T06:00:00Z", 1, 0, 0,
                       -3L * 3'600'000, {"clock_offset"}));
  return v;
}

const PageChrome kChrome{"Fatima de Vries-El Amrani", "csrf-browser-token-9f2c", "2026-12-06T09:15:00Z"};

// Device ids in the order their rows appear in the fleet table of a DOM.
std::vector<std::string> dom_row_order(const std::string& dom) {
  std::vector<std::string> v;
  const std::size_t start = dom.find("<tbody>"), end = dom.find("</tbody>");
  if (start == std::string::npos || end == std::string::npos) return v;
  const std::string body = dom.substr(start, end - start);
  const std::regex re("<a href=\"/terminal/([^\"]*)\">");
  for (auto it = std::sregex_iterator(body.begin(), body.end(), re); it != std::sregex_iterator(); ++it)
    v.push_back((*it)[1]);
  return v;
}

std::size_t count(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

// Width and height from a PNG's IHDR.
std::pair<unsigned, unsigned> png_size(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  unsigned char b[24] = {};
  f.read(reinterpret_cast<char*>(b), sizeof b);
  auto be = [&](int i) { return (unsigned(b[i]) << 24) | (unsigned(b[i + 1]) << 16) | (unsigned(b[i + 2]) << 8) | b[i + 3]; };
  return {be(16), be(20)};
}

// The rendered site, its HTTPS server on 127.0.0.1 and where screenshots go; shared by the suite.
class Site {
 public:
  fs::path dir, shots;
  std::string pin, other_pin;
  int port = 0;

  Site() {
    std::string tmpl = (fs::temp_directory_path() / "balie-coa-web-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp");
    dir = tmpl;
    fs::create_directories(dir / "www" / "static");
    pin = make_server_cert(dir / "cert.pem", dir / "key.pem");
    other_pin = make_server_cert(dir / "other-cert.pem", dir / "other-key.pem");
    const char* env = std::getenv("BALIE_SHOTS_DIR");
    shots = (env && *env) ? fs::path(env) : fs::path(BALIE_BINARY_DIR) / "tests" / "coa" / "shots";
    fs::create_directories(shots);

    const fs::path www = dir / "www";
    spit(www / "static" / "coa.css", coa_stylesheet());
    FleetQuery q;
    q.sort = "alerts";
    q.dir = "desc";
    spit(www / "fleet.html", render_fleet_page(fleet(), q, kChrome));
    spit(www / "terminal.html", render_terminal_page(terminal_view(), kChrome));
    std::vector<LocationOption> locs = {{"budel", "AZC Budel-Cranendonck"}, {"gilze", kLongLocation},
                                        {"hostile-1", kScriptName}, {"ter-apel", "AZC Ter Apel"}, {"zwolle", "AZC Zwolle"}};
    std::vector<CodeRow> codes = {
        {"7KQ4", "ter-apel", "fvries", "2026-12-06T09:14:58Z", "2026-12-07T09:14:58Z", std::nullopt, std::nullopt},
        {"M2XD", "zwolle", "fvries", "2026-12-05T13:02:00Z", "2026-12-06T13:02:00Z", std::string("2026-12-05T14:20:31Z"),
         std::string("zwolle-02")},
        {"P9RT", "hostile-1", "jbakker", "2026-12-01T08:00:00Z", "2026-12-02T08:00:00Z", std::nullopt, std::nullopt}};
    spit(www / "enrolment.html", render_enrolment_page(codes, locs, std::string("H7QD-4MXP-7KQ4"), kChrome));
    spit(www / "login.html", render_login_page("Onbekende gebruiker of verkeerd wachtwoord.", "csrf-login-1"));
    spit(www / "error.html", render_error_page(404, "Terminal \"<b>x</b>\" bestaat niet."));
    spit(www / "rollouts.html", render_rollouts_page(updates(), kChrome));
    RolloutFormState refused;
    refused.message = "De uitrol staat al op 20%; een volgende stap moet een groter percentage zijn.";
    refused.percent = "15";
    spit(www / "rollout.html", render_rollout_page(rollout_view(), refused, kChrome));

    server_ = std::make_unique<httplib::SSLServer>((dir / "cert.pem").c_str(), (dir / "key.pem").c_str());
    if (!server_->is_valid()) throw std::runtime_error("SSLServer did not accept the test certificate");
    server_->set_mount_point("/", www.string());
    server_->set_logger([this](const httplib::Request& req, const httplib::Response&) {
      std::lock_guard<std::mutex> l(mu_);
      paths_.insert(req.path);
    });
    port = server_->bind_to_any_port("127.0.0.1");
    if (port <= 0) throw std::runtime_error("bind 127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~Site() {
    server_->stop();
    thread_.join();
    fs::remove_all(dir);  // the throwaway keys and pages; the screenshots are elsewhere
  }
  std::string url(const std::string& page) const { return "https://127.0.0.1:" + std::to_string(port) + "/" + page; }
  bool requested(const std::string& path) {
    std::lock_guard<std::mutex> l(mu_);
    return paths_.count(path) > 0;
  }
  // Loads `page` once: DOM plus a screenshot saved as <shots>/<stem>.png (checked to be 1280x800).
  BrowserResult load(const std::string& page, const std::string& stem) {
    const fs::path png = shots / (stem + ".png");
    fs::remove(png);
    BrowserResult r = balie::test::chromium_run(url(page), pin, true, png.string());
    EXPECT_EQ(r.exit_code, 0) << r.log;
    EXPECT_TRUE(fs::exists(png)) << r.log;
    if (fs::exists(png)) {
      EXPECT_EQ(png_size(png), (std::pair<unsigned, unsigned>(1280, 800)));
    }
    std::cout << "[ screenshot ] " << png.string() << "\n";
    if (std::getenv("BALIE_SHOTS_TALL")) {  // for looking at whole pages: <stem>-tall.png, 1280x2400
      const fs::path tall = shots / (stem + "-tall.png");
      balie::test::chromium_run(url(page), pin, false, tall.string(), 0, 2400);
      std::cout << "[ screenshot ] " << tall.string() << "\n";
    }
    return r;
  }

  // Four uploads: not rolled out, at 20 %, halted by the roll-back rule (a hostile reason), replaced.
  static std::vector<UpdateSummary> updates() {
    auto info = [](std::string stage, int percent, std::vector<std::string> canary, RolloutCounts c) {
      RolloutInfo r;
      r.stage = std::move(stage);
      r.percent = percent;
      r.canary = std::move(canary);
      r.stage_started_at = "2026-12-05T08:00:00Z";
      r.changed_by = "fvries";
      r.counts = c;
      return r;
    };
    RolloutInfo halted = info("halted", 0, {"ter-apel-01", "h-01"}, {0, 1, 0, 2});
    halted.stopped_in = "canary";
    halted.halt_reason = "Automatisch gestopt: 2 van de 3 meldende terminals teruggedraaid in fase canary. " + kInjectName;
    halted.changed_by = "balie-coa";
    RolloutInfo done = info("done", 10, {"zwolle-02"}, {0, 0, 11, 0});
    done.stopped_in = "percent";
    return {
        {2026120901, 812'000'000, std::string(64, 'e'), "2026-12-06T08:40:00Z", "cli:beheer", std::nullopt},
        {2026120501, 809'500'000, std::string(64, 'd'), "2026-12-05T07:55:00Z", "cli:beheer",
         info("percent", 20, {"ter-apel-01", "budel-02", kLongDevice}, {3, 2, 9, 1})},
        {2026120101, 805'100'000, std::string(64, 'c'), "2026-12-01T10:02:00Z", "cli:fvries", halted},
        {2026111501, 799'900'000, std::string(64, 'b'), "2026-11-15T09:30:00Z", "cli:fvries", done},
    };
  }
  static RolloutView rollout_view() {
    RolloutView v;
    v.update = updates()[1];
    v.devices = {
        {"budel-02", "blessed", "2026-12-05T09:40:12Z", "slot b, opstart bevestigd"},
        {"budel-03", "installed", "2026-12-06T07:02:00Z", kHostileVersion},
        {"ter-apel-01", "blessed", "2026-12-05T08:31:40Z", ""},
        {"ter-apel-02", "downloaded", "2026-12-06T06:10:00Z", ""},
        {"zwolle-01", "rolled_back", "2026-12-06T07:45:00Z", "boot 3x mislukt, terug naar slot a " + kInjectName},
        {"<script>alert('x')</script>", "downloaded", "2026-12-06T08:00:00Z", ""},
        {kLongDevice, "", "", ""},
    };
    return v;
  }

  static TerminalView terminal_view() {
    TerminalView tv;
    tv.row = fleet()[2];  // ter-apel-03: two open alerts
    tv.row.disk_percent = 63;
    tv.enrolled_at = "2026-09-14T10:22:00Z";
    tv.cert_serial = "1017";
    tv.alerts = {{"no_pass", "laatste geslaagde pass 2026-12-04T17:40:11Z", "2026-12-06T05:40:11Z", std::nullopt},
                 {"clock_offset", "klok +95 s t.o.v. COA <ntp.example>", "2026-12-06T06:02:00Z", std::nullopt},
                 {"disk_full", "84% van /var/lib/balie", "2026-11-20T03:00:00Z", std::string("2026-11-21T09:30:00Z")}};
    for (int i = 0; i < 60; ++i) {
      HealthPoint p;
      // One report an hour, newest first, from 2026-12-06T09:00 back.
      std::tm tm{};
      tm.tm_year = 2026 - 1900;
      tm.tm_mon = 11;
      tm.tm_mday = 6;
      tm.tm_hour = 9;
      const std::time_t t = ::timegm(&tm) - static_cast<std::time_t>(i) * 3600;
      ::gmtime_r(&t, &tm);
      char buf[32];
      std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:05Z", &tm);
      p.received_at = buf;
      std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:01Z", &tm);
      p.generated_at = buf;
      p.waiting = 63 - i % 7;
      p.held = i < 10 ? 2 : 0;
      p.failed = 0;
      p.clock_offset_ms = 95'000 - i * 1'000;
      p.disk_percent = 63;
      p.software_version = "1.3.2";
      tv.history.push_back(p);
    }
    return tv;
  }

 private:
  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
  std::mutex mu_;
  std::set<std::string> paths_;
};

class BrowserTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (balie::test::chromium_installed()) site_ = new Site();
  }
  static void TearDownTestSuite() {
    delete site_;
    site_ = nullptr;
  }
  void SetUp() override { BALIE_REQUIRE_CHROMIUM(); }
  static Site* site_;
};
Site* BrowserTest::site_ = nullptr;

// No element a hostile string could have injected, and no raw bidi override in the document.
void expect_no_injection(const std::string& dom) {
  EXPECT_EQ(count(dom, "<script"), 0u);
  EXPECT_EQ(count(dom, "<img"), 0u);
  EXPECT_EQ(count(dom, "<i "), 0u);
  // No element got the injected id (as text, the serialiser leaves its quotes as they are).
  EXPECT_FALSE(std::regex_search(dom, std::regex("<[^>]*id=\"pwned\""))) << dom;
  EXPECT_EQ(count(dom, "<svg"), 0u);
  EXPECT_EQ(count(dom, "<b>"), 0u);
  EXPECT_EQ(count(dom, "\xE2\x80\xAE"), 0u);
}

}  // namespace

TEST_F(BrowserTest, FleetPageShowsHostileNamesAsTextAndRowsInAlertOrder) {
  const BrowserResult r = site_->load("fleet.html", "fleet");
  ASSERT_NE(r.dom.find("Balie — COA beheer"), std::string::npos) << r.dom << r.log;
  expect_no_injection(r.dom);
  // The hostile names arrived as text nodes (the serialiser escapes < and > in text).
  EXPECT_NE(r.dom.find("&lt;script&gt;alert('x')&lt;/script&gt; Locatie"), std::string::npos) << r.dom;
  EXPECT_NE(r.dom.find("Locatie \"&gt;&lt;i id=\"pwned\"&gt;x&lt;/i&gt; [U+202E]evil"), std::string::npos) << r.dom;
  EXPECT_NE(r.dom.find("1.4.0&lt;img src=x onerror=alert(1)&gt;"), std::string::npos) << r.dom;
  EXPECT_NE(r.dom.find("image [U+202E]2.11.6202"), std::string::npos) << r.dom;
  // sort=alerts, dir=desc: most open alerts first, then the rest in the server's order.
  const std::vector<std::string> expected = {"budel-03",   "ter-apel-03", "ter-apel-04", "budel-01",
                                             "zwolle-01",  kLongDevice,   "ter-apel-01", "ter-apel-02",
                                             "budel-02",   "zwolle-02",   "h-01",        "h-02"};
  EXPECT_EQ(dom_row_order(r.dom), expected);
  EXPECT_EQ(count(r.dom, "<tr class=\"revoked\">"), 1u);
  EXPECT_EQ(count(r.dom, "<span class=\"tag-revoked\">Ingetrokken</span>"), 1u);
  EXPECT_EQ(count(r.dom, "class=\"badge crit\""), 3u);  // budel-03: unlock_failed, deadline_near; zwolle-01: rolled_back
  EXPECT_NE(r.dom.find("aria-sort=\"descending\""), std::string::npos);
  // The logout form with its token survived parsing; the stylesheet was fetched over the same server.
  EXPECT_NE(r.dom.find("<form method=\"post\" action=\"/logout\" class=\"logout\"><input type=\"hidden\" "
                       "name=\"csrf\" value=\"csrf-browser-token-9f2c\">"),
            std::string::npos);
  EXPECT_TRUE(site_->requested("/static/coa.css"));
}

TEST_F(BrowserTest, TerminalPageShowsAlertsHistoryAndRevokeForm) {
  const BrowserResult r = site_->load("terminal.html", "terminal");
  ASSERT_NE(r.dom.find("Balie — COA beheer"), std::string::npos) << r.dom << r.log;
  expect_no_injection(r.dom);
  EXPECT_NE(r.dom.find("klok +95 s t.o.v. COA &lt;ntp.example&gt;"), std::string::npos);
  EXPECT_NE(r.dom.find("Open alerts (2)"), std::string::npos);
  EXPECT_NE(r.dom.find("Opgeloste alerts (1)"), std::string::npos);
  EXPECT_EQ(count(r.dom, " 09:00:05</time></td>"), 3u);  // 50 of 60 hourly reports: 09:00 on days 6, 5, 4
  EXPECT_EQ(count(r.dom, ">2026-12-04 08:00:05</time>"), 1u);  // the 50th (oldest shown)
  EXPECT_EQ(count(r.dom, ">2026-12-04 07:00:05</time>"), 0u);  // the 51st is not
  EXPECT_NE(r.dom.find("<form method=\"post\" action=\"/terminal/ter-apel-03/revoke\" class=\"revoke\"><input "
                       "type=\"hidden\" name=\"csrf\" value=\"csrf-browser-token-9f2c\">"),
            std::string::npos)
      << r.dom;
}

TEST_F(BrowserTest, EnrolmentPageShowsTheNewCodeOnce) {
  const BrowserResult r = site_->load("enrolment.html", "enrolment");
  ASSERT_NE(r.dom.find("Balie — COA beheer"), std::string::npos) << r.dom << r.log;
  expect_no_injection(r.dom);
  EXPECT_EQ(count(r.dom, "H7QD-4MXP-7KQ4"), 1u);
  EXPECT_NE(r.dom.find("<p class=\"code\">H7QD-4MXP-7KQ4</p>"), std::string::npos);
  EXPECT_NE(r.dom.find("&lt;script&gt;alert('x')&lt;/script&gt; Locatie"), std::string::npos);
  EXPECT_NE(r.dom.find("<span class=\"missing\">Verlopen</span>"), std::string::npos);
}

TEST_F(BrowserTest, LoginAndErrorPages) {
  const fs::path png = site_->shots / "login.png";
  ASSERT_TRUE(balie::test::chromium_screenshot(site_->url("login.html"), png.string(), site_->pin));
  EXPECT_EQ(png_size(png), (std::pair<unsigned, unsigned>(1280, 800)));
  std::cout << "[ screenshot ] " << png.string() << "\n";
  const BrowserResult login = balie::test::chromium_dump_dom(site_->url("login.html"), site_->pin);
  EXPECT_EQ(login.exit_code, 0) << login.log;
  EXPECT_NE(login.dom.find("<form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"csrf\" "
                           "value=\"csrf-login-1\">"),
            std::string::npos)
      << login.dom;
  EXPECT_NE(login.dom.find("type=\"password\" name=\"password\""), std::string::npos);
  const BrowserResult err = site_->load("error.html", "error");
  expect_no_injection(err.dom);
  EXPECT_NE(err.dom.find("404 — Niet gevonden"), std::string::npos) << err.dom;
  EXPECT_NE(err.dom.find("Terminal \"&lt;b&gt;x&lt;/b&gt;\" bestaat niet."), std::string::npos) << err.dom;
}

// The pin is what makes Chromium trust the test server: another key's pin (or none) loads nothing.
TEST_F(BrowserTest, OnlyThePinnedServerKeyIsTrusted) {
  const BrowserResult wrong = balie::test::chromium_dump_dom(site_->url("login.html"), site_->other_pin);
  EXPECT_EQ(wrong.dom.find("Aanmelden"), std::string::npos) << wrong.dom;
  EXPECT_NE(wrong.log.find("ERR_CERT_AUTHORITY_INVALID"), std::string::npos) << wrong.log;
  if (std::getenv("BALIE_SHOW_DOM")) std::cout << wrong.dom << "\n" << wrong.log << "\n";
  const BrowserResult none = balie::test::chromium_dump_dom(site_->url("login.html"), "");
  EXPECT_EQ(none.dom.find("Aanmelden"), std::string::npos) << none.dom;
  EXPECT_NE(none.log.find("ERR_CERT_AUTHORITY_INVALID"), std::string::npos) << none.log;
}

TEST_F(BrowserTest, RolloutsPageListsUpdatesStagesAndCounts) {
  const BrowserResult r = site_->load("rollouts.html", "rollouts");
  ASSERT_NE(r.dom.find("Uitrol van updates"), std::string::npos) << r.dom << r.log;
  expect_no_injection(r.dom);
  EXPECT_NE(r.dom.find("aria-current=\"page\">Uitrol</a>"), std::string::npos);
  EXPECT_EQ(count(r.dom, "<a class=\"version\" href=\"/rollouts/"), 4u);
  EXPECT_NE(r.dom.find("Niet uitgerold"), std::string::npos);
  EXPECT_NE(r.dom.find("20% van de terminals"), std::string::npos);
  EXPECT_NE(r.dom.find("in fase: Canary"), std::string::npos);
  EXPECT_NE(r.dom.find("Locatie \"&gt;&lt;i id=\"pwned\"&gt;x&lt;/i&gt; [U+202E]evil"), std::string::npos) << r.dom;
  EXPECT_NE(r.dom.find("<span title=\"812000000 bytes\">812,0 MB</span>"), std::string::npos);
}

TEST_F(BrowserTest, RolloutPageShowsDevicesFormsAndTheRefusal) {
  const BrowserResult r = site_->load("rollout.html", "rollout");
  ASSERT_NE(r.dom.find("Update versie 2026120501"), std::string::npos) << r.dom << r.log;
  expect_no_injection(r.dom);
  EXPECT_NE(r.dom.find("role=\"alert\">De uitrol staat al op 20%"), std::string::npos);
  EXPECT_NE(r.dom.find("&lt;script&gt;alert('x')&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(r.dom.find("1.4.0&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
  EXPECT_EQ(count(r.dom, "Teruggedraaid"), 2u);  // the summary line and zwolle-01's row
  EXPECT_NE(r.dom.find("Nog niets gemeld"), std::string::npos);
  // The forms survived parsing with their token: advance (percent from 21, and all) and halt.
  for (const char* f : {"<form method=\"post\" action=\"/rollouts/2026120501/advance\" class=\"rollout\"><input "
                        "type=\"hidden\" name=\"csrf\" value=\"csrf-browser-token-9f2c\">",
                        "<form method=\"post\" action=\"/rollouts/2026120501/halt\" class=\"revoke\"><input "
                        "type=\"hidden\" name=\"csrf\" value=\"csrf-browser-token-9f2c\">"})
    EXPECT_NE(r.dom.find(f), std::string::npos) << f << "\n" << r.dom;
  EXPECT_NE(r.dom.find("min=\"21\" max=\"99\""), std::string::npos);
  EXPECT_EQ(r.dom.find("/start"), std::string::npos);
}
