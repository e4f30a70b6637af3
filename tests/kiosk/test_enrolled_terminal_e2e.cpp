// Enrolled-terminal screens (issue 14) on the real balie-kiosk under Xvfb with a real store: the
// first-login PIN, a municipality without a declaration text (blocked before hand-over, nothing
// stored), "Nu versturen" (request file next to the store, the status says only what is proven, and
// that the sync service did not start after 2 minutes), the technician's enrolment screen, and that
// screen staying while the store cannot be read.
#include <gtest/gtest.h>
#include <sodium.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "balie/platform/key_provider.h"
#include "balie/store/store.h"
#include "demo_store.h"
#include "kiosk_process.h"

using namespace balie::kiosk::testing;
namespace fs = std::filesystem;
namespace store = balie::store;

namespace {

const std::string kKiosk = std::string(BALIE_BINARY_DIR) + "/kiosk/balie-kiosk";
const std::string kPinCoa = "tap pin.2\ntap pin.4\ntap pin.6\ntap pin.8\ntap pin.1\ntap pin.0\ntap pin.ok\n";

std::string pin_taps(const std::string& prefix, const std::string& digits) {
  std::string s;
  for (char c : digits) s += "tap " + prefix + "." + c + "\n";
  return s + "tap " + prefix + ".ok\n";
}

class EnrolledTerminalE2E : public KioskProcessTest {
 protected:
  void SetUp() override {
    ASSERT_GE(sodium_init(), 0);
    KioskProcessTest::SetUp();
  }
  RunResult run_script(const std::string& text, std::vector<std::string> extra_env = {}) {
    const fs::path p = dir_ / "s.balie";
    std::ofstream(p) << text;
    auto env = kiosk_env();
    env.insert(env.end(), extra_env.begin(), extra_env.end());
    const char* keep = std::getenv("BALIE_TEST_KEEP_SHOTS");  // a folder to keep the screenshots in
    const fs::path shots = keep && *keep ? fs::path(keep) : dir_ / "shots";
    return run_process({kKiosk, "--windowed", "1920x1080", "--clock-start", "2026-03-02T09:30:00Z", "--script",
                        p.string(), "--shots", shots.string()},
                       env, std::chrono::seconds(240));
  }
  std::unique_ptr<store::Store> open_store() { return open_demo_store(dir_ / "state"); }
};

}  // namespace

// A first-login PIN (bundle or balie-admin staff reset-pin) leads to the new-PIN screen, not staff
// home; too short, mismatched and unchanged PINs are refused with their message; the chosen PIN is
// stored and the first-login PIN no longer works.
TEST_F(EnrolledTerminalE2E, FirstLoginAsksForANewPinTwice) {
  ASSERT_EQ(run_script("wait-scene welcome\n").exit_code, 0);  // makes and seeds the store
  {
    auto st = open_store();
    ASSERT_TRUE(st);
    ASSERT_TRUE(st->reset_pin("demo-coa", "1357", "admin").ok());
  }
  const std::string script =
      "wait-scene welcome\ntap welcome.staff\nwait-scene staff_unlock\ntap staff.demo-coa\n" + pin_taps("pin", "1357") +
      "wait-scene staff_new_pin\nexpect-text Typ uw nieuwe pincode\nscreenshot n01-new-pin\n" +
      pin_taps("new_pin", "123") + "expect-text Typ de nieuwe pincode nog een keer\n" + pin_taps("new_pin", "123") +
      "wait-frames 3\nexpect-text te kort\nscreenshot n02-too-short\n" + pin_taps("new_pin", "482913") +
      pin_taps("new_pin", "482931") + "wait-frames 3\nexpect-text niet gelijk\nscreenshot n03-mismatch\n" +
      pin_taps("new_pin", "1357") + pin_taps("new_pin", "1357") +
      "wait-frames 3\nexpect-text tijdelijke pincode. Kies een andere\nexpect-scene staff_new_pin\n" +
      pin_taps("new_pin", "482913") + pin_taps("new_pin", "482913") + "wait-scene staff_home\nscreenshot n04-home\n";
  auto r = run_script(script);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto st = open_store();
  ASSERT_TRUE(st);
  auto acc = st->staff("demo-coa");
  ASSERT_TRUE(acc.ok() && acc.value());
  EXPECT_FALSE(acc.value()->must_change_pin);
  auto v = st->verify_pin("demo-coa", "482913");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v.value().kind, store::PinVerdict::Kind::Ok);
  v = st->verify_pin("demo-coa", "1357");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v.value().kind, store::PinVerdict::Kind::Wrong);
}

// Without a declaration text for the resident's municipality, staff are told on the identity check
// (before hand-over), naming the municipality and the language; the dossier offers no signing and
// nothing is stored. (The demo texts are not loaded: BALIE_ASSETS_DIR without texts/.)
TEST_F(EnrolledTerminalE2E, NoTextForTheMunicipalityBlocksSigningBeforeHandOver) {
  const fs::path assets = dir_ / "assets";
  fs::create_directories(assets);
  for (const auto& e : fs::directory_iterator(fs::path(BALIE_SOURCE_DIR) / "assets"))
    if (e.path().filename() != "texts") fs::create_directory_symlink(e.path(), assets / e.path().filename());
  const std::string script =
      "wait-scene welcome\ntap welcome.staff\nwait-scene staff_unlock\ntap staff.demo-coa\n" + kPinCoa +
      "wait-scene staff_home\ntap staff_home.start\nwait-scene resident_search\ntap kb.s\ntap kb.a\ntap kb.l\ntap kb.m\n"
      "wait-for search.hit.0\ntap search.hit.0\nwait-scene identity_check\n"
      "expect-text geen verklaringstekst in het Nederlands voor Amsterdam (GM0363)\nscreenshot t01-identity-no-text\n"
      "tap identity.confirm\nwait-scene language\ntap language.nl\nwait-scene dossier\nexpect-no-id dossier.sign\n"
      "screenshot t02-dossier-no-text\n";
  auto r = run_script(script, {"BALIE_ASSETS_DIR=" + assets.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto st = open_store();
  ASSERT_TRUE(st);
  auto recs = st->records_for("demo-01");
  ASSERT_TRUE(recs.ok());
  EXPECT_TRUE(recs.value().empty());
}

// "Nu versturen" writes <state_dir>/sync-now (where balie-syncd-request.path looks), says when it was
// asked and, with no sync service taking it within 2 minutes, that the service did not start.
TEST_F(EnrolledTerminalE2E, SyncNowRequestIsNextToTheStoreAndReportsANonStartingService) {
  const std::string script =
      "wait-scene welcome\ntap welcome.staff\nwait-scene staff_unlock\ntap staff.demo-coa\n" + kPinCoa +
      "wait-scene staff_home\ntap staff_home.status\nwait-scene staff_status\ntap status.sync_now\nwait-frames 3\n"
      "expect-text Versturen aangevraagd om 10:30\nexpect-no-text zo verstuurd\nscreenshot q01-requested\n"
      "advance-time 50\nwait-frames 3\ntap-at 960 600\nadvance-time 50\nwait-frames 3\ntap-at 960 600\nadvance-time 25\nwait-frames 5\nexpect-scene staff_status\nexpect-text na 2 minuten nog niet begonnen\nscreenshot q02-not-started\n";
  auto r = run_script(script);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(fs::exists(dir_ / "state" / "sync-now"));
  auto st = open_store();
  ASSERT_TRUE(st);
  auto tail = st->audit_tail(50);
  ASSERT_TRUE(tail.ok());
  EXPECT_TRUE(std::any_of(tail.value().begin(), tail.value().end(),
                          [](const store::AuditEntry& e) { return e.action == "sync.requested" && e.actor == "demo-coa"; }));
}

// Not enrolled: the technician screen instead of the staff list, with the short code and the whole
// request as a QR code; a missing request is said to be missing. (Demo mode asks for it by naming
// BALIE_ENROLMENT_DIR; production needs no such variable.)
TEST_F(EnrolledTerminalE2E, EnrolmentScreenShowsTheRequestOrSaysItIsMissing) {
  const fs::path enrol = dir_ / "enrol";
  fs::create_directories(enrol);
  auto r = run_script("wait-scene enrolment\nexpect-id enrolment.no_request\nexpect-no-id welcome.staff\n"
                      "screenshot e01-no-request\n",
                      {"BALIE_ENROLMENT_DIR=" + enrol.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ofstream(enrol / "request.json")
      << R"({"format":"balie-enrolment-request","format_version":1,"device_ed25519_pk":")" << std::string(64, 'a')
      << R"(","tls_csr_pem":"-----BEGIN CERTIFICATE REQUEST-----\n)" << std::string(600, 'M')
      << R"(\n-----END CERTIFICATE REQUEST-----\n","tls_pin":"sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","created_at":"2026-12-05T10:00:00Z","short_code":"ABCD-EFGH-JKMN-PQRS"})"
      << "\n";
  r = run_script("wait-scene enrolment\nexpect-id enrolment.qr\nexpect-text ABCD-EFGH-JKMN-PQRS\n"
                 "expect-text Vingerafdruk apparaatsleutel\nscreenshot e02-request\n",
                 {"BALIE_ENROLMENT_DIR=" + enrol.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Without the variable, a demo terminal is not asked to enrol.
  r = run_script("wait-scene welcome\ntap welcome.staff\nwait-scene staff_unlock\ntap staff.demo-tech\n" +
                 pin_taps("pin", "975310") + "wait-scene staff_home\ntap staff_home.terminal\nwait-scene enrolment\n"
                 "expect-text Terminalgegevens\nscreenshot e03-terminal-details\n");
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

// A store that cannot be read proves nothing: an unenrolled terminal keeps its enrolment screen while
// the read of the applied bundle fails, and says why once (not at every poll). (Tier C once showed the
// welcome screen on an unenrolled terminal: a failed read had counted as "a bundle was applied".)
TEST_F(EnrolledTerminalE2E, AStoreThatCannotBeReadKeepsTheEnrolmentScreen) {
  const fs::path enrol = dir_ / "enrol";
  fs::create_directories(enrol);
  const fs::path s = dir_ / "s.balie";
  // The store is polled every 3 s (of the scripted clock): several polls per pause.
  std::ofstream(s) << "wait-scene enrolment\npause\n"
                      "advance-time 4\nwait-frames 3\nadvance-time 4\nwait-frames 3\nadvance-time 4\nwait-frames 3\n"
                      "expect-scene enrolment\nexpect-id enrolment.no_request\nexpect-no-id welcome.staff\nscreenshot unreadable\n"
                      "pause\nadvance-time 4\nwait-frames 3\nexpect-scene enrolment\n";
  pid_t pid = -1;
  RunResult r;
  auto env = kiosk_env();
  env.push_back("BALIE_ENROLMENT_DIR=" + enrol.string());
  std::thread t([&] {
    r = run_process({kKiosk, "--windowed", "1280x800", "--clock-start", "2026-03-02T09:30:00Z", "--script", s.string(),
                     "--shots", (dir_ / "shots").string()},
                    env, std::chrono::seconds(120), &pid);
  });
  while (pid <= 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  struct Resume {  // whatever fails below, the kiosk continues, ends and is waited for
    pid_t pid;
    std::thread& t;
    ~Resume() {
      for (int i = 0; i < 3; ++i) kill(pid, SIGCONT);
      if (t.joinable()) t.join();
    }
  } resume{pid, t};
  auto wait_paused = [&] {
    char st = 0;
    for (int i = 0; i < 6000 && (st = process_state(pid)) != 'T' && st != 0 && st != 'Z'; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return st == 'T';
  };
  // Raw SQLCipher access with the demo key: the table the applied bundle is read from goes away
  // while the kiosk is stopped, and comes back before its second pause ends.
  auto rename = [&](const char* sql) {
    balie::platform::KeyProvider kp(balie::platform::KeyMode::Demo, dir_ / "state", {});
    auto key = kp.db_key();
    ASSERT_TRUE(key.ok());
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2((dir_ / "state" / "balie.db").c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    std::string k = "PRAGMA key = \"x'";
    static const char* hex = "0123456789abcdef";
    for (auto b : key.value().bytes()) k += std::string{hex[b >> 4], hex[b & 15]};
    k += "'\";";
    sqlite3_busy_timeout(db, 5000);
    EXPECT_EQ(sqlite3_exec(db, k.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close_v2(db);
  };
  ASSERT_TRUE(wait_paused()) << "the kiosk did not reach its first pause";
  rename("ALTER TABLE enrolment RENAME TO enrolment_away");
  kill(pid, SIGCONT);
  ASSERT_TRUE(wait_paused()) << "the kiosk did not reach its second pause";
  rename("ALTER TABLE enrolment_away RENAME TO enrolment");
  kill(pid, SIGCONT);
  t.join();
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const std::string said = "cannot read the applied bundle (the enrolment screen stays)";
  const auto first = r.output.find(said);
  EXPECT_NE(first, std::string::npos) << r.output;
  EXPECT_EQ(r.output.find(said, first + 1), std::string::npos) << "said once, not at every poll:\n" << r.output;
  EXPECT_EQ(r.output.find("enrolment bundle applied"), std::string::npos) << r.output;
}
