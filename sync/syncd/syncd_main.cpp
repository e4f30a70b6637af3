// balie-syncd: the sync daemon (separate process, network access, no display).
//   balie-syncd --config F --once        one full pass; exit 0 ok, 1 held/rejected (staff), 2 transient, 3 local error
//   balie-syncd --config F               passes inside the window (default 01:00-05:00 local, randomised start)
//                                        plus on staff request: SIGUSR1 or the file <runtime_dir>/sync-now
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

#include "balie/platform/clock.h"
#include "balie/platform/key_provider.h"
#include "balie/platform/paths.h"
#include "balie/store/store.h"
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
  fs::path runtime_dir;
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
  if (!slurp(rel(parsed->client_key_path), &c->engine.client_key_pem))
    return where + ": cannot read \"client_key\" " + rel(parsed->client_key_path).string();
  c->runtime_dir = platform::Paths::from_environment().runtime_dir;
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

int run_once(sync::SyncStore& store, const Config& cfg) {
  platform::SystemClock clock;
  sync::SyncEngine engine(store, clock, cfg.engine);
  auto rep = engine.run_pass(&g_stop);
  std::fputs(rep.summary().c_str(), stdout);
  std::fflush(stdout);
  return rep.exit_status();
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
  if (once) {
    // A pass started by balie-syncd-request.path: take the staff request away as the pass starts.
    std::error_code ec;
    fs::remove(fs::path(cfg.store_path).parent_path() / "sync-now", ec);
    return run_once(store, cfg);
  }

  // Daemon: one pass per night at a random minute early in the window, retries every 15 minutes
  // while the window lasts and something transient failed; staff requests run a pass at once.
  record::crypto_ready();
  int jitter = static_cast<int>(randombytes_uniform(static_cast<uint32_t>(std::max(1, cfg.jitter_max_min))));
  int start = (cfg.window_start_min + jitter) % (24 * 60);
  bool done_tonight = false;
  auto last_try = std::chrono::steady_clock::now() - std::chrono::hours(1);
  // Staff requests: <store dir>/sync-now (the kiosk writes it there; on a terminal
  // balie-syncd-request.path also starts this unit for it) and the older <runtime_dir>/sync-now.
  fs::path trigger = cfg.runtime_dir / "sync-now";
  fs::path store_trigger = fs::path(cfg.store_path).parent_path() / "sync-now";
  std::fprintf(stderr, "balie-syncd: window %02d:%02d-%02d:%02d, this device starts at %02d:%02d\n",
               cfg.window_start_min / 60, cfg.window_start_min % 60, cfg.window_end_min / 60, cfg.window_end_min % 60,
               start / 60, start % 60);
  while (!g_stop) {
    std::error_code ec;
    bool staff = g_request.exchange(false);
    staff = fs::remove(trigger, ec) || staff;
    staff = fs::remove(store_trigger, ec) || staff;
    int now = minutes_now_local();
    bool window = in_window(now, cfg.window_start_min, cfg.window_end_min);
    if (!window) done_tonight = false;
    bool due = window && !done_tonight && in_window(now, start, cfg.window_end_min) &&
               std::chrono::steady_clock::now() - last_try > std::chrono::minutes(15);
    if (staff || due) {
      last_try = std::chrono::steady_clock::now();
      int rc = run_once(store, cfg);
      if (rc != 2 && !staff) done_tonight = true;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  return 0;
}
