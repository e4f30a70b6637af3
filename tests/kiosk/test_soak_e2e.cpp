// Soak test of the real balie-kiosk under Xvfb (issue 13, reliability suite): one kiosk process runs
// many scripted sessions on the scripted clock (tests/kiosk/scripts/soak_sessions.balie in repeat
// blocks) and stops itself (`pause`) every N sessions; the test then reads its RSS, open fds and
// threads and scans all its writable memory for every demo resident and the staff PIN (item 5).
// Short mode (regular test run): 50 sessions, checks every 10, warm-up 20. Long mode:
// BALIE_SOAK_LONG=1 runs 10,000 sessions with checks every 100, warm-up 100. BALIE_SOAK_SESSIONS,
// BALIE_SOAK_EVERY and BALIE_SOAK_WARMUP override these. Growth is measured from the first check at
// or after the warm-up (caches, the glyph atlas and the allocator's pools fill in the first sessions).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "kiosk_process.h"
#include "memory_scan.h"

using namespace balie::kiosk::testing;
namespace fs = std::filesystem;

namespace {

long env_long(const char* name, long fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtol(v, nullptr, 10) : fallback;
}

// The state letter of /proc/PID/stat ('T' = stopped), or 0 when the process is gone.
struct Checkpoint {
  long sessions = 0;
  ProcessFigures figures;
  size_t hits = 0;
  std::string hit_summary;
};

}  // namespace

class SoakE2E : public KioskProcessTest {};

TEST_F(SoakE2E, SessionsKeepRssFdsAndThreadsFlatAndLeaveNoPersonalData) {
  const bool long_mode = env_long("BALIE_SOAK_LONG", 0) == 1;
  const long sessions = env_long("BALIE_SOAK_SESSIONS", long_mode ? 10000 : 50);
  const long every = env_long("BALIE_SOAK_EVERY", long_mode ? 100 : 10);
  const long warmup = env_long("BALIE_SOAK_WARMUP", long_mode ? 100 : 20);
  ASSERT_TRUE(every >= 2 && every % 2 == 0 && sessions % every == 0 && warmup >= every && warmup < sessions)
      << "BALIE_SOAK_EVERY must be even and divide BALIE_SOAK_SESSIONS; the warm-up must end before the last check";

  // Seed the store first (first run), so the soak starts on a normal start.
  const fs::path noop = dir_ / "noop.balie";
  std::ofstream(noop) << "wait-scene welcome\n";
  ASSERT_EQ(run_process({kiosk_binary(), "--windowed", "1280x800", "--script", noop.string()}, kiosk_env(),
                        std::chrono::seconds(120))
                .exit_code,
            0);

  std::ifstream body_file(scripts_dir() + "/soak_sessions.balie");
  std::stringstream body;
  body << body_file.rdbuf();
  ASSERT_FALSE(body.str().empty());
  const fs::path script = dir_ / "soak.balie";
  {
    std::ofstream f(script);
    f << "wait-scene welcome\nrepeat " << sessions / every << "\nrepeat " << every / 2 << "\n"
      << body.str() << "\nend-repeat\npause\nend-repeat\n";
  }

  const auto needles = demo_personal_needles(std::string(BALIE_SOURCE_DIR) + "/assets/demo/demo.json");
  pid_t pid = -1;
  RunResult r;
  const auto limit = std::chrono::seconds(300 + 30 * sessions);
  std::thread t([&] {
    r = run_process({kiosk_binary(), "--windowed", "1280x800", "--clock-start", "2026-03-02T09:30:00Z", "--script",
                     script.string()},
                    kiosk_env(), limit, &pid);
  });
  while (pid <= 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));

  std::vector<Checkpoint> checks;
  const auto started = std::chrono::steady_clock::now();
  for (long done = every; done <= sessions; done += every) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60 + 30 * every);
    char st = process_state(pid);
    while (st != 'T' && st != 0 && st != 'Z' && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      st = process_state(pid);
    }
    if (st != 'T') {
      ADD_FAILURE() << "the kiosk did not reach the check after " << done << " sessions (state '" << st << "')";
      break;
    }
    Checkpoint c;
    c.sessions = done;
    // Scan first: reading /proc/PID/mem makes the kernel populate every page it reads (the threads'
    // whole 8 MB stacks included), so figures read before the first scan are ~70 MB lower than all
    // later ones. Read after the scan, every check counts the same pages.
    const MemoryScan scan = scan_process_memory(pid, needles);
    c.figures = process_figures(pid);
    EXPECT_TRUE(scan.opened);
    EXPECT_GT(scan.scanned, 1u << 20);
    c.hits = scan.hits.size();
    c.hit_summary = scan.summary();
    checks.push_back(c);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("soak: %5ld sessions  RSS %6ld kB (anon %ld, file %ld, shmem %ld)  fds %3d  threads %2d  memory hits %zu  (%.0f s)\n",
                c.sessions, c.figures.rss_kb, c.figures.rss_anon_kb, c.figures.rss_file_kb, c.figures.rss_shmem_kb,
                c.figures.fds, c.figures.threads, c.hits, secs);
    std::fflush(stdout);
    kill(pid, SIGCONT);
    for (int i = 0; i < 500 && process_state(pid) == 'T'; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  t.join();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(checks.size(), static_cast<size_t>(sessions / every));

  const Checkpoint& warm = *std::find_if(checks.begin(), checks.end(), [&](const Checkpoint& c) { return c.sessions >= warmup; });
  long max_rss = warm.figures.rss_kb;
  for (const auto& c : checks) {
    EXPECT_EQ(c.hits, 0u) << "personal data in memory after " << c.sessions << " sessions:\n" << c.hit_summary;
    if (c.sessions < warm.sessions) continue;
    EXPECT_EQ(c.figures.fds, warm.figures.fds) << "open fds changed after " << c.sessions << " sessions";
    EXPECT_EQ(c.figures.threads, warm.figures.threads) << "threads changed after " << c.sessions << " sessions";
    max_rss = std::max(max_rss, c.figures.rss_kb);
  }
  EXPECT_LT(max_rss - warm.figures.rss_kb, 2048) << "RSS grew from " << warm.figures.rss_kb << " kB (after "
                                                 << warm.sessions << " sessions) to " << max_rss << " kB";
  std::printf("soak: %ld sessions, RSS after warm-up (%ld sessions) %ld kB, highest %ld kB (growth %ld kB), fds %d, threads %d\n",
              sessions, warm.sessions, warm.figures.rss_kb, max_rss, max_rss - warm.figures.rss_kb, warm.figures.fds,
              warm.figures.threads);
}
