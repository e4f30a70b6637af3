// I/O fault tests of the record store (tests/store/): disk full on a size-limited tmpfs and a
// read-only mount. Needs CAP_SYS_ADMIN to mount; without it each test is skipped with the reason.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>

#include "balie/store/store.h"
#include "store_test_util.h"

namespace balie::store::test {
namespace {

class Tmpfs {
 public:
  Tmpfs(const fs::path& where, const std::string& size) : path_(where) {
    fs::create_directories(where);
    std::string opts = "size=" + size + ",mode=0700";
    if (::mount("tmpfs", where.c_str(), "tmpfs", 0, opts.c_str()) == 0) {
      mounted_ = true;
    } else {
      error_ = std::strerror(errno);
    }
  }
  ~Tmpfs() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  bool remount_read_only() {
    return ::mount(nullptr, path_.c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr) == 0;
  }

 private:
  fs::path path_;
  bool mounted_ = false;
  std::string error_;
};

#define REQUIRE_MOUNT(m)                                                                                  \
  if (!(m).mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (" << (m).error()                        \
                                   << "); run the suite as root / with CAP_SYS_ADMIN to test I/O faults"

// Fills the file system with a filler file until ENOSPC.
void fill(const fs::path& filler) {
  FILE* f = std::fopen(filler.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::vector<char> chunk(16 * 1024, 'f');
  while (std::fwrite(chunk.data(), 1, chunk.size(), f) == chunk.size()) {
  }
  std::fclose(f);
  // Fill the last partial blocks too.
  f = std::fopen((filler.string() + "2").c_str(), "wb");
  if (f != nullptr) {
    while (std::fwrite(chunk.data(), 1, 1, f) == 1 && std::fflush(f) == 0) {
    }
    std::fclose(f);
  }
}

TEST(StoreFaults, DiskFullDuringCommitSavesNothingAndRecovers) {
  TempDir dir;
  Tmpfs fsys(dir / "mnt", "2m");
  REQUIRE_MOUNT(fsys);
  auto key = random_key();
  auto db = dir / "mnt" / "balie.db";
  auto store = open_ok(db, key);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->put_text_version(test_text()).ok());
  ASSERT_TRUE(store->upsert_resident(marker_resident("r1", "R1")).ok());
  auto first = commit(*store, draft_for("r1", 2000));
  ASSERT_TRUE(first.ok());

  fill(dir / "mnt" / "filler");
  int failures = 0;
  StoreErrc code = StoreErrc::Io;
  for (int i = 0; i < 20 && failures == 0; ++i) {  // the WAL may have some room left: keep writing
    auto c = commit(*store, draft_for("r1", 100000));
    if (!c.ok()) {
      ++failures;
      code = c.error().code;
      EXPECT_NE(c.error().message.find("disk full"), std::string::npos) << c.error().message;
    }
  }
  ASSERT_EQ(failures, 1) << "a full disk must make a commit fail";
  EXPECT_EQ(code, StoreErrc::DiskFull);
  auto records_when_full = store->records_for("r1");
  ASSERT_TRUE(records_when_full.ok()) << records_when_full.error().message;  // still readable

  fs::remove(dir / "mnt" / "filler");
  fs::remove(dir / "mnt" / "filler2");
  auto after = commit(*store, draft_for("r1", 2000));
  ASSERT_TRUE(after.ok()) << after.error().message;
  const auto n_records = store->records_for("r1").value().size();
  store.reset();
  store = open_ok(db, key);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->integrity_check().value().empty());
  EXPECT_EQ(store->records_for("r1").value().size(), n_records);
  EXPECT_TRUE(store->outbox_entry(first.value().record_id).value().has_value());
  EXPECT_TRUE(store->outbox_entry(after.value().record_id).value().has_value());
  // No half records: every record has its outbox entry.
  store.reset();
  RawDb raw(db, key);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM records r LEFT JOIN outbox o USING (record_id) WHERE o.record_id IS NULL"), 0);
}

TEST(StoreFaults, DiskFullWhenCreatingIsReported) {
  TempDir dir;
  Tmpfs fsys(dir / "mnt", "256k");
  REQUIRE_MOUNT(fsys);
  fill(dir / "mnt" / "filler");
  auto key = random_key();
  auto r = Store::open(dir / "mnt" / "balie.db", key);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, StoreErrc::DiskFull) << r.error().message;
}

TEST(StoreFaults, ReadOnlyMountIsReported) {
  TempDir dir;
  Tmpfs fsys(dir / "mnt", "2m");
  REQUIRE_MOUNT(fsys);
  auto key = random_key();
  auto db = dir / "mnt" / "balie.db";
  {
    auto store = open_ok(db, key);
    ASSERT_TRUE(store->upsert_resident(marker_resident("r1", "R1")).ok());
  }
  ASSERT_TRUE(fsys.remount_read_only()) << std::strerror(errno);
  auto before = read_bytes(db);
  auto r = Store::open(db, key);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, StoreErrc::ReadOnly) << r.error().message;
  auto n = Store::open(dir / "mnt" / "new.db", key);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().code, StoreErrc::ReadOnly) << n.error().message;
  EXPECT_EQ(read_bytes(db), before);
  // Inspection (read_only open) still works on the read-only mount.
  OpenOptions ro;
  ro.read_only = true;
  auto inspect = Store::open(db, key, ro);
  if (inspect.ok()) {
    auto res = inspect.value()->resident("r1");
    EXPECT_TRUE(res.ok() && res.value().has_value());
  } else {
    // SQLite 3.15 cannot read a WAL-mode file without a writable -shm; say so rather than guess.
    EXPECT_EQ(inspect.error().code, StoreErrc::ReadOnly) << inspect.error().message;
  }
}

}  // namespace
}  // namespace balie::store::test
