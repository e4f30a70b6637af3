// The demo's whole loop (issue 7), with real processes on loopback: the real balie-kiosk signs a
// participatieverklaring for demo-01 (GM0363) under Xvfb, scripts/demo-inbox.sh starts the five demo
// municipality inboxes wired to the kiosk's own store, and balie-syncd (--once, or the daemon woken
// by the kiosk's staff "Nu versturen") delivers it: GM0363 receives it exactly once, no other inbox
// receives anything, and the kiosk store holds the acknowledgement (tombstone). Issue 17: GM0363 holds
// it encrypted, files its PDF/A, balie-verify checks it, and duo-register puts it to the DUO double.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "balie/platform/dutch_calendar.h"
#include "balie/platform/key_provider.h"
#include "balie/store/store.h"
#include "demo_store.h"
#include "kiosk_process.h"

using namespace balie::kiosk::testing;
namespace fs = std::filesystem;
using json = nlohmann::json;
namespace store = balie::store;

namespace {
const std::string kBin = BALIE_BINARY_DIR;
const std::string kSrc = BALIE_SOURCE_DIR;
const std::vector<std::string> kGemeenten = {"GM0363", "GM0344", "GM0599", "GM0518", "GM0014"};

bool port_free(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

// A port base for demo-inbox.sh (base + 14 ... base + 599) whose five ports are free now.
int free_port_base() {
  for (int i = 0; i < 200; ++i) {
    int base = 20000 + static_cast<int>((static_cast<unsigned>(getpid()) * 7919u + static_cast<unsigned>(i) * 613u) % 38000u);
    bool ok = true;
    for (const auto& g : kGemeenten) ok = ok && port_free(base + std::stoi(g.substr(2)));
    if (ok) return base;
  }
  return -1;
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

class DemoLoopE2E : public KioskProcessTest {
 protected:
  void SetUp() override {
    KioskProcessTest::SetUp();
    if (HasFatalFailure()) return;
    fs::create_directories(dir_ / "run");
    base_ = free_port_base();
    ASSERT_GT(base_, 0) << "no free loopback ports for the demo inboxes";
  }
  void TearDown() override {
    if (daemon_ > 0) stop_daemon();
    run_process({"/bin/bash", kSrc + "/scripts/demo-inbox.sh", "stop"}, env(), std::chrono::seconds(30));
    KioskProcessTest::TearDown();
  }
  std::vector<std::string> env() const {
    return {"DISPLAY=" + xvfb_->display(), "BALIE_STATE_DIR=" + (dir_ / "state").string(),
            "BALIE_CONFIG_DIR=" + (dir_ / "config").string(), "BALIE_RUNTIME_DIR=" + (dir_ / "run").string(),
            "BALIE_BUILD_DIR=" + kBin, "BALIE_DEMO_INBOX_PORT_BASE=" + std::to_string(base_),
            "SDL_AUDIODRIVER=dummy", "BALIE_MODE="};
  }
  RunResult kiosk(const fs::path& script) {
    return run_process({kBin + "/kiosk/balie-kiosk", "--windowed", "1920x1080", "--script", script.string(), "--shots",
                        (dir_ / "shots").string()},
                       env(), std::chrono::seconds(300));
  }
  RunResult demo_inbox(const std::string& cmd) {
    return run_process({"/bin/bash", kSrc + "/scripts/demo-inbox.sh", cmd}, env(), std::chrono::seconds(180));
  }
  RunResult sync_once() {
    return run_process({kBin + "/sync/balie-syncd", "--config", (dir_ / "config" / "syncd.json").string(), "--once"},
                       env(), std::chrono::seconds(120));
  }
  // record_ids per gemeente, as each inbox's own database lists them.
  std::map<std::string, std::vector<std::string>> received() {
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& g : kGemeenten) {
      fs::path db = dir_ / "state" / "demo-inbox" / g / "inbox.db";
      auto r = run_process({kBin + "/sync/balie-inbox", "dump", "--db", db.string(), "--db-key-file",
                            (db.parent_path() / "inbox-db.key").string(), "--gemeentecode", g}, env(),
                           std::chrono::seconds(30));
      EXPECT_EQ(r.exit_code, 0) << g << ": " << r.output;
      auto j = json::parse(r.output, nullptr, false);
      EXPECT_TRUE(j.is_array()) << g << ": " << r.output;
      out[g];
      if (!j.is_array()) continue;
      for (const auto& rec : j) {
        EXPECT_EQ(rec.value("gemeentecode", ""), g);
        out[g].push_back(rec.value("record_id", ""));
      }
    }
    return out;
  }
  std::unique_ptr<store::Store> open_store() { return open_demo_store(dir_ / "state"); }
  // The one record the signing flow committed for demo-01 (checked: addressed to GM0363).
  std::string signed_record_id() {
    auto st = open_store();
    if (!st) return {};
    auto recs = st->records_for("demo-01");
    EXPECT_TRUE(recs.ok());
    if (!recs.ok() || recs.value().size() != 1) {
      ADD_FAILURE() << "expected exactly one record for demo-01";
      return {};
    }
    EXPECT_EQ(recs.value()[0].addressee, "GM0363");
    EXPECT_EQ(recs.value()[0].kind, "pvt.ondertekend");
    return recs.value()[0].record_id;
  }
  void expect_delivered_once(const std::string& id) {
    auto got = received();
    EXPECT_EQ(got["GM0363"], std::vector<std::string>{id}) << "GM0363 must hold the record exactly once";
    for (const auto& g : kGemeenten) {
      if (g != "GM0363") {
        EXPECT_TRUE(got[g].empty()) << g << " received a record that is not addressed to it";
      }
    }
    auto st = open_store();
    ASSERT_TRUE(st);
    auto e = st->outbox_entry(id);
    ASSERT_TRUE(e.ok() && e.value());
    EXPECT_EQ(e.value()->state, store::OutboxState::Acknowledged);
    auto t = st->tombstone(id);
    ASSERT_TRUE(t.ok());
    EXPECT_TRUE(t.value().has_value()) << "no tombstone for the acknowledged record";
  }
  void start_daemon() {
    std::string log = (dir_ / "syncd.log").string();
    daemon_ = fork();
    if (daemon_ == 0) {
      int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(fd, 1);
      dup2(fd, 2);
      for (const auto& kv : env()) {
        auto eq = kv.find('=');
        if (eq + 1 == kv.size()) unsetenv(kv.substr(0, eq).c_str());
        else setenv(kv.substr(0, eq).c_str(), kv.substr(eq + 1).c_str(), 1);
      }
      std::string bin = kBin + "/sync/balie-syncd", cfg = (dir_ / "config" / "syncd.json").string();
      execl(bin.c_str(), bin.c_str(), "--config", cfg.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  void stop_daemon() {
    kill(daemon_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 100 && waitpid(daemon_, &status, WNOHANG) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (waitpid(daemon_, &status, WNOHANG) == 0) {
      kill(daemon_, SIGKILL);
      waitpid(daemon_, &status, 0);
    }
    daemon_ = -1;
  }
  int base_ = -1;
  pid_t daemon_ = -1;
};
}  // namespace

// Kiosk first (it creates and seeds its store, signs), then the demo inboxes, then one pass.
TEST_F(DemoLoopE2E, SignedRecordArrivesAtGM0363OnceAfterSyncOnce) {
  auto k = kiosk(kSrc + "/tests/kiosk/scripts/sign_pvt.balie");
  ASSERT_EQ(k.exit_code, 0) << k.output;
  const std::string id = signed_record_id();
  ASSERT_FALSE(id.empty());

  auto s = demo_inbox("start");
  ASSERT_EQ(s.exit_code, 0) << s.output;
  auto cfg = json::parse(slurp(dir_ / "config" / "syncd.json"), nullptr, false);
  // balie-syncd works on the kiosk's own encrypted store (the only store it opens).
  EXPECT_EQ(cfg.value("store", ""), (dir_ / "state" / "balie.db").string());
  EXPECT_EQ(received()["GM0363"].size(), 0u);

  auto r = sync_once();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_delivered_once(id);

  // A second pass sends nothing again; the inboxes are unchanged.
  auto r2 = sync_once();
  EXPECT_EQ(r2.exit_code, 0) << r2.output;
  expect_delivered_once(id);
  auto st = demo_inbox("status");
  EXPECT_NE(st.output.find("GM0363: running"), std::string::npos) << st.output;
  EXPECT_NE(st.output.find(id), std::string::npos) << st.output;

  // Issue 16: the demo shows one signing DUO would accept. Amsterdam's own DUO export (the same
  // rule table as the kiosk's offer) lists the record as exportable, with DUO's body for demo-01.
  const std::string today = balie::calendar::to_iso(balie::calendar::local_day(std::chrono::system_clock::now()));
  fs::path db = dir_ / "state" / "demo-inbox" / "GM0363" / "inbox.db";
  auto ex = run_process({kBin + "/sync/balie-inbox", "export-pvt", "--db", db.string(), "--db-key-file",
                         (db.parent_path() / "inbox-db.key").string(), "--gemeentecode", "GM0363",
                         "--today", today},
                        env(), std::chrono::seconds(30));
  ASSERT_EQ(ex.exit_code, 0) << ex.output;
  auto j = json::parse(ex.output, nullptr, false);
  ASSERT_TRUE(j.is_object()) << ex.output;
  // The demo data set has fixed dates: on or after demo-01's (exclusive) einddatum the signing is still
  // offered, and DUO's rule makes the export wait for the municipality's verwijtbaar decision.
  std::string einddatum;
  {
    std::ifstream f(kSrc + "/assets/demo/demo.json");
    const json demo = json::parse(f, nullptr, false);
    ASSERT_TRUE(demo.is_object());
    for (const auto& r : demo["residents"])
      if (r["resident"]["id"] == "demo-01") einddatum = r["dossier"]["inburgeringstermijn"]["einddatum"].get<std::string>();
  }
  ASSERT_FALSE(einddatum.empty());
  if (today >= einddatum) {
    ASSERT_EQ(j["blocked"].size(), 1u) << ex.output;
    EXPECT_EQ(j["blocked"][0]["record_id"], id);
    EXPECT_EQ(j["blocked"][0]["reason"], "verwijtbaar_needed") << ex.output;
    EXPECT_TRUE(j["exports"].empty()) << ex.output;
    return;
  }
  EXPECT_TRUE(j["blocked"].empty()) << "DUO's rules block the demo's signing: " << ex.output;
  ASSERT_EQ(j["exports"].size(), 1u) << ex.output;
  EXPECT_EQ(j["exports"][0]["record_id"], id);
  EXPECT_EQ(j["exports"][0]["method"], "PUT");
  EXPECT_EQ(j["exports"][0]["path"], "/personen/999901011/pvt");  // demo-01's BSN (elfproef)
  EXPECT_EQ(j["exports"][0]["body"], (json{{"datumOndertekeningPvt", today}}));  // no verwijtbaar within the term
}

// Issue 16: residents DUO's rules refuse are never offered signing on screen, and the dossier says why
// (demo-10: Amsterdam requires a vastgesteld PIP and has not made one; demo-02: termijn not started).
TEST_F(DemoLoopE2E, RefusedResidentsAreNeverOfferedSigning) {
  struct Case {
    std::string id, search, lang, why_text;
  };
  const std::vector<Case> cases = {
      {"demo-10", "nour", "nl", "Uw gemeente heeft uw plan (PIP) nog niet gemaakt. Daarna kunt u tekenen."},
      {"demo-02", "selam", "nl", "Uw inburgeringstermijn is nog niet begonnen. Daarna kunt u tekenen."},
      {"demo-10", "nour", "ar", ""},
  };
  for (const auto& c : cases) {
    fs::path script = dir_ / ("refused-" + c.id + "-" + c.lang + ".balie");
    {
      std::ofstream f(script);
      f << "wait-scene welcome\ntap welcome.staff\nwait-scene staff_unlock\ntap staff.demo-coa\n"
           "tap pin.2\ntap pin.4\ntap pin.6\ntap pin.8\ntap pin.1\ntap pin.0\ntap pin.ok\nwait-scene staff_home\n"
           "tap staff_home.start\nwait-scene resident_search\n";
      for (char ch : c.search) f << "tap kb." << ch << "\n";
      f << "wait-for search.hit.0\ntap search.hit.0\nwait-scene identity_check\n"
           "expect-text Participatieverklaring niet aangeboden:\n"
           "screenshot r-" << c.id << "-staff\ntap identity.confirm\nwait-scene language\ntap language." << c.lang
        << "\nwait-scene dossier\nwait-frames 3\nexpect-no-id dossier.sign\n";
      if (!c.why_text.empty())
        f << "expect-text " << c.why_text << "\nexpect-no-text Onderteken de participatieverklaring\n";
      f << "screenshot r-" << c.id << "-dossier-" << c.lang << "\n";
    }
    auto k = kiosk(script);
    ASSERT_EQ(k.exit_code, 0) << c.id << " " << c.lang << ": " << k.output;
    auto st = open_store();
    ASSERT_TRUE(st);
    auto recs = st->records_for(c.id);
    ASSERT_TRUE(recs.ok());
    EXPECT_TRUE(recs.value().empty()) << c.id << " must have no signed record";
  }
  EXPECT_TRUE(fs::exists(dir_ / "shots" / "r-demo-10-dossier-ar.png"));
}

// The README demo's order (inboxes first, then the kiosk), with balie-syncd running as a daemon
// beside the kiosk: staff "Nu versturen" on the status screen makes it send at once.
TEST_F(DemoLoopE2E, StaffSyncNowWakesTheDaemon) {
  auto s = demo_inbox("start");
  ASSERT_EQ(s.exit_code, 0) << s.output;
  // A window far from now, so that only the staff request can start a pass.
  auto cfg = json::parse(slurp(dir_ / "config" / "syncd.json"));
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char window[16];
  std::snprintf(window, sizeof window, "%02d:00-%02d:00", (tm.tm_hour + 12) % 24, (tm.tm_hour + 13) % 24);
  cfg["window"] = window;
  std::ofstream(dir_ / "config" / "syncd.json") << cfg.dump(1);
  start_daemon();

  fs::path script = dir_ / "sign_then_sync_now.balie";
  {
    std::ofstream f(script);
    f << slurp(kSrc + "/tests/kiosk/scripts/sign_pvt.balie")
      << "tap dossier.finish\nwait-scene welcome\ntap welcome.staff\nwait-scene staff_unlock\ntap staff.demo-coa\n"
         "tap pin.2\ntap pin.4\ntap pin.6\ntap pin.8\ntap pin.1\ntap pin.0\ntap pin.ok\nwait-scene staff_home\n"
         "tap staff_home.status\nwait-scene staff_status\nscreenshot s01-status-before\ntap status.sync_now\n"
         "wait-frames 3\nscreenshot s02-status-requested\n";
  }
  auto k = kiosk(script);
  ASSERT_EQ(k.exit_code, 0) << k.output;
  const std::string id = signed_record_id();
  ASSERT_FALSE(id.empty());

  // The daemon delivers it, woken by the request file the kiosk wrote.
  bool arrived = false;
  for (int i = 0; i < 300 && !arrived; ++i) {
    auto st = open_store();
    ASSERT_TRUE(st);
    auto e = st->outbox_entry(id);
    arrived = e.ok() && e.value() && e.value()->state == store::OutboxState::Acknowledged;
    if (!arrived) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(arrived) << "balie-syncd did not send after 'Nu versturen'; its log:\n" << slurp(dir_ / "syncd.log");
  EXPECT_FALSE(fs::exists(dir_ / "state" / "sync-now")) << "the daemon takes the request file away";
  expect_delivered_once(id);
}

// Issue 17, on the demo's own receiver: the record the kiosk signed in Arabic is held encrypted by
// GM0363's balie-inbox (no BSN in its files, 0600), a case worker gets its PDF/A document (Dutch and
// Arabic text as signed, every font embedded), balie-verify accepts the PDF and refuses a tampered
// copy, and one pass of duo-register puts exactly one valid PUT /personen/{bsn}/pvt to the DUO double.
TEST_F(DemoLoopE2E, MunicipalityFilesVerifiesAndRegistersTheDemoSigning) {
  auto k = kiosk(kSrc + "/tests/kiosk/scripts/sign_pvt.balie");
  ASSERT_EQ(k.exit_code, 0) << k.output;
  const std::string id = signed_record_id();
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(demo_inbox("start").exit_code, 0);
  ASSERT_EQ(sync_once().exit_code, 0);
  expect_delivered_once(id);

  const fs::path gm = dir_ / "state" / "demo-inbox" / "GM0363";
  const fs::path db = gm / "inbox.db";
  const std::string bsn = "999901011";  // demo-01 (assets/demo/demo.json)
  for (const auto& f : {db, fs::path(db.string() + "-wal")}) {
    if (!fs::exists(f)) continue;
    EXPECT_EQ(fs::status(f).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write) << f;
    EXPECT_EQ(slurp(f).find(bsn), std::string::npos) << f << " holds the BSN in clear";
  }
  const std::vector<std::string> store_args = {"--db", db.string(), "--db-key-file", (gm / "inbox-db.key").string(),
                                               "--gemeentecode", "GM0363"};
  auto inbox = [&](std::vector<std::string> a) {
    a.insert(a.begin(), kBin + "/sync/balie-inbox");
    a.insert(a.begin() + 2, store_args.begin(), store_args.end());
    return run_process(a, env(), std::chrono::seconds(120));
  };

  // The document a case worker files.
  const fs::path pdf = dir_ / "declaration.pdf";
  auto d = inbox({"document", "--record-id", id, "--out", pdf.string(), "--texts", kSrc + "/assets/texts", "--keys",
                  (gm / "keys").string()});
  ASSERT_EQ(d.exit_code, 0) << d.output;
  auto fonts = run_process({"/usr/bin/pdffonts", pdf.string()}, env(), std::chrono::seconds(30));
  ASSERT_EQ(fonts.exit_code, 0) << fonts.output;
  EXPECT_NE(fonts.output.find("NotoNaskhArabic"), std::string::npos) << fonts.output;
  std::istringstream rows(fonts.output);
  int font_rows = 0;
  for (std::string line; std::getline(rows, line);)
    if (line.find("CID") != std::string::npos || line.find("TrueType") != std::string::npos ||
        line.find("Type 1") != std::string::npos) {
      ++font_rows;
      EXPECT_NE(line.find(" yes "), std::string::npos) << "font not embedded: " << line;
    }
  EXPECT_GT(font_rows, 0) << fonts.output;
  auto text = run_process({"/usr/bin/pdftotext", pdf.string(), "-"}, env(), std::chrono::seconds(30));
  ASSERT_EQ(text.exit_code, 0);
  EXPECT_NE(text.output.find("Participatieverklaring"), std::string::npos);
  EXPECT_NE(text.output.find("المشاركة"), std::string::npos) << "the Arabic text as signed is missing";

  // An auditor with balie-verify, without the receiver: accepted (sealed part opened with the box key) ...
  const std::vector<std::string> verify = {kBin + "/sync/balie-verify", "--texts", kSrc + "/assets/texts",
                                           "--box-key-file", (gm / "keys" / "box.seed").string()};
  auto v_ok = verify;
  v_ok.push_back(pdf.string());
  auto ok = run_process(v_ok, env(), std::chrono::seconds(60));
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  // ... and a copy with one byte changed inside the embedded evidence is refused.
  std::string bytes;
  {
    std::ifstream f(pdf, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(f), {});
  }
  // (The embedded file's stream dictionary: "/Type /EmbeddedFile /Length N ...", not the /EmbeddedFiles tree.
  // The visible pages carry no signature of their own: sync/README.md, "Documents and balie-verify".)
  const auto at = bytes.find("/EmbeddedFile /Length ");
  ASSERT_NE(at, std::string::npos);
  const std::size_t length = std::stoul(bytes.substr(at + 21, 12));
  const auto stream = bytes.find("stream\n", at);
  ASSERT_NE(stream, std::string::npos);
  ASSERT_GT(length, 100u);
  const std::size_t flip = stream + 7 + length / 2;
  bytes[flip] = static_cast<char>(bytes[flip] ^ 0x20);
  const fs::path bad = dir_ / "tampered.pdf";
  std::ofstream(bad, std::ios::binary) << bytes;
  auto v_bad = verify;
  v_bad.push_back(bad.string());
  auto refused = run_process(v_bad, env(), std::chrono::seconds(60));
  EXPECT_NE(refused.exit_code, 0) << refused.output;
  EXPECT_NE(refused.exit_code, 1) << refused.output;

  // DUO registration against the DUO double (DUO's OpenAPI, mTLS on loopback).
  const fs::path pki = dir_ / "duo-pki";
  ASSERT_EQ(run_process({"/bin/bash", kSrc + "/sync/tools/make-pki.sh", pki.string(), "T-1", "DUO"}, env(),
                        std::chrono::seconds(60))
                .exit_code,
            0);
  const std::string doel = "00000001800866472000", bron = "00000001001234567000";  // test OINs
  const pid_t duo = fork();
  if (duo == 0) {
    int fd = open((dir_ / "duo.err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 1);
    dup2(fd, 2);
    const std::string py = kSrc + "/tests/sync/duo_double/duo_double.py";
    execlp("python3", "python3", py.c_str(), "--cert", (pki / "DUO" / "cert.pem").c_str(), "--key",
           (pki / "DUO" / "key.pem").c_str(), "--client-ca", (pki / "ca.pem").c_str(), "--port-file",
           (dir_ / "duo.port").c_str(), "--log", (dir_ / "duo.jsonl").c_str(), "--oin", doel.c_str(),
           static_cast<char*>(nullptr));
    _exit(127);
  }
  for (int i = 0; i < 1000 && !fs::exists(dir_ / "duo.port"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const std::string port = slurp(dir_ / "duo.port");
  auto reg = inbox({"duo-register", "--duo-url", "https://127.0.0.1:" + port + "/v1", "--duo-cert",
                    (pki / "device" / "cert.pem").string(), "--duo-key", (pki / "device" / "key.pem").string(),
                    "--duo-ca", (pki / "ca.pem").string(), "--bron-oin", bron, "--doel-oin", doel});
  kill(duo, SIGTERM);
  waitpid(duo, nullptr, 0);
  ASSERT_FALSE(port.empty()) << slurp(dir_ / "duo.err");
  std::vector<json> puts;
  {
    std::istringstream in(slurp(dir_ / "duo.jsonl"));
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) puts.push_back(json::parse(line, nullptr, false));
  }
  const std::string today = balie::calendar::to_iso(balie::calendar::local_day(std::chrono::system_clock::now()));
  std::string einddatum;
  {
    std::ifstream f(kSrc + "/assets/demo/demo.json");
    const json demo = json::parse(f, nullptr, false);
    for (const auto& r : demo["residents"])
      if (r["resident"]["id"] == "demo-01") einddatum = r["dossier"]["inburgeringstermijn"]["einddatum"].get<std::string>();
  }
  if (today >= einddatum) {  // after demo-01's term DUO's rule waits for the municipality's verwijtbaar decision
    EXPECT_TRUE(puts.empty()) << slurp(dir_ / "duo.jsonl");
    return;
  }
  EXPECT_EQ(reg.exit_code, 0) << reg.output << slurp(dir_ / "duo.err");
  ASSERT_EQ(puts.size(), 1u) << slurp(dir_ / "duo.jsonl");
  EXPECT_EQ(puts[0]["outcome"], "accepted") << puts[0].dump();
  EXPECT_EQ(puts[0]["path"], "/v1/personen/" + bsn + "/pvt");
  EXPECT_EQ(puts[0]["body"], (json{{"datumOndertekeningPvt", today}}));
  auto status = inbox({"duo-status"});
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("accepted"), std::string::npos) << status.output;
}
