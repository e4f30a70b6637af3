// balie-inbox's DUO registration (issue 17, item 4) end to end: a real inbox database with stored,
// sealed PVT records, the real balie-inbox duo-register / duo-status processes, and the DUO double
// (tests/sync/duo_double/duo_double.py: real HTTPS with mutual TLS on loopback, validating against DUO's
// openapi.yml and business rules, logging every request). Asserts exactly one valid PUT /pvt per record
// through 4xx, 5xx, slow, dropped and malformed answers and a crash between send and record.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sodium.h>
#include <sstream>
#include <thread>

#include "balie/record/codec.h"
#include "balie/record/envelope.h"
#include "balie/record/pvt_rule.h"
#include "harness.h"
#include "inbox_db.h"
#include "inbox_storage_key.h"

extern char** environ;

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace balie;

namespace {

const std::string kBron = "00000001001234567000";  // the municipality's OIN (test value)
const std::string kDoel = "00000001800866472000";  // DUO's OIN as the double knows it (test value)

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// A child process with stdout and stderr in files; SIGKILLed when the object dies while running.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const fs::path& out, const fs::path& err) {
    std::vector<char*> a;
    for (auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (posix_spawnp(&pid_, a[0], &fa, nullptr, a.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
  }
  ~Child() { kill(SIGKILL); }
  void kill(int sig) {
    if (pid_ <= 0) return;
    ::kill(pid_, sig);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  // Exit status, -1 on timeout, 128+signal when killed.
  int wait(std::chrono::seconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (pid_ > 0) {
      int st = 0;
      if (waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      }
      if (std::chrono::steady_clock::now() > until) return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
};

std::string bsn(int n) {  // the n-th elfproef-valid BSN from 999990000
  for (int i = 999990000, k = 0;; ++i)
    if (record::bsn_elfproef(std::to_string(i)) && k++ == n) return std::to_string(i);
}

class DuoRegister : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GE(sodium_init(), 0);
    const auto* t = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(BALIE_BINARY_DIR) / "tests" / "sync" / "tmp" / ("duo-" + std::string(t->name()) + "-" +
                                                                       std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    pki_ = dir_ / "pki";
    ASSERT_EQ(std::system(("bash " + std::string(BALIE_SOURCE_DIR) + "/sync/tools/make-pki.sh " + pki_.string() +
                           " T-1 DUO >/dev/null 2>&1").c_str()),
              0);
    db_path_ = dir_ / "inbox.db";
  }
  void TearDown() override {
    double_.reset();
    if (!HasFailure()) fs::remove_all(dir_);
  }

  // Stores one sealed PVT record of `resident` (signed on `datum`) as received at `received`.
  std::string store(const std::string& resident, const std::string& b, const std::string& datum, std::time_t received,
                    bool with_pip = true, json d = json()) {
    auto key = inbox::load_db_key(balie::test::inbox_key(db_path_));
    EXPECT_TRUE(key) << key.error().message;
    auto db = inbox::InboxDb::open(db_path_.string(), key->bytes(), "GM0363");
    EXPECT_TRUE(db) << db.error().message;
    EXPECT_TRUE((*db)->enroll_device("T-1", record::to_hex(dev_.public_key.data(), 32), "AZC-A"));
    if (d.is_null())
      d = {{"inburgeringsplicht", {{"plichtig", true}}},
           {"inburgeringstermijn", {{"startdatum", "2024-01-01"}, {"einddatum", "2099-01-01"}}}};
    if (with_pip) d["pip"] = {{"dagtekening", "2024-02-01"}};
    json res = {{"residents",
                 {{{"resident_id", resident},
                   {"locatiecode", "AZC-A"},
                   {"dossier", {{"resident", {{"id", resident}, {"gemeentecode", "GM0363"}, {"location_id", "AZC-A"},
                                              {"naam_latijns", "Test " + resident}, {"regime", "Wi2021"}}},
                                {"dossier", d}}}}}}};
    EXPECT_TRUE((*db)->import_dossiers(res.dump()));
    const std::string sensitive = json{{"resident_id", resident}, {"bsn", b}, {"datumOndertekeningPvt", datum}}.dump();
    char id[40];
    std::snprintf(id, sizeof id, "3f2b8c1e-0d4a-4b6e-9c7f-%012d", ++n_);
    record::RecordInput in{id, "pvt.ondertekend", "GM0363", "T-1", received - 60, "{}", sensitive};
    auto s = record::seal_record(in, dev_, box_.public_key, head_);
    EXPECT_TRUE(s);
    head_ = s->next;
    auto env = record::parse_envelope(s->envelope);
    EXPECT_TRUE(env);
    auto out = (*db)->store_batch({inbox::IncomingRecord{*env, sensitive}}, record::SigningKey::generate(), received);
    EXPECT_TRUE(out);
    EXPECT_EQ((*out)[0].result, "stored");
    return id;
  }

  void start_double(const std::vector<std::string>& extra = {}) {
    double_.reset();
    fs::remove(dir_ / "duo.port");
    std::vector<std::string> argv = {"python3",
                                     std::string(BALIE_SOURCE_DIR) + "/tests/sync/duo_double/duo_double.py",
                                     "--cert", (pki_ / "DUO" / "cert.pem").string(),
                                     "--key", (pki_ / "DUO" / "key.pem").string(),
                                     "--client-ca", (pki_ / "ca.pem").string(),
                                     "--port-file", (dir_ / "duo.port").string(),
                                     "--log", (dir_ / "duo.jsonl").string(),
                                     "--oin", kDoel};
    argv.insert(argv.end(), extra.begin(), extra.end());
    double_ = std::make_unique<Child>(argv, dir_ / "duo.out", dir_ / "duo.err");
    for (int i = 0; i < 1000 && !fs::exists(dir_ / "duo.port"); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_TRUE(fs::exists(dir_ / "duo.port")) << slurp(dir_ / "duo.err");
    url_ = "https://127.0.0.1:" + slurp(dir_ / "duo.port") + "/v1";
  }

  std::vector<std::string> register_argv(const std::vector<std::string>& extra) {
    std::vector<std::string> a = {(fs::path(BALIE_BINARY_DIR) / "sync" / "balie-inbox").string(),
                                  "duo-register", "--db", db_path_.string(), "--db-key-file", balie::test::inbox_key(db_path_), "--gemeentecode", "GM0363",
                                  "--duo-url", url_, "--duo-cert", (pki_ / "device" / "cert.pem").string(),
                                  "--duo-key", (pki_ / "device" / "key.pem").string(),
                                  "--duo-ca", (pki_ / "ca.pem").string(), "--bron-oin", kBron, "--doel-oin", kDoel,
                                  "--backoff-ms", "20"};
    a.insert(a.end(), extra.begin(), extra.end());
    if (std::find(extra.begin(), extra.end(), "--duo-timeout") == extra.end()) {
      a.push_back("--duo-timeout");
      a.push_back("1");
    }
    return a;
  }

  // Runs a balie-inbox command; returns its exit status, stdout in *out.
  int inbox(const std::vector<std::string>& argv, std::string* out) {
    const fs::path o = dir_ / "cmd.out", e = dir_ / "cmd.err";
    fs::remove(e);
    Child c(argv, o, e);
    const int rc = c.wait(std::chrono::seconds(60));
    *out = slurp(o);
    err_ = slurp(e);
    return rc;
  }
  int duo_register(std::string* out, const std::vector<std::string>& extra = {}) {
    return inbox(register_argv(extra), out);
  }
  int duo_status(const std::string& today, json* out) {
    std::string o;
    const int rc = inbox({(fs::path(BALIE_BINARY_DIR) / "sync" / "balie-inbox").string(), "duo-status", "--db", db_path_.string(), "--db-key-file", balie::test::inbox_key(db_path_), "--gemeentecode", "GM0363", "--today", today},
                         &o);
    *out = json::parse(o, nullptr, false);
    return rc;
  }

  std::vector<json> log() {
    std::vector<json> v;
    std::istringstream in(slurp(dir_ / "duo.jsonl"));
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) v.push_back(json::parse(line));
    return v;
  }
  std::vector<json> log_with(const std::string& outcome) {
    std::vector<json> v;
    for (auto& e : log())
      if (e["outcome"] == outcome) v.push_back(e);
    return v;
  }
  inbox::InboxDb::DuoRegistration reg(const std::string& id) {
    auto key = inbox::load_db_key(balie::test::inbox_key(db_path_));
    EXPECT_TRUE(key) << key.error().message;
    auto db = inbox::InboxDb::open(db_path_.string(), key->bytes(), "GM0363");
    auto r = (*db)->duo_get(id);
    EXPECT_TRUE(r && *r) << "no registration row for " << id;
    return r && *r ? **r : inbox::InboxDb::DuoRegistration{};
  }

  std::string today() const { return record::format_utc(std::time(nullptr)).substr(0, 10); }

  fs::path dir_, pki_, db_path_;
  std::string url_, err_;
  std::unique_ptr<Child> double_;
  int n_ = 0;
  record::SigningKey dev_ = record::SigningKey::generate();
  record::ChainHead head_;
  record::BoxKey box_ = record::BoxKey::generate();
};

}  // namespace

TEST_F(DuoRegister, OneValidPutPerSignedPvtAndNeverASecond) {
  const std::time_t now = std::time(nullptr);
  const std::string b = bsn(0), nopip = bsn(1);
  const std::string id = store("r1", b, today(), now);
  const std::string blocked = store("r2", nopip, today(), now, /*with_pip=*/false);
  start_double();
  std::string out;
  ASSERT_EQ(duo_register(&out), 0) << out << err_;
  auto puts = log();
  ASSERT_EQ(puts.size(), 1u) << slurp(dir_ / "duo.jsonl");
  const json& p = puts[0];
  EXPECT_EQ(p["outcome"], "accepted") << p.dump();
  EXPECT_EQ(p["method"], "PUT");
  EXPECT_EQ(p["path"], "/v1/personen/" + b + "/pvt");
  EXPECT_EQ(p["body"], (json{{"datumOndertekeningPvt", today()}}));  // no verwijtbaar before the term's end
  EXPECT_EQ(p["bron"], kBron);
  EXPECT_EQ(p["doel"], kDoel);
  const auto r = reg(id);
  EXPECT_EQ(p["berichtId"], r.bericht_id);
  EXPECT_EQ(r.state, "accepted");
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.last_http_status, 200);
  EXPECT_EQ(reg(blocked).state, "blocked");  // no PIP: the PVT rule holds it back, nothing sent
  EXPECT_NE(reg(blocked).last_answer.find("no_pip"), std::string::npos);
  // The BSN is nowhere in the registration table.
  EXPECT_EQ(slurp(db_path_).find(b + "\",\"state"), std::string::npos);
  // A second pass sends nothing: accepted is final.
  ASSERT_EQ(duo_register(&out), 0) << out << err_;
  EXPECT_EQ(log().size(), 1u);
  EXPECT_EQ(json::parse(out)["already_decided"], 1);
  json st;
  EXPECT_EQ(duo_status(today(), &st), 0) << st.dump();
  EXPECT_EQ(st["overdue"].size(), 0u);
}

TEST_F(DuoRegister, A4xxIsRecordedAsRejectedWithoutTheBsnAndNotRetried) {
  const std::string b = bsn(2);
  const std::string id = store("r1", b, today(), std::time(nullptr));
  // DUO knows a later start of the term than the municipality's dossier says: DUO's rule refuses (403).
  fs::path persons = dir_ / "persons.json";
  std::ofstream(persons) << json{{b, {{"termijn_start", "2099-01-01"}, {"termijn_eind", "2102-01-01"}}}}.dump();
  start_double({"--persons", persons.string()});
  std::string out;
  ASSERT_EQ(duo_register(&out), 0) << out << err_;
  ASSERT_EQ(log().size(), 1u);
  EXPECT_EQ(log()[0]["status"], 403);
  const auto r = reg(id);
  EXPECT_EQ(r.state, "rejected");
  EXPECT_EQ(r.last_http_status, 403);
  EXPECT_NE(r.last_answer.find("startdatum van de inburgeringstermijn"), std::string::npos) << r.last_answer;
  EXPECT_EQ(r.last_answer.find(b), std::string::npos) << "DUO echoed the BSN and it was stored: " << r.last_answer;
  ASSERT_EQ(duo_register(&out), 0) << out << err_;
  EXPECT_EQ(log().size(), 1u) << "a rejected registration was sent again";
}

TEST_F(DuoRegister, FailuresAreRetriedWithTheSameBerichtIdThenAcceptedOnce) {
  const std::string id = store("r1", bsn(3), today(), std::time(nullptr));
  start_double({"--faults", "500,drop,malformed,slow,503", "--slow-seconds", "2"});
  std::string out;
  ASSERT_EQ(duo_register(&out, {"--max-attempts", "6"}), 0) << out << err_;
  auto all = log();
  ASSERT_EQ(all.size(), 6u) << slurp(dir_ / "duo.jsonl");
  const auto r = reg(id);
  for (const auto& e : all) EXPECT_EQ(e["berichtId"], r.bericht_id) << e.dump();
  EXPECT_EQ(log_with("accepted").size(), 1u);
  EXPECT_EQ(r.state, "accepted");
  // libcurl itself resends once when a reused keep-alive connection turns out dead (the "drop"), with
  // the same headers: so the inbox counts 5 or 6 attempts for the double's 6 requests.
  EXPECT_GE(r.attempts, 5);
  EXPECT_LE(r.attempts, 6);
}

TEST_F(DuoRegister, RetriesLeftOverGoOnInTheNextPassWithTheSameBerichtId) {
  const std::string id = store("r1", bsn(4), today(), std::time(nullptr));
  start_double({"--faults", "503,503"});
  std::string out;
  EXPECT_EQ(duo_register(&out, {"--max-attempts", "2"}), 1) << out << err_;  // exit 1: something to retry
  auto r = reg(id);
  EXPECT_EQ(r.state, "retrying");
  EXPECT_EQ(r.last_http_status, 503);
  ASSERT_EQ(duo_register(&out), 0) << out << err_;
  EXPECT_EQ(reg(id).state, "accepted");
  auto all = log();
  ASSERT_EQ(all.size(), 3u);
  for (const auto& e : all) EXPECT_EQ(e["berichtId"], r.bericht_id);
  EXPECT_EQ(log_with("accepted").size(), 1u);
}

TEST_F(DuoRegister, ACrashBetweenSendAndRecordNeverRegistersTwice) {
  const std::string id = store("r1", bsn(5), today(), std::time(nullptr));
  // DUO processes the PUT, then its answer is late: the inbox is killed before it can record it.
  start_double({"--faults", "hang", "--slow-seconds", "30"});
  {
    Child c(register_argv({"--duo-timeout", "60"}), dir_ / "crash.out", dir_ / "crash.err");
    for (int i = 0; i < 1000 && log_with("accepted").empty(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_EQ(log_with("accepted").size(), 1u);
    c.kill(SIGKILL);
  }
  auto r = reg(id);
  EXPECT_EQ(r.state, "retrying");  // sent, answer never recorded
  EXPECT_EQ(r.attempts, 1);
  std::string out;
  ASSERT_EQ(duo_register(&out), 0) << out << err_;
  EXPECT_EQ(reg(id).state, "accepted");
  auto all = log();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1]["outcome"], "repeat");  // DUO saw the same message again, not a new registration
  EXPECT_EQ(all[0]["berichtId"], r.bericht_id);
  EXPECT_EQ(all[1]["berichtId"], r.bericht_id);
  EXPECT_EQ(log_with("accepted").size(), 1u);
}

// Received Friday 2026-12-18: the ten working days skip two weekends, Christmas (Fri 25th) and
// Nieuwjaarsdag (Fri 2027-01-01), so the last day is Tuesday 2027-01-05.
TEST_F(DuoRegister, OverdueAcrossAWeekendAndPublicHolidays) {
  const std::time_t fri = *record::parse_utc("2026-12-18T10:00:00Z");
  const std::string id = store("r1", bsn(6), "2026-12-18", fri);
  json st;
  EXPECT_EQ(duo_status("2027-01-05", &st), 0) << st.dump() << err_;
  ASSERT_EQ(st["registrations"].size(), 1u) << st.dump();
  EXPECT_EQ(st["registrations"][0]["record_id"], id);
  EXPECT_EQ(st["registrations"][0]["state"], "not_started");
  EXPECT_EQ(st["registrations"][0]["deadline"], "2027-01-05");
  EXPECT_EQ(st["registrations"][0]["working_days_left"], 0);
  EXPECT_EQ(st["registrations"][0]["overdue"], false);
  EXPECT_EQ(duo_status("2027-01-06", &st), 1) << st.dump();  // exit 1: something is overdue
  EXPECT_EQ(st["overdue"], json::array({id}));
  EXPECT_EQ(st["registrations"][0]["working_days_left"], -1);
  // Once DUO accepted it, it is no longer overdue.
  start_double({"--today", "2027-01-06"});
  std::string out;
  ASSERT_EQ(duo_register(&out, {"--today", "2027-01-06"}), 0) << out << err_;
  EXPECT_EQ(reg(id).deadline_date, "2027-01-05");
  EXPECT_EQ(duo_status("2027-01-06", &st), 0) << st.dump();
  EXPECT_EQ(st["registrations"][0]["state"], "accepted");
  EXPECT_EQ(st["registrations"][0]["overdue"], false);
  EXPECT_EQ(st["overdue"].size(), 0u);
}

// Signed after the (exclusive) einddatum: DUO requires verwijtbaar, and the municipality decided "Ja".
TEST_F(DuoRegister, VerwijtbaarIsSentOnlyWhereDuoRequiresIt) {
  const std::string b = bsn(7);
  const json d = {{"inburgeringsplicht", {{"plichtig", true}}},
                  {"inburgeringstermijn", {{"startdatum", "2020-01-01"}, {"einddatum", "2023-01-01"}}},
                  {"verwijtbaarPvt", "Ja"}};
  const std::string id = store("r1", b, today(), std::time(nullptr), true, d);
  fs::path persons = dir_ / "persons.json";
  std::ofstream(persons) << json{{b, {{"termijn_start", "2020-01-01"}, {"termijn_eind", "2023-01-01"}}}}.dump();
  start_double({"--persons", persons.string()});
  std::string out;
  ASSERT_EQ(duo_register(&out), 0) << out << err_;
  ASSERT_EQ(log().size(), 1u);
  EXPECT_EQ(log()[0]["body"], (json{{"datumOndertekeningPvt", today()}, {"verwijtbaar", "Ja"}}));
  EXPECT_EQ(log()[0]["outcome"], "accepted") << log()[0].dump();
  EXPECT_EQ(reg(id).state, "accepted");
}

// DUO's certificate from a CA the municipality does not trust: nothing is sent, the pass stops with
// exit 1 and the registration stays to retry (same BerichtId) once the configuration is right.
TEST_F(DuoRegister, AnUntrustedDuoCertificateSendsNothing) {
  const std::string id = store("r1", bsn(8), today(), std::time(nullptr));
  start_double();
  std::string out;
  EXPECT_EQ(inbox([&] {
              auto a = register_argv({});
              *std::find(a.begin(), a.end(), (pki_ / "ca.pem").string()) = (pki_ / "rogue-ca.pem").string();
              return a;
            }(),
                  &out),
            1)
      << out << err_;
  EXPECT_NE(err_.find("TLS"), std::string::npos) << err_;
  EXPECT_TRUE(log().empty());
  const auto r = reg(id);
  EXPECT_EQ(r.state, "retrying");
  ASSERT_EQ(duo_register(&out), 0) << out << err_;
  EXPECT_EQ(log().size(), 1u);
  EXPECT_EQ(log()[0]["berichtId"], r.bericht_id);
}
