// balie-syncd: the sync daemon (separate process, network access, no display).
//   balie-syncd --config F --once        one full pass; exit 0 ok, 1 held/rejected (staff), 2 transient, 3 local error
//   balie-syncd --config F               passes inside the window (default 01:00-05:00 local, randomised start)
//                                        plus on staff request: SIGUSR1 or the file <state_dir>/sync-now
//                                        (or <runtime_dir>/sync-now); every pass removes both files first
//                                        and writes <config_dir>/health.json after it
//   balie-syncd --config F status        per-municipality staff status (JSON)
//   balie-syncd --config F import-routing ROUTES.json   routes into the terminal's store (audited)
//   balie-syncd --config F device-pubkey   the kiosk's device Ed25519 public key (hex) from the key provider,
//                                          for enrollment at the municipalities (demo mode: creates device.key)
// It opens only the terminal's encrypted store (store/), with the key from the key provider; a missing
// store or key is refused (exit 2), never answered with a new, empty store.
// Config (JSON): see sync/README.md ("balie-syncd configuration"); parsed by sync/src/syncd_config.cpp.
// A bad flag, command or config key is refused with a message naming it, exit 2; --help prints usage.
#include <signal.h>
#include <sodium.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "balie/platform/atomic_file.h"
#include "balie/platform/clock.h"
#include "balie/platform/key_provider.h"
#include "balie/platform/paths.h"
#include "balie/store/health.h"
#include "balie/store/store.h"
#include "balie/store/tls_pin.h"
#include "balie/sync/coa_client.h"
#include "update_client.h"
#include "balie/sync/deadline.h"
#include "balie/sync/engine.h"
#include "balie/sync/store_adapter.h"
#include "balie/sync/syncd_config.h"

using namespace balie;
namespace fs = std::filesystem;

namespace {

std::atomic<bool> g_stop{false};
std::atomic<bool> g_request{false};
void on_term(int) { g_stop = true; }
void on_usr1(int) { g_request = true; }

bool slurp(const fs::path& p, std::string* out) {
  std::ifstream f(p, std::ios::binary);
  if (!f) return false;
  std::stringstream ss;
  ss << f.rdbuf();
  *out = ss.str();
  return true;
}

struct Config {
  std::string store_path;  // the terminal's encrypted store (balie.db); its key comes from the key provider
  sync::EngineConfig engine;
  int window_start_min = 60, window_end_min = 300;  // local minutes after midnight
  int jitter_max_min = 60;
  fs::path runtime_dir, state_dir, config_dir;
  fs::path provisioning_keys_dir;  // trusted keys for bundles from COA
  // The A/B installer's folder (BALIE_UPDATE_DIR, default /var/lib/balie-update): its incoming/ is the
  // drop folder balie-update.path watches, last-result what the installer and the boot left. A machine
  // without incoming/ (a development machine, the demo) never downloads updates.
  fs::path update_dir;
};

int fail(const std::string& m, int code = 3) {
  std::fprintf(stderr, "balie-syncd: %s\n", m.c_str());
  return code;
}

std::string load_config(const fs::path& path, Config* c) {
  std::string text;
  if (!slurp(path, &text)) return "cannot read config " + path.string();
  const std::string where = path.filename().string();
  auto parsed = sync::parse_syncd_config(text, where);
  if (!parsed) return parsed.error().message;
  fs::path base = path.parent_path();
  auto rel = [&](const std::string& p) { return p[0] == '/' ? fs::path(p) : base / p; };
  c->store_path = rel(parsed->store_path).string();
  c->engine = parsed->engine;
  c->window_start_min = parsed->window_start_min;
  c->window_end_min = parsed->window_end_min;
  c->jitter_max_min = parsed->jitter_max_min;
  if (!slurp(rel(parsed->client_cert_path), &c->engine.client_cert_pem))
    return where + ": cannot read \"client_cert\" " + rel(parsed->client_cert_path).string();
  if (!parsed->client_key_credential.empty()) {
    // The mTLS key from the key provider (production: credential balie-tls-key; demo: tls.key next
    // to the store), never from a plaintext file.
    auto keys = platform::KeyProvider::from_environment(fs::path(c->store_path).parent_path());
    auto pem = keys.tls_client_key_pem();
    if (!pem) return where + ": \"client_key\" credential:" + parsed->client_key_credential + ": " + pem.error().message;
    c->engine.client_key_pem.assign(reinterpret_cast<const char*>(pem.value().data()), pem.value().size());
    pem.value().wipe();
  } else if (!slurp(rel(parsed->client_key_path), &c->engine.client_key_pem)) {
    return where + ": cannot read \"client_key\" " + rel(parsed->client_key_path).string();
  }
  c->provisioning_keys_dir = parsed->provisioning_keys_path.empty() ? store::default_provisioning_keys_dir()
                                                                     : rel(parsed->provisioning_keys_path);
  const auto paths = platform::Paths::from_environment();
  c->runtime_dir = paths.runtime_dir;
  c->state_dir = paths.state_dir;
  c->config_dir = paths.config_dir;
  const char* ud = std::getenv("BALIE_UPDATE_DIR");
  c->update_dir = ud && *ud ? fs::path(ud) : fs::path("/var/lib/balie-update");
  return "";
}

int minutes_now_local() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  return tm.tm_hour * 60 + tm.tm_min;
}

bool in_window(int now, int a, int b) { return a <= b ? (now >= a && now < b) : (now >= a || now < b); }

// import-routing: the routing file (sync::parse_routing: every key checked, all or nothing) into the
// terminal's store, replacing the route of each gemeentecode listed; every import is in the audit log.
int import_routes_into_store(store::Store& st, const std::string& text, const std::string& where) {
  auto parsed = sync::parse_routing(text, where);
  if (!parsed) return fail(parsed.error().message, 2);
  for (const auto& r : *parsed) {
    store::Route rt;
    rt.gemeentecode = r.gemeentecode;
    rt.endpoint_base_url = r.base_url;
    rt.ca_certificate_pem = r.ca_pem;
    rt.pinned_public_key = r.pinned_key;
    rt.ack_verify_key = r.ed25519_pk;
    rt.box_public_key = r.x25519_pk;
    if (auto s = st.put_route(rt); !s.ok()) return fail("store: " + s.error().message);
    (void)st.append_audit("balie-syncd", "routing.import", rt.gemeentecode + " " + rt.endpoint_base_url);
  }
  std::printf("imported %zu routes\n", parsed->size());
  return 0;
}

// After every pass: the health document (no personal data) to <config_dir>/health.json, atomically.
// A failure is reported on stderr and does not change the pass's exit status.
void write_health(store::Store& st, const Config& cfg) {
  store::HealthInputs in;
  in.now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  in.state_dir = fs::path(cfg.store_path).parent_path();
  if (auto ab = st.applied_bundle(); ab.ok() && ab.value()) in.bundle_version = ab.value()->version;
  auto doc = store::health_json(in, st);
  if (!doc.ok()) {
    std::fprintf(stderr, "balie-syncd: health document not written: %s\n", doc.error().message.c_str());
    return;
  }
  std::string error;
  if (!platform::write_file_atomic(cfg.config_dir / "health.json", doc.value() + "\n", 0644, &error))
    std::fprintf(stderr, "balie-syncd: health document not written: %s\n", error.c_str());
}

// Removes the staff request files ("Nu versturen"): the kiosk writes <state_dir>/sync-now (seen by
// balie-syncd-request.path), older setups <runtime_dir>/sync-now. True when one was there.
bool take_staff_request(const Config& cfg) {
  std::error_code ec1, ec2;
  const bool a = fs::remove(cfg.runtime_dir / "sync-now", ec1);
  const bool b = fs::remove(cfg.state_dir / "sync-now", ec2);
  return a || b;
}

// COA first (health of the previous pass, a newer bundle, the residents feed): whatever COA does,
// the municipality routes run after it. The device key and TLS pin are read only when COA serves a
// bundle to check.
sync::CoaPassResult run_coa(store::Store& terminal_store, const Config& cfg) {
  sync::CoaClientConfig c;
  c.client_cert_pem = cfg.engine.client_cert_pem;
  c.client_key_pem = cfg.engine.client_key_pem;
  c.health_file = cfg.config_dir / "health.json";
  c.provisioning_keys_dir = cfg.provisioning_keys_dir;
  c.config_dir = cfg.config_dir;
  std::error_code ec;
  c.store_path = fs::absolute(cfg.store_path, ec);
  c.connect_timeout_s = cfg.engine.connect_timeout_s;
  c.low_speed_time_s = cfg.engine.low_speed_time_s;
  c.total_timeout_s = cfg.engine.total_timeout_s;
  const std::string key_pem = cfg.engine.client_key_pem;
  const fs::path store_dir = fs::path(cfg.store_path).parent_path();
  c.identity = [key_pem, store_dir](store::TerminalIdentity* id) -> std::optional<std::string> {
    auto dk = platform::KeyProvider::from_environment(store_dir).device_signing_key();
    if (!dk) return "the device key is not available: " + dk.error().message;
    id->device_pk = dk.value().public_key;
    auto pin = store::pin_of_private_key_pem(key_pem);
    if (!pin.ok()) return "the terminal's TLS key: " + pin.error().message;
    id->tls_pin = pin.value();
    return std::nullopt;
  };
  return sync::run_coa_pass(terminal_store, c, &g_stop);
}

// The update COA assigns this terminal (sync/src/update_client.h): after the COA round, in the sync
// window only (a staff "Nu versturen" by day reports the installer's result but downloads nothing), and
// only where the installer's drop folder exists. Its outcome is one journal line; it never changes the
// exit status (records decide it), and an interrupted download resumes on the next pass.
void run_update(store::Store& terminal_store, const Config& cfg, bool staff_request) {
  const fs::path incoming = cfg.update_dir / "incoming";
  std::error_code ec;
  if (!fs::is_directory(incoming, ec)) return;
  auto applied = terminal_store.applied_bundle();
  if (!applied.ok() || !applied.value() || applied.value()->coa_endpoint.empty()) return;
  const auto& b = *applied.value();
  sync::CoaUpdateEndpoint ep;
  ep.base_url = b.coa_endpoint;
  while (!ep.base_url.empty() && ep.base_url.back() == '/') ep.base_url.pop_back();
  ep.ca_pem = b.coa_ca_pem;
  ep.pins = b.coa_pins;
  ep.cert_pem = cfg.engine.client_cert_pem;
  ep.key_pem = cfg.engine.client_key_pem;
  ep.connect_timeout_s = cfg.engine.connect_timeout_s;
  ep.low_speed_time_s = cfg.engine.low_speed_time_s;
  sync::UpdateClientPaths paths;
  // The partial download lives inside the drop folder (not *.tar, so the installer ignores it): the
  // finished file is then renamed, never copied (on the terminal each ReadWritePaths= is its own
  // mount, and /var has no room for a second copy of a bundle).
  paths.state_dir = incoming / ".download";
  paths.incoming = incoming;
  paths.last_result = cfg.update_dir / "last-result";
  paths.report_only = staff_request && !in_window(minutes_now_local(), cfg.window_start_min, cfg.window_end_min);
  auto step = sync::run_update_step(ep, paths);
  if (!step.ok()) {
    std::printf("COA update: not finished: %s\n", step.error().message.c_str());
    std::fprintf(stderr, "balie-syncd: COA update: %s\n", step.error().message.c_str());
    return;
  }
  const auto& u = step.value();
  std::string line = "COA update: ";
  if (!u.reported.empty()) line += "reported " + u.reported + "; ";
  switch (u.kind) {
    case sync::UpdateStep::Kind::NothingAssigned: line += paths.report_only ? "outside the sync window, not asked" : "none assigned"; break;
    case sync::UpdateStep::Kind::AlreadyDelivered: line += "version " + std::to_string(u.version) + " already delivered"; break;
    case sync::UpdateStep::Kind::Delivered:
      line += "version " + std::to_string(u.version) + " downloaded (" + std::to_string(u.bytes_downloaded) +
              " bytes this pass), verified and handed to the installer";
      break;
  }
  std::printf("%s\n", line.c_str());
}

int run_once(sync::SyncStore& store, store::Store& terminal_store, const Config& cfg) {
  const bool staff_request = take_staff_request(cfg);  // this pass answers any request made before it started
  auto coa = run_coa(terminal_store, cfg);
  std::fputs(coa.summary().c_str(), stdout);
  if (!coa.ok()) std::fprintf(stderr, "balie-syncd: COA: %s", coa.summary().c_str());
  if (coa.configured && !g_stop) run_update(terminal_store, cfg, staff_request);
  platform::SystemClock clock;
  sync::SyncEngine engine(store, clock, cfg.engine);
  auto rep = engine.run_pass(&g_stop);
  std::fputs(rep.summary().c_str(), stdout);
  std::fflush(stdout);
  write_health(terminal_store, cfg);
  // COA's part in the exit status: refused input from COA counts like a municipality's (1); COA out
  // of reach does not change it (the records' delivery decides; the COA line and the health document
  // say it, and the next pass tries again). A local error (3) and staff work (1) come first.
  int rc = rep.exit_status();
  if (rc == 3 || rc == 1) return rc;
  if (!coa.ok() && !coa.transient) return 1;
  return rc;
}

const char* kUsage =
    "usage: balie-syncd --config FILE [--once | status | import-routing ROUTES.json | device-pubkey]\n"
    "  --config FILE   syncd.json (keys: sync/README.md, \"balie-syncd configuration\")\n"
    "  --once          one pass, then exit: 0 delivered, 1 held/rejected, 2 transient or usage/config error,\n"
    "                  3 local error\n"
    "  (no command)    daemon: passes in the configured window and on staff request (SIGUSR1, sync-now)\n"
    "  status          staff status per municipality (JSON)\n"
    "  import-routing  routes into the terminal's store (audited)\n"
    "  device-pubkey   the device's Ed25519 public key (hex)\n"
    "  --help          this text\n";

int usage_error(const std::string& m) {
  std::fprintf(stderr, "balie-syncd: %s\n%s", m.c_str(), kUsage);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // As in the kiosk: SQLite overwrites every block it frees (dossier rows of the feed pass through
  // this process too). Must run before SQLite starts.
  if (auto w = balie::store::wipe_sqlite_memory_on_free(); !w.ok()) {
    std::fprintf(stderr, "balie-syncd: %s\n", w.error().message.c_str());
    return 3;
  }
  fs::path config;
  bool once = false;
  std::vector<std::string> rest;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (a == "--config") {
      if (i + 1 >= argc || argv[i + 1][0] == '\0') return usage_error("--config needs a file name");
      config = argv[++i];
    } else if (a == "--once") {
      once = true;
    } else if (a.rfind("-", 0) == 0) {
      return usage_error("unknown option '" + a + "'");
    } else {
      rest.push_back(a);
    }
  }
  if (config.empty()) return usage_error("--config FILE is required");
  if (!rest.empty()) {
    const std::string& c = rest[0];
    const bool known = (c == "status" && rest.size() == 1) || (c == "device-pubkey" && rest.size() == 1) ||
                       (c == "import-routing" && rest.size() == 2);
    if (!known) {
      if (c == "import-routing") return usage_error("import-routing needs exactly one file name");
      if (c == "status" || c == "device-pubkey") return usage_error(c + " takes no arguments");
      return usage_error("unknown command '" + c + "'");
    }
    if (once) return usage_error("--once runs a pass; it cannot be combined with '" + c + "'");
  }
  Config cfg;
  if (auto e = load_config(config, &cfg); !e.empty()) return fail(e, 2);
  // The database key from the key provider (systemd credential balie-db-key in production; demo mode:
  // db.key next to the database file, made by the kiosk or balie-admin with the store, never here).
  const auto key_provider = platform::KeyProvider::from_environment(fs::path(cfg.store_path).parent_path());
  std::error_code ec;
  if (!fs::exists(cfg.store_path, ec))
    return fail("no store at " + cfg.store_path + ": the kiosk (or balie-admin) creates it; nothing to sync", 2);
  auto key = key_provider.existing_db_key();
  if (!key) return fail("the store " + cfg.store_path + " has no key: " + key.error().message, 2);
  store::OpenOptions open_options;
  open_options.create_if_missing = false;
  auto opened = store::Store::open(cfg.store_path, key.value().bytes(), open_options);
  key.value().wipe();
  if (!opened) {
    const int code = opened.error().code == store::StoreErrc::NotFound ? 2 : 3;
    return fail(std::string("store: ") + store::to_string(opened.error().code) + ": " + opened.error().message, code);
  }
  std::unique_ptr<store::Store> terminal_store = std::move(opened.value());
  sync::StoreAdapter adapter(*terminal_store, cfg.engine.locatiecode);
  // The device key is read only when a reinstalled terminal must continue its chain (rechain).
  adapter.set_device_key_loader([&key_provider](std::string* error) -> std::unique_ptr<platform::DeviceSigningKey> {
    auto dk = key_provider.device_signing_key();
    if (!dk) {
      *error = dk.error().message;
      return nullptr;
    }
    return std::make_unique<platform::DeviceSigningKey>(std::move(dk.value()));
  });
  sync::SyncStore& store = adapter;

  if (!rest.empty() && rest[0] == "status") {
    auto c = store.counts();
    if (!c) return fail(c.error().message);
    std::printf("%s\n", sync::staff_status_json(sync::staff_status(*c, std::time(nullptr))).c_str());
    return 0;
  }
  if (!rest.empty() && rest[0] == "import-routing" && rest.size() == 2) {
    std::string text;
    if (!slurp(rest[1], &text)) return fail("cannot read " + rest[1], 2);
    return import_routes_into_store(*terminal_store, text, fs::path(rest[1]).filename().string());
  }
  if (!rest.empty() && rest[0] == "device-pubkey") {
    auto dk = key_provider.device_signing_key();
    if (!dk) return fail("device key: " + dk.error().message);
    std::printf("%s\n", record::to_hex(dk.value().public_key.data(), dk.value().public_key.size()).c_str());
    return 0;
  }

  struct sigaction sa {};
  sa.sa_handler = on_term;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, nullptr);
  if (once) return run_once(store, *terminal_store, cfg);

  // Daemon: one pass per night at a random minute early in the window, retries every 15 minutes
  // while the window lasts and something transient failed; staff requests run a pass at once.
  record::crypto_ready();
  int jitter = static_cast<int>(randombytes_uniform(static_cast<uint32_t>(std::max(1, cfg.jitter_max_min))));
  int start = (cfg.window_start_min + jitter) % (24 * 60);
  bool done_tonight = false;
  auto last_try = std::chrono::steady_clock::now() - std::chrono::hours(1);
  std::fprintf(stderr, "balie-syncd: window %02d:%02d-%02d:%02d, this device starts at %02d:%02d\n",
               cfg.window_start_min / 60, cfg.window_start_min % 60, cfg.window_end_min / 60, cfg.window_end_min % 60,
               start / 60, start % 60);
  while (!g_stop) {
    bool staff = g_request.exchange(false) || take_staff_request(cfg);
    int now = minutes_now_local();
    bool window = in_window(now, cfg.window_start_min, cfg.window_end_min);
    if (!window) done_tonight = false;
    bool due = window && !done_tonight && in_window(now, start, cfg.window_end_min) &&
               std::chrono::steady_clock::now() - last_try > std::chrono::minutes(15);
    if (staff || due) {
      last_try = std::chrono::steady_clock::now();
      int rc = run_once(store, *terminal_store, cfg);
      if (rc != 2 && !staff) done_tonight = true;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  return 0;
}
