// Benchmark: push 5,000 realistic records (committed through Store::commit_sealed on the terminal's
// encrypted store: sealed PVT payload with a signature image, device signature, chain) and pull a
// 500-resident dossier feed into that store over a shaped link: a Linux network
// namespace joined by a veth pair with tc netem (1 Mbit/s, 50 ms each way = 100 ms RTT, 1% loss
// each way). Reports wall time, bytes on the wire (veth counters: TCP/IP/TLS and retransmissions
// included) and the time the link itself needs for those bytes. Needs root and iproute2.
// Where the kernel has no sch_netem (some containers), the link is built from what exists:
// tbf for the rate, iptables "statistic" drops for 1% loss each way, and balie-faultproxy as a
// 50 ms-each-way delay line in front of the inbox (application-level RTT: TLS handshakes and
// request/response turnarounds pay it, TCP loss recovery does not). The label says which.
//   BALIE_BENCH_RECORDS (5000), BALIE_BENCH_SIG_BYTES (1500), BALIE_BENCH_RESIDENTS (500)
#include <benchmark/benchmark.h>

#include "../../tests/sync/harness.h"
#include "balie/platform/clock.h"
#include "balie/sync/engine.h"
#include "balie/sync/store_adapter.h"

using namespace balie;
using namespace balie::test;
using nlohmann::json;

namespace {

long env_long(const char* k, long d) { return std::getenv(k) ? std::atol(std::getenv(k)) : d; }

std::uint64_t counter(const std::string& dev, const char* which) {
  return std::stoull(trim(slurp("/sys/class/net/" + dev + "/statistics/" + which)));
}

int sh(const std::string& cmd) { return run({"/bin/sh", "-c", cmd}, nullptr, 60); }

struct ShapedLink {
  std::string ns, host_if, ns_if;
  bool ok = false;
  bool netem = true;  // false: tbf + iptables loss + userspace delay line
  std::string error;
  ShapedLink() {
    std::string id = std::to_string(getpid() % 100000);
    ns = "balie-bench-" + id;
    host_if = "bbh" + id;
    ns_if = "bbn" + id;
    const std::string in_ns = "ip netns exec " + ns + " ";
    std::vector<std::string> cmds = {
        "ip netns add " + ns,
        "ip link add " + host_if + " type veth peer name " + ns_if,
        "ip link set " + ns_if + " netns " + ns,
        "ip addr add 10.99.0.1/24 dev " + host_if,
        "ip link set " + host_if + " up",
        in_ns + "ip addr add 10.99.0.2/24 dev " + ns_if,
        in_ns + "ip link set " + ns_if + " up",
        in_ns + "ip link set lo up",
    };
    for (const auto& c : cmds) {
      if (sh(c) != 0) {
        error = "failed: " + c + " (needs root and iproute2)";
        return;
      }
    }
    const std::string netem_args = " root netem delay 50ms rate 1mbit loss 1% limit 10000";
    if (sh("tc qdisc add dev " + host_if + netem_args) == 0 && sh(in_ns + "tc qdisc add dev " + ns_if + netem_args) == 0) {
      ok = true;
      return;
    }
    netem = false;
    const std::string tbf = " root tbf rate 1mbit burst 16kb latency 2s";
    std::vector<std::string> fallback = {
        "tc qdisc add dev " + host_if + tbf,
        in_ns + "tc qdisc add dev " + ns_if + tbf,
        in_ns + "iptables -A INPUT -i " + ns_if + " -m statistic --mode random --probability 0.01 -j DROP",
        in_ns + "iptables -A OUTPUT -o " + ns_if + " -m statistic --mode random --probability 0.01 -j DROP",
    };
    for (const auto& c : fallback) {
      if (sh(c) != 0) {
        error = "no netem, and fallback failed: " + c + " (needs tbf and iptables)";
        return;
      }
    }
    ok = true;
  }
  ~ShapedLink() {
    sh("ip link del " + host_if + " 2>/dev/null");
    sh("ip netns del " + ns + " 2>/dev/null");
  }
};

struct Setup {
  fs::path work;
  std::unique_ptr<Pki> pki;
  std::unique_ptr<ShapedLink> link;
  Proc inbox, delay;
  store::Route route;
  std::string error;
  Setup() {
    work = fresh_dir("bench-shaped");
    setenv("BALIE_PKI_EXTRA_SAN", "IP:10.99.0.2", 1);
    pki = std::make_unique<Pki>(work / "pki", std::vector<std::string>{"GM0363"});
    link = std::make_unique<ShapedLink>();
    if (!link->ok) {
      error = link->error;
      return;
    }
    fs::path ib = work / "inbox";
    fs::create_directories(ib / "keys");
    std::string out;
    run({bin("balie-inbox").string(), "keygen", "--dir", (ib / "keys").string()}, &out);
    auto keys = json::parse(out);
    run({bin("balie-inbox").string(), "enroll-device", "--db", (ib / "inbox.db").string(), "--gemeentecode", "GM0363",
         "--device-id", pki->device_id, "--ed25519-pk", record::to_hex(pki->device.public_key.data(), 32),
         "--locatiecode", "AZC-BENCH"});
    // A 500-resident feed in the store's dossier shape, each dossier like a full demo dossier.
    json demo = json::parse(slurp(fs::path(BALIE_SOURCE_DIR) / "assets/demo/demo.json"));
    json tmpl = demo["residents"][1];
    json residents = json::array();
    for (long i = 0; i < env_long("BALIE_BENCH_RESIDENTS", 500); ++i) {
      json r = tmpl;
      r["resident"]["id"] = "bench-" + std::to_string(i);
      r["resident"]["gemeentecode"] = "GM0363";
      r["resident"]["location_id"] = "AZC-BENCH";
      residents.push_back({{"resident_id", "bench-" + std::to_string(i)}, {"locatiecode", "AZC-BENCH"}, {"dossier", r}});
    }
    spit(ib / "residents.json", json{{"residents", residents}}.dump());
    run({bin("balie-inbox").string(), "import-dossiers", "--db", (ib / "inbox.db").string(), "--gemeentecode", "GM0363",
         "--file", (ib / "residents.json").string()});
    inbox = Proc({"/usr/sbin/ip", "netns", "exec", link->ns, bin("balie-inbox").string(), "serve", "--gemeentecode",
                  "GM0363", "--db", (ib / "inbox.db").string(), "--cert", (pki->dir / "GM0363/cert.pem").string(),
                  "--key", (pki->dir / "GM0363/key.pem").string(), "--client-ca", (pki->dir / "ca.pem").string(),
                  "--keys", (ib / "keys").string(), "--listen", link->netem ? "10.99.0.2:8443" : "127.0.0.1:8444",
                  "--port-file", (ib / "port").string()},
                 ib / "inbox.log");
    for (int i = 0; i < 500 && !fs::exists(ib / "port"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!link->netem) {  // delay line inside the namespace, in front of the inbox
      delay = Proc({"/usr/sbin/ip", "netns", "exec", link->ns, testbin("balie-faultproxy").string(), "--target-port",
                    "8444", "--listen-host", "10.99.0.2", "--latency-ms", "50", "--port-file",
                    (ib / "proxy.port").string()},
                   ib / "proxy.log");
      for (int i = 0; i < 500 && !fs::exists(ib / "proxy.port"); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      // The proxy binds an ephemeral port; route to it.
    }
    route.gemeentecode = "GM0363";
    route.endpoint_base_url = link->netem ? "https://10.99.0.2:8443"
                                 : "https://10.99.0.2:" + trim(slurp(ib / "proxy.port"));
    route.ca_certificate_pem = slurp(pki->dir / "ca.pem");
    route.pinned_public_key = trim(slurp(pki->dir / "GM0363/pin"));
    auto e = record::from_hex(keys["ed25519_pk"].get<std::string>()), x = record::from_hex(keys["x25519_pk"].get<std::string>());
    std::copy(e->begin(), e->end(), route.ack_verify_key.begin());
    std::copy(x->begin(), x->end(), route.box_public_key.begin());
  }
};

void BM_SyncOverShapedLink(benchmark::State& state) {
  Setup s;
  if (!s.error.empty()) {
    state.SkipWithError(s.error.c_str());
    return;
  }
  const long records = env_long("BALIE_BENCH_RECORDS", 5000);
  const long sig_bytes = env_long("BALIE_BENCH_SIG_BYTES", 1500);
  // The terminal's real encrypted store; every record goes through Store::commit_sealed.
  Kiosk k(*s.pki, s.work, "AZC-BENCH");
  auto st = k.open();
  (void)st->put_route(s.route);
  std::size_t envelope_bytes = 0;
  for (long i = 0; i < records; ++i) {
    const std::string id = k.add_record(*st, "GM0363", "bench-" + std::to_string(i % 500), 0,
                                        static_cast<std::size_t>(sig_bytes));
    envelope_bytes += st->store().outbox_entry(id).value()->payload.size();
  }
  sync::StoreAdapter adapter(st->store(), "AZC-BENCH");
  platform::SystemClock clock;
  sync::EngineConfig cfg;
  cfg.device_id = s.pki->device_id;
  cfg.client_cert_pem = slurp(s.pki->dir / "device/cert.pem");
  cfg.client_key_pem = slurp(s.pki->dir / "device/key.pem");
  cfg.locatiecode = "AZC-BENCH";
  cfg.batch_max_records = 200;
  cfg.batch_max_bytes = 1u * 1024 * 1024;
  cfg.low_speed_time_s = 60;
  cfg.total_timeout_s = 600;
  const std::uint64_t up0 = counter(s.link->host_if, "tx_bytes"), down0 = counter(s.link->host_if, "rx_bytes");
  sync::PassReport rep;
  for (auto _ : state) {
    sync::SyncEngine engine(adapter, clock, cfg);
    rep = engine.run_pass();
  }
  const double up = static_cast<double>(counter(s.link->host_if, "tx_bytes") - up0);
  const double down = static_cast<double>(counter(s.link->host_if, "rx_bytes") - down0);
  const auto& g = rep.gemeenten.at(0);
  if (g.acknowledged != records) state.SkipWithError(("not all acknowledged: " + rep.summary()).c_str());
  state.counters["records"] = static_cast<double>(g.acknowledged);
  state.counters["dossiers"] = static_cast<double>(g.dossier_upserts);
  state.counters["envelope_MB"] = static_cast<double>(envelope_bytes) / 1e6;
  state.counters["wire_up_MB"] = up / 1e6;
  state.counters["wire_down_MB"] = down / 1e6;
  state.counters["http_up_MB"] = static_cast<double>(g.bytes_up) / 1e6;
  state.counters["http_down_MB"] = static_cast<double>(g.bytes_down) / 1e6;
  // The link's own limit for those bytes: 1 Mbit/s per direction, directions in parallel.
  state.counters["link_limit_s"] = std::max(up, down) * 8 / 1e6;
  state.SetLabel(s.link->netem ? "netem 1mbit/100ms/1%" : "tbf 1mbit + iptables 1% + 50ms delay line each way");
  std::printf("%s", rep.summary().c_str());
}
BENCHMARK(BM_SyncOverShapedLink)->Iterations(1)->UseRealTime()->Unit(benchmark::kSecond);

}  // namespace

BENCHMARK_MAIN();
