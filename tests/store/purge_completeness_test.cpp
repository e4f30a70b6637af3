// Purge completeness (issue 13 item 6) on real SQLCipher files: after a feed purge (SS106), an admin
// purge or an acknowledgement that removes a purged resident's last record, no page of the main file
// or the WAL decrypts to the purged name (both scripts, folded too), V-nummer or BSN, while a
// kiosk-like second connection holds the store open and keeps reading during the purge.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "balie/store/store.h"
#include "store_test_util.h"

namespace balie::store::test {
namespace {

std::vector<std::string> personal_markers(const ResidentDossier& rd) {
  std::vector<std::string> m = {rd.resident.naam_latijns, rd.resident.naam_eigen_schrift, rd.resident.bsn,
                                rd.resident.v_nummer, rd.dossier.contactpersoon->naam};
  auto n = m.size();
  for (std::size_t i = 0; i < n; ++i) {  // the search key stores folded (lower-case) names
    std::string l = m[i];
    for (auto& c : l)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    m.push_back(l);
  }
  // naam_eigen_schrift is "Жщ<tag>Эюя" (marker_resident): its folded form as well.
  std::string tag = rd.resident.id == "victim" ? "v9x" : rd.resident.id == "keeper" ? "k7y" : "";
  if (!tag.empty()) m.push_back("жщ" + tag + "эюя");
  return m;
}

// Every page of the main file and every frame of the WAL, decrypted with the raw key.
std::vector<std::uint8_t> all_decrypted(const fs::path& db, std::span<const std::uint8_t> key) {
  auto plain = decrypt_db_file(db, key);
  auto wal = fs::path(db.string() + "-wal");
  if (fs::exists(wal)) {
    auto w = decrypt_wal_file(wal, key);
    plain.insert(plain.end(), w.begin(), w.end());
  }
  return plain;
}

// A kiosk-like reader: its own Store on the same file, reading residents in short transactions
// on its own thread until stopped (as the kiosk's search screen does).
class KioskReader {
 public:
  KioskReader(const fs::path& db, std::span<const std::uint8_t> key) : store_(open_ok(db, key)) {
    EXPECT_TRUE(store_ != nullptr);
    if (store_ == nullptr) return;
    EXPECT_TRUE(store_->search_residents("qzx").ok());  // connection open, WAL index mapped
    thread_ = std::thread([this] {
      while (!stop_) {
        auto r = store_->search_residents("qzx");
        if (r.ok()) ++reads_;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    });
  }
  ~KioskReader() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int reads() const { return reads_; }

 private:
  std::unique_ptr<Store> store_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> reads_{0};
};

struct Fixture {
  TempDir dir;
  std::array<std::uint8_t, 32> key = random_key();
  fs::path db = dir / "balie.db";
  std::unique_ptr<Store> store = open_ok(db, key);
  ResidentDossier victim = marker_resident("victim", "V9X");
  ResidentDossier keeper = marker_resident("keeper", "K7Y");

  void seed() {
    ASSERT_TRUE(store->put_text_version(test_text()).ok());
    ASSERT_TRUE(store->upsert_resident(victim).ok());
    ASSERT_TRUE(store->upsert_resident(keeper).ok());
    for (int i = 0; i < 30; ++i) {
      ASSERT_TRUE(store->upsert_resident(marker_resident("o" + std::to_string(i), "O" + std::to_string(i))).ok());
    }
    // An update leaves an older version of the victim's row behind (secure_delete must zero it).
    victim.resident.kamer = "K-V9X-2";
    ASSERT_TRUE(store->upsert_resident(victim).ok());
    // Some of the data sits in the main file (as after an automatic checkpoint), some in the WAL.
    ASSERT_TRUE(store->checkpoint().ok());
    for (int i = 30; i < 40; ++i) {
      ASSERT_TRUE(store->upsert_resident(marker_resident("o" + std::to_string(i), "O" + std::to_string(i))).ok());
    }
    ASSERT_TRUE(store->upsert_resident(victim).ok());  // a copy of the row in the WAL as well
    auto before = all_decrypted(db, key);
    for (const auto& m : {victim.resident.naam_latijns, victim.resident.naam_eigen_schrift, victim.resident.bsn,
                          victim.resident.v_nummer, std::string("qzxv9xlatijnsnaam")}) {
      EXPECT_TRUE(contains(before, m)) << "control: " << m;
    }
  }

  void expect_no_trace(const char* when) {
    auto after = all_decrypted(db, key);
    ASSERT_GT(after.size(), 10 * kPage);
    for (const auto& m : personal_markers(victim)) {
      EXPECT_FALSE(contains(after, m)) << when << ": a decrypted page still holds " << m;
    }
    // Control: the decryptor still reads the other residents, so the scan above can fail.
    EXPECT_TRUE(contains(after, keeper.resident.naam_latijns)) << when;
    EXPECT_TRUE(contains(after, keeper.resident.bsn)) << when;
    auto check = store->integrity_check();
    ASSERT_TRUE(check.ok());
    EXPECT_TRUE(check.value().empty());
  }
};

TEST(PurgeCompleteness, FeedPurgeWithKioskOpen) {
  Fixture f;
  f.seed();
  KioskReader kiosk(f.db, f.key);
  DossierBatch batch;
  batch.purges = {"victim"};
  auto r = f.store->apply_dossier_batch("loc-1", "GM0363", batch, "cursor-2");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value().purged, 1);
  f.expect_no_trace("after the feed purge reported done");
  kiosk.stop();
  EXPECT_GT(kiosk.reads(), 0);
  EXPECT_FALSE(f.store->resident("victim").value().has_value());
}

TEST(PurgeCompleteness, AdminPurgeWithKioskOpen) {
  Fixture f;
  f.seed();
  KioskReader kiosk(f.db, f.key);
  auto s = f.store->purge_resident("victim");
  ASSERT_TRUE(s.ok()) << s.error().message;
  f.expect_no_trace("after purge_resident reported done");
}

TEST(PurgeCompleteness, AcknowledgementRemovesLastRecordOfPurgedResident) {
  Fixture f;
  f.seed();
  auto rec = commit(*f.store, draft_for("victim"));
  ASSERT_TRUE(rec.ok());
  auto payload = f.store->outbox_entry(rec.value().record_id).value()->payload;
  KioskReader kiosk(f.db, f.key);
  // SS106 arrives while the record is undelivered: the resident goes, the record waits for its ack.
  DossierBatch batch;
  batch.purges = {"victim"};
  ASSERT_TRUE(f.store->apply_dossier_batch("loc-1", "GM0363", batch, "cursor-2").ok());
  f.expect_no_trace("after the feed purge (record still queued)");
  ASSERT_TRUE(f.store->store_acknowledgement(rec.value().record_id, {}, UtcTime(std::chrono::seconds(5))).ok());
  f.expect_no_trace("after the acknowledgement");
  EXPECT_TRUE(f.store->records_for("victim").value().empty());
  // The envelope (sealed to the municipality) is gone from every page too: a run of its bytes.
  auto after = all_decrypted(f.db, f.key);
  std::string run(payload.begin() + 100, payload.begin() + 124);
  EXPECT_FALSE(contains(after, run));
}

// Obligation withdrawn (issue 16): the resident's unsent record is dropped, not kept for delivery, so
// nothing of the resident (names, numbers, the sealed envelope) stays in any page, with the kiosk open.
TEST(PurgeCompleteness, WithdrawalDropsUnsentRecordAndLeavesNoTrace) {
  Fixture f;
  f.seed();
  auto rec = commit(*f.store, draft_for("victim"));
  ASSERT_TRUE(rec.ok());
  auto payload = f.store->outbox_entry(rec.value().record_id).value()->payload;
  KioskReader kiosk(f.db, f.key);
  DossierBatch batch;
  batch.purges = {"victim"};
  batch.purge_reasons.emplace_back("victim", "obligation_withdrawn");
  auto r = f.store->apply_dossier_batch("loc-1", "GM0363", batch, "cursor-2");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value().withdrawn, 1);
  f.expect_no_trace("after the withdrawal");
  EXPECT_FALSE(f.store->outbox_entry(rec.value().record_id).value().has_value());
  auto after = all_decrypted(f.db, f.key);
  std::string run(payload.begin() + 100, payload.begin() + 124);
  EXPECT_FALSE(contains(after, run)) << "the dropped envelope is still in a page";
}

// A reader that keeps an old snapshot past the busy timeout: the purge must not claim to be done,
// and the erase is retried (here by the next feed page) once the reader lets go.
TEST(PurgeCompleteness, ReaderOnOldSnapshotMeansNotDoneYet) {
  Fixture f;
  f.seed();
  f.store.reset();
  OpenOptions o;
  o.busy_timeout_ms = 200;
  f.store = open_ok(f.db, f.key, o);
  auto reader = std::make_unique<RawDb>(f.db, f.key);
  ASSERT_EQ(reader->exec("BEGIN"), SQLITE_OK);
  ASSERT_GT(reader->scalar("SELECT count(*) FROM residents"), 0);  // snapshot held open
  DossierBatch batch;
  batch.purges = {"victim"};
  auto r = f.store->apply_dossier_batch("loc-1", "GM0363", batch, "cursor-2");
  ASSERT_FALSE(r.ok()) << "a purge reported done while old pages still hold the resident";
  EXPECT_NE(r.error().message.find("old pages still hold"), std::string::npos) << r.error().message;
  EXPECT_FALSE(f.store->resident("victim").value().has_value());  // the deletion itself is committed
  ASSERT_EQ(reader->exec("COMMIT"), SQLITE_OK);
  auto r2 = f.store->apply_dossier_batch("loc-1", "GM0363", DossierBatch{}, "cursor-3");
  ASSERT_TRUE(r2.ok()) << r2.error().message;
  f.expect_no_trace("after the retried erase");
}

TEST(PurgeCompleteness, AuditLogKeepsNoPersonalData) {
  Fixture f;
  f.seed();
  DossierBatch batch;
  batch.purges = {"victim"};
  ASSERT_TRUE(f.store->apply_dossier_batch("loc-1", "GM0363", batch, "cursor-2").ok());
  ASSERT_TRUE(f.store->purge_resident("keeper").ok());
  RawDb raw(f.db, f.key);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw.handle(), "SELECT action || ' ' || detail FROM audit_log", -1, &st, nullptr),
            SQLITE_OK);
  int rows = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    std::string line = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    ++rows;
    for (const auto* rd : {&f.victim, &f.keeper}) {
      for (const auto& m : personal_markers(*rd)) EXPECT_EQ(line.find(m), std::string::npos) << line;
    }
  }
  sqlite3_finalize(st);
  EXPECT_GT(rows, 2);
}

}  // namespace
}  // namespace balie::store::test
