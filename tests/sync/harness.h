// Test harness for tests/sync: real processes on loopback. Makes a throw-away PKI with
// sync/tools/make-pki.sh, starts balie-inbox instances (port 0, read back from a port file),
// writes a kiosk DevStore + balie-syncd config, and runs commands with bounded time.
#pragma once
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "balie/sync/codec.h"
#include "balie/sync/dev_store.h"
#include "balie/sync/envelope.h"

extern char** environ;

namespace balie::test {
namespace fs = std::filesystem;

inline std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
inline std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}
inline void spit(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }

inline fs::path bin(const char* name) { return fs::path(BALIE_BINARY_DIR) / "sync" / name; }
inline fs::path testbin(const char* name) { return fs::path(BALIE_BINARY_DIR) / "tests" / "sync" / name; }

inline fs::path fresh_dir(const std::string& name) {
  fs::path d = fs::path(BALIE_BINARY_DIR) / "tests" / "sync" / "tmp" / (name + "-" + std::to_string(getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// A child process; killed (SIGKILL) when the object dies if still running.
class Proc {
 public:
  Proc() = default;
  Proc(const std::vector<std::string>& argv, const fs::path& log) {
    std::vector<char*> a;
    for (auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (posix_spawn(&pid_, a[0], &fa, nullptr, a.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
  }
  Proc(Proc&& o) noexcept : pid_(o.pid_) { o.pid_ = -1; }
  Proc& operator=(Proc&& o) noexcept {
    std::swap(pid_, o.pid_);
    return *this;
  }
  ~Proc() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  pid_t pid() const { return pid_; }
  void signal(int sig) { if (pid_ > 0) ::kill(pid_, sig); }
  // Exit status, or -1 on timeout (still running), or 128+signal.
  int wait(std::chrono::milliseconds timeout) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (pid_ > 0) {
      int st = 0;
      pid_t r = waitpid(pid_, &st, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      }
      if (std::chrono::steady_clock::now() > until) return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
};

// Runs argv to completion (bounded), returns exit status; stdout+stderr go to `out`.
inline int run(const std::vector<std::string>& argv, std::string* out = nullptr, int timeout_s = 120) {
  static int n = 0;
  fs::path log = fs::temp_directory_path() / ("balie-sync-run-" + std::to_string(getpid()) + "-" + std::to_string(++n));
  int rc;
  {
    Proc p(argv, log);
    rc = p.wait(std::chrono::seconds(timeout_s));
  }
  if (out) *out = slurp(log);
  fs::remove(log);
  return rc;
}

struct Pki {
  fs::path dir;
  std::string device_id = "kiosk-test-01";
  sync::SigningKey device;
  Pki(const fs::path& d, const std::vector<std::string>& gemeenten) : dir(d) {
    std::vector<std::string> argv = {"/bin/bash", (fs::path(BALIE_SOURCE_DIR) / "sync/tools/make-pki.sh").string(),
                                     dir.string(), device_id};
    argv.insert(argv.end(), gemeenten.begin(), gemeenten.end());
    std::string out;
    if (run(argv, &out) != 0) throw std::runtime_error("make-pki.sh failed: " + out);
    auto seed = sync::from_hex(trim(slurp(dir / "device/ed25519.seed")));
    sync::Key32 k;
    std::copy(seed->begin(), seed->end(), k.begin());
    device = sync::SigningKey::from_seed(k);
  }
};

struct InboxOptions {
  std::string cert = "cert.pem";       // file under <pki>/<g>/
  std::string client_ca = "ca.pem";    // file under <pki>/
  std::vector<std::string> extra;
};

// One running balie-inbox for gemeentecode `g`, its keys and database.
struct Inbox {
  std::string g;
  fs::path dir, db;
  int port = 0;
  sync::Key32 ed_pk{}, x_pk{};
  Proc proc;
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port); }

  static std::unique_ptr<Inbox> start(const Pki& pki, const std::string& g, const fs::path& work,
                                      const InboxOptions& o = {}) {
    auto ib = std::make_unique<Inbox>();
    ib->g = g;
    ib->dir = work / ("inbox-" + g);
    fs::create_directories(ib->dir / "keys");
    ib->db = ib->dir / "inbox.db";
    std::string out;
    if (!fs::exists(ib->dir / "keys/signing.seed")) {
      if (run({bin("balie-inbox").string(), "keygen", "--dir", (ib->dir / "keys").string()}, &out) != 0)
        throw std::runtime_error("keygen failed: " + out);
    } else {
      run({bin("balie-inbox").string(), "pubkeys", "--keys", (ib->dir / "keys").string()}, &out);
    }
    auto j = nlohmann::json::parse(out);
    auto e = sync::from_hex(j["ed25519_pk"].get<std::string>()), x = sync::from_hex(j["x25519_pk"].get<std::string>());
    std::copy(e->begin(), e->end(), ib->ed_pk.begin());
    std::copy(x->begin(), x->end(), ib->x_pk.begin());
    if (run({bin("balie-inbox").string(), "enroll-device", "--db", ib->db.string(), "--gemeentecode", g,
             "--device-id", pki.device_id, "--ed25519-pk", sync::to_hex(pki.device.public_key.data(), 32)},
            &out) != 0)
      throw std::runtime_error("enroll failed: " + out);
    ib->restart(pki, o);
    return ib;
  }

  void restart(const Pki& pki, const InboxOptions& o = {}) {
    fs::path pf = dir / "port";
    fs::remove(pf);
    std::vector<std::string> argv = {bin("balie-inbox").string(), "serve", "--gemeentecode", g, "--db", db.string(),
                                     "--cert", (pki.dir / g / o.cert).string(), "--key", (pki.dir / g / "key.pem").string(),
                                     "--client-ca", (pki.dir / o.client_ca).string(), "--keys", (dir / "keys").string(),
                                     "--listen", "127.0.0.1:" + std::to_string(port), "--port-file", pf.string()};
    argv.insert(argv.end(), o.extra.begin(), o.extra.end());
    proc = Proc(argv, dir / "inbox.log");
    for (int i = 0; i < 1000 && !fs::exists(pf); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!fs::exists(pf)) throw std::runtime_error("balie-inbox did not start: " + slurp(dir / "inbox.log"));
    port = std::stoi(slurp(pf));
  }

  void stop() {
    proc.signal(SIGTERM);
    proc.wait(std::chrono::seconds(10));
  }

  nlohmann::json records() const {
    std::string out;
    run({bin("balie-inbox").string(), "dump", "--db", db.string(), "--gemeentecode", g, "--sensitive"}, &out);
    return nlohmann::json::parse(out, nullptr, false);
  }
};

inline sync::Route route_for(const Pki& pki, const Inbox& ib) {
  sync::Route r;
  r.gemeentecode = ib.g;
  r.base_url = ib.url();
  r.ca_pem = slurp(pki.dir / "ca.pem");
  r.pinned_key = trim(slurp(pki.dir / ib.g / "pin"));
  r.ed25519_pk = ib.ed_pk;
  r.x25519_pk = ib.x_pk;
  return r;
}

// Incompressible filler standing in for a signature image.
inline std::string random_b64(std::size_t n) {
  std::string s;
  while (s.size() < n) {
    auto k = sync::random_key32();
    s += sync::to_base64(k.data(), k.size());
  }
  s.resize(n);
  return s;
}

// The kiosk side: a DevStore file plus a balie-syncd config pointing at it.
struct Kiosk {
  fs::path dir, store, config;
  const Pki* pki;
  Kiosk(const Pki& p, const fs::path& work, const std::string& locatie = "AZC-TER-APEL",
        const nlohmann::json& extra = nlohmann::json::object())
      : pki(&p) {
    dir = work / "kiosk";
    fs::create_directories(dir);
    store = dir / "store.db";
    config = dir / "syncd.json";
    nlohmann::json c = {{"store", store.string()},
                        {"device_id", p.device_id},
                        {"device_key_file", (p.dir / "device/ed25519.seed").string()},
                        {"client_cert", (p.dir / "device/cert.pem").string()},
                        {"client_key", (p.dir / "device/key.pem").string()},
                        {"locatiecode", locatie},
                        {"max_retries", 3},
                        {"backoff_base_ms", 50},
                        {"connect_timeout_s", 5},
                        {"low_speed_time_s", 5},
                        {"total_timeout_s", 30}};
    for (auto it = extra.begin(); it != extra.end(); ++it) c[it.key()] = it.value();
    spit(config, c.dump(1));
  }
  std::unique_ptr<sync::DevStore> open() const {
    auto s = sync::DevStore::open(store.string(), "");
    if (!s) throw std::runtime_error(s.error().message);
    return std::move(*s);
  }
  // Creates one PVT record addressed to `g`; returns its id.
  std::string add_record(sync::DevStore& st, const std::string& g, const std::string& resident,
                         std::time_t when = 0, std::size_t padding = 0) const {
    sync::RecordInput in;
    in.record_id = sync::new_uuid_v4();
    in.kind = "pvt.ondertekend";
    in.gemeentecode = g;
    in.device_id = pki->device_id;
    in.created_at = when ? when : std::time(nullptr);
    in.public_json = "{\"resident_id\":\"" + resident + "\"}";
    in.sensitive = nlohmann::json{{"resident_id", resident}, {"bsn", "999990019"},
                                  {"datumOndertekeningPvt", sync::format_utc(in.created_at).substr(0, 10)},
                                  {"handtekening_png_b64", random_b64(padding)}}
                       .dump();
    auto r = st.create_record(in, pki->device);
    if (!r) throw std::runtime_error(r.error().message);
    return in.record_id;
  }
  int sync_once(std::string* out = nullptr, int timeout_s = 120) const {
    return run({bin("balie-syncd").string(), "--config", config.string(), "--once"}, out, timeout_s);
  }
};

}  // namespace balie::test
