// balie-inbox storage throughput (issue 17 item 1): records stored per second through InboxDb on each
// backend of the SQL port, a SQLCipher file in a temporary folder and a private PostgreSQL cluster
// (tests/coa/pg_cluster.h; fsync off, as the coa bench). Records are sealed and parsed before the
// clock starts; what is timed is store_batch (lookups, chain checks, sealing the sensitive column,
// insert, commit). Run: build/default/bench/sync/bench_inbox_storage [--records N] [--batch B]
// --memory N: the receiver's memory with N stored records (SQLCipher; records made batch by batch, then
// a fresh InboxDb does the receiver's reads: chain head, the change feed paged through, the chain check).
#include <sodium.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "balie/record/codec.h"
#include "balie/record/envelope.h"
#include "inbox_db.h"
#include "pg_cluster.h"

namespace fs = std::filesystem;
using namespace balie;

namespace {

struct Device {
  std::string id;
  record::SigningKey key = record::SigningKey::generate();
  record::ChainHead head;
};

std::vector<inbox::IncomingRecord> make_records(Device& d, int n, const record::BoxKey& box, int base) {
  std::vector<inbox::IncomingRecord> v;
  const std::string sig(6000, 'S');  // signature dynamics: a few KB per record, like the kiosk's
  for (int i = 0; i < n; ++i) {
    char id[40];
    std::snprintf(id, sizeof id, "3f2b8c1e-0d4a-4b6e-9c7f-%012d", base + i);
    const std::string sens = nlohmann::json{{"resident_id", "r" + std::to_string(i)}, {"bsn", "999990019"},
                                            {"datumOndertekeningPvt", "2026-03-02"}, {"handtekening", sig}}
                                 .dump();
    record::RecordInput in{id, "pvt.ondertekend", "GM0363", d.id, 1700000000 + i, "{}", sens};
    auto s = record::seal_record(in, d.key, box.public_key, d.head);
    d.head = s->next;
    v.push_back({*record::parse_envelope(s->envelope), sens});
  }
  return v;
}

double run(inbox::InboxDb& db, const std::vector<inbox::IncomingRecord>& recs, int batch,
           const record::SigningKey& signer) {
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < recs.size(); i += static_cast<std::size_t>(batch)) {
    std::vector<inbox::IncomingRecord> b(recs.begin() + static_cast<long>(i),
                                         recs.begin() + static_cast<long>(std::min(recs.size(), i + batch)));
    auto r = db.store_batch(b, signer, 1700000100);
    if (!r) {
      std::fprintf(stderr, "store_batch: %s\n", r.error().message.c_str());
      std::exit(1);
    }
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// VmRSS and VmHWM of this process (kB), from /proc/self/status.
std::pair<long, long> rss_kb() {
  std::ifstream f("/proc/self/status");
  long rss = 0, hwm = 0;
  for (std::string line; std::getline(f, line);) {
    if (line.rfind("VmRSS:", 0) == 0) rss = std::atol(line.c_str() + 6);
    if (line.rfind("VmHWM:", 0) == 0) hwm = std::atol(line.c_str() + 6);
  }
  return {rss, hwm};
}

int memory(int n, int batch, const record::Key32& key, const record::SigningKey& signer, const record::BoxKey& box) {
  const fs::path dir = fs::temp_directory_path() / ("balie-inbox-mem-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    auto db = inbox::InboxDb::open((dir / "inbox.db").string(), key, "GM0363");
    if (!db) return std::fprintf(stderr, "%s\n", db.error().message.c_str()), 1;
    Device d{"T-A"};
    for (int i = 0; i < n; i += batch) run(**db, make_records(d, std::min(batch, n - i), box, i), batch, signer);
  }
  const auto before = rss_kb();
  // A receiver started on the full database, doing what it does.
  auto db = inbox::InboxDb::open((dir / "inbox.db").string(), key, "GM0363");
  if (!db) return std::fprintf(stderr, "%s\n", db.error().message.c_str()), 1;
  const auto opened = rss_kb();
  if (!(*db)->chain_head("T-A")) return 1;
  std::string cursor = "0";
  std::size_t lines = 0;
  for (;;) {
    auto page = (*db)->export_changes(cursor, 1000, false);
    if (!page) return std::fprintf(stderr, "%s\n", page.error().message.c_str()), 1;
    lines += page->lines.size();
    cursor = std::to_string(page->next_cursor);
    if (!page->more) break;
  }
  const auto fed = rss_kb();
  auto chains = (*db)->check_chains();
  if (!chains) return 1;
  const auto checked = rss_kb();
  std::printf("balie-inbox memory with %d stored records (SQLCipher file %.0f MB):\n", n,
              static_cast<double>(fs::file_size(dir / "inbox.db")) / 1e6);
  std::printf("  process before opening: RSS %ld kB (the bench itself)\n", before.first);
  std::printf("  after open: RSS %ld kB; after the change feed (%zu lines, pages of 1000): RSS %ld kB\n", opened.first,
              lines, fed.first);
  std::printf("  after check-chain: RSS %ld kB, peak %ld kB\n", checked.first, checked.second);
  db->reset();
  fs::remove_all(dir);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int n = 2000, batch = 50, mem = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--records")) n = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--batch")) batch = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--memory")) mem = std::atoi(argv[i + 1]);
  }
  if (sodium_init() < 0 || n <= 0 || batch <= 0) return 2;
  if (mem > 0) {
    const record::Key32 k = record::random_key32();
    return memory(mem, batch, k, record::SigningKey::generate(), record::BoxKey::generate());
  }
  const record::Key32 key = record::random_key32();
  const record::SigningKey signer = record::SigningKey::generate();
  const record::BoxKey box = record::BoxKey::generate();
  std::printf("balie-inbox storage: %d records (~6 KB sensitive part each), batches of %d\n", n, batch);

  const fs::path dir = fs::temp_directory_path() / ("balie-inbox-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    Device d{"T-A"};
    auto recs = make_records(d, n, box, 0);
    auto db = inbox::InboxDb::open((dir / "inbox.db").string(), key, "GM0363");
    if (!db) return std::fprintf(stderr, "%s\n", db.error().message.c_str()), 1;
    const double s = run(**db, recs, batch, signer);
    std::printf("  sqlcipher (WAL, synchronous=FULL):   %8.0f records/s  (%.2f s)\n", n / s, s);
    const double again = run(**db, recs, batch, signer);
    std::printf("  sqlcipher, same records again (dups): %7.0f records/s\n", n / again);
  }
  fs::remove_all(dir);

  coa::testing::PgCluster pg;
  if (!pg.ok()) return std::fprintf(stderr, "PostgreSQL: %s\n", pg.error().c_str()), 1;
  pg.psql("CREATE DATABASE inbox");
  {
    Device d{"T-A"};
    auto recs = make_records(d, n, box, 0);
    auto db = inbox::InboxDb::open(inbox::StorageConfig{"", pg.conninfo("inbox")}, key, "GM0363");
    if (!db) return std::fprintf(stderr, "%s\n", db.error().message.c_str()), 1;
    const double s = run(**db, recs, batch, signer);
    std::printf("  postgresql (SERIALIZABLE, fsync off): %7.0f records/s  (%.2f s)\n", n / s, s);
    // Two receiver instances, two devices, at the same time.
    Device d2{"T-B"}, d3{"T-C"};
    auto r2 = make_records(d2, n, box, 1000000), r3 = make_records(d3, n, box, 2000000);
    auto db2 = inbox::InboxDb::open(inbox::StorageConfig{"", pg.conninfo("inbox")}, key, "GM0363");
    const auto t0 = std::chrono::steady_clock::now();
    std::thread t([&] { run(**db, r2, batch, signer); });
    run(**db2, r3, batch, signer);
    t.join();
    const double both = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("  postgresql, two instances at once:    %7.0f records/s in total\n", 2 * n / both);
  }
  return 0;
}
