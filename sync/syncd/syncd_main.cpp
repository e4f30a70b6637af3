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
// Config (JSON): see sync/README.md ("balie-syncd configuration").
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

bool parse_hhmm(const std::string& s, int* out) {
  int h, m;
  if (std::sscanf(s.c_str(), "%d:%d", &h, &m) != 2 || h < 0 || h > 24 || m < 0 || m > 59) return false;
  *out = h * 60 + m;
  return true;
}

std::string load_config(const fs::path& path, Config* c) {
  std::string text;
  if (!slurp(path, &text)) return "cannot read config " + path.string();
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return "config is not a JSON object";
  fs::path base = path.parent_path();
  auto rel = [&](const std::string& p) { return (p.empty() || p[0] == '/') ? fs::path(p) : base / p; };
  auto str = [&](const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string(); };
  c->store_path = rel(str("store")).string();
  if (str("store").empty()) return "config needs \"store\"";
  // "store_kind" named a development stand-in once; the terminal's store is the only one now.
  if (!str("store_kind").empty() && str("store_kind") != "balie")
    return "store_kind \"" + str("store_kind") + "\" is not supported: balie-syncd opens only the terminal's store";
  c->engine.device_id = str("device_id");
  if (!slurp(rel(str("client_cert")), &c->engine.client_cert_pem) ||
      !slurp(rel(str("client_key")), &c->engine.client_key_pem))
    return "cannot read client_cert / client_key";
  c->engine.locatiecode = str("locatiecode");
  if (j.contains("batch_max_records")) c->engine.batch_max_records = j["batch_max_records"].get<std::size_t>();
  if (j.contains("batch_max_bytes")) c->engine.batch_max_bytes = j["batch_max_bytes"].get<std::size_t>();
  if (j.contains("max_retries")) c->engine.max_retries = j["max_retries"].get<int>();
  if (j.contains("backoff_base_ms")) c->engine.backoff_base_ms = j["backoff_base_ms"].get<long>();
  if (j.contains("connect_timeout_s")) c->engine.connect_timeout_s = j["connect_timeout_s"].get<long>();
  if (j.contains("low_speed_time_s")) c->engine.low_speed_time_s = j["low_speed_time_s"].get<long>();
  if (j.contains("total_timeout_s")) c->engine.total_timeout_s = j["total_timeout_s"].get<long>();
  std::string w = str("window");
  if (!w.empty()) {
    auto dash = w.find('-');
    if (dash == std::string::npos || !parse_hhmm(w.substr(0, dash), &c->window_start_min) ||
        !parse_hhmm(w.substr(dash + 1), &c->window_end_min))
      return "window must look like 01:00-05:00";
  }
  if (j.contains("window_jitter_minutes")) c->jitter_max_min = j["window_jitter_minutes"].get<int>();
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

// import-routing: {"routes":[{gemeentecode, base_url, ca_pem, pinned_key, ed25519_pk, x25519_pk}]} into
// the terminal's store, replacing the route of each gemeentecode listed; every import is in the audit log.
int import_routes_into_store(store::Store& st, const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("routes") || !j["routes"].is_array())
    return fail("routing file must be {\"routes\":[...]}");
  std::vector<store::Route> routes;
  for (const auto& r : j["routes"]) {
    store::Route rt;
    try {
      rt.gemeentecode = r.at("gemeentecode").get<std::string>();
      rt.endpoint_base_url = r.at("base_url").get<std::string>();
      rt.ca_certificate_pem = r.at("ca_pem").get<std::string>();
      rt.pinned_public_key = r.at("pinned_key").get<std::string>();
      auto ed = record::from_hex(r.at("ed25519_pk").get<std::string>());
      auto x = record::from_hex(r.at("x25519_pk").get<std::string>());
      if (!ed || ed->size() != 32 || !x || x->size() != 32) return fail("route keys must be 64 hex characters");
      std::copy(ed->begin(), ed->end(), rt.ack_verify_key.begin());
      std::copy(x->begin(), x->end(), rt.box_public_key.begin());
    } catch (const std::exception&) {
      return fail("route entry lacks a required string field (gemeentecode, base_url, ca_pem, pinned_key, keys)");
    }
    if (!record::is_gemeentecode(rt.gemeentecode)) return fail("gemeentecode must look like GM0363");
    routes.push_back(std::move(rt));
  }
  for (const auto& rt : routes) {
    if (auto s = st.put_route(rt); !s.ok()) return fail("store: " + s.error().message);
    (void)st.append_audit("balie-syncd", "routing.import", rt.gemeentecode + " " + rt.endpoint_base_url);
  }
  std::printf("imported %zu routes\n", routes.size());
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

}  // namespace

int main(int argc, char** argv) {
  fs::path config;
  bool once = false;
  std::vector<std::string> rest;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--config" && i + 1 < argc) config = argv[++i];
    else if (a == "--once") once = true;
    else rest.push_back(a);
  }
  if (config.empty()) return fail("usage: balie-syncd --config FILE [--once | status | import-routing F | device-pubkey]", 64);
  Config cfg;
  if (auto e = load_config(config, &cfg); !e.empty()) return fail(e);
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
    if (!slurp(rest[1], &text)) return fail("cannot read " + rest[1]);
    return import_routes_into_store(*terminal_store, text);
  }
  if (!rest.empty() && rest[0] == "device-pubkey") {
    auto dk = key_provider.device_signing_key();
    if (!dk) return fail("device key: " + dk.error().message);
    std::printf("%s\n", record::to_hex(dk.value().public_key.data(), dk.value().public_key.size()).c_str());
    return 0;
  }
  if (!rest.empty()) return fail("unknown command " + rest[0], 64);

  struct sigaction sa {};
  sa.sa_handler = on_term;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, nullptr);
  if (once) return run_once(store, cfg);

  // Daemon: one pass per night at a random minute early in the window, retries every 15 minutes
  // while the window lasts and something transient failed; staff requests run a pass at once.
  record::crypto_ready();
  int jitter = static_cast<int>(randombytes_uniform(static_cast<uint32_t>(std::max(1, cfg.jitter_max_min))));
  int start = (cfg.window_start_min + jitter) % (24 * 60);
  bool done_tonight = false;
  auto last_try = std::chrono::steady_clock::now() - std::chrono::hours(1);
  fs::path trigger = cfg.runtime_dir / "sync-now";
  std::fprintf(stderr, "balie-syncd: window %02d:%02d-%02d:%02d, this device starts at %02d:%02d\n",
               cfg.window_start_min / 60, cfg.window_start_min % 60, cfg.window_end_min / 60, cfg.window_end_min % 60,
               start / 60, start % 60);
  while (!g_stop) {
    std::error_code ec;
    bool staff = g_request.exchange(false) || fs::remove(trigger, ec);
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
