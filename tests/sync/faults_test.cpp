// Fault tests: balie-syncd -> balie-faultproxy -> balie-inbox on loopback. Connections cut
// mid-request and mid-response, slow responses, 500s after storing and duplicated ack entries
// (balie-inbox --chaos-*), and SIGKILL of balie-syncd during a pass, repeated. After the faults
// stop, every record is acknowledged exactly once at the kiosk and stored exactly once at the
// receiver. BALIE_SYNC_LONG=1 multiplies the iterations (see sync/README.md).
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "harness.h"

using namespace balie;
using namespace balie::test;
using nlohmann::json;

namespace {

int scale() { return std::getenv("BALIE_SYNC_LONG") ? 10 : 1; }

struct FaultEnv {
  fs::path work;
  std::unique_ptr<Pki> pki;
  std::unique_ptr<Inbox> inbox;
  Proc proxy;
  int proxy_port = 0;
  std::unique_ptr<Kiosk> kiosk;
  std::set<std::string> ids;

  FaultEnv(const std::string& name, const std::vector<std::string>& inbox_extra,
           const std::vector<std::string>& proxy_args, int records, std::size_t padding = 2000) {
    work = fresh_dir(name);
    pki = std::make_unique<Pki>(work / "pki", std::vector<std::string>{"GM0363"});
    InboxOptions io;
    io.extra = inbox_extra;
    inbox = Inbox::start(*pki, "GM0363", work, io);
    fs::path pf = work / "proxy.port";
    std::vector<std::string> argv = {testbin("balie-faultproxy").string(), "--target-port",
                                     std::to_string(inbox->port), "--port-file", pf.string()};
    argv.insert(argv.end(), proxy_args.begin(), proxy_args.end());
    proxy = Proc(argv, work / "proxy.log");
    for (int i = 0; i < 500 && !fs::exists(pf); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    proxy_port = std::stoi(slurp(pf));
    kiosk = std::make_unique<Kiosk>(*pki, work, "AZC-TER-APEL",
                                    json{{"batch_max_records", 10}, {"max_retries", 2}, {"backoff_base_ms", 20},
                                         {"low_speed_time_s", 3}, {"total_timeout_s", 20}});
    auto st = kiosk->open();
    auto r = route_for(*pki, *inbox);
    r.endpoint_base_url = "https://127.0.0.1:" + std::to_string(proxy_port);
    EXPECT_TRUE(st->put_route(r));
    for (int i = 0; i < records; ++i) ids.insert(kiosk->add_record(*st, "GM0363", "r" + std::to_string(i), 0, padding));
  }

  // Passes until everything is acknowledged (bounded).
  int drain(int max_passes) {
    for (int p = 1; p <= max_passes; ++p) {
      std::string out;
      kiosk->sync_once(&out, 120);
      if (all_acknowledged()) return p;
    }
    return -1;
  }
  bool all_acknowledged() {
    auto st = kiosk->open();
    for (const auto& id : ids)
      if (*st->outbox_state(id) != "acknowledged") return false;
    return true;
  }
  void expect_exactly_once() {
    auto recs = inbox->records();
    std::multiset<std::string> got;
    for (const auto& r : recs) got.insert(r["record_id"].get<std::string>());
    EXPECT_EQ(got.size(), ids.size());
    EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), ids);
    EXPECT_TRUE(all_acknowledged());
  }
};

}  // namespace

TEST(Faults, CutRequestsAndResponsesAndSlowBodiesLoseNothingAndDuplicateNothing) {
  // The proxy draws one fault per connection from the seed. Seed 19 puts two request cuts and two
  // response cuts in the first four connections (seed 7 relied on extra connections from a failing
  // TLS session resumption, fixed in balie-inbox).
  FaultEnv env("cuts", {}, {"--seed", "19", "--cut-request", "0.25", "--cut-response", "0.25", "--slow", "0.2",
                            "--slow-delay-ms", "5"},
               60 * scale());
  int passes = env.drain(40 * scale());
  std::printf("cuts: drained in %d passes\n", passes);
  EXPECT_GT(passes, 0) << "not drained; proxy log:\n" << slurp(env.work / "proxy.log").substr(0, 2000);
  env.expect_exactly_once();
  // The faults really happened: several connections were cut each way.
  std::string log = slurp(env.work / "proxy.log");
  auto count = [&](const std::string& needle) {
    std::size_t n = 0;
    for (auto p = log.find(needle); p != std::string::npos; p = log.find(needle, p + 1)) ++n;
    return n;
  };
  EXPECT_GE(count("fault 1"), 2u) << log;
  EXPECT_GE(count("fault 2"), 2u) << log;
}

TEST(Faults, ServerErrorsAfterStoringAndDuplicatedAcksAreHandledIdempotently) {
  FaultEnv env("chaos", {"--chaos-500-every", "2", "--chaos-duplicate-acks"}, {}, 45 * scale());
  int passes = env.drain(20 * scale());
  EXPECT_GT(passes, 0);
  env.expect_exactly_once();
  EXPECT_NE(slurp(env.inbox->dir / "inbox.log").find("listening"), std::string::npos);
}

TEST(Faults, SigkillOfSyncdDuringPassesIsResumedWithoutLossOrDuplicates) {
  FaultEnv env("sigkill", {}, {"--seed", "3", "--slow", "1.0", "--slow-delay-ms", "10"}, 40 * scale(), 4000);
  std::mt19937 rng(11);
  int kills = 0;
  for (int i = 0; i < 8 * scale() && !env.all_acknowledged(); ++i) {
    Proc p({bin("balie-syncd").string(), "--config", env.kiosk->config.string(), "--once"}, env.work / "syncd.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(200, 2000)(rng)));
    if (p.wait(std::chrono::milliseconds(0)) == -1) {
      p.signal(SIGKILL);
      p.wait(std::chrono::seconds(10));
      ++kills;
    }
  }
  EXPECT_GT(kills, 3);
  EXPECT_FALSE(env.all_acknowledged()) << "the kills did not interrupt the work; make the link slower";
  std::size_t acked_before = 0;
  {
    auto st = env.kiosk->open();
    for (const auto& id : env.ids) acked_before += *st->outbox_state(id) == "acknowledged";
  }
  std::printf("sigkill: %d kills, %zu of %zu acknowledged before the clean passes\n", kills, acked_before,
              env.ids.size());
  int passes = env.drain(20);
  EXPECT_GT(passes, 0);
  env.expect_exactly_once();
}
