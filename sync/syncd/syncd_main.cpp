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
#include <type_traits>

#include "balie/platform/clock.h"
#include "balie/platform/key_provider.h"
#include "balie/platform/paths.h"
#include "balie/record/json_limits.h"
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

// Config file limits: 64 KiB, record::kMaxJsonDepth levels. Every key is checked for its type and
// range; an unknown key is an error (a misspelt "max_retries" must not silently fall back).
constexpr std::size_t kMaxConfigBytes = 64 * 1024;

std::string load_config(const fs::path& path, Config* c) {
  std::string text;
  const std::string where = path.filename().string();
  if (!slurp(path, &text)) return "cannot read config " + path.string();
  auto parsed = record::parse_json_limited(text, record::JsonLimits{kMaxConfigBytes}, where);
  if (!parsed) return parsed.error().message;
  const nlohmann::json& j = *parsed;
  using record::JsonKind;
  if (auto st = record::check_fields(j,
                                     {{"store", JsonKind::string, true},
                                      {"store_kind", JsonKind::string},
                                      {"device_id", JsonKind::string, true},
                                      {"client_cert", JsonKind::string, true},
                                      {"client_key", JsonKind::string, true},
                                      {"locatiecode", JsonKind::string},
                                      {"window", JsonKind::string},
                                      {"window_jitter_minutes", JsonKind::integer, false, 0, 24 * 60},
                                      {"batch_max_records", JsonKind::integer, false, 1, sync::kMaxBatchRecords},
                                      {"batch_max_bytes", JsonKind::integer, false, 1024, sync::kMaxBatchBodyBytes},
                                      {"max_retries", JsonKind::integer, false, 0, 20},
                                      {"backoff_base_ms", JsonKind::integer, false, 1, 60 * 1000},
                                      {"connect_timeout_s", JsonKind::integer, false, 1, 600},
                                      {"low_speed_time_s", JsonKind::integer, false, 1, 3600},
                                      {"total_timeout_s", JsonKind::integer, false, 1, 24 * 3600}},
                                     where);
      !st)
    return st.error().message;
  fs::path base = path.parent_path();
  auto rel = [&](const std::string& p) { return (p.empty() || p[0] == '/') ? fs::path(p) : base / p; };
  auto str = [&](const char* k) { return j.contains(k) ? j[k].get<std::string>() : std::string(); };
  if (str("store").empty()) return where + ": \"store\" must be a non-empty path";
  c->store_path = rel(str("store")).string();
  // "store_kind" named a development stand-in once; the terminal's store is the only one now.
  if (j.contains("store_kind") && str("store_kind") != "balie")
    return where + ": store_kind \"" + str("store_kind") +
           "\" is not supported: balie-syncd opens only the terminal's store (\"balie\" or leave it out)";
  c->engine.device_id = str("device_id");
  if (!sync::is_token(c->engine.device_id, 64)) return where + ": \"device_id\" must match [A-Za-z0-9._-]{1,64}";
  c->engine.locatiecode = str("locatiecode");
  if (!c->engine.locatiecode.empty() && !sync::is_token(c->engine.locatiecode, 64))
    return where + ": \"locatiecode\" must match [A-Za-z0-9._-]{1,64}";
  if (!slurp(rel(str("client_cert")), &c->engine.client_cert_pem))
    return where + ": cannot read \"client_cert\" " + rel(str("client_cert")).string();
  if (!slurp(rel(str("client_key")), &c->engine.client_key_pem))
    return where + ": cannot read \"client_key\" " + rel(str("client_key")).string();
  auto num = [&](const char* k, auto* out) {
    if (j.contains(k)) *out = static_cast<std::remove_reference_t<decltype(*out)>>(j[k].get<long long>());
  };
  num("batch_max_records", &c->engine.batch_max_records);
  num("batch_max_bytes", &c->engine.batch_max_bytes);
  num("max_retries", &c->engine.max_retries);
  num("backoff_base_ms", &c->engine.backoff_base_ms);
  num("connect_timeout_s", &c->engine.connect_timeout_s);
  num("low_speed_time_s", &c->engine.low_speed_time_s);
  num("total_timeout_s", &c->engine.total_timeout_s);
  num("window_jitter_minutes", &c->jitter_max_min);
  std::string w = str("window");
  if (j.contains("window")) {
    auto dash = w.find('-');
    if (dash == std::string::npos || !parse_hhmm(w.substr(0, dash), &c->window_start_min) ||
        !parse_hhmm(w.substr(dash + 1), &c->window_end_min))
      return where + ": \"window\" must be a string like \"01:00-05:00\" (got \"" + w.substr(0, 40) + "\")";
  }
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
// Limits: 8 MiB, record::kMaxJsonDepth levels, 1000 routes; every key checked, unknown keys refused.
// Nothing is stored unless the whole file is valid.
constexpr std::size_t kMaxRoutingBytes = 8u * 1024 * 1024;
constexpr std::size_t kMaxRoutes = 1000;

int import_routes_into_store(store::Store& st, const std::string& text, const std::string& where) {
  auto parsed = record::parse_json_limited(text, record::JsonLimits{kMaxRoutingBytes}, where);
  if (!parsed) return fail(parsed.error().message, 2);
  const nlohmann::json& j = *parsed;
  using record::JsonKind;
  if (auto s = record::check_fields(j, {{"routes", JsonKind::array, true}}, where); !s) return fail(s.error().message, 2);
  if (j["routes"].size() > kMaxRoutes) return fail(where + ": more than " + std::to_string(kMaxRoutes) + " routes", 2);
  std::vector<store::Route> routes;
  std::size_t n = 0;
  for (const auto& r : j["routes"]) {
    const std::string at = where + ": routes[" + std::to_string(n++) + "]";
    if (auto s = record::check_fields(r,
                                      {{"gemeentecode", JsonKind::string, true},
                                       {"base_url", JsonKind::string, true},
                                       {"ca_pem", JsonKind::string, true},
                                       {"pinned_key", JsonKind::string, true},
                                       {"ed25519_pk", JsonKind::string, true},
                                       {"x25519_pk", JsonKind::string, true}},
                                      at);
        !s)
      return fail(s.error().message, 2);
    store::Route rt;
    rt.gemeentecode = r["gemeentecode"].get<std::string>();
    rt.endpoint_base_url = r["base_url"].get<std::string>();
    rt.ca_certificate_pem = r["ca_pem"].get<std::string>();
    rt.pinned_public_key = r["pinned_key"].get<std::string>();
    auto ed = record::from_hex(r["ed25519_pk"].get<std::string>());
    auto x = record::from_hex(r["x25519_pk"].get<std::string>());
    if (!ed || ed->size() != 32 || !x || x->size() != 32)
      return fail(at + ": \"ed25519_pk\" and \"x25519_pk\" must be 64 hex characters", 2);
    std::copy(ed->begin(), ed->end(), rt.ack_verify_key.begin());
    std::copy(x->begin(), x->end(), rt.box_public_key.begin());
    if (!record::is_gemeentecode(rt.gemeentecode)) return fail(at + ": \"gemeentecode\" must look like GM0363", 2);
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
