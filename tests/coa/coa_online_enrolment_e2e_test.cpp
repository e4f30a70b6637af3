// Online enrolment end to end (issue 15 item 1): a technician types COA's one-time code on the real
// balie-kiosk's enrolment screen (Xvfb); the kiosk hands it over in code.json; the real
// `balie-enrol online` sends it with the terminal's real request to a real balie-coa (private
// PostgreSQL); `balie-admin bundle apply` applies the signed bundle to the kiosk's real store, and the
// kiosk moves on to the welcome screen with COA's staff. A spent code is refused and said so. Waits
// are generous (60 s per step, 240 s per hand-over): a loaded CI machine once missed a 10 s step.
#include <gtest/gtest.h>
#include <sodium.h>

#include <thread>

#include "../kiosk/kiosk_process.h"
#include "coa_harness.h"

namespace kt = balie::kiosk::testing;
namespace ct = balie::coa::testing;
namespace fs = std::filesystem;

namespace {

char process_state(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const auto close = s.rfind(')');
  return close != std::string::npos && close + 2 < s.size() ? s[close + 2] : 0;
}

bool wait_stopped(pid_t pid, int seconds) {
  for (int i = 0; i < seconds * 50; ++i) {
    const char st = process_state(pid);
    if (st == 'T') return true;
    if (st == 0 || st == 'Z') return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// Script taps for a code such as "7KQM-3XHD-9TPV" on the kiosk keyboard (letters on the Latin
// layout, digits on the digits layout).
std::string type_code(const std::string& code) {
  std::string s;
  bool digits = false;
  for (char c : code) {
    if (c == '-') continue;
    const bool is_digit = c >= '0' && c <= '9';
    if (is_digit != digits) {
      s += is_digit ? "tap kb.layout.digits\n" : "tap kb.layout.latin\n";
      digits = is_digit;
    }
    s += std::string("tap kb.") + static_cast<char>(is_digit ? c : c - 'A' + 'a') + "\n";
  }
  return s;
}

}  // namespace

class CoaOnlineEnrolmentE2E : public kt::KioskProcessTest {
 protected:
  void SetUp() override {
    ASSERT_GE(sodium_init(), 0);
    kt::KioskProcessTest::SetUp();
    ASSERT_TRUE(pg_.ok()) << pg_.error();
  }
  std::vector<std::string> env() const {
    auto e = kiosk_env();
    e.push_back("BALIE_ENROLMENT_DIR=" + (dir_ / "enrol").string());
    e.push_back("BALIE_COA_ENDPOINT_FILE=" + (dir_ / "coa-endpoint.json").string());
    return e;
  }
  int tool(const std::vector<std::string>& argv, std::string* out) {
    std::string cmd = "exec env";
    for (const auto& e : env()) cmd += " '" + e + "'";
    cmd += " BALIE_PROVISIONING_KEYS='" + (dir_ / "provisioning-keys").string() + "'";
    for (const auto& a : argv) cmd += " '" + a + "'";
    return ct::run({"/bin/sh", "-c", cmd}, out);
  }
  ct::PgCluster pg_;
};

TEST_F(CoaOnlineEnrolmentE2E, ACodeTypedOnTheKioskEnrolsTheTerminalThroughBalieCoa) {
  // COA: a location with its configuration, an operator, two codes.
  ct::CoaPki pki(dir_ / "pki");
  auto coa = ct::CoaService::start(pki, pg_, dir_ / "coa");
  std::string out;
  ASSERT_EQ(coa->admin({"location", "add", "azc-a", "AZC Ter Apel"}, &out), 0) << out;
  ASSERT_EQ(coa->admin({"operator", "add", "ops-1", "Olga"}, &out, "correct horse battery"), 0) << out;
  ct::spit(dir_ / "config.json", ct::location_config(pki, "coa-anna").dump());
  ASSERT_EQ(coa->admin({"config", "put", "azc-a", (dir_ / "config.json").string()}, &out), 0) << out;
  ASSERT_EQ(coa->admin({"code", "create", "azc-a", "ops-1"}, &out), 0) << out;
  const std::string spent = ct::trim(out);
  ASSERT_EQ(coa->admin({"code", "create", "azc-a", "ops-1"}, &out), 0) << out;
  const std::string code = ct::trim(out);
  // The image's COA endpoint file and trusted provisioning key.
  ct::json endpoint = {{"endpoint", "https://127.0.0.1:" + std::to_string(coa->terminal_port)},
                       {"ca_pem", ct::slurp(pki.dir / "ca.pem")},
                       {"pins", {pki.pin("coa-terminal"), pki.pin("coa-backup")}}};
  ct::spit(dir_ / "coa-endpoint.json", endpoint.dump());
  fs::create_directories(dir_ / "provisioning-keys");
  fs::copy_file(fs::path(BALIE_SOURCE_DIR) / "image/keys/provisioning-test.pub", dir_ / "provisioning-keys/test.pub");
  fs::create_directories(dir_ / "enrol");

  // Spend the first code on another terminal, so the kiosk's first attempt is refused.
  ct::TestTerminal other(dir_ / "other");
  auto used = other.enrol(pki, coa->terminal_port, spent);
  ASSERT_TRUE(used && used->status == 200);

  // The kiosk's first start makes its demo keys; then the terminal's request, as balie-enrol-request.service does.
  const fs::path script = dir_ / "s.balie";
  std::ofstream(script) << "wait-frames 2\n";
  auto first = kt::run_process({kiosk_binary(), "--windowed", "1920x1080", "--script", script.string()}, kiosk_env(),
                               std::chrono::seconds(120));
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const std::string enrol = std::string(BALIE_BINARY_DIR) + "/sync/balie-enrol";
  ASSERT_EQ(tool({enrol, "tls-key", "--demo"}, &out), 0) << out;
  ASSERT_EQ(tool({enrol, "request", "--out", (dir_ / "enrol/request.json").string()}, &out), 0) << out;

  // The first entry ends on the digits layout on purpose: the second entry must start on letters again
  // (the scene kept the layout, so a code ending in a digit followed by one starting with a letter failed).
  std::ofstream(script) << "wait-scene enrolment 60\nexpect-id enrolment.enter_code\ntap enrolment.enter_code\n"
                        << type_code(spent) << "tap kb.layout.digits\nscreenshot o01-code-typed\ntap enrolment.send_code\n"
                        << "wait-for enrolment.online.waiting 60\nscreenshot o02-waiting\npause\n"
                        << "advance-time 4\nwait-for enrolment.online.refused 60\nscreenshot o03-refused\n"
                        << "tap enrolment.enter_code\nexpect-id kb.a\n" << type_code(code) << "tap enrolment.send_code\n"
                        << "wait-for enrolment.online.waiting 60\npause\n"
                        << "advance-time 4\nwait-scene welcome 60\nscreenshot o04-welcome\ntap welcome.staff\n"
                        << "wait-scene staff_unlock 60\nexpect-id staff.coa-anna\nscreenshot o05-coa-staff\n";
  const char* keep = std::getenv("BALIE_TEST_KEEP_SHOTS");
  const fs::path shots = keep && *keep ? fs::path(keep) : dir_ / "shots";
  pid_t pid = -1;
  kt::RunResult r;
  std::thread t([&] {
    r = kt::run_process({kiosk_binary(), "--windowed", "1920x1080", "--clock-start", "2026-12-06T09:30:00Z", "--script",
                         script.string(), "--shots", shots.string()},
                        env(), std::chrono::seconds(600), &pid);
  });
  while (pid <= 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  // A step that did not come: end the kiosk and show what it said (a loaded CI machine once missed one).
  const auto kiosk_output = [&] {
    kill(pid, SIGKILL);
    kill(pid, SIGCONT);
    t.join();
    return r.output + "\nbalie-coa log:\n" + coa->log();
  };

  // First code: balie-coa refuses it; the code file is removed and the kiosk shows why.
  if (!wait_stopped(pid, 240)) FAIL() << "the kiosk did not hand over the first code\n" << kiosk_output();
  EXPECT_TRUE(fs::exists(dir_ / "enrol/code.json"));
  EXPECT_EQ(tool({enrol, "online", "--coa", (dir_ / "coa-endpoint.json").string(), "--dir", (dir_ / "enrol").string()}, &out), 4)
      << out;
  EXPECT_FALSE(fs::exists(dir_ / "enrol/code.json"));
  EXPECT_FALSE(fs::exists(dir_ / "enrol/bundle.json"));
  kill(pid, SIGCONT);

  // Second code: the bundle arrives and is applied to the kiosk's store while it runs.
  if (!wait_stopped(pid, 240)) FAIL() << "the kiosk did not hand over the second code\n" << kiosk_output();
  if (tool({enrol, "online", "--coa", (dir_ / "coa-endpoint.json").string(), "--dir", (dir_ / "enrol").string()}, &out) != 0 ||
      !fs::exists(dir_ / "enrol/bundle.json"))
    FAIL() << "balie-enrol online did not bring the bundle: " << out << "\n" << kiosk_output();
  EXPECT_EQ(fs::status(dir_ / "enrol/bundle.json").permissions() & fs::perms::others_read, fs::perms::none);
  const std::string admin = std::string(BALIE_BINARY_DIR) + "/store/balie-admin";
  EXPECT_EQ(tool({admin, "bundle", "apply", (dir_ / "enrol/bundle.json").string()}, &out), 0) << out;
  kill(pid, SIGCONT);
  t.join();
  ASSERT_EQ(r.exit_code, 0) << r.output << "\nbalie-coa log:\n" << coa->log();
  EXPECT_EQ(pg_.psql("SELECT count(*) FROM devices"), "2");
  EXPECT_EQ(pg_.psql("SELECT count(*) FROM enrolment_codes WHERE used_at IS NOT NULL"), "2");
}
