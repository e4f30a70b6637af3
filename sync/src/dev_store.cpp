// DevStore implementation on SQLCipher (WAL, synchronous=FULL, busy timeout so the kiosk process
// and balie-syncd can share the file). Every mutation is a single statement or one transaction.
#include "balie/sync/dev_store.h"

#include <sqlite3.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "balie/sync/codec.h"

namespace balie::sync {
namespace {
using json = nlohmann::json;

struct Stmt {
  sqlite3_stmt* s = nullptr;
  Stmt(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &s, nullptr); }
  ~Stmt() { sqlite3_finalize(s); }
  Stmt& t(int i, const std::string& v) {
    sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& b(int i, const std::string& v) {
    sqlite3_bind_blob(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& n(int i, long long v) {
    sqlite3_bind_int64(s, i, v);
    return *this;
  }
  int step() { return s ? sqlite3_step(s) : SQLITE_ERROR; }
  std::string col(int i) {
    auto p = static_cast<const char*>(sqlite3_column_blob(s, i));
    return p ? std::string(p, sqlite3_column_bytes(s, i)) : std::string();
  }
  long long coli(int i) { return sqlite3_column_int64(s, i); }
  bool null(int i) { return sqlite3_column_type(s, i) == SQLITE_NULL; }
};

Error db_error(sqlite3* db, const std::string& what) {
  return make_error(Errc::store, what + ": " + sqlite3_errmsg(db));
}

bool key_from_hex(const std::string& h, Key32* k) {
  auto b = from_hex(h);
  if (!b || b->size() != 32) return false;
  std::copy(b->begin(), b->end(), k->begin());
  return true;
}

const char* kSchema = R"SQL(
CREATE TABLE IF NOT EXISTS outbox(record_id TEXT PRIMARY KEY, kind TEXT NOT NULL, gemeentecode TEXT NOT NULL,
  created_at INTEGER NOT NULL, payload BLOB, payload_sha256 TEXT NOT NULL, state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '', held_reason TEXT NOT NULL DEFAULT '',
  ack BLOB, acked_at INTEGER);
CREATE INDEX IF NOT EXISTS outbox_by_addressee ON outbox(gemeentecode, state, created_at);
CREATE TABLE IF NOT EXISTS routes(gemeentecode TEXT PRIMARY KEY, base_url TEXT NOT NULL, ca_pem TEXT NOT NULL,
  pinned_key TEXT NOT NULL, ed25519_pk TEXT NOT NULL, x25519_pk TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sync_state(gemeentecode TEXT PRIMARY KEY, last_success INTEGER, last_error TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS cursors(gemeentecode TEXT PRIMARY KEY, cursor TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dossiers(gemeentecode TEXT NOT NULL, resident_id TEXT NOT NULL, dossier_json TEXT NOT NULL,
  PRIMARY KEY(gemeentecode, resident_id));
CREATE TABLE IF NOT EXISTS chain(gemeentecode TEXT PRIMARY KEY, seq INTEGER NOT NULL, package_sha256 TEXT NOT NULL);
)SQL";
}  // namespace

Result<std::unique_ptr<DevStore>> DevStore::open(const std::string& path, const std::string& key_hex) {
  std::unique_ptr<DevStore> d(new DevStore());
  if (sqlite3_open_v2(path.c_str(), &d->db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK)
    return make_error(Errc::store, "cannot open store " + path);
  if (!key_hex.empty()) {
    Key32 k;
    if (!key_from_hex(key_hex, &k)) return make_error(Errc::invalid_input, "store key must be 64 hex characters");
    std::string pragma = "PRAGMA key = \"x'" + key_hex + "'\";";
    if (auto s = d->exec(pragma.c_str()); !s) return s.error();
  }
  sqlite3_busy_timeout(d->db_, 10000);
  if (auto s = d->exec("SELECT count(*) FROM sqlite_master;"); !s)
    return make_error(Errc::store, "store cannot be read (wrong key?): " + s.error().message);
  if (auto s = d->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"); !s) return s.error();
  if (auto s = d->exec(kSchema); !s) return s.error();
  return d;
}

DevStore::~DevStore() { sqlite3_close(db_); }

Status DevStore::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string m = err ? err : "unknown";
    sqlite3_free(err);
    return make_error(Errc::store, "store: " + m);
  }
  return Status::Ok();
}

Status DevStore::put_route(const Route& r) {
  if (!is_gemeentecode(r.gemeentecode)) return make_error(Errc::invalid_input, "route gemeentecode invalid");
  Stmt s(db_, "INSERT OR REPLACE INTO routes VALUES(?,?,?,?,?,?)");
  s.t(1, r.gemeentecode).t(2, r.base_url).t(3, r.ca_pem).t(4, r.pinned_key);
  s.t(5, to_hex(r.ed25519_pk.data(), 32)).t(6, to_hex(r.x25519_pk.data(), 32));
  if (s.step() != SQLITE_DONE) return db_error(db_, "put_route");
  return Status::Ok();
}

Status DevStore::remove_route(const std::string& g) {
  Stmt s(db_, "DELETE FROM routes WHERE gemeentecode=?");
  s.t(1, g);
  if (s.step() != SQLITE_DONE) return db_error(db_, "remove_route");
  return Status::Ok();
}

Status DevStore::import_routes_json(const std::string& text, const std::string& base_dir) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("routes") || !j["routes"].is_array())
    return make_error(Errc::invalid_input, "routing file must be {\"routes\":[...]}");
  for (const auto& r : j["routes"]) {
    Route rt;
    try {
      rt.gemeentecode = r.at("gemeentecode").get<std::string>();
      rt.base_url = r.at("base_url").get<std::string>();
      rt.pinned_key = r.at("pinned_key").get<std::string>();
      if (r.contains("ca_pem")) {
        rt.ca_pem = r["ca_pem"].get<std::string>();
      } else {
        std::string f = r.at("ca_file").get<std::string>();
        if (!f.empty() && f[0] != '/') f = base_dir + "/" + f;
        std::ifstream in(f);
        std::stringstream ss;
        ss << in.rdbuf();
        rt.ca_pem = ss.str();
        if (rt.ca_pem.empty()) return make_error(Errc::io, "cannot read CA file " + f);
      }
      if (!key_from_hex(r.at("ed25519_pk").get<std::string>(), &rt.ed25519_pk) ||
          !key_from_hex(r.at("x25519_pk").get<std::string>(), &rt.x25519_pk))
        return make_error(Errc::invalid_input, "route keys must be 64 hex characters");
    } catch (const std::exception&) {
      return make_error(Errc::invalid_input, "route entry lacks a required string field");
    }
    if (auto s = put_route(rt); !s) return s;
  }
  return Status::Ok();
}

Result<SealedRecord> DevStore::create_record(const RecordInput& in, const SigningKey& device) {
  auto rt = route(in.gemeentecode);
  if (!rt) return rt.error();
  if (!rt->has_value()) return make_error(Errc::routing, "no route (box key) for " + in.gemeentecode);
  if (auto s = exec("BEGIN IMMEDIATE"); !s) return s.error();
  ChainHead head;
  {
    Stmt c(db_, "SELECT seq, package_sha256 FROM chain WHERE gemeentecode=?");
    c.t(1, in.gemeentecode);
    if (c.step() == SQLITE_ROW) head = ChainHead{static_cast<std::uint64_t>(c.coli(0)), c.col(1)};
  }
  auto sealed = seal_record(in, device, (*rt)->x25519_pk, head);
  if (!sealed) {
    (void)exec("ROLLBACK");
    return sealed.error();
  }
  Stmt ins(db_, "INSERT INTO outbox(record_id,kind,gemeentecode,created_at,payload,payload_sha256,state) "
                "VALUES(?,?,?,?,?,?,'pending')");
  ins.t(1, in.record_id).t(2, in.kind).t(3, in.gemeentecode).n(4, in.created_at).b(5, sealed->envelope);
  ins.t(6, sealed->payload_sha256);
  Stmt ch(db_, "INSERT OR REPLACE INTO chain VALUES(?,?,?)");
  ch.t(1, in.gemeentecode).n(2, static_cast<long long>(sealed->next.seq)).t(3, sealed->next.package_sha256);
  if (ins.step() != SQLITE_DONE || ch.step() != SQLITE_DONE) {
    Error e = db_error(db_, "create_record");
    (void)exec("ROLLBACK");
    return e;
  }
  if (auto s = exec("COMMIT"); !s) return s.error();
  return sealed;
}

Result<std::string> DevStore::outbox_state(const std::string& id) {
  Stmt s(db_, "SELECT state FROM outbox WHERE record_id=?");
  s.t(1, id);
  int rc = s.step();
  if (rc == SQLITE_ROW) return s.col(0);
  if (rc == SQLITE_DONE) return std::string();
  return db_error(db_, "outbox_state");
}

Result<int> DevStore::dossier_count(const std::string& g) {
  Stmt s(db_, "SELECT count(*) FROM dossiers WHERE gemeentecode=?");
  s.t(1, g);
  if (s.step() != SQLITE_ROW) return db_error(db_, "dossier_count");
  return static_cast<int>(s.coli(0));
}

Result<std::string> DevStore::dossier(const std::string& g, const std::string& id) {
  Stmt s(db_, "SELECT dossier_json FROM dossiers WHERE gemeentecode=? AND resident_id=?");
  s.t(1, g).t(2, id);
  return s.step() == SQLITE_ROW ? s.col(0) : std::string();
}

Result<std::vector<std::string>> DevStore::gemeentecodes_with_work() {
  Stmt s(db_, "SELECT DISTINCT gemeentecode FROM outbox WHERE state IN ('pending','held') ORDER BY 1");
  std::vector<std::string> v;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) v.push_back(s.col(0));
  if (rc != SQLITE_DONE) return db_error(db_, "gemeentecodes_with_work");
  return v;
}

Result<std::vector<std::string>> DevStore::routed_gemeentecodes() {
  Stmt s(db_, "SELECT gemeentecode FROM routes ORDER BY 1");
  std::vector<std::string> v;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) v.push_back(s.col(0));
  if (rc != SQLITE_DONE) return db_error(db_, "routed_gemeentecodes");
  return v;
}

Result<std::vector<OutboxEntry>> DevStore::list_pending(const std::string& g, std::size_t max_count,
                                                        std::size_t max_bytes) {
  Stmt s(db_, "SELECT record_id, kind, gemeentecode, created_at, payload, payload_sha256, attempts FROM outbox "
              "WHERE gemeentecode=? AND state='pending' ORDER BY created_at, rowid LIMIT ?");
  s.t(1, g).n(2, static_cast<long long>(max_count));
  std::vector<OutboxEntry> v;
  std::size_t bytes = 0;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    OutboxEntry e{s.col(0), s.col(1), s.col(2), static_cast<std::time_t>(s.coli(3)), s.col(4), s.col(5),
                  static_cast<int>(s.coli(6))};
    if (!v.empty() && bytes + e.payload.size() > max_bytes) break;
    bytes += e.payload.size();
    v.push_back(std::move(e));
  }
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return db_error(db_, "list_pending");
  return v;
}

Result<std::optional<Route>> DevStore::route(const std::string& g) {
  Stmt s(db_, "SELECT base_url, ca_pem, pinned_key, ed25519_pk, x25519_pk FROM routes WHERE gemeentecode=?");
  s.t(1, g);
  int rc = s.step();
  if (rc == SQLITE_DONE) return std::optional<Route>{};
  if (rc != SQLITE_ROW) return db_error(db_, "route");
  Route r;
  r.gemeentecode = g;
  r.base_url = s.col(0);
  r.ca_pem = s.col(1);
  r.pinned_key = s.col(2);
  if (!key_from_hex(s.col(3), &r.ed25519_pk) || !key_from_hex(s.col(4), &r.x25519_pk))
    return make_error(Errc::store, "stored route keys corrupt for " + g);
  return std::optional<Route>{r};
}

Status DevStore::mark_attempt(const std::string& id, std::time_t, const std::string& error) {
  Stmt s(db_, error.empty() ? "UPDATE outbox SET attempts=attempts+1 WHERE record_id=?1"
                            : "UPDATE outbox SET last_error=?2 WHERE record_id=?1");
  s.t(1, id);
  if (!error.empty()) s.t(2, error);
  if (s.step() != SQLITE_DONE) return db_error(db_, "mark_attempt");
  return Status::Ok();
}

Status DevStore::hold_all(const std::string& g, const std::string& reason) {
  Stmt s(db_, "UPDATE outbox SET state='held', held_reason=? WHERE gemeentecode=? AND state IN ('pending','held')");
  s.t(1, reason).t(2, g);
  if (s.step() != SQLITE_DONE) return db_error(db_, "hold_all");
  return Status::Ok();
}

Status DevStore::release_held(const std::string& g) {
  Stmt s(db_, "UPDATE outbox SET state='pending', held_reason='' WHERE gemeentecode=? AND state='held'");
  s.t(1, g);
  if (s.step() != SQLITE_DONE) return db_error(db_, "release_held");
  return Status::Ok();
}

Status DevStore::mark_failed(const std::string& id, const std::string& error) {
  Stmt s(db_, "UPDATE outbox SET state='failed', last_error=? WHERE record_id=? AND state!='acknowledged'");
  s.t(1, error).t(2, id);
  if (s.step() != SQLITE_DONE) return db_error(db_, "mark_failed");
  return Status::Ok();
}

Status DevStore::store_acknowledgement(const std::string& id, const std::string& ack, std::time_t when) {
  Stmt s(db_, "UPDATE outbox SET state='acknowledged', payload=NULL, ack=?, acked_at=?, last_error='' "
              "WHERE record_id=?");
  s.b(1, ack).n(2, when).t(3, id);
  if (s.step() != SQLITE_DONE) return db_error(db_, "store_acknowledgement");
  return Status::Ok();
}

Status DevStore::record_sync_result(const std::string& g, std::time_t when, bool ok, const std::string& error) {
  // SQLite 3.15 (SQLCipher 3.4.1) has no UPSERT: insert the row once, then update it.
  Stmt i(db_, "INSERT OR IGNORE INTO sync_state(gemeentecode, last_success, last_error) VALUES(?, NULL, '')");
  i.t(1, g);
  if (i.step() != SQLITE_DONE) return db_error(db_, "record_sync_result");
  Stmt s(db_, ok ? "UPDATE sync_state SET last_success=?2, last_error='' WHERE gemeentecode=?1"
                 : "UPDATE sync_state SET last_error=?3 WHERE gemeentecode=?1");
  s.t(1, g);
  if (ok) s.n(2, when); else s.t(3, error);
  if (s.step() != SQLITE_DONE) return db_error(db_, "record_sync_result");
  return Status::Ok();
}

Result<std::string> DevStore::dossier_cursor(const std::string& g) {
  Stmt s(db_, "SELECT cursor FROM cursors WHERE gemeentecode=?");
  s.t(1, g);
  int rc = s.step();
  if (rc == SQLITE_ROW) return s.col(0);
  if (rc == SQLITE_DONE) return std::string();
  return db_error(db_, "dossier_cursor");
}

Status DevStore::apply_dossier_batch(const DossierBatch& b) {
  if (auto s = exec("BEGIN IMMEDIATE"); !s) return s;
  auto fail = [&](const char* what) {
    Error e = db_error(db_, what);
    (void)exec("ROLLBACK");
    return Status(e);
  };
  for (const auto& it : b.items) {
    if (it.action == "upsert") {
      Stmt s(db_, "INSERT OR REPLACE INTO dossiers VALUES(?,?,?)");
      s.t(1, b.gemeentecode).t(2, it.resident_id).t(3, it.dossier_json);
      if (s.step() != SQLITE_DONE) return fail("apply upsert");
    } else {
      Stmt s(db_, "DELETE FROM dossiers WHERE gemeentecode=? AND resident_id=?");
      s.t(1, b.gemeentecode).t(2, it.resident_id);
      if (s.step() != SQLITE_DONE) return fail("apply purge");
    }
  }
  Stmt c(db_, "INSERT OR REPLACE INTO cursors VALUES(?,?)");
  c.t(1, b.gemeentecode).t(2, b.next_cursor);
  if (c.step() != SQLITE_DONE) return fail("store cursor");
  return exec("COMMIT");
}

Result<std::vector<GemeenteCounts>> DevStore::counts() {
  Stmt s(db_, "SELECT g, "
              "(SELECT count(*) FROM outbox WHERE gemeentecode=g AND state='pending'),"
              "(SELECT count(*) FROM outbox WHERE gemeentecode=g AND state='held'),"
              "(SELECT count(*) FROM outbox WHERE gemeentecode=g AND state='failed'),"
              "(SELECT count(*) FROM outbox WHERE gemeentecode=g AND state='acknowledged'),"
              "(SELECT min(created_at) FROM outbox WHERE gemeentecode=g AND state IN ('pending','held','failed')),"
              "(SELECT last_success FROM sync_state WHERE gemeentecode=g),"
              "(SELECT last_error FROM sync_state WHERE gemeentecode=g),"
              "(SELECT held_reason FROM outbox WHERE gemeentecode=g AND state='held' LIMIT 1) "
              "FROM (SELECT gemeentecode AS g FROM outbox UNION SELECT gemeentecode FROM routes) ORDER BY g");
  std::vector<GemeenteCounts> v;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    GemeenteCounts c;
    c.gemeentecode = s.col(0);
    c.waiting = static_cast<int>(s.coli(1));
    c.held = static_cast<int>(s.coli(2));
    c.failed = static_cast<int>(s.coli(3));
    c.acknowledged = static_cast<int>(s.coli(4));
    if (!s.null(5)) c.oldest_waiting = static_cast<std::time_t>(s.coli(5));
    if (!s.null(6)) c.last_success = static_cast<std::time_t>(s.coli(6));
    c.last_error = s.col(7);
    c.held_reason = s.col(8);
    v.push_back(std::move(c));
  }
  if (rc != SQLITE_DONE) return db_error(db_, "counts");
  return v;
}

}  // namespace balie::sync
