// Tests of the balie-admin operator tool as a real process (tests/store/): exit codes and messages
// for a healthy store, a wrong key, a corrupt file, a missing store, a broken audit chain, and the
// AVG export.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include "balie/store/store.h"
#include "store_test_util.h"

namespace balie::store::test {
namespace {

struct Run {
  int exit_code;
  std::string out;
};

Run run_admin(const fs::path& state_dir, const std::string& args) {
  std::string cmd = "env -u BALIE_MODE BALIE_STATE_DIR='" + state_dir.string() + "' '" BALIE_BINARY_DIR
                    "/store/balie-admin' " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (p != nullptr && std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  int status = p != nullptr ? ::pclose(p) : -1;
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

class AdminTool : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = run_admin(dir.path(), "seed-demo");
    ASSERT_EQ(r.exit_code, 0) << r.out;
  }
  TempDir dir;
};

TEST_F(AdminTool, StatusVerifyAndIntegrityOnAHealthyStore) {
  auto s = run_admin(dir.path(), "status");
  EXPECT_EQ(s.exit_code, 0) << s.out;
  EXPECT_NE(s.out.find("residents       16"), std::string::npos) << s.out;
  EXPECT_NE(s.out.find("schema version  " + std::to_string(Store::kSchemaVersion)), std::string::npos) << s.out;
  auto v = run_admin(dir.path(), "verify-audit");
  EXPECT_EQ(v.exit_code, 0) << v.out;
  auto i = run_admin(dir.path(), "integrity-check");
  EXPECT_EQ(i.exit_code, 0) << i.out;
  EXPECT_NE(i.out.find("integrity check ok"), std::string::npos);
  EXPECT_EQ(run_admin(dir.path(), "frobnicate").exit_code, 2);
  EXPECT_EQ(run_admin(dir.path(), "").exit_code, 2);
}

TEST_F(AdminTool, ExportResidentPrintsJson) {
  auto e = run_admin(dir.path(), "export-resident demo-04");
  ASSERT_EQ(e.exit_code, 0) << e.out;
  auto j = nlohmann::json::parse(e.out);
  EXPECT_EQ(j["resident"]["naam_eigen_schrift"], "Олена Вигаданенко");
  auto missing = run_admin(dir.path(), "export-resident nobody");
  EXPECT_EQ(missing.exit_code, 5);
  EXPECT_NE(missing.out.find("not_found"), std::string::npos) << missing.out;
}

TEST_F(AdminTool, WrongKeyExitsNonZeroWithAClearMessage) {
  auto keyfile = dir / "db.key";
  auto k = random_key();
  fs::remove(keyfile);
  {
    std::ofstream f(keyfile, std::ios::binary);
    f.write(reinterpret_cast<const char*>(k.data()), 32);
  }
  fs::permissions(keyfile, fs::perms::owner_read | fs::perms::owner_write);
  auto r = run_admin(dir.path(), "status");
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("wrong_key"), std::string::npos) << r.out;
}

TEST_F(AdminTool, MissingOrCorruptStoreExitsNonZero) {
  TempDir empty;
  auto m = run_admin(empty.path(), "status");
  EXPECT_EQ(m.exit_code, 3) << m.out;
  EXPECT_NE(m.out.find("no database"), std::string::npos) << m.out;
  EXPECT_FALSE(fs::exists(empty / "balie.db"));  // never creates one

  auto db = dir / "balie.db";
  auto size = fs::file_size(db);
  fs::resize_file(db, size - 100);
  auto c = run_admin(dir.path(), "integrity-check");
  EXPECT_EQ(c.exit_code, 3) << c.out;
  EXPECT_NE(c.out.find("not_a_database"), std::string::npos) << c.out;
}

TEST_F(AdminTool, BrokenAuditChainExits4) {
  std::array<std::uint8_t, 32> key{};
  {
    auto bytes = read_bytes(dir / "db.key");
    std::copy(bytes.begin(), bytes.end(), key.begin());
  }
  {
    RawDb raw(dir / "balie.db", key);
    ASSERT_EQ(raw.exec("DROP TRIGGER audit_log_no_update"), SQLITE_OK);
    ASSERT_EQ(raw.exec("UPDATE audit_log SET actor = 'mallory' WHERE seq = 5"), SQLITE_OK);
  }
  auto v = run_admin(dir.path(), "verify-audit");
  EXPECT_EQ(v.exit_code, 4) << v.out;
  EXPECT_NE(v.out.find("BROKEN at entry 5"), std::string::npos) << v.out;
}

}  // namespace
}  // namespace balie::store::test
