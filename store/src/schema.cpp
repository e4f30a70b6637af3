// Schema and forward migrations of the record store (store/ layer). Add a migration by appending to
// kMigrations and bumping kLatestSchema (schema.h) and Store::kSchemaVersion; never edit a shipped
// one. Only SQLite 3.15 features: no UPSERT, RETURNING, window functions, generated columns.
//
// SQLCipher 4 upgrade path: a 3.x file (AES-256-CBC, HMAC-SHA1, 1024-byte pages, raw key) opens in
// SQLCipher 4 only after `PRAGMA cipher_migrate` (one-time, rewrites the file with 4.x defaults:
// HMAC-SHA512, 4096-byte pages) or with `PRAGMA cipher_compatibility = 3` on every open. Plan: on the
// first open with a 4.x library, run cipher_migrate right after PRAGMA key, check that it returned 0,
// then continue; take a copy first (sqlcipher_export) because the migration rewrites the file.
// We use only PRAGMAs present in both versions (key, journal_mode, synchronous, foreign_keys,
// secure_delete, temp_store, integrity_check), so nothing else changes with that upgrade.
#include "schema.h"

#include <string>

#include "db.h"
#include "util.h"

namespace balie::store::detail {
namespace {

// Backfills residents.search_key (added in version 2) from the names, V-nummer and room; version 11
// recomputes every key with the current folding.
int backfill_search_keys(sqlite3* db) {
  Stmt sel(db, "SELECT id, naam_eigen_schrift, naam_latijns, v_nummer, kamer FROM residents");
  if (!sel.ok()) return sel.prepare_rc();
  Stmt upd(db, "UPDATE residents SET search_key = ?1 WHERE id = ?2");
  if (!upd.ok()) return upd.prepare_rc();
  int rc;
  while ((rc = sel.step()) == SQLITE_ROW) {
    std::string key = fold_for_search(sel.text(1)) + "\n" + fold_for_search(sel.text(2)) + "\n" +
                      fold_for_search(sel.text(3)) + "\n" + fold_for_search(sel.text(4));
    upd.bind(1, key).bind(2, sel.text(0));
    int urc = upd.step();
    if (urc != SQLITE_DONE) return urc;
    upd.reset();
  }
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

struct Migration {
  int version;
  const char* description;
  const char* sql;
  int (*after)(sqlite3*);
};

const Migration kMigrations[] = {
    {1, "initial schema", R"SQL(
CREATE TABLE device_config(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  kiosk_id TEXT NOT NULL, location_id TEXT NOT NULL, location_name TEXT NOT NULL);
CREATE TABLE residents(
  id TEXT PRIMARY KEY,
  v_nummer TEXT NOT NULL DEFAULT '', bsn TEXT NOT NULL DEFAULT '', gemeente_client_id TEXT NOT NULL DEFAULT '',
  naam_eigen_schrift TEXT NOT NULL DEFAULT '', naam_latijns TEXT NOT NULL DEFAULT '',
  geboortedatum TEXT NOT NULL DEFAULT '', voorkeurstaal TEXT NOT NULL DEFAULT '',
  location_id TEXT NOT NULL DEFAULT '', kamer TEXT NOT NULL DEFAULT '',
  gemeentecode TEXT NOT NULL DEFAULT '', gekoppeld_sinds TEXT NOT NULL DEFAULT '',
  eerdere_koppelingen TEXT NOT NULL DEFAULT '[]',
  doelgroep TEXT NOT NULL DEFAULT '', regime TEXT NOT NULL DEFAULT '');
CREATE INDEX residents_location ON residents(location_id, naam_latijns);
CREATE TABLE dossier_items(
  resident_id TEXT NOT NULL REFERENCES residents(id) ON DELETE CASCADE,
  kind TEXT NOT NULL, seq INTEGER NOT NULL,
  bron TEXT NOT NULL DEFAULT '', bekend_tot TEXT NOT NULL DEFAULT '', body TEXT NOT NULL,
  PRIMARY KEY (resident_id, kind, seq)) WITHOUT ROWID;
CREATE TABLE staff(
  id TEXT PRIMARY KEY, display_name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('coa_staff', 'municipality_host', 'technician')),
  gemeentecodes TEXT NOT NULL DEFAULT '', pin_hash TEXT NOT NULL, active INTEGER NOT NULL DEFAULT 1);
CREATE TABLE text_versions(
  version_id TEXT PRIMARY KEY, kind TEXT NOT NULL, language TEXT NOT NULL,
  title TEXT NOT NULL, body TEXT NOT NULL, sha256 TEXT NOT NULL);
CREATE TABLE records(
  record_id TEXT PRIMARY KEY, kind TEXT NOT NULL, resident_id TEXT NOT NULL,
  text_version_id TEXT NOT NULL, decision TEXT NOT NULL, staff_id TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL, payload_sha256 TEXT NOT NULL);
CREATE INDEX records_resident ON records(resident_id);
CREATE TABLE outbox(
  record_id TEXT PRIMARY KEY REFERENCES records(record_id) ON DELETE CASCADE,
  kind TEXT NOT NULL, addressee TEXT NOT NULL, created_at INTEGER NOT NULL,
  payload BLOB, payload_sha256 TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'held', 'failed', 'acknowledged')),
  attempts INTEGER NOT NULL DEFAULT 0, last_attempt_at INTEGER, last_error TEXT NOT NULL DEFAULT '',
  ack BLOB);
CREATE INDEX outbox_queue ON outbox(addressee, state, created_at);
CREATE TABLE tombstones(
  record_id TEXT PRIMARY KEY, payload_sha256 TEXT NOT NULL, acknowledged_at INTEGER NOT NULL);
CREATE TABLE routes(
  gemeentecode TEXT PRIMARY KEY, endpoint_base_url TEXT NOT NULL, ca_certificate_pem TEXT NOT NULL,
  pinned_public_key TEXT NOT NULL, ack_verify_key BLOB NOT NULL, box_public_key BLOB NOT NULL);
CREATE TABLE sync_state(
  gemeentecode TEXT PRIMARY KEY, last_success INTEGER, last_error TEXT NOT NULL DEFAULT '');
CREATE TABLE audit_log(
  seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
  detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
)SQL",
     nullptr},
    {2, "PIN lockout and name search", R"SQL(
ALTER TABLE staff ADD COLUMN failed_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE staff ADD COLUMN lockout_level INTEGER NOT NULL DEFAULT 0;
ALTER TABLE staff ADD COLUMN locked_until INTEGER;
ALTER TABLE residents ADD COLUMN search_key TEXT NOT NULL DEFAULT '';
)SQL",
     backfill_search_keys},
    {3, "held outbox entries, sync attempts, dossier feed cursor", R"SQL(
ALTER TABLE outbox ADD COLUMN held_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE sync_state ADD COLUMN last_attempt INTEGER;
CREATE TABLE feed_cursor(location_id TEXT PRIMARY KEY, cursor TEXT NOT NULL);
)SQL",
     nullptr},
    {4, "record chains, receipts in tombstones, feed cursor per municipality", R"SQL(
CREATE TABLE chain_heads(
  gemeentecode TEXT PRIMARY KEY, seq INTEGER NOT NULL, package_sha256 TEXT NOT NULL);
ALTER TABLE outbox ADD COLUMN chain_seq INTEGER;
ALTER TABLE tombstones ADD COLUMN ack BLOB;
UPDATE tombstones SET ack = (SELECT o.ack FROM outbox o WHERE o.record_id = tombstones.record_id);
UPDATE outbox SET ack = NULL;
CREATE TABLE feed_cursor_v4(
  location_id TEXT NOT NULL, gemeentecode TEXT NOT NULL DEFAULT '', cursor TEXT NOT NULL,
  PRIMARY KEY (location_id, gemeentecode));
INSERT INTO feed_cursor_v4(location_id, gemeentecode, cursor) SELECT location_id, '', cursor FROM feed_cursor;
DROP TABLE feed_cursor;
ALTER TABLE feed_cursor_v4 RENAME TO feed_cursor;
)SQL",
     nullptr},
    {5, "enrolment bundles, first-login PINs, texts per municipality with numeric versions", R"SQL(
ALTER TABLE staff ADD COLUMN must_change_pin INTEGER NOT NULL DEFAULT 0;
ALTER TABLE staff ADD COLUMN pin_origin TEXT NOT NULL DEFAULT '';
ALTER TABLE text_versions ADD COLUMN gemeentecode TEXT NOT NULL DEFAULT '';
ALTER TABLE text_versions ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
CREATE INDEX text_versions_current ON text_versions(kind, language, gemeentecode, version);
CREATE TABLE enrolment(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  bundle_version INTEGER NOT NULL, bundle_sha256 TEXT NOT NULL, issued_at TEXT NOT NULL,
  applied_at INTEGER NOT NULL, device_id TEXT NOT NULL, location_id TEXT NOT NULL,
  device_ed25519_pk TEXT NOT NULL, tls_certificate_pem TEXT NOT NULL,
  coa_endpoint TEXT NOT NULL, coa_ca_pem TEXT NOT NULL, coa_pins TEXT NOT NULL,
  ntp_servers TEXT NOT NULL, sync_window TEXT NOT NULL);
)SQL",
     nullptr},
    {6, "per-municipality PVT settings from the enrolment bundle (is a vastgesteld PIP required)", R"SQL(
CREATE TABLE municipality_settings(
  gemeentecode TEXT PRIMARY KEY, pip_required INTEGER NOT NULL DEFAULT 1 CHECK (pip_required IN (0, 1)));
)SQL",
     nullptr},
    {7, "deletion requests after a withdrawn obligation, receiver per tombstone", R"SQL(
ALTER TABLE tombstones ADD COLUMN addressee TEXT NOT NULL DEFAULT '';
ALTER TABLE tombstones ADD COLUMN package_sha256 TEXT NOT NULL DEFAULT '';
UPDATE tombstones SET addressee = COALESCE((SELECT o.addressee FROM outbox o WHERE o.record_id = tombstones.record_id), '');
CREATE TABLE deletions(
  deletion_id TEXT PRIMARY KEY, reason TEXT NOT NULL, created_at INTEGER NOT NULL,
  dropped INTEGER NOT NULL DEFAULT 0);
CREATE TABLE deletion_requests(
  deletion_id TEXT NOT NULL REFERENCES deletions(deletion_id), addressee TEXT NOT NULL,
  records TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_attempt_at INTEGER,
  last_error TEXT NOT NULL DEFAULT '', receipt BLOB, receipt_at INTEGER,
  PRIMARY KEY (deletion_id, addressee));
)SQL",
     nullptr},
    {8, "consent state per resident and purpose, consent events queued for COA, bundle purposes", R"SQL(
CREATE TABLE consent_state(
  resident_id TEXT NOT NULL, purpose TEXT NOT NULL, decision TEXT NOT NULL,
  decided_at INTEGER NOT NULL, expires_at INTEGER, record_id TEXT NOT NULL, text_version_id TEXT NOT NULL,
  source TEXT NOT NULL, PRIMARY KEY (resident_id, purpose));
CREATE TABLE coa_consent_queue(
  record_id TEXT PRIMARY KEY, resident_id TEXT NOT NULL, purpose TEXT NOT NULL, decision TEXT NOT NULL,
  decided_at INTEGER NOT NULL, expires_at INTEGER, text_version_id TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '');
CREATE TRIGGER consent_state_resident_gone AFTER DELETE ON residents
  BEGIN DELETE FROM consent_state WHERE resident_id = old.id; END;
ALTER TABLE enrolment ADD COLUMN consent_purposes TEXT NOT NULL DEFAULT '[]';
)SQL",
     nullptr},
    {9, "void records: which record a staff member voided, by which void record, and why", R"SQL(
CREATE TABLE voided_records(
  record_id TEXT PRIMARY KEY, void_record_id TEXT NOT NULL UNIQUE, addressee TEXT NOT NULL,
  payload_sha256 TEXT NOT NULL, package_sha256 TEXT NOT NULL, reason TEXT NOT NULL,
  staff_id TEXT NOT NULL, voided_at INTEGER NOT NULL, already_delivered INTEGER NOT NULL);
)SQL",
     nullptr},
    {10, "fields of a resident from which bidi formatting characters were removed at ingestion", R"SQL(
ALTER TABLE residents ADD COLUMN bidi_stripped TEXT NOT NULL DEFAULT '';
)SQL",
     nullptr},
    // Issue 18: the search folding (util.cpp) now folds Arabic/Persian/Sorani letter variants, hamza
    // forms and digits of every script; the stored keys are recomputed with it.
    {11, "search keys recomputed: Arabic, Persian and Sorani letter variants fold together", "",
     backfill_search_keys},
};

}  // namespace

int read_schema_version(sqlite3* db, int* version) {
  Stmt st(db, "PRAGMA user_version");
  if (!st.ok()) return st.prepare_rc();
  int rc = st.step();
  if (rc != SQLITE_ROW) return rc;
  *version = static_cast<int>(st.int64(0));
  return SQLITE_OK;
}

Status migrate(sqlite3* db, int target, const std::function<Status(int)>& audit) {
  for (const auto& m : kMigrations) {
    if (m.version > target) break;
    Transaction tx(db, Transaction::Kind::Immediate);
    if (tx.begin_rc() != SQLITE_OK) return map_error(db, tx.begin_rc(), "starting a schema migration");
    int current = 0;
    // Re-read inside the write lock: the other process may have migrated meanwhile.
    if (int rc = read_schema_version(db, &current); rc != SQLITE_OK) return map_error(db, rc, "reading the schema version");
    if (current >= m.version) continue;
    if (current != m.version - 1) {
      return StoreError{StoreErrc::Corrupt, "schema version " + std::to_string(current) + " has no migration path"};
    }
    std::string what = "migrating the database to schema version " + std::to_string(m.version) + " (" +
                       m.description + ")";
    if (int rc = exec(db, m.sql); rc != SQLITE_OK) return map_error(db, rc, what);
    if (m.after != nullptr) {
      if (int rc = m.after(db); rc != SQLITE_OK) return map_error(db, rc, what);
    }
    std::string bump = "PRAGMA user_version = " + std::to_string(m.version);
    if (int rc = exec(db, bump.c_str()); rc != SQLITE_OK) return map_error(db, rc, what);
    if (Status s = audit(m.version); !s.ok()) return s;
    if (int rc = tx.commit(); rc != SQLITE_OK) return map_error(db, rc, what);
  }
  return {};
}

}  // namespace balie::store::detail
