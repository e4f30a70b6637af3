// balie-coa fleet benchmark (issue 15): N simulated terminals, each enrolled through the real
// POST /v1/enrol with a one-time code, then each doing nightly passes (health post, bundle check,
// residents cursor pull) over mutual TLS with a NEW connection per pass, against one and then two
// real balie-coa processes on one private PostgreSQL cluster (tests/coa harness). Prints passes per
// second, p50/p99 per request kind and per pass, CPU per process group and the database size after.
// Usage and measured figures: bench/README.md. `--smoke` is the small ctest mode (checks answers).
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>

#include "coa_harness.h"

using namespace balie::coa::testing;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  int terminals = 5000, locations = 100, residents = 50, workers = 16, pool_size = 8, nightly_changes = 2;
  int limit = 200;
  bool smoke = false, two_instances = true;
  std::string keep;  // keep the work folder (debugging)
};

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

// Nearest-rank percentile of a sorted vector.
double pct(const std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  size_t i = static_cast<size_t>(p / 100.0 * static_cast<double>(v.size()) + 0.999999);
  return v[std::clamp<size_t>(i, 1, v.size()) - 1];
}

// CPU seconds (user+system) of one process from /proc/<pid>/stat.
double proc_cpu_s(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), {});
  const size_t rp = s.rfind(')');
  if (rp == std::string::npos) return 0;
  std::istringstream in(s.substr(rp + 2));
  std::string tok;
  std::vector<std::string> fields;
  while (in >> tok) fields.push_back(tok);
  // After ")": state(0) ppid(1) ... utime(11) stime(12)
  if (fields.size() < 13) return 0;
  return (std::stod(fields[11]) + std::stod(fields[12])) / static_cast<double>(sysconf(_SC_CLK_TCK));
}
pid_t proc_ppid(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), {});
  const size_t rp = s.rfind(')');
  if (rp == std::string::npos) return -1;
  std::istringstream in(s.substr(rp + 2));
  std::string state;
  pid_t ppid = -1;
  in >> state >> ppid;
  return ppid;
}
// CPU of the postmaster and all its children (backends come and go: a backend that ended within a
// measured interval is missed, so this is a lower bound; balie-coa keeps its pooled backends).
double postgres_cpu_s(const PgCluster& pg) {
  std::ifstream pf(pg.root() + "/data/postmaster.pid");
  pid_t pm = 0;
  if (!(pf >> pm)) return 0;
  double sum = proc_cpu_s(pm);
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string n = e.path().filename();
    if (n.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t p = std::stoi(n);
    if (proc_ppid(p) == pm) sum += proc_cpu_s(p);
  }
  return sum;
}
double self_cpu_s() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}
std::string loadavg() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

struct Sim {
  std::unique_ptr<TestTerminal> t;
  std::string location, cursor;
  std::int64_t have = 0;
  int held = 0;  // residents this terminal holds (active ones)
};

struct Sample {
  std::vector<double> health, bundle, residents, pass, enrol;
  long failures = 0, resident_items = 0, pages = 0, retries = 0;
  std::string first_failure;
  void merge(const Sample& o) {
    for (auto [a, b] : {std::pair{&health, &o.health}, std::pair{&bundle, &o.bundle},
                        std::pair{&residents, &o.residents}, std::pair{&pass, &o.pass}, std::pair{&enrol, &o.enrol}})
      a->insert(a->end(), b->begin(), b->end());
    failures += o.failures;
    resident_items += o.resident_items;
    pages += o.pages;
    retries += o.retries;
    if (first_failure.empty()) first_failure = o.first_failure;
  }
  void fail(const std::string& why) {
    ++failures;
    if (first_failure.empty()) first_failure = why;
  }
};

std::string describe(const httplib::Result& r) {
  if (!r) return "no answer (" + httplib::to_string(r.error()) + ")";
  return "HTTP " + std::to_string(r->status) + " " + r->body.substr(0, 200);
}

// Runs fn(i, sample) for i in [0, n) on `workers` threads; returns the merged samples and wall time.
template <class F>
std::pair<Sample, double> fan_out(int n, int workers, F fn) {
  std::atomic<int> next{0};
  std::vector<Sample> per(static_cast<size_t>(workers));
  const auto t0 = Clock::now();
  std::vector<std::thread> th;
  for (int w = 0; w < workers; ++w)
    th.emplace_back([&, w] {
      for (int i; (i = next.fetch_add(1)) < n;) fn(i, per[static_cast<size_t>(w)]);
    });
  for (auto& t : th) t.join();
  const double wall = ms_since(t0) / 1000.0;
  Sample all;
  for (auto& s : per) all.merge(s);
  return {std::move(all), wall};
}

// One nightly pass of terminal `s` against the terminal listener on `port`: a new TLS connection
// (full handshake with the terminal's own certificate), kept alive for the pass's requests.
void one_pass(const CoaPki& pki, int port, Sim& s, Sample& out, int limit, bool check) {
  const auto p0 = Clock::now();
  auto c = s.t->client(pki, port);
  c->set_keep_alive(true);
  // balie-syncd's libcurl sets TCP_NODELAY by default; without it a POST's header and body writes
  // meet the peer's delayed ACK (about 40 ms on Linux loopback).
  c->set_tcp_nodelay(true);
  auto t0 = Clock::now();
  auto h = c->Post("/v1/health", health_doc(s.t->device_id, s.location).dump(), "application/json");
  out.health.push_back(ms_since(t0));
  if (!h || h->status != 202) return out.fail("health: " + describe(h));
  if (check && json::parse(h->body, nullptr, false) != json{{"alerts", json::array()}})
    return out.fail("health: unexpected answer " + h->body);
  t0 = Clock::now();
  auto b = c->Get("/v1/bundle?have=" + std::to_string(s.have));
  out.bundle.push_back(ms_since(t0));
  if (!b || b->status != 204) return out.fail("bundle: " + describe(b));
  for (bool more = true; more;) {
    t0 = Clock::now();
    auto r = c->Get("/v1/residents?limit=" + std::to_string(limit) + "&cursor=" + s.cursor);
    out.residents.push_back(ms_since(t0));
    if (!r || r->status != 200) return out.fail("residents: " + describe(r));
    auto j = json::parse(r->body, nullptr, false);
    if (j.is_discarded() || !j.contains("cursor") || !j.contains("more") || !j.contains("residents"))
      return out.fail("residents: unexpected answer " + r->body.substr(0, 200));
    if (check && j.value("location_id", "") != s.location) return out.fail("residents of another location");
    for (const auto& it : j["residents"]) s.held += it.value("active", false) ? 1 : 0;
    out.resident_items += static_cast<long>(j["residents"].size());
    ++out.pages;
    s.cursor = j["cursor"].get<std::string>();
    more = j["more"].get<bool>();
  }
  out.pass.push_back(ms_since(p0));
}

void print_latency(const char* name, std::vector<double>& v) {
  std::sort(v.begin(), v.end());
  std::printf("  %-22s n=%-6zu p50 %7.1f ms   p99 %7.1f ms   max %7.1f ms\n", name, v.size(), pct(v, 50), pct(v, 99),
              v.empty() ? 0.0 : v.back());
}

json resident_json(const std::string& id, const std::string& loc, int i, int version) {
  char vn[16], date[16];
  std::snprintf(vn, sizeof vn, "%010d", 100000000 + i);
  std::snprintf(date, sizeof date, "19%02d-%02d-%02d", 60 + i % 40, 1 + i % 12, 1 + i % 28);
  json r = {{"id", id},
            {"location_id", loc},
            {"naam_latijns", "Bewoner " + std::to_string(i) + (version ? " v" + std::to_string(version) : "")},
            {"naam_eigen_schrift", i % 3 == 0 ? "\xd8\xb3\xd8\xa7\xd8\xb1\xd8\xa9 " + std::to_string(i) : ""},
            {"v_nummer", vn},
            {"geboortedatum", date},
            {"kamer", "K" + std::to_string(100 + i % 300)},
            {"regime", i % 5 == 0 ? "Wi2013" : "Wi2021"},
            {"active", true}};
  if (i % 4 != 0) {
    r["gemeentecode"] = "GM0363";
    r["gekoppeld_sinds"] = "2026-0" + std::to_string(1 + i % 9) + "-15";
  }
  return r;
}

// Puts residents through `balie-coa resident put` in files of at most 1000.
void put_residents(const CoaService& svc, const fs::path& dir, const std::vector<json>& all) {
  for (size_t off = 0; off < all.size(); off += 1000) {
    json arr = json::array();
    for (size_t i = off; i < std::min(all.size(), off + 1000); ++i) arr.push_back(all[i]);
    const fs::path f = dir / "residents.json";
    spit(f, arr.dump());
    std::string out;
    if (svc.admin({"resident", "put", f.string()}, &out) != 0) throw std::runtime_error("resident put: " + out);
  }
}

struct DbFigures {
  std::string text;
};

DbFigures db_figures(PgCluster& pg) {
  DbFigures f;
  f.text += "database coa: " + pg.psql("SELECT pg_size_pretty(pg_database_size('coa')) || ' (' || "
                                       "pg_database_size('coa') || ' bytes)'") + "\n";
  f.text += "  table                  rows     total (table+index+toast)   seq_scan  idx_scan\n";
  const std::string rows = pg.psql(
      "SELECT c.relname, (xpath('/row/n/text()', query_to_xml('SELECT count(*) AS n FROM ' || "
      "quote_ident(c.relname), false, true, '')))[1]::text, pg_size_pretty(pg_total_relation_size(c.oid)), pg_total_relation_size(c.oid), "
      "coalesce(s.seq_scan, 0), coalesce(s.idx_scan, 0) FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid "
      "ORDER BY pg_total_relation_size(c.oid) DESC");
  std::istringstream in(rows);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> col;
    std::istringstream ls(line);
    for (std::string x; std::getline(ls, x, '|');) col.push_back(x);
    if (col.size() < 6) continue;
    char buf[200];
    std::snprintf(buf, sizeof buf, "  %-20s %8s   %10s %12s B   %8s  %8s\n", col[0].c_str(), col[1].c_str(),
                  col[2].c_str(), col[3].c_str(), col[4].c_str(), col[5].c_str());
    f.text += buf;
  }
  return f;
}

int usage() {
  std::fputs(
      "usage: coa_fleet_bench [--terminals N] [--locations L] [--residents R] [--workers W] [--pool-size P]\n"
      "                       [--changes C] [--limit L] [--one-instance] [--smoke] [--keep DIR]\n"
      "  defaults: 5000 terminals over 100 locations, 50 residents each, 16 client threads, pool 8,\n"
      "  2 residents changed per location between nights, page limit 200; then the same night against\n"
      "  two balie-coa instances on the same database. --smoke: 50 terminals, 5 locations, checks answers.\n",
      stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto num = [&](int& v) {
      if (i + 1 >= argc) return false;
      v = std::atoi(argv[++i]);
      return v > 0;
    };
    bool ok = true;
    if (a == "--terminals") ok = num(o.terminals);
    else if (a == "--locations") ok = num(o.locations);
    else if (a == "--residents") ok = num(o.residents);
    else if (a == "--workers") ok = num(o.workers);
    else if (a == "--pool-size") ok = num(o.pool_size);
    else if (a == "--changes") ok = num(o.nightly_changes);
    else if (a == "--limit") ok = num(o.limit) && o.limit <= 500;
    else if (a == "--help" || a == "-h") return usage(), 0;
    else if (a == "--one-instance") o.two_instances = false;
    else if (a == "--smoke") {
      o.smoke = true;
      o.terminals = 50, o.locations = 5, o.residents = 10, o.workers = 4, o.limit = 4;
    } else if (a == "--keep" && i + 1 < argc) o.keep = argv[++i];
    else ok = false;
    if (!ok) return usage();
  }
  if (sodium_init() < 0) return 1;
  o.nightly_changes = std::min(o.nightly_changes, o.residents);
  const bool check = o.smoke;
  int rc = 0;
  auto check_zero = [&](const char* what, const Sample& s) {
    if (s.failures) {
      std::printf("FAILED %s: %ld failures, first: %s\n", what, s.failures, s.first_failure.c_str());
      rc = 1;
    }
  };

  std::printf("coa_fleet_bench: %d terminals, %d locations x %d residents, %d client threads, pool_size %d\n",
              o.terminals, o.locations, o.residents, o.workers, o.pool_size);
  std::printf("load average at start: %s (%ld cores)\n", loadavg().c_str(), sysconf(_SC_NPROCESSORS_ONLN));
  std::fflush(stdout);

  PgCluster pg;
  if (!pg.ok()) {
    std::fprintf(stderr, "coa_fleet_bench: PostgreSQL: %s\n", pg.error().c_str());
    return 1;
  }
  // Per-statement figures for the bottleneck analysis (pg_stat_statements ships with postgresql-15).
  pg.psql("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'");
  pg.psql("ALTER SYSTEM SET max_connections = 100");
  if (!pg.restart()) {
    std::fprintf(stderr, "coa_fleet_bench: PostgreSQL restart: %s\n", pg.error().c_str());
    return 1;
  }
  const std::string pss_out = pg.psql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  const bool have_pss = pg.psql("SELECT count(*) FROM pg_extension WHERE extname = 'pg_stat_statements'") == "1";
  if (!have_pss) std::printf("(no per-statement figures: pg_stat_statements: %s)\n", pss_out.c_str());

  fs::path work;
  if (!o.keep.empty()) {
    work = fs::absolute(o.keep);
    fs::create_directories(work);
  } else {
    char tmpl[] = "/tmp/balie-coa-bench-XXXXXX";
    if (!mkdtemp(tmpl)) return 1;
    work = tmpl;
  }
  struct Cleanup {
    fs::path p;
    bool keep;
    ~Cleanup() {
      std::error_code ec;
      if (!keep) fs::remove_all(p, ec);
    }
  } cleanup{work, !o.keep.empty()};

  try {
    CoaPki pki(work / "pki");
    // Enrolment arrives from one address here (loopback); in the field each terminal has its own.
    // The per-address limit is raised so that enrolment, not the limiter, is what is measured.
    const json overrides = {{"pool_size", o.pool_size}, {"rate_per_minute", 1e6}, {"rate_burst", 1e6}};
    auto a = CoaService::start(pki, pg, work / "coa-a", overrides);

    // --- administration: operator, locations with configuration, residents, enrolment codes ---
    auto t0 = Clock::now();
    if (a->admin({"operator", "add", "ops-bench", "Benchmark"}, nullptr, "correct horse battery") != 0)
      throw std::runtime_error("operator add failed");
    spit(work / "location.json", location_config(pki).dump());
    std::vector<std::string> locs;
    std::vector<std::vector<std::string>> codes(static_cast<size_t>(o.locations));
    const int per_loc = (o.terminals + o.locations - 1) / o.locations;
    for (int l = 0; l < o.locations; ++l) {
      char id[32];
      std::snprintf(id, sizeof id, "azc-%03d", l + 1);
      locs.push_back(id);
      std::string out;
      if (a->admin({"location", "add", id, "AZC " + std::to_string(l + 1)}, &out) != 0 ||
          a->admin({"config", "put", id, (work / "location.json").string()}, &out) != 0)
        throw std::runtime_error("location setup: " + out);
    }
    const double t_locations = ms_since(t0) / 1000.0;
    t0 = Clock::now();
    std::vector<json> residents;
    for (int l = 0; l < o.locations; ++l)
      for (int r = 0; r < o.residents; ++r)
        residents.push_back(resident_json(locs[static_cast<size_t>(l)] + "-r" + std::to_string(r),
                                          locs[static_cast<size_t>(l)], l * o.residents + r, 0));
    put_residents(*a, work, residents);
    const double t_residents = ms_since(t0) / 1000.0;
    t0 = Clock::now();
    for (int l = 0; l < o.locations; ++l) {
      std::string out;
      if (a->admin({"code", "create-batch", locs[static_cast<size_t>(l)], "ops-bench", std::to_string(per_loc)}, &out) !=
          0)
        throw std::runtime_error("code create-batch: " + out);
      std::istringstream in(out);
      for (std::string c; std::getline(in, c);)
        if (c.size() == 14) codes[static_cast<size_t>(l)].push_back(c);
      if (codes[static_cast<size_t>(l)].size() != static_cast<size_t>(per_loc))
        throw std::runtime_error("code create-batch printed " + std::to_string(codes[static_cast<size_t>(l)].size()) +
                                 " codes, expected " + std::to_string(per_loc) + ": " + out.substr(0, 300));
    }
    const double t_codes = ms_since(t0) / 1000.0;
    std::printf("\nsetup: %d locations (add + config put, CLI each) %.1f s; %zu residents (resident put) %.1f s "
                "(%.0f/s); %d codes (code create-batch, %d calls) %.1f s\n",
                o.locations, t_locations, residents.size(), t_residents,
                static_cast<double>(residents.size()) / t_residents, per_loc * o.locations, o.locations, t_codes);

    // --- terminals: keys + enrolment request, then POST /v1/enrol ---
    std::vector<Sim> sims(static_cast<size_t>(o.terminals));
    [[maybe_unused]] auto [made, t_keys] = fan_out(o.terminals, o.workers, [&](int i, Sample&) {
      auto& s = sims[static_cast<size_t>(i)];
      s.location = locs[static_cast<size_t>(i % o.locations)];
      s.t = std::make_unique<TestTerminal>(work / "t" / std::to_string(i));
    });
    std::printf("terminal keys + enrolment requests (client side only): %.1f s\n", t_keys);
    double cpu_a0 = proc_cpu_s(a->proc.pid()), cpu_pg0 = postgres_cpu_s(pg), cpu_me0 = self_cpu_s();
    auto [enrol, t_enrol] = fan_out(o.terminals, o.workers, [&](int i, Sample& out) {
      auto& s = sims[static_cast<size_t>(i)];
      const std::string& code = codes[static_cast<size_t>(i % o.locations)][static_cast<size_t>(i / o.locations)];
      const auto e0 = Clock::now();
      auto r = s.t->enrol(pki, a->terminal_port, code);
      // A serialization failure that outlived balie-coa's own retries comes back as 409 "conflict";
      // the terminal's operator would try again. Counted and reported (a finding, not noise).
      for (int k = 0; k < 10 && r && r->status == 409 && r->body.find("\"conflict\"") != std::string::npos; ++k) {
        ++out.retries;
        std::this_thread::sleep_for(std::chrono::milliseconds(20 * (k + 1)));
        r = s.t->enrol(pki, a->terminal_port, code);
      }
      out.enrol.push_back(ms_since(e0));
      if (!r || r->status != 200 || s.t->device_id.empty()) return out.fail("enrol: " + describe(r));
      if (check && s.t->bundle.device.location_id != s.location) return out.fail("enrolled at another location");
      s.have = s.t->bundle.version;
    });
    std::printf("\nenrolment: %d terminals in %.1f s = %.1f enrolments/s (cpu s: balie-coa %.1f, postgres %.1f, "
                "bench %.1f; load %s)\n",
                o.terminals, t_enrol, o.terminals / t_enrol, proc_cpu_s(a->proc.pid()) - cpu_a0,
                postgres_cpu_s(pg) - cpu_pg0, self_cpu_s() - cpu_me0, loadavg().c_str());
    std::printf("  409 conflict answers (serialization failure after balie-coa's retries), enrolment tried again: %ld\n",
                enrol.retries);
    print_latency("POST /v1/enrol (incl. retries)", enrol.enrol);
    check_zero("enrolment", enrol);
    if (enrol.failures) return rc;

    std::vector<CoaService*> instances = {a.get()};
    std::unique_ptr<CoaService> b;
    // One night: every terminal one pass, instance = terminal index modulo the instance count
    // (round robin, as a load balancer without affinity would spread them).
    auto night = [&](const std::string& title, int expect_items_per_terminal) {
      if (have_pss) pg.psql("SELECT pg_stat_statements_reset()");
      std::vector<double> cpu0;
      for (auto* s : instances) cpu0.push_back(proc_cpu_s(s->proc.pid()));
      const double pg0 = postgres_cpu_s(pg), me0 = self_cpu_s();
      auto [smp, wall] = fan_out(o.terminals, o.workers, [&](int i, Sample& out) {
        auto& s = sims[static_cast<size_t>(i)];
        const long before = out.resident_items;
        one_pass(pki, instances[static_cast<size_t>(i) % instances.size()]->terminal_port, s, out, o.limit, check);
        if (check && expect_items_per_terminal >= 0 && out.resident_items - before != expect_items_per_terminal)
          out.fail("terminal " + s.t->device_id + " got " + std::to_string(out.resident_items - before) +
                   " residents, expected " + std::to_string(expect_items_per_terminal));
      });
      std::string cpu;
      for (size_t k = 0; k < instances.size(); ++k) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "balie-coa#%zu %.1f, ", k + 1, proc_cpu_s(instances[k]->proc.pid()) - cpu0[k]);
        cpu += buf;
      }
      std::printf("\n%s: %zu passes in %.1f s = %.1f passes/s; %ld resident items in %ld pages; failures %ld\n",
                  title.c_str(), smp.pass.size(), wall, static_cast<double>(smp.pass.size()) / wall,
                  smp.resident_items, smp.pages, smp.failures);
      std::printf("  cpu s: %spostgres %.1f, bench client %.1f; load %s\n", cpu.c_str(), postgres_cpu_s(pg) - pg0,
                  self_cpu_s() - me0, loadavg().c_str());
      print_latency("POST /v1/health (+TLS)", smp.health);
      print_latency("GET /v1/bundle", smp.bundle);
      print_latency("GET /v1/residents", smp.residents);
      print_latency("whole pass", smp.pass);
      check_zero(title.c_str(), smp);
      if (have_pss && !check) {
        std::printf("  top statements by total time (pg_stat_statements):\n%s\n",
                    pg.psql("SELECT '    ' || lpad(calls::text, 7) || ' calls ' || lpad(round(total_exec_time)::text, 6) "
                            "|| ' ms total ' || lpad(round(mean_exec_time::numeric, 3)::text, 7) || ' ms mean  ' || "
                            "left(regexp_replace(query, '\\s+', ' ', 'g'), 90) FROM pg_stat_statements "
                            "ORDER BY total_exec_time DESC LIMIT 8")
                        .c_str());
      }
      std::fflush(stdout);
    };

    night("night 1 (first pass after enrolment: full residents pull)", o.residents);
    // Each night a few residents per location change (koppeling, room): the next pull is incremental.
    auto change = [&](int version) {
      std::vector<json> changed;
      for (int l = 0; l < o.locations; ++l)
        for (int r = 0; r < o.nightly_changes; ++r)
          changed.push_back(resident_json(locs[static_cast<size_t>(l)] + "-r" + std::to_string(r),
                                          locs[static_cast<size_t>(l)], l * o.residents + r, version));
      put_residents(*a, work, changed);
    };
    change(1);
    night("night 2 (one balie-coa, " + std::to_string(o.nightly_changes) + " changed residents per location)",
          o.nightly_changes);
    if (o.two_instances) {
      b = CoaService::start(pki, pg, work / "coa-b", overrides);
      instances.push_back(b.get());
      change(2);
      night("night 3 (two balie-coa on one database, round robin)", o.nightly_changes);
    }
    if (check) {
      for (const auto& s : sims)
        if (s.held < o.residents) {
          std::printf("FAILED: terminal %s holds %d residents, expected >= %d\n", s.t->device_id.c_str(), s.held,
                      o.residents);
          rc = 1;
          break;
        }
      const std::string n = pg.psql("SELECT count(*) FROM health_reports");
      const int nights = o.two_instances ? 3 : 2;
      if (n != std::to_string(nights * o.terminals)) {
        std::printf("FAILED: %s health reports stored, expected %d\n", n.c_str(), nights * o.terminals);
        rc = 1;
      }
    }

    pg.psql("ANALYZE");
    std::printf("\n%s", db_figures(pg).text.c_str());
    std::printf("health_reports per report: %s bytes (table+index+toast / rows)\n",
                pg.psql("SELECT pg_total_relation_size('health_reports') / greatest(count(*), 1) FROM health_reports")
                    .c_str());
    std::string log = slurp(pg.root() + "/server.log");
    size_t serial = 0;
    for (size_t p = 0; (p = log.find("could not serialize", p)) != std::string::npos; ++p) ++serial;
    std::printf("serialization failures logged by PostgreSQL (retried by Db::transaction): %zu\n", serial);
    // Which statements they hit (the STATEMENT line PostgreSQL logs after each error).
    std::map<std::string, int> where;
    for (size_t p = 0; (p = log.find("could not serialize", p)) != std::string::npos; ++p) {
      const size_t st = log.find("STATEMENT:", p);
      const size_t next = log.find("could not serialize", p + 1);
      if (st == std::string::npos || (next != std::string::npos && st > next)) continue;
      std::string q = log.substr(st + 11, log.find('\n', st) - st - 11);
      where[q.substr(0, 100)]++;
    }
    for (const auto& [q, n] : where) std::printf("  %5d  %s\n", n, q.c_str());
    std::printf("load average at end: %s\n", loadavg().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "coa_fleet_bench: %s\n", e.what());
    return 1;
  }
  std::printf(rc == 0 ? "OK\n" : "FAILED\n");
  return rc;
}
