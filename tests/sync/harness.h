// Test harness for tests/sync: real processes on loopback. Makes a throw-away PKI with
// sync/tools/make-pki.sh, starts balie-inbox instances (port 0, read back from a port file), makes
// the terminal's real encrypted store (store::Store on SQLCipher, key from the key provider) with a
// balie-syncd config pointing at it, commits records through Store::commit_sealed (the kiosk's one
// record path) and runs commands with bounded time.
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
#include <sodium.h>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "balie/platform/clock.h"
#include "balie/platform/key_provider.h"
#include "balie/record/codec.h"
#include "balie/record/envelope.h"
#include "balie/store/json.h"
#include "balie/store/store.h"
#include "balie/sync/store_port.h"

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
  record::SigningKey device;
  Pki(const fs::path& d, const std::vector<std::string>& gemeenten) : dir(d) {
    std::vector<std::string> argv = {"/bin/bash", (fs::path(BALIE_SOURCE_DIR) / "sync/tools/make-pki.sh").string(),
                                     dir.string(), device_id};
    argv.insert(argv.end(), gemeenten.begin(), gemeenten.end());
    std::string out;
    if (run(argv, &out) != 0) throw std::runtime_error("make-pki.sh failed: " + out);
    auto seed = record::from_hex(trim(slurp(dir / "device/ed25519.seed")));
    record::Key32 k;
    std::copy(seed->begin(), seed->end(), k.begin());
    device = record::SigningKey::from_seed(k);
    sodium_memzero(k.data(), k.size());
  }
};
// The database key of the balie-inbox whose database is `db`: `inbox-db.key` next to it, 64 random
// hex digits, created 0600 on first use (balie-inbox refuses to run without a key, or with a key file
// others can read).
inline std::string inbox_key(const fs::path& db) {
  const fs::path k = db.parent_path() / "inbox-db.key";
  if (!fs::exists(k)) {
    unsigned char raw[32];
    char hex[65];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
    const int fd = ::open(k.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      if (::write(fd, hex, 64) != 64) throw std::runtime_error("cannot write " + k.string());
      ::close(fd);
    }
  }
  return k.string();
}

struct InboxOptions {
  std::string cert = "cert.pem";       // file under <pki>/<tls_dir>/
  std::string client_ca = "ca.pem";    // file under <pki>/
  std::vector<std::string> extra;
  std::string locatiecode = "AZC-TER-APEL";  // where the test device is enrolled
  std::string tls_dir;                 // folder under <pki>/ with the certificate and key.pem (default: <g>)
};

// One running balie-inbox for gemeentecode `g`, its keys and database.
struct Inbox {
  std::string g;
  fs::path dir, db;
  int port = 0;
  record::Key32 ed_pk{}, x_pk{};
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
    auto e = record::from_hex(j["ed25519_pk"].get<std::string>()), x = record::from_hex(j["x25519_pk"].get<std::string>());
    std::copy(e->begin(), e->end(), ib->ed_pk.begin());
    std::copy(x->begin(), x->end(), ib->x_pk.begin());
    if (run({bin("balie-inbox").string(), "enroll-device", "--db", ib->db.string(), "--db-key-file", inbox_key(ib->db.string()), "--gemeentecode", g,
             "--device-id", pki.device_id, "--ed25519-pk", record::to_hex(pki.device.public_key.data(), 32),
             "--locatiecode", o.locatiecode},
            &out) != 0)
      throw std::runtime_error("enroll failed: " + out);
    ib->restart(pki, o);
    return ib;
  }

  void restart(const Pki& pki, const InboxOptions& o = {}) {
    fs::path pf = dir / "port";
    fs::remove(pf);
    std::vector<std::string> argv = {bin("balie-inbox").string(), "serve", "--gemeentecode", g, "--db", db.string(), "--db-key-file", inbox_key(db.string()),
                                     "--cert", (pki.dir / (o.tls_dir.empty() ? g : o.tls_dir) / o.cert).string(),
                                     "--key", (pki.dir / (o.tls_dir.empty() ? g : o.tls_dir) / "key.pem").string(),
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
    run({bin("balie-inbox").string(), "dump", "--db", db.string(), "--db-key-file", inbox_key(db.string()), "--gemeentecode", g, "--sensitive"}, &out);
    return nlohmann::json::parse(out, nullptr, false);
  }
};

inline store::Route route_for(const Pki& pki, const Inbox& ib) {
  store::Route r;
  r.gemeentecode = ib.g;
  r.endpoint_base_url = ib.url();
  r.ca_certificate_pem = slurp(pki.dir / "ca.pem");
  r.pinned_public_key = trim(slurp(pki.dir / ib.g / "pin"));
  r.ack_verify_key = ib.ed_pk;
  r.box_public_key = ib.x_pk;
  return r;
}

// Incompressible filler standing in for a signature image.
inline std::string random_b64(std::size_t n) {
  std::string s;
  while (s.size() < n) {
    auto k = record::random_key32();
    s += record::to_base64(k.data(), k.size());
  }
  s.resize(n);
  return s;
}

// A wall clock the test can pin (records made "at" a given time); unpinned it is the system clock.
class PinnedClock final : public platform::Clock {
 public:
  void pin(std::time_t t) { pinned_ = t; }
  WallTime wall_now() const override {
    return pinned_ ? std::chrono::system_clock::from_time_t(pinned_) : std::chrono::system_clock::now();
  }
  MonoTime mono_now() const override { return std::chrono::steady_clock::now(); }
  bool wall_synchronised() const override { return false; }
  const char* source_name() const override { return "test"; }

 private:
  std::time_t pinned_ = 0;
};

// A store-shaped feed dossier (what the municipality's feed carries and store/ applies): resident
// `id` linked to `g` at `locatie`, with `dossier` as its dossier object. Checked against store/'s
// parser here, so a fixture the terminal would refuse fails the test at once.
inline nlohmann::json feed_dossier(const std::string& id, const std::string& g, const std::string& locatie,
                                   const nlohmann::json& dossier = nlohmann::json::object()) {
  nlohmann::json j = {{"resident", {{"id", id}, {"gemeentecode", g}, {"location_id", locatie},
                                    {"naam_latijns", "Test " + id}, {"regime", "Wi2021"}}},
                      {"dossier", dossier}};
  if (auto rd = store::resident_dossier_from_json(j.dump()); !rd.ok())
    throw std::runtime_error("feed dossier fixture refused by store/: " + rd.error().message);
  return j;
}

// The terminal's encrypted store as the sync tests see it: store::Store plus the few questions the
// tests ask (outbox state, residents per gekoppelde gemeente).
class KioskStore {
 public:
  KioskStore(std::unique_ptr<store::Store> s, std::unique_ptr<PinnedClock> c) : clock_(std::move(c)), s_(std::move(s)) {}
  store::Store& store() { return *s_; }
  PinnedClock& clock() { return *clock_; }
  store::Status put_route(const store::Route& r) { return s_->put_route(r); }
  store::Status remove_route(const std::string& g) { return s_->remove_route(g); }
  // pending | held | failed | acknowledged, or "" for an unknown record.
  record::Result<std::string> outbox_state(const std::string& id) {
    auto e = s_->outbox_entry(id);
    if (!e.ok()) return record::make_error(record::Errc::store, e.error().message);
    return std::string(e.value() ? store::to_string(e.value()->state) : "");
  }
  record::Result<int> dossier_count(const std::string& g) {
    auto all = s_->list_residents();
    if (!all.ok()) return record::make_error(record::Errc::store, all.error().message);
    int n = 0;
    for (const auto& r : all.value()) n += r.gemeentecode == g;
    return n;
  }
  // The resident's dossier as JSON when it is linked to `g`, else "".
  record::Result<std::string> dossier(const std::string& g, const std::string& id) {
    auto v = s_->load_dossier(id);
    if (!v.ok()) return std::string();
    if (v.value().resident.gemeentecode != g) return std::string();
    return store::to_json(store::ResidentDossier{v.value().resident, v.value().dossier});
  }
  record::Result<std::string> dossier_cursor(const std::string& g) {
    auto c = s_->dossier_cursor(location_, g);
    if (!c.ok()) return record::make_error(record::Errc::store, c.error().message);
    return c.value();
  }
  std::string location_;

 private:
  std::unique_ptr<PinnedClock> clock_;
  std::unique_ptr<store::Store> s_;
};

// The kiosk side: the terminal's encrypted store (balie.db, demo-mode key file db.key next to it, as
// the key provider keeps it) plus a balie-syncd config pointing at it.
struct Kiosk {
  static constexpr const char* kTextVersion = "pvt-test-nl-1";
  fs::path dir, store, config;
  const Pki* pki;
  std::string locatie;
  Kiosk(const Pki& p, const fs::path& work, const std::string& locatie_ = "AZC-TER-APEL",
        const nlohmann::json& extra = nlohmann::json::object())
      : pki(&p), locatie(locatie_) {
    dir = work / "kiosk";
    fs::create_directories(dir);
    store = dir / store::kDatabaseFileName;
    config = dir / "syncd.json";
    nlohmann::json c = {{"store", store.string()},
                        {"device_id", p.device_id},
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
    if (c["store"].get<std::string>() != store.string()) return;  // another kiosk's store
    // The device key as the key provider keeps it in demo mode (device.key, the 32-byte seed): the
    // key the records are signed with, which balie-syncd needs to continue a chain (rechain).
    if (!fs::exists(dir / "device.key")) {
      auto seed = record::from_hex(trim(slurp(p.dir / "device/ed25519.seed")));
      std::ofstream(dir / "device.key", std::ios::binary)
          .write(reinterpret_cast<const char*>(seed->data()), static_cast<std::streamsize>(seed->size()));
      fs::permissions(dir / "device.key", fs::perms::owner_read | fs::perms::owner_write);
    }
    // The store as the kiosk makes it: created with the key provider's key, holding the text the
    // records refer to.
    auto st = open();
    if (!st->store().text_version(kTextVersion).value()) {
      store::TextVersion t{kTextVersion, "pvt_declaration", "nl", "Participatieverklaring", "Ik verklaar ...", ""};
      auto s = st->store().put_text_version(t);
      if (!s.ok()) throw std::runtime_error("text version: " + s.error().message);
    }
  }
  std::unique_ptr<KioskStore> open() const {
    auto key = platform::KeyProvider(platform::KeyMode::Demo, dir, {}).db_key();
    if (!key) throw std::runtime_error("store key: " + key.error().message);
    auto clock = std::make_unique<PinnedClock>();
    store::OpenOptions o;
    o.clock = clock.get();
    auto s = store::Store::open(store, key.value().bytes(), o);
    if (!s) throw std::runtime_error(std::string("store: ") + store::to_string(s.error().code) + ": " + s.error().message);
    auto ks = std::make_unique<KioskStore>(std::move(s.value()), std::move(clock));
    ks->location_ = locatie;
    return ks;
  }
  // Residents as COA's residents feed delivers them (the link comes only from COA; a municipality's
  // feed brings the dossier of residents COA linked to it and never creates one): base fields and the
  // gekoppelde gemeente `g`, no dossier yet.
  void coa_residents(KioskStore& st, const std::string& g, const std::vector<std::string>& ids) const {
    for (const auto& id : ids) {
      auto rd = store::resident_dossier_from_json(feed_dossier(id, g, locatie).dump());
      rd.value().dossier = {};
      if (auto s = st.store().upsert_resident(rd.value()); !s.ok()) throw std::runtime_error(s.error().message);
    }
  }
  // Commits one PVT record for `resident` through Store::commit_sealed; the resident is linked to `g`
  // first (a changed `g` is a changed koppeling). Returns the record id.
  std::string add_record(KioskStore& st, const std::string& g, const std::string& resident,
                         std::time_t when = 0, std::size_t padding = 0) const {
    auto cur = st.store().resident(resident);
    if (!cur.ok()) throw std::runtime_error(cur.error().message);
    if (!cur.value() || cur.value()->gemeentecode != g) {
      auto rd = store::resident_dossier_from_json(feed_dossier(resident, g, locatie).dump());
      if (auto s = st.store().upsert_resident(rd.value()); !s.ok()) throw std::runtime_error(s.error().message);
    }
    st.clock().pin(when);
    const std::time_t made = when ? when : std::time(nullptr);
    store::RecordDraft d;
    d.kind = "pvt.ondertekend";
    d.resident_id = resident;
    d.text_version_id = kTextVersion;
    d.decision = "signed";
    d.device_id = pki->device_id;
    d.expected_gemeentecode = g;
    d.public_json = "{\"resident_id\":\"" + resident + "\"}";
    d.sensitive = nlohmann::json{{"resident_id", resident}, {"bsn", "999990019"},
                                 {"datumOndertekeningPvt", record::format_utc(made).substr(0, 10)},
                                 {"handtekening_png_b64", random_b64(padding)}}
                      .dump();
    auto r = st.store().commit_sealed(d, pki->device);
    st.clock().pin(0);
    if (!r) throw std::runtime_error(std::string("commit_sealed: ") + r.error().message);
    return r.value().record_id;
  }
  int sync_once(std::string* out = nullptr, int timeout_s = 120) const {
    return run({bin("balie-syncd").string(), "--config", config.string(), "--once"}, out, timeout_s);
  }
};

}  // namespace balie::test
