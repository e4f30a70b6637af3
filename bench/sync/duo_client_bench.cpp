// DUO client throughput (issue 17, item 4 figures): registrations per second of balie-inbox's DUO
// registration pass (duo_register_pass: BerichtId committed, PUT over mTLS, answer recorded) against
// the DUO double (tests/sync/duo_double) on loopback. The double (Python, schema validation per
// request, fsync'd log) is part of what is measured. Usage: bench_duo_client [N records, default 300]
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sodium.h>
#include <sstream>
#include <thread>

#include "balie/record/codec.h"
#include "balie/record/envelope.h"
#include "balie/record/pvt_rule.h"
#include "duo_register.h"
#include "inbox_db.h"

extern char** environ;
namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace balie;

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 300;
  if (sodium_init() < 0 || n <= 0) return 2;
  const fs::path dir = fs::path(BALIE_BINARY_DIR) / "bench" / "sync" / ("duo-bench-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  if (std::system(("bash " + std::string(BALIE_SOURCE_DIR) + "/sync/tools/make-pki.sh " + (dir / "pki").string() +
                   " T-1 DUO >/dev/null 2>&1").c_str()) != 0)
    return 1;
  // n stored PVT records, each for its own resident with a registrable dossier.
  // The receiver's database key (a fresh random one; the database is encrypted as in production).
  const record::Key32 db_key = record::random_key32();
  auto db = inbox::InboxDb::open((dir / "inbox.db").string(), db_key, "GM0363");
  if (!db) return 1;
  auto dev = record::SigningKey::generate();
  auto box = record::BoxKey::generate();
  if (!(*db)->enroll_device("T-1", record::to_hex(dev.public_key.data(), 32), "AZC-A")) return 1;
  const std::time_t now = std::time(nullptr);
  const std::string today = record::format_utc(now).substr(0, 10);
  json residents = json::array();
  std::vector<inbox::IncomingRecord> recs;
  record::ChainHead head;
  for (int i = 0, b = 999990000; i < n; ++i) {
    while (!record::bsn_elfproef(std::to_string(b))) ++b;
    const std::string bsn = std::to_string(b++), rid = "r" + std::to_string(i);
    residents.push_back(
        {{"resident_id", rid}, {"locatiecode", "AZC-A"},
         {"dossier", {{"resident", {{"id", rid}, {"gemeentecode", "GM0363"}, {"location_id", "AZC-A"},
                                    {"naam_latijns", "Bench"}, {"regime", "Wi2021"}}},
                      {"dossier", {{"inburgeringsplicht", {{"plichtig", true}}},
                                   {"inburgeringstermijn", {{"startdatum", "2024-01-01"}, {"einddatum", "2099-01-01"}}},
                                   {"pip", {{"dagtekening", "2024-02-01"}}}}}}}});
    const std::string sens = json{{"resident_id", rid}, {"bsn", bsn}, {"datumOndertekeningPvt", today}}.dump();
    char id[40];
    std::snprintf(id, sizeof id, "3f2b8c1e-0d4a-4b6e-9c7f-%012d", i + 1);
    auto s = record::seal_record({id, "pvt.ondertekend", "GM0363", "T-1", now - 60, "{}", sens}, dev, box.public_key, head);
    head = s->next;
    recs.push_back({*record::parse_envelope(s->envelope), sens});
  }
  if (!(*db)->import_dossiers(json{{"residents", residents}}.dump())) return 1;
  if (!(*db)->store_batch(recs, record::SigningKey::generate(), now)) return 1;

  // The double.
  const std::string src = BALIE_SOURCE_DIR;
  std::vector<std::string> a = {"python3", src + "/tests/sync/duo_double/duo_double.py", "--cert",
                                (dir / "pki/DUO/cert.pem").string(), "--key", (dir / "pki/DUO/key.pem").string(),
                                "--client-ca", (dir / "pki/ca.pem").string(), "--port-file", (dir / "port").string(),
                                "--log", (dir / "duo.jsonl").string()};
  std::vector<char*> av;
  for (auto& s : a) av.push_back(s.data());
  av.push_back(nullptr);
  pid_t pid = -1;
  posix_spawnp(&pid, av[0], nullptr, nullptr, av.data(), environ);
  for (int i = 0; i < 1000 && !fs::exists(dir / "port"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::ifstream pf(dir / "port");
  std::string port;
  pf >> port;

  inbox::DuoPassConfig c;
  c.client = {"https://127.0.0.1:" + port + "/v1", (dir / "pki/device/cert.pem").string(),
              (dir / "pki/device/key.pem").string(), (dir / "pki/ca.pem").string(), "00000001001234567000",
              "00000001800866472000"};
  c.today = today;
  const auto t0 = std::chrono::steady_clock::now();
  auto r = inbox::duo_register_pass(**db, c);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ::kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  if (!r) {
    std::fprintf(stderr, "pass failed: %s\n", r.error().message.c_str());
    return 1;
  }
  std::printf("{\"records\":%d,\"accepted\":%d,\"seconds\":%.3f,\"registrations_per_second\":%.1f}\n", n, r->accepted,
              s, r->accepted / s);
  fs::remove_all(dir);
  return r->accepted == n ? 0 : 1;
}
