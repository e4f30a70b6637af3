// balie-coa's schema migrations against a real PostgreSQL cluster: an empty database reaches the
// latest version; every earlier version migrates forward; two instances starting at once apply each
// migration once; an edited or a newer database is refused.
#include <gtest/gtest.h>

#include <thread>

#include "balie/coa/db.h"
#include "balie/coa/migrate.h"
#include "pg_cluster.h"

using namespace balie::coa;
using balie::coa::testing::PgCluster;

namespace {

PgCluster& cluster() {
  static PgCluster c;
  return c;
}

std::unique_ptr<Db> connect(const std::string& db = "coa") {
  auto r = Db::connect(cluster().conninfo(db));
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(r.value()) : nullptr;
}

const int kLatest = static_cast<int>(migrations().size());

}  // namespace

class CoaMigrate : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(cluster().ok()) << cluster().error(); }
};

TEST_F(CoaMigrate, EmbeddedMigrationsAreNumberedFromOneWithoutGaps) {
  ASSERT_GE(kLatest, 1);
  for (int i = 0; i < kLatest; ++i) EXPECT_EQ(migrations()[static_cast<size_t>(i)].version, i + 1);
}

TEST_F(CoaMigrate, EmptyDatabaseReachesTheLatestVersionAndStaysThere) {
  cluster().psql("CREATE DATABASE m_empty");
  auto db = connect("m_empty");
  ASSERT_TRUE(db);
  auto v0 = schema_version(*db);
  ASSERT_TRUE(v0.ok());
  EXPECT_EQ(*v0, 0);
  auto v = migrate(*db);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(*v, kLatest);
  EXPECT_EQ(cluster().psql("SELECT count(*) FROM schema_migrations", "m_empty"), std::to_string(kLatest));
  EXPECT_EQ(cluster().psql("SELECT to_regclass('devices') IS NOT NULL", "m_empty"), "t");
  auto again = migrate(*db);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, kLatest);
  EXPECT_EQ(cluster().psql("SELECT count(*) FROM schema_migrations", "m_empty"), std::to_string(kLatest));
}

// Migration 6: decisions carry whole seconds; a consent given and withdrawn within one second ties,
// and the more protective decision is the current one (before: the higher record id, here "given").
TEST_F(CoaMigrate, SameSecondConsentDecisionsResolveToTheProtectiveOne) {
  cluster().psql("CREATE DATABASE m_tie");
  auto db = connect("m_tie");
  ASSERT_TRUE(db);
  ASSERT_TRUE(migrate(*db).ok());
  cluster().psql(
      "INSERT INTO consent_events (record_id, resident_id, purpose, decision, decided_at, expires_at, text_version, "
      "device_id) VALUES ('ffffffff-ffff-4fff-8fff-ffffffffffff', 'r1', 'pid_sharing', 'given', "
      "'2026-12-06T08:00:00Z', '2027-12-06T08:00:00Z', 'consent-pid-balie-3-nl', 'T1'), "
      "('11111111-1111-4111-8111-111111111111', 'r1', 'pid_sharing', 'withdrawn', '2026-12-06T08:00:00Z', NULL, "
      "'consent-pid-balie-3-nl', 'T2')",
      "m_tie");
  EXPECT_EQ(cluster().psql("SELECT decision FROM resident_consent_current WHERE resident_id = 'r1'", "m_tie"),
            "withdrawn");
}

TEST_F(CoaMigrate, EveryEarlierVersionMigratesForwardKeepingItsData) {
  for (int from = 1; from < kLatest + 1; ++from) {
    const std::string name = "m_from_" + std::to_string(from);
    cluster().psql("CREATE DATABASE " + name);
    auto db = connect(name);
    ASSERT_TRUE(db);
    auto v = migrate(*db, from);
    ASSERT_TRUE(v.ok()) << v.error().message;
    ASSERT_EQ(*v, from);
    // Data written at that version survives the later migrations.
    ASSERT_TRUE(db->exec("INSERT INTO locations (id, name) VALUES ('azc-x', 'AZC X')").ok());
    auto up = migrate(*db);
    ASSERT_TRUE(up.ok()) << "from version " << from << ": " << up.error().message;
    EXPECT_EQ(*up, kLatest);
    EXPECT_EQ(cluster().psql("SELECT name FROM locations WHERE id = 'azc-x'", name), "AZC X");
  }
}

TEST_F(CoaMigrate, TwoInstancesStartingTogetherApplyEachMigrationOnce) {
  cluster().psql("CREATE DATABASE m_race");
  int got[2] = {-1, -1};
  std::string err[2];
  std::thread a([&] {
    auto db = connect("m_race");
    auto v = migrate(*db);
    if (v.ok()) got[0] = *v; else err[0] = v.error().message;
  });
  std::thread b([&] {
    auto db = connect("m_race");
    auto v = migrate(*db);
    if (v.ok()) got[1] = *v; else err[1] = v.error().message;
  });
  a.join();
  b.join();
  EXPECT_EQ(got[0], kLatest) << err[0];
  EXPECT_EQ(got[1], kLatest) << err[1];
  EXPECT_EQ(cluster().psql("SELECT count(*) FROM schema_migrations", "m_race"), std::to_string(kLatest));
}

TEST_F(CoaMigrate, AnEditedMigrationOrANewerDatabaseIsRefused) {
  cluster().psql("CREATE DATABASE m_edit");
  auto db = connect("m_edit");
  ASSERT_TRUE(migrate(*db).ok());
  cluster().psql("UPDATE schema_migrations SET sha256 = 'x' WHERE version = 1", "m_edit");
  auto r = migrate(*db);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("differs"), std::string::npos) << r.error().message;

  cluster().psql("CREATE DATABASE m_newer");
  auto db2 = connect("m_newer");
  ASSERT_TRUE(migrate(*db2).ok());
  cluster().psql("INSERT INTO schema_migrations (version, name, sha256) VALUES (" + std::to_string(kLatest + 1) +
                     ", '9999_future.sql', 'y')",
                 "m_newer");
  auto n = migrate(*db2);
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.error().message.find("newer"), std::string::npos) << n.error().message;
}

TEST_F(CoaMigrate, AnUnreachableServerIsReportedAsUnavailable) {
  auto r = Db::connect("host=" + cluster().root() + "/nonexistent dbname=coa user=balie connect_timeout=2");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, DbError::Kind::Unavailable);
}
