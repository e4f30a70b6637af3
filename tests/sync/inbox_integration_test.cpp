// balie-inbox for case systems (issue 17 item 5), against real processes on loopback: the change
// export with a cursor (CLI and the case systems' mTLS listener) never skips or repeats a change while
// records arrive concurrently, the HMAC-signed webhook reaches a real receiver that verifies it and
// fails at first, the access log carries no personal data even for hostile requests, 405 + Allow,
// API-Version exactly once, /v1/openapi.json equals the shipped sync/openapi.yaml, and --help.
// Records are sealed and signed here and pushed over mTLS, or stored in the same SQLite file.
// BALIE_INBOX_BINARY runs the process tests against another build of balie-inbox.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "balie/record/codec.h"
#include "harness.h"
#include "inbox_db.h"
#include "inbox_storage_key.h"
#include "balie/record/envelope.h"
#include "balie/sync/protocol.h"
#include "inbox_db.h"
#include "webhook.h"

extern char** environ;
namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace balie;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}
std::string inbox_bin() {
  if (const char* b = std::getenv("BALIE_INBOX_BINARY")) return b;
  return (fs::path(BALIE_BINARY_DIR) / "sync" / "balie-inbox").string();
}

struct Ran {
  int rc = -1;
  std::string out, err;
};
// Runs argv (stdout to `stdout_path` if given) and waits; bounded by `timeout_s`.
Ran run(const std::vector<std::string>& argv, const std::string& stdout_path = "", int timeout_s = 60) {
  static int n = 0;
  const fs::path o = fs::temp_directory_path() / ("inbox-int-" + std::to_string(getpid()) + "-" + std::to_string(++n));
  const fs::path e = o.string() + ".err";
  std::vector<char*> a;
  for (auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
  a.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, stdout_path.empty() ? o.c_str() : stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, e.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = -1;
  Ran r;
  if (posix_spawn(&pid, a[0], &fa, nullptr, a.data(), environ) != 0) return r;
  posix_spawn_file_actions_destroy(&fa);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  int st = 0;
  while (waitpid(pid, &st, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > until) {
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  if (stdout_path.empty()) r.out = slurp(o);
  r.err = slurp(e);
  fs::remove(o);
  fs::remove(e);
  return r;
}

struct Server {
  pid_t pid = -1;
  ~Server() { stop(); }
  void stop() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      int st = 0;
      for (int i = 0; i < 500 && waitpid(pid, &st, WNOHANG) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      pid = -1;
    }
  }
};

std::string uuid(int n) {
  char b[40];
  std::snprintf(b, sizeof b, "7a1e0c52-3b9d-4f3a-8e21-%012d", n);
  return b;
}

// A demo PKI for the kiosk side and a second one whose "device" is the case system (its own CA).
class InboxIntegration : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_GE(sodium_init(), 0);
    signal(SIGPIPE, SIG_IGN);  // a server closing on an oversized body must not kill the test
    root_ = fs::path(BALIE_BINARY_DIR) / "tests" / "sync" / "tmp" / ("integration-" + std::to_string(getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
    const std::string pki = (fs::path(BALIE_SOURCE_DIR) / "sync/tools/make-pki.sh").string();
    ASSERT_EQ(run({"/bin/bash", pki, (root_ / "pki").string(), "kiosk-int-01", "GM0363"}).rc, 0);
    ASSERT_EQ(run({"/bin/bash", pki, (root_ / "case-pki").string(), "zaaksysteem-01", "GM0363"}).rc, 0);
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }

  void SetUp() override {
    dir_ = root_ / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::create_directories(dir_ / "keys");
    db_ = dir_ / "inbox.db";
    auto k = run({inbox_bin(), "keygen", "--dir", (dir_ / "keys").string()});
    ASSERT_EQ(k.rc, 0) << k.err;
    auto j = json::parse(k.out);
    auto x = record::from_hex(j["x25519_pk"].get<std::string>());
    std::copy(x->begin(), x->end(), box_pk_.begin());
    auto seed = record::from_hex(trim(slurp(root_ / "pki/device/ed25519.seed")));
    record::Key32 s;
    std::copy(seed->begin(), seed->end(), s.begin());
    device_ = record::SigningKey::from_seed(s);
    ASSERT_EQ(run({inbox_bin(), "enroll-device", "--db", db_.string(), "--db-key-file", balie::test::inbox_key(db_), "--gemeentecode", "GM0363", "--device-id",
                   "kiosk-int-01", "--ed25519-pk", record::to_hex(device_.public_key.data(), 32), "--locatiecode",
                   "AZC-TER-APEL"})
                  .rc,
              0);
  }

  // Starts `balie-inbox serve` with `extra` options; waits for its port file(s).
  void start(const std::vector<std::string>& extra, bool case_listener) {
    fs::remove(dir_ / "port");
    fs::remove(dir_ / "case-port");
    std::vector<std::string> argv = {inbox_bin(), "serve", "--gemeentecode", "GM0363", "--db", db_.string(), "--db-key-file", balie::test::inbox_key(db_),
                                     "--cert", (root_ / "pki/GM0363/cert.pem").string(),
                                     "--key", (root_ / "pki/GM0363/key.pem").string(),
                                     "--client-ca", (root_ / "pki/ca.pem").string(), "--keys", (dir_ / "keys").string(),
                                     "--listen", "127.0.0.1:0", "--port-file", (dir_ / "port").string()};
    if (case_listener)
      for (const std::string& a : {std::string("--case-listen"), std::string("127.0.0.1:0"), std::string("--case-client-ca"),
                                   (root_ / "case-pki/ca.pem").string(), std::string("--case-port-file"),
                                   (dir_ / "case-port").string()})
        argv.push_back(a);
    argv.insert(argv.end(), extra.begin(), extra.end());
    std::vector<char*> a;
    for (auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, (dir_ / "inbox.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, (dir_ / "inbox.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    ASSERT_EQ(posix_spawn(&server_.pid, a[0], &fa, nullptr, a.data(), environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    for (int i = 0; i < 1000 && !(fs::exists(dir_ / "port") && (!case_listener || fs::exists(dir_ / "case-port"))); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_TRUE(fs::exists(dir_ / "port")) << slurp(dir_ / "inbox.log");
    port_ = std::stoi(slurp(dir_ / "port"));
    if (case_listener) case_port_ = std::stoi(slurp(dir_ / "case-port"));
  }

  std::unique_ptr<httplib::SSLClient> kiosk_client() {
    auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", port_, (root_ / "pki/device/cert.pem").string(),
                                                  (root_ / "pki/device/key.pem").string());
    c->set_ca_cert_path((root_ / "pki/ca.pem").c_str());
    c->enable_server_certificate_verification(true);
    c->set_connection_timeout(5, 0);
    c->set_read_timeout(10, 0);
    return c;
  }
  std::unique_ptr<httplib::SSLClient> case_client(const std::string& pki = "case-pki") {
    auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", case_port_, (root_ / pki / "device/cert.pem").string(),
                                                  (root_ / pki / "device/key.pem").string());
    c->set_ca_cert_path((root_ / "pki/ca.pem").c_str());
    c->enable_server_certificate_verification(true);
    c->set_connection_timeout(5, 0);
    c->set_read_timeout(10, 0);
    return c;
  }

  // A signed, sealed record of the test device with a BSN and a name in its sealed part.
  std::string envelope(int n) {
    json pub = {{"reference", "REF-" + std::to_string(n)}, {"datumOndertekeningPvt", "2026-11-20"}, {"kiosk_id", "kiosk-int-01"}};
    json sens = {{"resident_id", "R-" + std::to_string(n)}, {"bsn", kBsn}, {"datumOndertekeningPvt", "2026-11-20"},
                 {"subject", {{"name_latin", kName}}}};
    record::RecordInput in{uuid(n), "pvt.ondertekend", "GM0363", "kiosk-int-01", std::time(nullptr) - 60, pub.dump(), sens.dump()};
    auto s = record::seal_record(in, device_, box_pk_, head_);
    EXPECT_TRUE(s) << s.error().message;
    head_ = s->next;
    return s->envelope;
  }
  // Pushes records n..n+count-1 over mTLS; returns how many the inbox stored.
  int push(int n, int count) {
    json body = {{"records", json::array()}};
    for (int i = 0; i < count; ++i) body["records"].push_back(json::parse(envelope(n + i)));
    auto r = kiosk_client()->Post("/v1/records", body.dump(), "application/json");
    EXPECT_TRUE(r) << "push failed";
    if (!r) return 0;
    EXPECT_EQ(r->status, 200) << r->body;
    int stored = 0;
    const json acks = json::parse(r->body);
    for (const auto& x : acks["acknowledgements"]) stored += x["result"] == "stored" ? 1 : 0;
    EXPECT_EQ(stored, count) << r->body;
    return stored;
  }

  void webhook_round(bool https);

  static constexpr const char* kBsn = "123456782";
  static constexpr const char* kName = "Yohannes Tesfamariam";
  static inline fs::path root_;
  fs::path dir_, db_;
  record::Key32 box_pk_{};
  record::SigningKey device_;
  record::ChainHead head_;
  Server server_;
  int port_ = 0, case_port_ = 0;
};

std::size_t header_count(const httplib::Result& r, const std::string& name) { return r->headers.count(name); }

// ---------------------------------------------------------------------------------------------- CLI

TEST_F(InboxIntegration, HelpGoesToStdoutListsEveryCommandAndFailsWhenItCannotBeWritten) {
  auto h = run({inbox_bin(), "--help"});
  EXPECT_EQ(h.rc, 0);
  EXPECT_TRUE(h.err.empty()) << h.err;
  for (const char* c : {"keygen", "serve", "enroll-device", "feed-problems", "deletions", "check-chain",
                        "import-dossiers", "dump", "export-pvt", "export ", "pubkeys", "seed-pubkey", "--case-listen",
                        "--webhook-url", "--include-personal"})
    EXPECT_NE(h.out.find(c), std::string::npos) << c;
  // Help that cannot be written (a full disk) is an error, not a silent success.
  auto full = run({inbox_bin(), "--help"}, "/dev/full");
  EXPECT_NE(full.rc, 0);
  EXPECT_NE(full.err.find("cannot write"), std::string::npos) << full.err;
  // A missing value is a usage error; the next option is never taken as the value.
  auto missing = run({inbox_bin(), "keygen", "--dir", "--help"});
  EXPECT_EQ(missing.rc, 2) << missing.out << missing.err;
  EXPECT_NE(missing.err.find("--dir needs a value"), std::string::npos) << missing.err;
  EXPECT_FALSE(fs::exists("--help"));
  auto ex = run({inbox_bin(), "export", "--help"});
  EXPECT_EQ(ex.rc, 0);
}

// ---------------------------------------------------------------------------------------- HTTP

TEST_F(InboxIntegration, ApiVersionHeaderExactlyOnceOnEveryKindOfResponse) {
  start({}, false);
  auto c = kiosk_client();
  auto ok = c->Get("/v1/health");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(header_count(ok, "API-Version"), 1u);
  auto nf = c->Get("/v1/nothing-here");
  ASSERT_TRUE(nf);
  EXPECT_EQ(nf->status, 404);
  EXPECT_EQ(header_count(nf, "API-Version"), 1u);
  auto bad = c->Post("/v1/records", "{}", "text/plain");  // 415 from the route
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 415);
  EXPECT_EQ(header_count(bad, "API-Version"), 1u);
  auto nonce = c->Get("/v1/identiteit?nonce=zz");  // 400 from the route
  ASSERT_TRUE(nonce);
  EXPECT_EQ(nonce->status, 400);
  EXPECT_EQ(header_count(nonce, "API-Version"), 1u);
  auto big = kiosk_client()->Post("/v1/records", std::string(9u * 1024 * 1024, 'x'), "application/json");  // 413 pre-routing
  if (big) {
    EXPECT_EQ(big->status, 413);
    EXPECT_EQ(header_count(big, "API-Version"), 1u);
  }
}

TEST_F(InboxIntegration, WrongMethodOnEveryKnownPathIs405WithAllow) {
  start({}, true);
  struct Case {
    const char* method;
    const char* path;
    const char* allow;
  };
  for (const Case& k : {Case{"DELETE", "/v1/health", "GET, HEAD"}, Case{"POST", "/v1/openapi.json", "GET, HEAD"},
                        Case{"PUT", "/v1/identiteit", "GET, HEAD"}, Case{"GET", "/v1/records", "POST"},
                        Case{"POST", "/v1/keten", "GET, HEAD"}, Case{"GET", "/v1/verwijderverzoeken", "POST"},
                        Case{"DELETE", "/v1/locaties/AZC-TER-APEL/dossierupdates", "GET, HEAD"},
                        Case{"GET", "/v1/locaties/AZC-TER-APEL/dossierproblemen", "POST"}}) {
    httplib::Request req;
    req.method = k.method;
    req.path = k.path;
    auto r = kiosk_client()->send(req);
    ASSERT_TRUE(r) << k.method << " " << k.path;
    EXPECT_EQ(r->status, 405) << k.method << " " << k.path << " " << r->body;
    EXPECT_EQ(r->get_header_value("Allow"), k.allow) << k.path;
    EXPECT_EQ(header_count(r, "API-Version"), 1u);
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/problem+json");
  }
  httplib::Request req;
  req.method = "POST";
  req.path = "/v1/wijzigingen";
  auto r = case_client()->send(req);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->get_header_value("Allow"), "GET, HEAD");
  // HEAD is answered where Allow says so.
  req.method = "HEAD";
  req.path = "/v1/health";
  auto h = kiosk_client()->send(req);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
}

TEST_F(InboxIntegration, OpenApiJsonIsTheShippedFileWithContactAndLicence) {
  start({}, true);
  auto r = kiosk_client()->Get("/v1/openapi.json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  const fs::path shipped = fs::path(BALIE_SOURCE_DIR) / "sync/openapi.yaml";
  auto conv = run({"/usr/bin/python3", "-c",
                   "import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1])), default=str))",
                   shipped.string()});
  ASSERT_EQ(conv.rc, 0) << conv.err;
  const json expected = json::parse(conv.out), served = json::parse(r->body);
  EXPECT_EQ(served, expected);
  EXPECT_TRUE(served["info"]["contact"].contains("email") || served["info"]["contact"].contains("url"));
  EXPECT_TRUE(served["info"]["license"].contains("name"));
  // The case listener serves the same document.
  auto cr = case_client()->Get("/v1/openapi.json");
  ASSERT_TRUE(cr);
  EXPECT_EQ(json::parse(cr->body), expected);
}

// ------------------------------------------------------------------------------------- the export

// Runs `balie-inbox export` pages of `limit` from `cursor` until no more; appends the change lines.
std::string export_all(const fs::path& db, std::string cursor, int limit, std::vector<json>* lines, std::string* err = nullptr) {
  for (int guard = 0; guard < 10000; ++guard) {
    auto r = run({inbox_bin(), "export", "--db", db.string(), "--db-key-file", balie::test::inbox_key(db), "--gemeentecode", "GM0363", "--cursor", cursor, "--limit",
                  std::to_string(limit)});
    EXPECT_EQ(r.rc, 0) << r.err;
    if (err) *err += r.err;
    std::istringstream in(r.out);
    std::string line;
    json last;
    while (std::getline(in, line)) {
      auto j = json::parse(line);
      if (j["type"] == "cursor") last = j;
      else lines->push_back(j);
    }
    if (last.is_null()) return cursor;
    cursor = last["next_cursor"].get<std::string>();
    if (!last["more"].get<bool>()) return cursor;
  }
  return cursor;
}

TEST_F(InboxIntegration, ExportNeverSkipsOrRepeatsWhileRecordsArriveAndKeepsPersonalDataOut) {
  start({}, false);
  ASSERT_EQ(push(1, 3), 3);
  // Records arrive over mTLS while the case system pages through the export, 2 changes at a time,
  // each page a new process (a restart between pages).
  std::atomic<bool> done{false};
  std::atomic<int> pushed{3};
  std::thread writer([&] {
    for (int b = 0; b < 8; ++b) pushed += push(4 + b * 3, 3);
    done = true;
  });
  std::vector<json> lines;
  std::string cursor = "0";
  while (!done) cursor = export_all(db_, cursor, 2, &lines);
  writer.join();
  cursor = export_all(db_, cursor, 2, &lines);
  ASSERT_EQ(pushed.load(), 27);
  std::set<std::string> ids;
  std::int64_t prev = 0;
  for (const auto& l : lines) {
    EXPECT_EQ(l["type"], "record");
    EXPECT_GT(l["change"].get<std::int64_t>(), prev) << "out of order or repeated";
    EXPECT_EQ(l["change"].get<std::int64_t>(), prev + 1) << "a change was skipped";
    prev = l["change"].get<std::int64_t>();
    EXPECT_TRUE(ids.insert(l["record_id"].get<std::string>()).second) << "repeated " << l.dump();
    EXPECT_EQ(l["kind"], "pvt.ondertekend");
    EXPECT_EQ(l["reference"].get<std::string>().rfind("REF-", 0), 0u);
    EXPECT_EQ(l["resident_id"].get<std::string>().rfind("R-", 0), 0u);
    EXPECT_EQ(l["datum"], "2026-11-20");
    EXPECT_FALSE(l["received_at"].get<std::string>().empty());
    EXPECT_FALSE(l.contains("personal"));
    EXPECT_EQ(l.dump().find(kBsn), std::string::npos);
    EXPECT_EQ(l.dump().find(kName), std::string::npos);
  }
  EXPECT_EQ(ids.size(), 27u);
  EXPECT_EQ(cursor, "27");
  // The same cursor later (after a restart of the receiver) gives nothing new, then only what is new.
  server_.stop();
  start({}, false);
  std::vector<json> again;
  EXPECT_EQ(export_all(db_, cursor, 10, &again), "27");
  EXPECT_TRUE(again.empty());
  ASSERT_EQ(push(100, 1), 1);
  EXPECT_EQ(export_all(db_, cursor, 10, &again), "28");
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0]["record_id"], uuid(100));
  // Personal fields only when asked for, and then stderr says where they went.
  std::vector<json> personal;
  std::string err;
  export_all(db_, "27", 10, &personal, &err);
  EXPECT_TRUE(personal[0].contains("personal") == false);
  auto r = run({inbox_bin(), "export", "--db", db_.string(), "--db-key-file", balie::test::inbox_key(db_), "--gemeentecode", "GM0363", "--cursor", "27", "--include-personal"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find(kBsn), std::string::npos);
  EXPECT_NE(r.err.find("personal data"), std::string::npos) << r.err;
  // A malformed cursor is a clear usage error.
  auto bad = run({inbox_bin(), "export", "--db", db_.string(), "--db-key-file", balie::test::inbox_key(db_), "--gemeentecode", "GM0363", "--cursor", "12x"});
  EXPECT_EQ(bad.rc, 2);
  EXPECT_NE(bad.err.find("cursor"), std::string::npos) << bad.err;
}

TEST_F(InboxIntegration, ExportCarriesDeletionsAndDuoResultsAndTheCaseListenerServesIt) {
  start({}, true);
  ASSERT_EQ(push(1, 2), 2);
  // A deletion request from the device (its package hash read back from the store).
  std::string pkg;
  {
    auto d = run({inbox_bin(), "dump", "--db", db_.string(), "--db-key-file", balie::test::inbox_key(db_), "--gemeentecode", "GM0363"});
    for (const auto& r : json::parse(d.out))
      if (r["record_id"] == uuid(1)) pkg = r["package_sha256"];
  }
  json del = {{"deletion_id", "0123456789abcdef0123456789abcdef"}, {"reason", "obligation_withdrawn"},
              {"records", {{{"record_id", uuid(1)}, {"package_sha256", pkg}}}}};
  auto dr = kiosk_client()->Post("/v1/verwijderverzoeken", del.dump(), "application/json");
  ASSERT_TRUE(dr);
  ASSERT_EQ(dr->status, 200) << dr->body;
  // The DUO client's table (the DUO part of this issue writes it): a registration accepted.
  {
    auto key = inbox::load_db_key(balie::test::inbox_key(db_));
    ASSERT_TRUE(key) << key.error().message;
    auto db = inbox::InboxDb::open(db_.string(), key->bytes(), "GM0363");
    ASSERT_TRUE(db) << db.error().message;
    ASSERT_TRUE((*db)->duo_ensure(uuid(2), 1700000000, "2026-12-04"));
    ASSERT_TRUE((*db)->duo_mark_sending(uuid(2), 1700000010));
    ASSERT_TRUE((*db)->duo_record(uuid(2), "accepted", 200, "{}", 1700000020));
  }
  auto r = case_client()->Get("/v1/wijzigingen?cursor=0&limit=10");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(header_count(r, "API-Version"), 1u);
  auto j = json::parse(r->body);
  ASSERT_EQ(j["changes"].size(), 4u) << r->body;
  EXPECT_EQ(j["changes"][0]["type"], "record");
  EXPECT_EQ(j["changes"][0]["available"], false);  // deleted since
  EXPECT_EQ(j["changes"][1]["type"], "record");
  EXPECT_EQ(j["changes"][2]["type"], "deletion");
  EXPECT_EQ(j["changes"][2]["reason"], "obligation_withdrawn");
  EXPECT_EQ(j["changes"][3]["type"], "duo");
  EXPECT_EQ(j["changes"][3]["state"], "accepted");
  EXPECT_EQ(j["changes"][3]["deadline_date"], "2026-12-04");
  EXPECT_EQ(j["next_cursor"], "4");
  EXPECT_EQ(r->body.find(kBsn), std::string::npos);
  // The DUO state is one change, not one per read.
  auto again = case_client()->Get("/v1/wijzigingen?cursor=4");
  ASSERT_TRUE(again);
  EXPECT_EQ(json::parse(again->body)["changes"].size(), 0u);
  // Personal fields are refused unless the receiver was started with --case-allow-personal.
  auto p = case_client()->Get("/v1/wijzigingen?cursor=0&includePersonal=true");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->status, 403);
  auto bc = case_client()->Get("/v1/wijzigingen?cursor=-1");
  ASSERT_TRUE(bc);
  EXPECT_EQ(bc->status, 400);
  // The kiosk's certificate does not open the case listener, and the kiosk listener has no export.
  auto kc = case_client("pki")->Get("/v1/wijzigingen");
  EXPECT_TRUE(!kc || kc->status >= 400);
  auto ke = kiosk_client()->Get("/v1/wijzigingen");
  ASSERT_TRUE(ke);
  EXPECT_EQ(ke->status, 404);
}

// ---------------------------------------------------------------------------------------- webhook

// The case system's receiver over plain HTTP or HTTPS (server certificate from the demo CA, verified
// by the inbox with --webhook-ca).
void InboxIntegration::webhook_round(bool https) {
  const std::string secret = "s3cret-for-the-case-system-0123456789";
  { std::ofstream(dir_ / "webhook.secret") << secret << "\n"; }
  // The case system's receiver: verifies the signature over "<timestamp>.<body>", fails twice first.
  std::unique_ptr<httplib::Server> recvp;
  if (https)
    recvp = std::make_unique<httplib::SSLServer>((root_ / "pki/GM0363/cert.pem").c_str(), (root_ / "pki/GM0363/key.pem").c_str());
  else
    recvp = std::make_unique<httplib::Server>();
  httplib::Server& recv = *recvp;
  std::mutex mu;
  std::vector<json> got;
  int calls = 0, bad_sigs = 0;
  recv.Post("/hook", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard l(mu);
    ++calls;
    const std::string ts = req.get_header_value("Balie-Webhook-Timestamp");
    const std::string sig = req.get_header_value("Balie-Webhook-Signature");
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    const std::string msg = ts + "." + req.body;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(msg.data()),
         msg.size(), mac, &n);
    if (sig != "v1=" + record::to_hex(mac, n) || std::llabs(std::atoll(ts.c_str()) - std::time(nullptr)) > 300) {
      ++bad_sigs;
      res.status = 401;
      return;
    }
    if (calls <= 2) {
      res.status = 503;  // the case system is down at first
      return;
    }
    got.push_back(json::parse(req.body));
    res.status = 204;
  });
  const int hport = recv.bind_to_any_port("127.0.0.1");
  std::thread t([&] { recv.listen_after_bind(); });
  setenv("BALIE_INBOX_WEBHOOK_TEST_BACKOFF_MS", "100", 1);
  std::vector<std::string> opts = {"--webhook-url",
                                   (https ? "https" : "http") + std::string("://127.0.0.1:") + std::to_string(hport) + "/hook",
                                   "--webhook-secret-file", (dir_ / "webhook.secret").string()};
  if (https) opts.insert(opts.end(), {"--webhook-ca", (root_ / "pki/ca.pem").string()});
  start(opts, false);
  unsetenv("BALIE_INBOX_WEBHOOK_TEST_BACKOFF_MS");
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(push(1, 3), 3);
  const auto push_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  for (int i = 0; i < 500; ++i) {
    {
      std::lock_guard l(mu);
      if (!got.empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  recv.stop();
  t.join();
  std::lock_guard l(mu);
  ASSERT_FALSE(got.empty()) << slurp(dir_ / "inbox.log");
  EXPECT_EQ(bad_sigs, 0);
  EXPECT_GE(calls, 3);  // two refusals, then delivered
  EXPECT_EQ(got.back()["cursor"], "3");
  EXPECT_EQ(got.back()["records"], 3);
  EXPECT_EQ(got.back()["gemeentecode"], "GM0363");
  EXPECT_EQ(got.back().dump().find(kBsn), std::string::npos);
  EXPECT_LT(push_ms, 5000);  // storing did not wait for the failing receiver
  EXPECT_NE(slurp(dir_ / "inbox.log").find("webhook: delivery failed"), std::string::npos);
  // The signature is the documented scheme (also what the receiver above computed).
  EXPECT_EQ(inbox::webhook_signature("k", "1", "{}").rfind("v1=", 0), 0u);
}

TEST_F(InboxIntegration, WebhookIsSignedRetriedAndCarriesNoPersonalData) { webhook_round(false); }
TEST_F(InboxIntegration, WebhookOverHttpsIsSignedAndRetried) { webhook_round(true); }

TEST_F(InboxIntegration, WebhookOptionsAreCheckedAtStart) {
  { std::ofstream(dir_ / "short.secret") << "short\n"; }
  auto r = run({inbox_bin(), "serve", "--gemeentecode", "GM0363", "--db", db_.string(), "--db-key-file", balie::test::inbox_key(db_), "--cert", "c", "--key", "k",
                "--client-ca", "ca", "--keys", (dir_ / "keys").string(), "--webhook-url", "http://127.0.0.1:1/x",
                "--webhook-secret-file", (dir_ / "short.secret").string()});
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("16 to 4096 bytes"), std::string::npos) << r.err;
  r = run({inbox_bin(), "serve", "--gemeentecode", "GM0363", "--db", db_.string(), "--db-key-file", balie::test::inbox_key(db_), "--cert", "c", "--key", "k",
           "--client-ca", "ca", "--keys", (dir_ / "keys").string(), "--webhook-url", "ftp://x/"});
  EXPECT_EQ(r.rc, 2);
}

// ------------------------------------------------------------------------------------- access log

TEST_F(InboxIntegration, AccessLogHasOneLinePerRequestAndNoPersonalDataEvenForHostileRequests) {
  start({}, true);
  ASSERT_EQ(push(1, 1), 1);
  // Hostile requests carrying a BSN and a name in the path, query, headers, method and body.
  const std::string bsn = kBsn, name = "Yohannes%20Tesfamariam";
  int sent = 1;
  auto c = kiosk_client();
  c->Get(("/v1/locaties/" + bsn + "/dossierupdates?cursor=" + bsn + "&naam=" + name).c_str());
  c->Get(("/v1/" + bsn + "/" + name).c_str(), {{"X-Bsn", bsn}, {"Referer", "https://x/" + bsn}});
  c->Post("/v1/records", "{\"records\":[{\"bsn\":\"" + bsn + "\",\"naam\":\"Yohannes Tesfamariam\"}]}", "application/json");
  c->Post(("/v1/health?bsn=" + bsn).c_str(), bsn, "text/plain");
  httplib::Request odd;
  odd.method = bsn;
  odd.path = "/v1/health";
  kiosk_client()->send(odd);
  case_client()->Get(("/v1/wijzigingen?cursor=" + bsn + "&x=" + name).c_str());
  case_client()->Get("/v1/wijzigingen?cursor=0&includePersonal=true");
  sent += 7;
  // Let the logger lines land.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const std::string log = slurp(dir_ / "inbox.log");
  EXPECT_EQ(log.find(bsn), std::string::npos) << log;
  EXPECT_EQ(log.find("Tesfamariam"), std::string::npos) << log;
  EXPECT_EQ(log.find("Yohannes"), std::string::npos) << log;
  std::istringstream in(log);
  std::string line;
  int access = 0;
  bool saw_template = false, saw_device = false, saw_case = false;
  while (std::getline(in, line)) {
    if (line.find("balie-inbox: access ") != 0) continue;
    ++access;
    for (const char* f : {" request_id=", " method=", " path=", " status=", " bytes=", " duration_ms=", " device="})
      EXPECT_NE(line.find(f), std::string::npos) << line;
    saw_template |= line.find("path=/v1/locaties/{locatiecode}/dossierupdates") != std::string::npos;
    saw_device |= line.find("device=kiosk-int-01") != std::string::npos;
    saw_case |= line.find("listener=case") != std::string::npos && line.find("device=zaaksysteem-01") != std::string::npos;
  }
  EXPECT_GE(access, sent - 1) << log;  // every request that reached HTTP (a refused method may end the connection first)
  EXPECT_TRUE(saw_template);
  EXPECT_TRUE(saw_device);
  EXPECT_TRUE(saw_case) << log;
}

}  // namespace
