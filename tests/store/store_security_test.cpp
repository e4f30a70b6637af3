// Security and retention tests of the record store on real SQLCipher files (tests/store/):
// no plaintext in the database or WAL, the sqlcipher CLI opens our file with the raw-key syntax,
// purge + VACUUM leaves no trace (checked on decrypted pages, free pages included), the audit chain
// detects tampering, PIN lockout survives a reopen, and migrations from every earlier schema version.
#include <gtest/gtest.h>

#include <cstdio>

#include "balie/store/store.h"
#include "fake_clock.h"
#include "store_test_util.h"

namespace balie::store::test {
namespace {

using platform::FakeClock;

std::vector<std::string> markers_of(const ResidentDossier& rd) {
  return {rd.resident.naam_latijns, rd.resident.naam_eigen_schrift, rd.resident.bsn, rd.resident.v_nummer,
          rd.dossier.contactpersoon->naam};
}

// Lower-cased forms too (the search key stores folded names).
std::vector<std::string> with_folded(std::vector<std::string> m) {
  auto n = m.size();
  for (std::size_t i = 0; i < n; ++i) {
    std::string l = m[i];
    for (auto& c : l)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    m.push_back(l);
  }
  m.push_back("жщ");  // folded Cyrillic prefix of naam_eigen_schrift
  return m;
}

TEST(StoreSecurity, DatabaseAndWalContainNoPlaintext) {
  TempDir dir;
  auto key = random_key();
  auto db = dir / "balie.db";
  auto store = open_ok(db, key);
  ASSERT_TRUE(store->put_text_version(test_text()).ok());
  std::vector<std::string> markers;
  for (int i = 0; i < 20; ++i) {
    auto rd = marker_resident("p" + std::to_string(i), "P" + std::to_string(100 + i));
    ASSERT_TRUE(store->upsert_resident(rd).ok());
    for (auto& m : markers_of(rd)) markers.push_back(m);
    auto d = draft_for(rd.resident.id);
    d.sensitive = "{\"marker\":\"PAYLOADMARKER" + std::to_string(i) + "\"}";  // sealed: never in any page
    markers.push_back("PAYLOADMARKER" + std::to_string(i));
    auto c = commit(*store, d);
    ASSERT_TRUE(c.ok());
    // The envelope itself is encrypted at rest too: a run of its bytes must not show in the file.
    auto p = store->outbox_entry(c.value().record_id).value()->payload;
    markers.push_back(std::string(p.begin() + 60, p.begin() + 100));
  }
  auto wal = fs::path(db.string() + "-wal");
  ASSERT_TRUE(fs::exists(wal));
  ASSERT_GT(fs::file_size(wal), 10 * kPage) << "the scan needs data in the WAL";
  auto db_bytes = read_bytes(db);
  auto wal_bytes = read_bytes(wal);
  for (const auto& m : with_folded(markers)) {
    EXPECT_FALSE(contains(db_bytes, m)) << "plaintext in the database file: " << m;
    EXPECT_FALSE(contains(wal_bytes, m)) << "plaintext in the WAL: " << m;
  }
  EXPECT_FALSE(contains(db_bytes, "SQLite format 3"));
  // Control: the same scan on decrypted frames finds the data, so the scan above can fail.
  auto wal_plain = decrypt_wal_file(wal, key);
  EXPECT_TRUE(contains(wal_plain, markers.front()));
  // No temp files next to the database (temp_store=MEMORY) besides -wal and -shm.
  for (const auto& e : fs::directory_iterator(dir.path())) {
    auto name = e.path().filename().string();
    EXPECT_TRUE(name == "balie.db" || name == "balie.db-wal" || name == "balie.db-shm") << name;
  }
}

TEST(StoreSecurity, PageDecryptorMatchesSqlcipherLayout) {
  TempDir dir;
  auto key = random_key();
  auto db = dir / "balie.db";
  { auto s = open_ok(db, key); ASSERT_TRUE(s->checkpoint().ok()); }
  auto bytes = read_bytes(db);
  auto page1 = decrypt_page(bytes.data(), true, key);
  // Decrypted page 1 from offset 16 is the SQLite header tail: page size 1024 (0x04 0x00), WAL
  // format (2, 2), and 48 reserved bytes per page.
  ASSERT_GE(page1.size(), 8u);
  EXPECT_EQ(page1[0], 0x04);
  EXPECT_EQ(page1[1], 0x00);
  EXPECT_EQ(page1[2], 2);
  EXPECT_EQ(page1[3], 2);
  EXPECT_EQ(page1[4], kReserve);
}

TEST(StoreSecurity, SqlcipherCliOpensOurFileWithRawKey) {
  TempDir dir;
  auto key = random_key();
  auto db = dir / "balie.db";
  {
    auto s = open_ok(db, key);
    ASSERT_TRUE(s->upsert_resident(marker_resident("cli1", "CLI")).ok());
  }
  auto script = dir / "cmd.sql";
  {
    std::ofstream f(script);
    f << "PRAGMA key = \"x'" << hex(key) << "'\";\nSELECT naam_latijns FROM residents;\n";
  }
  std::string cmd = "sqlcipher '" + db.string() + "' < '" + script.string() + "' 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[4096];
  std::string out;
  while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  int rc = ::pclose(p);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("QzxCLILatijnsnaam"), std::string::npos) << out;
  // The same CLI with a passphrase made of the hex (not raw-key syntax) must fail.
  {
    std::ofstream f(script);
    f << "PRAGMA key = '" << hex(key) << "';\nSELECT count(*) FROM residents;\n";
  }
  p = ::popen(cmd.c_str(), "r");
  out.clear();
  while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  ::pclose(p);
  EXPECT_NE(out.find("not a database"), std::string::npos) << out;
}

TEST(StoreRetention, PurgeAndVacuumLeaveNoTrace) {
  TempDir dir;
  auto key = random_key();
  auto db = dir / "balie.db";
  auto store = open_ok(db, key);
  ASSERT_TRUE(store->put_text_version(test_text()).ok());
  auto victim = marker_resident("victim", "V9X");
  auto keeper = marker_resident("keeper", "K7Y");
  ASSERT_TRUE(store->upsert_resident(victim).ok());
  ASSERT_TRUE(store->upsert_resident(keeper).ok());
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(store->upsert_resident(marker_resident("o" + std::to_string(i), "O" + std::to_string(i))).ok());
  auto rec = commit(*store, draft_for("victim"));
  ASSERT_TRUE(rec.ok());
  auto stored = store->outbox_entry(rec.value().record_id).value()->payload;
  ASSERT_TRUE(store->checkpoint().ok());

  auto before = decrypt_db_file(db, key);
  for (const auto& m : markers_of(victim)) EXPECT_TRUE(contains(before, m)) << "control: " << m;
  // A run of the victim's envelope bytes (its sealed part) that lies within one page: present
  // before the purge, gone after it.
  std::string pl;
  for (std::size_t at = 60; at + 24 <= stored.size() && pl.empty(); at += 24) {
    std::string run(stored.begin() + static_cast<long>(at), stored.begin() + static_cast<long>(at + 24));
    if (contains(before, run)) pl = run;
  }
  ASSERT_FALSE(pl.empty()) << "control: the envelope is in the decrypted pages";

  // Undelivered records block a purge unless forced.
  auto blocked = store->purge_resident("victim");
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().code, StoreErrc::Conflict);
  ASSERT_TRUE(store->store_acknowledgement(rec.value().record_id, {}, UtcTime(std::chrono::seconds(5))).ok());
  ASSERT_TRUE(store->purge_resident("victim").ok());

  EXPECT_FALSE(store->resident("victim").value().has_value());
  EXPECT_TRUE(store->records_for("victim").value().empty());
  EXPECT_TRUE(store->search_residents("V9X").value().empty());
  EXPECT_TRUE(store->tombstone(rec.value().record_id).value().has_value());  // tombstone stays

  auto after = decrypt_db_file(db, key);
  auto wal = fs::path(db.string() + "-wal");
  auto wal_plain = fs::exists(wal) ? decrypt_wal_file(wal, key) : std::vector<std::uint8_t>{};
  for (const auto& m : with_folded(markers_of(victim))) {
    if (m == "жщ") continue;  // shared prefix of every marker resident
    EXPECT_FALSE(contains(after, m)) << "trace of the purged resident in the database: " << m;
    EXPECT_FALSE(contains(wal_plain, m)) << "trace of the purged resident in the WAL: " << m;
  }
  EXPECT_FALSE(contains(after, pl));
  // Control: the other residents are still readable in the decrypted file.
  EXPECT_TRUE(contains(after, keeper.resident.naam_latijns));
  auto check = store->integrity_check();
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check.value().empty());
  EXPECT_EQ(store->purge_resident("victim").error().code, StoreErrc::NotFound);
}

TEST(StoreAudit, ChainVerifiesAndDetectsTampering) {
  TempDir dir;
  auto key = random_key();
  auto db = dir / "balie.db";
  {
    auto store = open_ok(db, key);
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(store->append_audit("tester", "test.event", "n=" + std::to_string(i)).ok());
    auto v = store->verify_audit().value();
    EXPECT_TRUE(v.ok) << v.reason;
    EXPECT_GE(v.entries, 13);  // 3 migrations + 10
  }
  std::int64_t target = 0;
  {
    RawDb raw(db, key);
    target = raw.scalar("SELECT seq FROM audit_log WHERE detail = 'n=4'");
    ASSERT_GT(target, 0);
    // The triggers refuse edits and deletions.
    EXPECT_NE(raw.exec("UPDATE audit_log SET detail = 'x' WHERE seq = " + std::to_string(target)), SQLITE_OK);
    EXPECT_NE(raw.exec("DELETE FROM audit_log WHERE seq = " + std::to_string(target)), SQLITE_OK);
    // Someone with the key drops the triggers and edits a row.
    ASSERT_EQ(raw.exec("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"), SQLITE_OK);
    ASSERT_EQ(raw.exec("UPDATE audit_log SET detail = 'n=forged' WHERE seq = " + std::to_string(target)), SQLITE_OK);
  }
  {
    auto store = open_ok(db, key);
    auto v = store->verify_audit().value();
    EXPECT_FALSE(v.ok);
    ASSERT_TRUE(v.first_broken_seq.has_value());
    EXPECT_EQ(*v.first_broken_seq, target);
  }
  {
    RawDb raw(db, key);
    ASSERT_EQ(raw.exec("UPDATE audit_log SET detail = 'n=4' WHERE seq = " + std::to_string(target)), SQLITE_OK);
    ASSERT_EQ(raw.exec("DELETE FROM audit_log WHERE seq = " + std::to_string(target + 2)), SQLITE_OK);
  }
  {
    auto store = open_ok(db, key);
    auto v = store->verify_audit().value();
    EXPECT_FALSE(v.ok);
    EXPECT_EQ(*v.first_broken_seq, target + 3);  // the entry after the gap
    EXPECT_NE(v.reason.find("missing"), std::string::npos) << v.reason;
  }
  {
    // Re-linking: a forged row with a correct-looking own hash but the wrong predecessor.
    RawDb raw(db, key);
    ASSERT_EQ(raw.exec("UPDATE audit_log SET prev_hash = '" + std::string(64, 'f') + "' WHERE seq = 2"), SQLITE_OK);
  }
  auto store = open_ok(db, key);
  auto v = store->verify_audit().value();
  EXPECT_EQ(*v.first_broken_seq, 2);
}

TEST(StoreStaff, PinLockoutPersistsAcrossReopenAndGrows) {
  TempDir dir;
  auto key = random_key();
  auto db = dir / "balie.db";
  FakeClock clock(std::chrono::system_clock::time_point(std::chrono::seconds(1795000000)));
  OpenOptions o;
  o.clock = &clock;
  auto store = open_ok(db, key, o);
  StaffAccount host{"host-1", "Gastheer", StaffRole::MunicipalityHost, {"GM0363", "GM0344"}, true};
  ASSERT_TRUE(store->upsert_staff(host, "4321").ok());
  EXPECT_EQ(store->upsert_staff({"x", "X", StaffRole::CoaStaff, {}, true}, "12a4").error().code, StoreErrc::InvalidArgument);
  EXPECT_EQ(store->upsert_staff({"x", "X", StaffRole::CoaStaff, {"GM0363"}, true}, "1234").error().code,
            StoreErrc::InvalidArgument);

  EXPECT_EQ(store->verify_pin("host-1", "4321").value().kind, PinVerdict::Kind::Ok);
  EXPECT_EQ(store->verify_pin("nobody", "4321").value().kind, PinVerdict::Kind::UnknownStaff);
  for (int i = 1; i <= 4; ++i) {
    auto v = store->verify_pin("host-1", "0000").value();
    EXPECT_EQ(v.kind, PinVerdict::Kind::Wrong);
    EXPECT_EQ(v.attempts_left, 5 - i);
  }
  store.reset();  // restart between attempts: the count survives
  store = open_ok(db, key, o);
  auto fifth = store->verify_pin("host-1", "0000").value();
  EXPECT_EQ(fifth.kind, PinVerdict::Kind::Locked);
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(clock.wall_now());
  ASSERT_TRUE(fifth.locked_until.has_value());
  EXPECT_EQ(*fifth.locked_until, now + std::chrono::minutes(15));

  store.reset();
  store = open_ok(db, key, o);
  auto locked = store->verify_pin("host-1", "4321").value();  // right PIN, still locked
  EXPECT_EQ(locked.kind, PinVerdict::Kind::Locked);
  EXPECT_EQ(*locked.locked_until, now + std::chrono::minutes(15));

  clock.advance(std::chrono::minutes(15));
  // Second round: five more wrong PINs lock for twice as long.
  for (int i = 0; i < 4; ++i) EXPECT_EQ(store->verify_pin("host-1", "1111").value().kind, PinVerdict::Kind::Wrong);
  auto second = store->verify_pin("host-1", "1111").value();
  EXPECT_EQ(second.kind, PinVerdict::Kind::Locked);
  now = std::chrono::time_point_cast<std::chrono::seconds>(clock.wall_now());
  EXPECT_EQ(*second.locked_until, now + std::chrono::minutes(30));
  clock.advance(std::chrono::minutes(30));
  EXPECT_EQ(store->verify_pin("host-1", "4321").value().kind, PinVerdict::Kind::Ok);
  // Success resets the growth.
  for (int i = 0; i < 4; ++i) EXPECT_EQ(store->verify_pin("host-1", "1111").value().kind, PinVerdict::Kind::Wrong);
  now = std::chrono::time_point_cast<std::chrono::seconds>(clock.wall_now());
  EXPECT_EQ(*store->verify_pin("host-1", "1111").value().locked_until, now + std::chrono::minutes(15));
  // The stored hash is Argon2id, never the PIN.
  store.reset();
  RawDb raw(db, key);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw.handle(), "SELECT pin_hash FROM staff WHERE id='host-1'", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  std::string hash = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u) << hash;
  EXPECT_EQ(hash.find("4321"), std::string::npos);
}

// Builds a store at an older schema version, fills it with raw SQL of that version, then opens it
// with the current code and checks that everything is migrated and usable.
class StoreMigration : public ::testing::TestWithParam<int> {};

TEST_P(StoreMigration, FromEveryEarlierVersion) {
  const int from = GetParam();
  TempDir dir;
  auto key = random_key();
  auto db = dir / "balie.db";
  {
    OpenOptions o;
    o.migrate_to_version = from;
    auto old = open_ok(db, key, o);
    ASSERT_NE(old, nullptr);
    EXPECT_EQ(old->schema_version(), from);
  }
  char hash[crypto_pwhash_STRBYTES];
  ASSERT_EQ(crypto_pwhash_str(hash, "5678", 4, crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE), 0);
  {
    RawDb raw(db, key);
    ASSERT_EQ(raw.scalar("PRAGMA user_version"), from);
    // Version-1 column set (every later version still has these columns); from version 2 on the
    // code of that version also filled search_key.
    ASSERT_EQ(raw.exec("INSERT INTO residents(id, v_nummer, bsn, naam_eigen_schrift, naam_latijns, gemeentecode, regime) "
                       "VALUES ('m1', '1234567890', '999990001', 'Мигрант Старый', 'Oud Migratiepersoon', 'GM0344', 'Wi2021')"),
              SQLITE_OK) << raw.errmsg();
    if (from >= 2) {
      ASSERT_EQ(raw.exec("UPDATE residents SET search_key = 'мигрант старый\noud migratiepersoon\n1234567890\n' "
                         "WHERE id = 'm1'"), SQLITE_OK) << raw.errmsg();
    }
    ASSERT_EQ(raw.exec("INSERT INTO dossier_items VALUES ('m1', 'pip', 0, 'gemeente', '2026-12-31', "
                       "'{\"dagtekening\":\"2025-01-01\",\"leerroute\":\"O\"}')"), SQLITE_OK) << raw.errmsg();
    ASSERT_EQ(raw.exec(std::string("INSERT INTO staff(id, display_name, role, gemeentecodes, pin_hash) VALUES "
                                   "('s1', 'Oud', 'coa_staff', '', '") + hash + "')"), SQLITE_OK) << raw.errmsg();
    // The version-1 columns by name: version 5 added two (the migration from 5 runs since schema 6).
    ASSERT_EQ(raw.exec("INSERT INTO text_versions(version_id, kind, language, title, body, sha256) "
                       "VALUES ('pvt-test-1-nl','pvt_declaration','nl','t','b','x')"), SQLITE_OK) << raw.errmsg();
    ASSERT_EQ(raw.exec("INSERT INTO records VALUES ('11111111-1111-4111-8111-111111111111','consent','m1',"
                       "'pvt-test-1-nl','given','s1',1700000000,'abc')"), SQLITE_OK) << raw.errmsg();
    ASSERT_EQ(raw.exec("INSERT INTO outbox(record_id, kind, addressee, created_at, payload, payload_sha256, state) VALUES "
                       "('11111111-1111-4111-8111-111111111111','consent','GM0344',1700000000,x'0102','abc','pending')"),
              SQLITE_OK) << raw.errmsg();
    // An acknowledged record of that version: the receipt lived in outbox.ack until version 4.
    ASSERT_EQ(raw.exec("INSERT INTO records VALUES ('22222222-2222-4222-8222-222222222222','consent','m1',"
                       "'pvt-test-1-nl','given','s1',1700000000,'def')"), SQLITE_OK) << raw.errmsg();
    ASSERT_EQ(raw.exec("INSERT INTO outbox(record_id, kind, addressee, created_at, payload, payload_sha256, state, ack) "
                       "VALUES ('22222222-2222-4222-8222-222222222222','consent','GM0344',1700000000,NULL,'def',"
                       "'acknowledged', x'0a0b')"), SQLITE_OK) << raw.errmsg();
    // From version 4 on the receipt is in the tombstone itself.
    // From version 7 on it also names its receiver (before, version 7 back-fills it from the outbox).
    ASSERT_EQ(raw.exec(from >= 7   ? "INSERT INTO tombstones(record_id, payload_sha256, acknowledged_at, ack, addressee) "
                                     "VALUES ('22222222-2222-4222-8222-222222222222','def',1700000500, x'0a0b','GM0344')"
                       : from >= 4 ? "INSERT INTO tombstones(record_id, payload_sha256, acknowledged_at, ack) VALUES "
                                     "('22222222-2222-4222-8222-222222222222','def',1700000500, x'0a0b')"
                                   : "INSERT INTO tombstones(record_id, payload_sha256, acknowledged_at) VALUES "
                                     "('22222222-2222-4222-8222-222222222222','def',1700000500)"),
              SQLITE_OK) << raw.errmsg();
    if (from == 3) {
      ASSERT_EQ(raw.exec("INSERT INTO feed_cursor VALUES ('locX', 'cursor-from-v3')"), SQLITE_OK) << raw.errmsg();
    } else if (from >= 4) {
      ASSERT_EQ(raw.exec("INSERT INTO feed_cursor VALUES ('locX', '', 'cursor-from-v3')"), SQLITE_OK) << raw.errmsg();
    }
  }
  auto store = open_ok(db, key);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->schema_version(), Store::kSchemaVersion);
  // Version 2: search keys were backfilled, lockout columns exist.
  auto found = store->search_residents("МИГРАНТ");
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found.value().size(), 1u);
  EXPECT_EQ(found.value()[0].id, "m1");
  EXPECT_EQ(store->search_residents("oud migratie").value().size(), 1u);
  EXPECT_EQ(store->verify_pin("s1", "5678").value().kind, PinVerdict::Kind::Ok);
  EXPECT_EQ(store->verify_pin("s1", "0000").value().attempts_left, 4);
  // Version 3: held_reason, sync attempts, feed cursor.
  auto pending = store->list_pending("GM0344", 10, 1 << 20);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending.value().size(), 1u);
  EXPECT_EQ(pending.value()[0].held_reason, "");
  ASSERT_TRUE(store->mark_held(pending.value()[0].record_id, "test").ok());
  ASSERT_TRUE(store->record_sync_error("GM0344", UtcTime(std::chrono::seconds(1)), "x").ok());
  ASSERT_TRUE(store->apply_dossier_batch("loc", {}, "c1").ok());
  EXPECT_EQ(store->dossier_cursor("loc").value(), "c1");
  // Version 4: receipts moved into tombstones, cursors per municipality, chains.
  auto tomb = store->tombstone("22222222-2222-4222-8222-222222222222").value();
  ASSERT_TRUE(tomb.has_value());
  EXPECT_EQ(tomb->ack, (std::vector<std::uint8_t>{0x0a, 0x0b}));
  if (from >= 3) {
    EXPECT_EQ(store->dossier_cursor("locX").value(), "cursor-from-v3");
  }
  EXPECT_EQ(store->chain_head("GM0344").value().seq, 0);
  // Version 5: texts keep their id and body, not tied to a municipality; PINs need no change; not enrolled.
  auto text = store->text_version("pvt-test-1-nl").value();
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(text->gemeentecode, "");
  EXPECT_EQ(text->version, 0);
  EXPECT_FALSE(store->staff("s1").value()->must_change_pin);
  EXPECT_FALSE(store->applied_bundle().value().has_value());
  // Version 7: the tombstone knows its receiver (back-filled from the outbox); no deletions yet.
  EXPECT_EQ(store->tombstone_addressee("22222222-2222-4222-8222-222222222222").value(), "GM0344");
  EXPECT_TRUE(store->deletion_status().value().empty());
  auto view = store->load_dossier("m1");
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view.value().dossier.pip->leerroute.value, Leerroute::O);
  EXPECT_TRUE(store->integrity_check().value().empty());
  auto audit = store->verify_audit().value();
  EXPECT_TRUE(audit.ok) << audit.reason;
  // Reopening at the latest version is a no-op.
  store.reset();
  store = open_ok(db, key);
  EXPECT_EQ(store->schema_version(), Store::kSchemaVersion);
}

INSTANTIATE_TEST_SUITE_P(EarlierVersions, StoreMigration, ::testing::Range(1, Store::kSchemaVersion),
                         [](const auto& info) { return "v" + std::to_string(info.param); });

}  // namespace
}  // namespace balie::store::test
