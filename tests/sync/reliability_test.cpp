// Reliability suite (issue 13) on the real store and real processes: power cuts (SIGKILL of the
// terminal's writer and balie-syncd together) at random moments across signing, consent, dossier feed
// and sync passes; and many records through balie-faultproxy with every fault at once. The short mode
// runs in the regular test command; the long mode (1,000 power cuts, 10,000 records) is
//   BALIE_RELIABILITY_LONG=1 build/default/tests/sync/sync_reliability_test
// (figures in RELIABILITY.md). BALIE_RELIABILITY_SEED fixes the random choices.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <map>
#include <random>
#include <set>
#include <sstream>

#include "harness.h"

using namespace balie;
using namespace balie::test;
using nlohmann::json;

namespace {

bool long_mode() { return std::getenv("BALIE_RELIABILITY_LONG") != nullptr; }

unsigned seed_from_env() {
  if (const char* e = std::getenv("BALIE_RELIABILITY_SEED")) return static_cast<unsigned>(std::strtoul(e, nullptr, 10));
  return static_cast<unsigned>(std::random_device{}());
}

// Every record id the receiver holds, with how many times it holds it.
std::map<std::string, int> receiver_ids(const Inbox& ib) {
  std::map<std::string, int> n;
  for (const auto& r : ib.records()) ++n[r["record_id"].get<std::string>()];
  return n;
}

// Every record the terminal has ever committed (records still kept, plus tombstones of acknowledged ones).
std::set<std::string> terminal_ids(KioskStore& st) {
  std::set<std::string> ids;
  for (auto state : {store::OutboxState::Pending, store::OutboxState::Held, store::OutboxState::Failed,
                     store::OutboxState::Acknowledged}) {
    auto l = st.store().list_outbox(state, 1u << 20);
    if (!l.ok()) throw std::runtime_error(l.error().message);
    for (const auto& e : l.value()) ids.insert(e.record_id);
  }
  return ids;
}

// The terminal's writer in a forked child: what the kiosk does when a resident signs or answers a
// consent question (Store::commit_sealed), `count` times with short random pauses. After each commit
// returns it writes "C <id>" to `fd`: from that moment the kiosk would show "saved".
[[noreturn]] void writer_main(const Kiosk& k, const std::vector<std::string>& residents, int count, int pause_ms,
                              unsigned seed, int fd) {
  std::mt19937 rng(seed);
  int code = 0;
  try {
    auto st = k.open();
    for (int i = 0; i < count; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(rng() % (pause_ms + 1)));
      const std::string& who = residents[rng() % residents.size()];
      auto cur = st->store().resident(who);
      if (!cur.ok() || !cur.value()) throw std::runtime_error("resident " + who + " missing");
      store::RecordDraft d;
      const bool consent = rng() % 2 == 0;
      d.kind = consent ? "consent.gegevens_delen" : "pvt.ondertekend";
      d.resident_id = who;
      d.text_version_id = Kiosk::kTextVersion;
      d.decision = consent ? (rng() % 2 ? "given" : "withdrawn") : "signed";
      d.device_id = k.pki->device_id;
      d.expected_gemeentecode = cur.value()->gemeentecode;
      d.public_json = json{{"resident_id", who}}.dump();
      d.sensitive = json{{"resident_id", who}, {"bsn", "999990019"}, {"handtekening_png_b64", random_b64(600)}}.dump();
      auto r = st->store().commit_sealed(d, k.pki->device);
      if (!r) throw std::runtime_error("commit_sealed: " + r.error().message);
      std::string line = "C " + r.value().record_id + "\n";
      if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(4);
    }
  } catch (const std::exception& e) {
    std::string line = std::string("E ") + e.what() + "\n";
    (void)!::write(fd, line.data(), line.size());
    code = 3;
  }
  _exit(code);
}

}  // namespace

TEST(Reliability, PowerCutsAcrossSigningConsentFeedAndSyncLoseNothingAndDuplicateNothing) {
  const int cuts_wanted = long_mode() ? 1000 : 40;
  const unsigned seed = seed_from_env();
  std::printf("power cuts: %d, BALIE_RELIABILITY_SEED=%u\n", cuts_wanted, seed);
  std::mt19937 rng(seed);

  fs::path work = fresh_dir("powercut");
  Pki pki(work / "pki", {"GM0363", "GM0344"});
  std::map<std::string, std::unique_ptr<Inbox>> inbox;
  // The per-device rate limit is off: 1,000 passes in minutes are not a night (sync_abuse_test covers it).
  InboxOptions io;
  io.extra = {"--rate-limit-per-minute", "0"};
  for (const char* g : {"GM0363", "GM0344"}) inbox[g] = Inbox::start(pki, g, work, io);
  Kiosk k(pki, work, "AZC-TER-APEL", json{{"batch_max_records", 8}, {"max_retries", 1}, {"backoff_base_ms", 20}});
  {
    auto st = k.open();
    for (auto& [g, ib] : inbox) ASSERT_TRUE(st->put_route(route_for(pki, *ib)));
  }

  // Residents arrive through the municipalities' feeds. "s*" residents sign and consent and are never
  // purged; "f*" residents come and go with the feed (upserts and SS106 purges during the cuts).
  std::vector<std::string> signers;
  std::map<std::string, std::string> expected_present;  // feed resident -> gemeentecode
  std::set<std::string> expected_purged;
  int feed_pages = 0, next_feed = 0;
  auto import = [&](const std::string& g, const json& items) {
    fs::path f = work / ("feed-" + std::to_string(feed_pages++) + ".json");
    spit(f, json{{"residents", items}}.dump());
    std::string out;
    ASSERT_EQ(run({bin("balie-inbox").string(), "import-dossiers", "--db", inbox[g]->db.string(), "--db-key-file", inbox_key(inbox[g]->db.string()), "--gemeentecode", g,
                   "--file", f.string()}, &out), 0) << out;
  };
  for (const char* g : {"GM0363", "GM0344"}) {
    json items = json::array();
    for (int i = 0; i < 6; ++i) {
      std::string id = std::string("s-") + g + "-" + std::to_string(i);
      signers.push_back(id);
      items.push_back({{"resident_id", id}, {"locatiecode", "AZC-TER-APEL"}, {"dossier", feed_dossier(id, g, "AZC-TER-APEL")}});
    }
    {  // COA delivers the residents and their link first (a municipality's feed never creates one)
      auto st = k.open();
      std::vector<std::string> ids(signers.end() - 6, signers.end());
      k.coa_residents(*st, g, ids);
    }
    import(g, items);
  }
  std::string out;
  ASSERT_EQ(k.sync_once(&out), 0) << out;
  // The cuts land uniformly over 2.5 clean passes (a pass beside a writer is slower), so every phase
  // of a pass (start, routing proof, push, acknowledgements, feed pages) is cut, and some finish.
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(k.sync_once(&out), 0) << out;
  const int pass_ms = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count());
  const int cut_window_ms = std::max(300, pass_ms * 5 / 2);
  std::printf("power cuts: a clean pass takes %d ms; cuts within %d ms\n", pass_ms, cut_window_ms);

  std::set<std::string> confirmed;
  int cuts = 0, cuts_during_writes = 0, cuts_during_sync = 0, passes_finished = 0, writer_errors = 0;
  for (int it = 0; cuts < cuts_wanted; ++it) {
    // A municipality publishes a feed page now and then: new residents and an SS106 purge.
    if (it % 4 == 0) {
      const std::string g = rng() % 2 ? "GM0363" : "GM0344";
      json items = json::array();
      std::vector<std::string> arrived;
      for (int j = 0; j < 2; ++j) {
        std::string id = "f-" + std::to_string(next_feed++);
        items.push_back({{"resident_id", id}, {"locatiecode", "AZC-TER-APEL"}, {"dossier", feed_dossier(id, g, "AZC-TER-APEL")}});
        expected_present[id] = g;
        arrived.push_back(id);
      }
      {  // COA delivered them first (no writer runs between rounds)
        auto st = k.open();
        k.coa_residents(*st, g, arrived);
      }
      for (auto& [id, at] : expected_present) {
        if (at == g && rng() % 3 == 0) {
          items.push_back({{"resident_id", id}, {"locatiecode", "AZC-TER-APEL"}, {"purge", "SS106"}});
          expected_purged.insert(id);
          expected_present.erase(id);
          break;
        }
      }
      import(g, items);
    }

    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const int to_write = static_cast<int>(rng() % 7);  // 0..6 signings/consents this round
    const unsigned child_seed = static_cast<unsigned>(rng());
    pid_t writer = ::fork();
    ASSERT_GE(writer, 0);
    if (writer == 0) {
      ::close(fds[0]);
      writer_main(k, signers, to_write, cut_window_ms / 6, child_seed, fds[1]);
    }
    ::close(fds[1]);
    Proc syncd({bin("balie-syncd").string(), "--config", k.config.string(), "--once"}, work / "syncd.log");

    // The power cut: both processes die at the same random moment.
    std::this_thread::sleep_for(std::chrono::milliseconds(10 + rng() % static_cast<unsigned>(cut_window_ms)));
    int st = 0;
    const bool writer_alive = ::waitpid(writer, &st, WNOHANG) == 0;
    const bool syncd_alive = syncd.wait(std::chrono::milliseconds(0)) == -1;
    ::kill(writer, SIGKILL);
    syncd.signal(SIGKILL);
    if (writer_alive) ::waitpid(writer, &st, 0);
    syncd.wait(std::chrono::seconds(10));
    if (writer_alive || syncd_alive) ++cuts;
    cuts_during_writes += writer_alive;
    cuts_during_sync += syncd_alive;
    passes_finished += !syncd_alive;

    std::string report;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) report.append(buf, static_cast<std::size_t>(n));
    ::close(fds[0]);
    std::istringstream lines(report);
    std::string tag, rest;
    while (lines >> tag && std::getline(lines, rest)) {
      if (tag == "C") confirmed.insert(rest.substr(1));
      if (tag == "E") {
        ++writer_errors;
        ADD_FAILURE() << "writer failed (not a kill):" << rest;
      }
    }

    // After every 20th cut (and at the end) the terminal's store is checked as a rebooted kiosk opens it.
    if (it % 20 == 19) {
      auto s = k.open();
      auto ic = s->store().integrity_check();
      ASSERT_TRUE(ic.ok()) << ic.error().message;
      ASSERT_TRUE(ic.value().empty()) << "integrity: " << ic.value().front() << " (seed " << seed << ")";
      auto av = s->store().verify_audit();
      ASSERT_TRUE(av.ok() && av.value().ok) << "audit chain broken after cut " << cuts << " (seed " << seed << ")";
      auto have = terminal_ids(*s);
      for (const auto& id : confirmed) ASSERT_TRUE(have.count(id)) << "confirmed record " << id << " lost (seed " << seed << ")";
      for (auto& [g, ib] : inbox)
        for (auto& [id, times] : receiver_ids(*ib)) ASSERT_EQ(times, 1) << id << " stored twice at " << g;
    }
  }
  std::printf("power cuts: %d (%d during writes, %d during sync passes, %d passes finished first), %zu confirmed "
              "records, %d feed pages\n",
              cuts, cuts_during_writes, cuts_during_sync, passes_finished, confirmed.size(), feed_pages);
  EXPECT_EQ(writer_errors, 0);
  EXPECT_GT(cuts_during_writes, cuts_wanted / 4);
  EXPECT_GT(cuts_during_sync, cuts_wanted / 4);

  // Records delivered while the power kept failing (so cuts hit acknowledgements, not only starts).
  std::size_t before_clean = 0;
  for (auto& [g, ib] : inbox) before_clean += receiver_ids(*ib).size();
  std::printf("power cuts: %zu records reached a municipality between the cuts\n", before_clean);
  EXPECT_GT(before_clean, confirmed.size() / 4);

  // Power back for good: clean passes deliver everything, exactly once, to the addressee only.
  // Done when a pass ends clean (exit 0: every municipality reached, every feed page applied) and
  // every record is acknowledged.
  int passes = 0, rc = -1;
  for (; passes < 20; ++passes) {
    rc = k.sync_once(&out);
    auto s = k.open();
    bool done = rc == 0;
    for (const auto& id : terminal_ids(*s)) done = done && *s->outbox_state(id) == "acknowledged";
    if (done) break;
    std::printf("power cuts: clean pass %d exit %d:\n%s", passes + 1, rc, out.c_str());
  }
  std::printf("power cuts: drained in %d clean passes\n", passes + 1);
  EXPECT_EQ(rc, 0) << out;
  auto s = k.open();
  auto ic = s->store().integrity_check();
  ASSERT_TRUE(ic.ok() && ic.value().empty());
  auto all = terminal_ids(*s);
  for (const auto& id : confirmed) EXPECT_TRUE(all.count(id)) << "confirmed record lost: " << id;
  std::map<std::string, int> received;
  for (auto& [g, ib] : inbox)
    for (auto& [id, times] : receiver_ids(*ib)) {
      EXPECT_EQ(times, 1) << id << " stored twice at " << g;
      EXPECT_EQ(received.count(id), 0u) << id << " reached two municipalities";
      received[id] += times;
    }
  std::set<std::string> received_ids;
  for (auto& [id, times] : received) received_ids.insert(id);
  EXPECT_EQ(received_ids, all) << "every committed record (confirmed or cut just after commit) arrives once";
  for (const auto& id : all) EXPECT_EQ(*s->outbox_state(id), "acknowledged") << id;
  // The feed converged: every resident still published is here, every purged one is gone.
  for (auto& [id, g] : expected_present) EXPECT_NE(*s->dossier(g, id), "") << id << " missing after the feed";
  for (const auto& id : expected_purged) {
    auto r = s->store().resident(id);
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r.value().has_value()) << id << " was purged by its municipality but is still on the terminal";
  }
}

TEST(Reliability, ManyRecordsThroughEveryFaultAtOnceArriveExactlyOnceAndNoneStrand) {
  const int records = long_mode() ? 10000 : 150;
  const unsigned seed = seed_from_env();
  std::printf("fault proxy: %d records, BALIE_RELIABILITY_SEED=%u\n", records, seed);
  std::mt19937 rng(seed);
  fs::path work = fresh_dir("manyfaults");
  Pki pki(work / "pki", {"GM0363"});
  InboxOptions io;
  // The per-device rate limit is off here: 200 passes in minutes are not a night (sync_abuse_test
  // covers the limit).
  io.extra = {"--chaos-500-every", "7", "--chaos-duplicate-acks", "--rate-limit-per-minute", "0"};
  auto ib = Inbox::start(pki, "GM0363", work, io);
  fs::path pf = work / "proxy.port";
  Proc proxy({testbin("balie-faultproxy").string(), "--target-port", std::to_string(ib->port), "--port-file", pf.string(),
              "--seed", std::to_string(seed % 100000), "--cut-request", "0.3", "--cut-response", "0.3", "--slow", "0.3",
              "--slow-delay-ms", "2"},
             work / "proxy.log");
  for (int i = 0; i < 500 && !fs::exists(pf); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(fs::exists(pf)) << slurp(work / "proxy.log");
  Kiosk k(pki, work, "AZC-TER-APEL",
          json{{"batch_max_records", 25}, {"max_retries", 2}, {"backoff_base_ms", 10}, {"low_speed_time_s", 3},
               {"total_timeout_s", 30}});
  std::set<std::string> ids;
  {
    auto st = k.open();
    auto r = route_for(pki, *ib);
    r.endpoint_base_url = "https://127.0.0.1:" + trim(slurp(pf));
    ASSERT_TRUE(st->put_route(r));
  }
  // Residents sign in rounds with a sync pass after each (the proxy decides its faults per
  // connection, so every pass brings new ones). The terminal's clock steps while they sign: back an
  // hour, back ten minutes, on again. Chain order then differs from time order; the receiver must
  // still get each device chain in order, and no record may end up failed.
  const int rounds = long_mode() ? 200 : 20;
  const std::time_t now = std::time(nullptr);
  const std::time_t steps[] = {0, -3600, -600, -1800, 0, -60};
  std::string out;
  int passes = 0, made = 0;
  auto check_none_failed = [&](KioskStore& st) {
    for (const auto& id : ids) {
      auto state = *st.outbox_state(id);
      if (state == "failed") return ::testing::AssertionFailure() << id << " stranded as failed: " << out;
    }
    return ::testing::AssertionSuccess();
  };
  for (int round = 0; round < rounds; ++round) {
    {
      auto st = k.open();
      for (const int until = records * (round + 1) / rounds; made < until; ++made) {
        std::time_t when = now + steps[(made / 7) % 6] + made % 7;
        ids.insert(k.add_record(*st, "GM0363", "r" + std::to_string(rng() % 40), when, 300));
      }
    }
    ++passes;
    k.sync_once(&out, 600);
    auto st = k.open();
    ASSERT_TRUE(check_none_failed(*st));
  }
  bool drained = false;
  for (int extra = 0; !drained && extra < 40; ++extra) {
    ++passes;
    k.sync_once(&out, 600);
    auto st = k.open();
    ASSERT_TRUE(check_none_failed(*st));
    drained = true;
    for (const auto& id : ids) drained = drained && *st->outbox_state(id) == "acknowledged";
  }
  std::printf("fault proxy: %d records drained in %d passes\n", records, passes);
  ASSERT_TRUE(drained) << out;
  auto got = receiver_ids(*ib);
  EXPECT_EQ(got.size(), ids.size());
  for (auto& [id, times] : got) {
    EXPECT_EQ(times, 1) << id;
    EXPECT_TRUE(ids.count(id)) << id;
  }
  // The faults really happened (proxy log: one line per connection, "fault 1" cut request,
  // "fault 2" cut response, "fault 3" slow).
  std::string log = slurp(work / "proxy.log");
  auto count = [&](const std::string& needle) {
    std::size_t n = 0;
    for (auto p = log.find(needle); p != std::string::npos; p = log.find(needle, p + 1)) ++n;
    return n;
  };
  std::printf("fault proxy: %zu connections: %zu requests cut, %zu responses cut, %zu slow\n", count("conn "),
              count("fault 1"), count("fault 2"), count("fault 3"));
  EXPECT_GT(count("fault 1"), 0u);
  EXPECT_GT(count("fault 2"), 0u);
}
