// Crash-safety harness of the record store (tests/store/): a child process commits records (and
// acknowledges some) in a loop and is killed with SIGKILL at a random moment, also while creating
// and migrating a fresh file. After every kill: integrity_check is ok, every write the child saw
// return success is present, and no half record exists (record without outbox entry, payload
// without hash match, acknowledged entry with payload, ...).
// Iterations: 250 by default; BALIE_CRASH_ITERATIONS=<n> for the long mode (store/README.md).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "balie/store/store.h"
#include "store_test_util.h"

namespace balie::store::test {
namespace {

void write_line(int fd, const std::string& line) {
  std::string l = line + "\n";
  std::size_t off = 0;
  while (off < l.size()) {
    ssize_t n = ::write(fd, l.data() + off, l.size() - off);
    if (n <= 0) ::_exit(3);
    off += static_cast<std::size_t>(n);
  }
}

// Runs in the child; never returns.
[[noreturn]] void child_main(const fs::path& db, const std::array<std::uint8_t, 32>& key, int fd, unsigned seed) {
  std::mt19937 rng(seed);
  auto opened = Store::open(db, key);
  if (!opened.ok()) ::_exit(10);
  auto& s = *opened.value();
  if (!s.put_text_version(test_text()).ok()) ::_exit(11);
  auto rd = marker_resident("crash-" + std::to_string(seed % 3), "CR" + std::to_string(seed % 3));
  if (!s.upsert_resident(rd).ok()) ::_exit(12);
  ensure_route(s, rd.resident.gemeentecode);
  (void)test_device();
  write_line(fd, "S -");  // set up: from here on every step writes records
  std::vector<std::string> mine;
  for (int op = 0; op < 400; ++op) {
    auto d = draft_for(rd.resident.id, 64 + rng() % 6000, static_cast<std::uint8_t>(rng()));
    d.kind = (op % 2 == 0) ? "pvt_declaration" : "consent";
    // Every commit seals, signs and extends the municipality's chain inside the transaction.
    auto c = commit(s, d);
    if (!c.ok()) ::_exit(13);
    write_line(fd, "C " + c.value().record_id + " " + c.value().payload_sha256);
    mine.push_back(c.value().record_id);
    if (op % 3 == 2) {
      const auto& id = mine[rng() % mine.size()];
      if (!s.store_acknowledgement(id, std::vector<std::uint8_t>{1, 2}, UtcTime(std::chrono::seconds(1800000000))).ok()) {
        ::_exit(14);
      }
      write_line(fd, "A " + id);
    } else if (op % 5 == 4) {
      if (!s.mark_attempt(mine.back(), "simulated timeout").ok()) ::_exit(15);
    }
  }
  ::_exit(0);
}

struct Reported {
  std::map<std::string, std::string> committed;  // id -> sha256
  std::set<std::string> acknowledged;
};

void verify(const fs::path& db, const std::array<std::uint8_t, 32>& key, const Reported& rep, int iteration) {
  SCOPED_TRACE("iteration " + std::to_string(iteration) + " file " + db.filename().string());
  auto opened = Store::open(db, key);
  ASSERT_TRUE(opened.ok()) << to_string(opened.error().code) << ": " << opened.error().message;
  auto& s = *opened.value();
  auto check = s.integrity_check();
  ASSERT_TRUE(check.ok()) << check.error().message;
  ASSERT_TRUE(check.value().empty()) << check.value().front();
  for (const auto& [id, sha] : rep.committed) {
    auto e = s.outbox_entry(id);
    ASSERT_TRUE(e.ok());
    ASSERT_TRUE(e.value().has_value()) << "lost a committed record " << id;
    EXPECT_EQ(e.value()->payload_sha256, sha);
    if (rep.acknowledged.count(id) != 0) {
      EXPECT_EQ(e.value()->state, OutboxState::Acknowledged) << id;
    }
    if (e.value()->state == OutboxState::Acknowledged) {
      EXPECT_TRUE(e.value()->payload.empty());
      auto t = s.tombstone(id);
      ASSERT_TRUE(t.ok() && t.value().has_value()) << "acknowledged without tombstone " << id;
      EXPECT_EQ(t.value()->payload_sha256, sha);
    } else {
      EXPECT_EQ(sha256_hex(e.value()->payload), sha) << "payload does not match its hash " << id;
    }
  }
  opened.value().reset();
  RawDb raw(db, key);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM records r LEFT JOIN outbox o USING (record_id) WHERE o.record_id IS NULL"), 0);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM outbox o LEFT JOIN records r USING (record_id) WHERE r.record_id IS NULL"), 0);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM outbox WHERE state != 'acknowledged' AND (payload IS NULL OR length(payload) = 0)"), 0);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM outbox WHERE state = 'acknowledged' AND payload IS NOT NULL"), 0);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM outbox o LEFT JOIN tombstones t USING (record_id) "
                       "WHERE o.state = 'acknowledged' AND t.record_id IS NULL"), 0);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM tombstones t LEFT JOIN outbox o USING (record_id) "
                       "WHERE o.state IS NOT 'acknowledged'"), 0);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM records r JOIN outbox o USING (record_id) "
                       "WHERE r.payload_sha256 != o.payload_sha256"), 0);
  // Chains: the head equals the highest stored position, and no position is missing or doubled.
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM chain_heads h WHERE h.seq != "
                       "(SELECT max(chain_seq) FROM outbox o WHERE o.addressee = h.gemeentecode)"), 0);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM (SELECT addressee FROM outbox WHERE chain_seq IS NOT NULL "
                       "GROUP BY addressee HAVING count(*) != max(chain_seq) OR count(DISTINCT chain_seq) != count(*))"), 0);
  // The head's hash is the package hash of the envelope at its position (while its payload is kept).
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw.handle(), "SELECT h.package_sha256, h.seq, o.payload FROM chain_heads h JOIN outbox o "
                               "ON o.addressee = h.gemeentecode AND o.chain_seq = h.seq WHERE o.payload IS NOT NULL",
                               -1, &st, nullptr), SQLITE_OK);
  while (sqlite3_step(st) == SQLITE_ROW) {
    const std::string head(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    const std::string payload(static_cast<const char*>(sqlite3_column_blob(st, 2)), sqlite3_column_bytes(st, 2));
    auto env = record::parse_envelope(payload);
    ASSERT_TRUE(env.ok()) << env.error().message;
    EXPECT_EQ(env.value().package_sha256, head);
    EXPECT_EQ(static_cast<std::int64_t>(env.value().seq), sqlite3_column_int64(st, 1));
  }
  sqlite3_finalize(st);
}

TEST(StoreCrash, SigkillAtRandomMomentsLosesNothingThatReturned) {
  int iterations = 250;
  if (const char* env = std::getenv("BALIE_CRASH_ITERATIONS")) iterations = std::max(1, std::atoi(env));
  unsigned seed = static_cast<unsigned>(std::random_device{}());
  if (const char* env = std::getenv("BALIE_CRASH_SEED")) seed = static_cast<unsigned>(std::strtoul(env, nullptr, 10));
  std::printf("crash harness: %d iterations, BALIE_CRASH_SEED=%u\n", iterations, seed);
  std::mt19937 rng(seed);
  TempDir dir;
  auto key = random_key();
  auto main_db = dir / "balie.db";
  Reported main_rep;
  int kills_with_commits = 0;

  for (int i = 0; i < iterations; ++i) {
    // Every 25th iteration kills a child that creates and migrates a brand-new file.
    const bool fresh = i % 25 == 24;
    fs::path db = fresh ? dir / ("fresh-" + std::to_string(i) + ".db") : main_db;
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    unsigned child_seed = static_cast<unsigned>(rng());
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      child_main(db, key, fds[1], child_seed);
    }
    ::close(fds[1]);
    // Fresh files die early (during creation/migration); others 3-45 ms after the child's set-up
    // (opening, text, resident, route: a loaded machine must not spend the whole delay on it).
    std::string out;
    char buf[8192];
    ssize_t n;
    if (!fresh) {
      while (out.find("S -\n") == std::string::npos && (n = ::read(fds[0], buf, sizeof buf)) > 0)
        out.append(buf, static_cast<std::size_t>(n));
    }
    auto delay = std::chrono::microseconds(fresh ? rng() % 8000 : 3000 + rng() % 42000);
    std::this_thread::sleep_for(delay);
    ::kill(pid, SIGKILL);
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFEXITED(status)) {
      ASSERT_EQ(WEXITSTATUS(status), 0) << "child failed before the kill (exit code " << WEXITSTATUS(status) << ")";
    }
    // This iteration's reports are checked now; the whole main history once more at the end.
    Reported now;
    std::istringstream lines(out);
    std::string tag, id, sha;
    int commits = 0;
    while (lines >> tag >> id) {
      if (tag == "S") continue;
      if (tag == "C") {
        lines >> sha;
        now.committed[id] = sha;
        ++commits;
      } else if (tag == "A") {
        now.acknowledged.insert(id);
        // An acknowledged id may come from an earlier iteration: check it now too.
        if (!fresh && now.committed.count(id) == 0 && main_rep.committed.count(id) != 0) {
          now.committed[id] = main_rep.committed[id];
        }
      }
    }
    if (!fresh) {
      main_rep.committed.insert(now.committed.begin(), now.committed.end());
      main_rep.acknowledged.insert(now.acknowledged.begin(), now.acknowledged.end());
    }
    if (commits > 0) ++kills_with_commits;
    verify(db, key, now, i);
    if (::testing::Test::HasFatalFailure() || ::testing::Test::HasNonfatalFailure()) {
      FAIL() << "stopping after the first failing iteration (seed " << seed << ")";
    }
  }
  verify(main_db, key, main_rep, iterations);
  std::printf("crash harness: %zu committed records verified in the main file, %d kills after commits\n",
              main_rep.committed.size(), kills_with_commits);
  EXPECT_GT(kills_with_commits, iterations / 4) << "too few kills landed while the child was writing";
}

// The kiosk and the sync daemon are two processes on one file: a child commits records while the
// parent (in the sync daemon's role) lists, attempts and acknowledges them. Neither may see Busy or
// any other error, and at the end every record is present exactly once.
TEST(StoreConcurrency, KioskAndSyncProcessesShareTheStore) {
  TempDir dir;
  auto key = random_key();
  auto db = dir / "balie.db";
  {
    auto s = open_ok(db, key);
    ASSERT_TRUE(s->put_text_version(test_text()).ok());
    ASSERT_TRUE(s->upsert_resident(marker_resident("k1", "K1", "GM0344")).ok());
  }
  constexpr int kRecords = 150;
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto opened = Store::open(db, key);
    if (!opened.ok()) ::_exit(10);
    for (int i = 0; i < kRecords; ++i) {
      if (!commit(*opened.value(), draft_for("k1", 512)).ok()) ::_exit(11);
      if (!opened.value()->load_dossier("k1").ok()) ::_exit(12);
    }
    ::_exit(0);
  }
  auto s = open_ok(db, key);
  ASSERT_NE(s, nullptr);
  int acked = 0;
  int status = 0;
  bool child_done = false;
  while (!child_done || acked < kRecords) {
    if (!child_done && ::waitpid(pid, &status, WNOHANG) == pid) child_done = true;
    auto pending = s->list_pending("GM0344", 20, 1 << 20);
    ASSERT_TRUE(pending.ok()) << pending.error().message;
    for (const auto& e : pending.value()) {
      ASSERT_TRUE(s->mark_attempt(e.record_id).ok());
      auto a = s->store_acknowledgement(e.record_id, std::vector<std::uint8_t>{1}, e.created_at);
      ASSERT_TRUE(a.ok()) << a.error().message;
      ++acked;
    }
    auto counts = s->outbox_counts();
    ASSERT_TRUE(counts.ok()) << counts.error().message;
    if (child_done && pending.value().empty() && acked < kRecords) break;
    if (pending.value().empty()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the kiosk process hit an error";
  EXPECT_EQ(acked, kRecords);
  EXPECT_EQ(s->records_for("k1").value().size(), static_cast<std::size_t>(kRecords));
  EXPECT_TRUE(s->integrity_check().value().empty());
  EXPECT_TRUE(s->verify_audit().value().ok);
}

}  // namespace
}  // namespace balie::store::test
