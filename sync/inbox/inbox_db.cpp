// InboxDb implementation: schema, idempotent record storage with chain checks, dossier feed.
// Every write path runs in one transaction; on any error it rolls back so nothing is stored half.
#include "inbox_db.h"

#include <cstdint>
#include <nlohmann/json.hpp>

#include "balie/record/codec.h"
#include "balie/record/evidence.h"
#include "balie/record/json_limits.h"
#include "balie/record/sqlite_stmt.h"

namespace balie::inbox {
namespace {
using json = nlohmann::json;
using record::Errc;
using record::make_error;

using Stmt = record::sql::Stmt;

// JSON this inbox stored itself (checked when it arrived), back as a value; null if unreadable.
json stored_json(const std::string& text, std::size_t max) {
  auto j = record::parse_json_limited(text, record::JsonLimits{max}, "stored JSON");
  return j ? std::move(*j) : json();
}

const char* kSchema = R"SQL(
PRAGMA journal_mode=WAL;
PRAGMA synchronous=FULL;
CREATE TABLE IF NOT EXISTS devices(device_id TEXT PRIMARY KEY, ed25519_pk TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records(
  record_id TEXT PRIMARY KEY, device_id TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL,
  gemeentecode TEXT NOT NULL, created_at TEXT NOT NULL, received_at TEXT NOT NULL,
  package_sha256 TEXT NOT NULL, prev_sha256 TEXT NOT NULL, chain_gap INTEGER NOT NULL,
  public_json TEXT NOT NULL, sensitive_json TEXT NOT NULL, ack_json TEXT NOT NULL,
  UNIQUE(device_id, seq));
CREATE TABLE IF NOT EXISTS residents(
  resident_id TEXT PRIMARY KEY, locatiecode TEXT NOT NULL, state TEXT NOT NULL, reason TEXT,
  dossier_json TEXT, change_seq INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS residents_feed ON residents(locatiecode, change_seq);
CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS feed_problems(
  device_id TEXT NOT NULL, locatiecode TEXT NOT NULL, resident_id TEXT NOT NULL, problem TEXT NOT NULL,
  detail TEXT NOT NULL, cursor TEXT NOT NULL, received_at TEXT NOT NULL,
  UNIQUE(device_id, resident_id, problem, cursor));
INSERT OR IGNORE INTO meta VALUES('change_seq', 0);
CREATE TABLE IF NOT EXISTS deleted_records(
  record_id TEXT PRIMARY KEY, device_id TEXT NOT NULL, seq INTEGER NOT NULL, package_sha256 TEXT NOT NULL,
  deletion_id TEXT NOT NULL, reason TEXT NOT NULL, deleted_at TEXT NOT NULL, UNIQUE(device_id, seq));
PRAGMA secure_delete=ON;
)SQL";
}  // namespace

Result<std::unique_ptr<InboxDb>> InboxDb::open(const std::string& path, const std::string& g) {
  std::unique_ptr<InboxDb> d(new InboxDb());
  d->gemeentecode_ = g;
  if (sqlite3_open_v2(path.c_str(), &d->db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK)
    return make_error(Errc::store, "cannot open inbox database " + path);
  sqlite3_busy_timeout(d->db_, 5000);
  if (auto s = d->exec(kSchema); !s) return s.error();
  // Devices enrolled before locations were recorded get an empty location (no feed until re-enrolled).
  bool has_loc = false;
  {
    Stmt c(d->db_, "SELECT 1 FROM pragma_table_info('devices') WHERE name='locatiecode'");
    has_loc = c.step() == SQLITE_ROW;
  }
  if (!has_loc)
    if (auto s = d->exec("ALTER TABLE devices ADD COLUMN locatiecode TEXT NOT NULL DEFAULT ''"); !s) return s.error();
  if (auto s = d->duo_create_tables(); !s) return s.error();

  if (auto s = d->open_doc_schema(); !s) return s.error();

  if (auto s = d->open_api_tables(); !s) return s.error();  // changes feed (inbox_db_api.cpp)

  if (auto s = d->open_keys_schema(); !s) return s.error();  // inbox_db_keys.cpp
  return d;
}

InboxDb::~InboxDb() { sqlite3_close(db_); }

Status InboxDb::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string m = err ? err : "unknown";
    sqlite3_free(err);
    return make_error(Errc::store, "sqlite: " + m);
  }
  return Status::Ok();
}

Status InboxDb::enroll_device(const std::string& id, const std::string& pk, const std::string& loc) {
  auto b = record::from_hex(pk);
  if (!sync::is_token(id, 64) || !b || b->size() != 32)
    return make_error(Errc::invalid_input, "device id or Ed25519 public key (64 hex) invalid");
  if (!sync::is_token(loc, 64)) return make_error(Errc::invalid_input, "locatiecode must be a token ([A-Za-z0-9._-]{1,64})");
  std::lock_guard l(mu_);
  Stmt s(db_, "INSERT OR REPLACE INTO devices(device_id, ed25519_pk, locatiecode) VALUES(?,?,?)");
  s.bind(1, id);
  s.bind(2, pk);
  s.bind(3, loc);
  if (s.step() != SQLITE_DONE) return make_error(Errc::store, "enroll failed");
  return Status::Ok();
}

Result<std::optional<record::Key32>> InboxDb::device_key(const std::string& id) {
  std::lock_guard l(mu_);
  Stmt s(db_, "SELECT ed25519_pk FROM devices WHERE device_id=?");
  s.bind(1, id);
  if (s.step() != SQLITE_ROW) return std::optional<record::Key32>{};
  auto b = record::from_hex(s.text(0));
  if (!b || b->size() != 32) return make_error(Errc::store, "stored device key corrupt");
  record::Key32 k;
  std::copy(b->begin(), b->end(), k.begin());
  return std::optional<record::Key32>{k};
}

Result<std::string> InboxDb::device_location(const std::string& id) {
  std::lock_guard l(mu_);
  Stmt s(db_, "SELECT locatiecode FROM devices WHERE device_id=?");
  s.bind(1, id);
  if (s.step() != SQLITE_ROW) return std::string();
  return s.text(0);
}

Result<record::ChainHead> InboxDb::chain_head(const std::string& id) {
  std::lock_guard l(mu_);
  // Deleted records (deletion requests) keep their place in the chain.
  Stmt s(db_, "SELECT seq, package_sha256 FROM records WHERE device_id=?1 UNION ALL "
              "SELECT seq, package_sha256 FROM deleted_records WHERE device_id=?1 ORDER BY 1 DESC LIMIT 1");
  s.bind(1, id);
  int rc = s.step();
  if (rc == SQLITE_DONE) return record::ChainHead{};
  if (rc != SQLITE_ROW) return make_error(Errc::store, "reading the chain head failed");
  return record::ChainHead{static_cast<std::uint64_t>(s.int64(0)), s.text(1)};
}

Status InboxDb::store_feed_problems(const std::string& device_id, const sync::FeedProblemReport& r, std::time_t now) {
  std::lock_guard l(mu_);
  if (auto s = exec("BEGIN IMMEDIATE"); !s) return s;
  const std::string received = record::format_utc(now);
  for (const auto& p : r.problems) {
    Stmt s(db_, "INSERT OR IGNORE INTO feed_problems VALUES(?,?,?,?,?,?,?)");
    s.bind(1, device_id);
    s.bind(2, r.locatiecode);
    s.bind(3, p.resident_id);
    s.bind(4, p.problem);
    s.bind(5, p.detail);
    s.bind(6, r.cursor);
    s.bind(7, received);
    if (s.step() != SQLITE_DONE) {
      (void)exec("ROLLBACK");
      return make_error(Errc::store, "storing the feed problem failed");
    }
  }
  return exec("COMMIT");
}

Result<std::string> InboxDb::dump_feed_problems() {
  std::lock_guard l(mu_);
  Stmt s(db_, "SELECT device_id, locatiecode, resident_id, problem, detail, cursor, received_at FROM feed_problems "
              "ORDER BY received_at, rowid");
  json arr = json::array();
  while (s.step() == SQLITE_ROW)
    arr.push_back({{"device_id", s.text(0)}, {"locatiecode", s.text(1)}, {"resident_id", s.text(2)},
                   {"problem", s.text(3)}, {"detail", s.text(4)}, {"cursor", s.text(5)}, {"received_at", s.text(6)}});
  return arr.dump(1);
}

namespace {
// Does a record with `prev` follow the stored record (package hash, kind, public part)? Its own package,
// or, for a void that took a voided record's chain place (record.void), the voided record's package.
bool links_to(const std::string& package, const std::string& kind, const std::string& public_json,
              const std::string& prev) {
  if (package == prev) return true;
  if (kind != record::kVoidRecordKind) return false;
  json pub = stored_json(public_json, record::kMaxPublicBytes);
  auto it = pub.is_object() ? pub.find("voided_package_sha256") : pub.end();
  return it != pub.end() && it->is_string() && !it->get<std::string>().empty() && it->get<std::string>() == prev;
}
}  // namespace

Result<std::string> InboxDb::check_chains() {
  std::lock_guard l(mu_);
  // Records deleted on a terminal's deletion request keep a stub (seq + package hash, no prev): the
  // chain runs through it, and only its successor's link into it can be checked.
  Stmt s(db_, "SELECT device_id, seq, record_id, kind, package_sha256, prev_sha256, public_json, 0 FROM records "
              "UNION ALL SELECT device_id, seq, record_id, '', package_sha256, '', '{}', 1 FROM deleted_records "
              "ORDER BY 1, 2");
  json devices = json::array();
  bool all_ok = true;
  json cur;
  std::int64_t last_seq = 0;
  std::string last_pkg, last_kind, last_pub;
  auto flush = [&] {
    if (cur.is_null()) return;
    all_ok = all_ok && cur["ok"].get<bool>();
    devices.push_back(std::move(cur));
    cur = json();
  };
  while (s.step() == SQLITE_ROW) {
    const std::string dev = s.text(0);
    const std::int64_t seq = s.int64(1);
    if (cur.is_null() || cur["device_id"] != dev) {
      flush();
      cur = {{"device_id", dev}, {"first_seq", seq}, {"records", 0}, {"deleted", 0}, {"voids", json::array()}, {"problems", json::array()}, {"ok", true}};
      last_seq = 0;
    }
    const bool deleted_stub = s.int64(7) != 0;
    cur[deleted_stub ? "deleted" : "records"] = cur.value(deleted_stub ? "deleted" : "records", 0) + 1;
    cur["head_seq"] = seq;
    if (last_seq != 0) {
      if (seq != last_seq + 1) {
        cur["problems"].push_back("seq " + std::to_string(last_seq + 1) + ".." + std::to_string(seq - 1) + " missing");
        cur["ok"] = false;
      } else if (!deleted_stub && !links_to(last_pkg, last_kind, last_pub, s.text(5))) {
        cur["problems"].push_back("seq " + std::to_string(seq) + " does not follow seq " + std::to_string(last_seq));
        cur["ok"] = false;
      }
    }
    if (s.text(3) == record::kVoidRecordKind) {
      json pub = stored_json(s.text(6), record::kMaxPublicBytes);
      cur["voids"].push_back({{"seq", seq}, {"void_record_id", s.text(2)}, {"public", pub}});
    }
    last_seq = seq;
    last_pkg = s.text(4);
    last_kind = s.text(3);
    last_pub = s.text(6);
  }
  flush();
  return json{{"ok", all_ok}, {"devices", devices}}.dump(1);
}

Result<std::vector<StoredOutcome>> InboxDb::store_batch(const std::vector<IncomingRecord>& recs,
                                                        const record::SigningKey& signer, std::time_t now) {
  std::lock_guard l(mu_);
  if (auto s = exec("BEGIN IMMEDIATE"); !s) return s.error();
  std::vector<StoredOutcome> out;
  auto fail = [&](const std::string& m) -> Result<std::vector<StoredOutcome>> {
    (void)exec("ROLLBACK");
    return make_error(Errc::store, m);
  };
  const std::string received = record::format_utc(now);
  for (const auto& r : recs) {
    const auto& e = r.env;
    StoredOutcome o;
    auto reject = [&](int status, const std::string& title, const std::string& detail) {
      o.result = "rejected";
      o.problem = sync::Problem{"https://balie.invalid/problems/" + title, title, status, detail};
    };
    Stmt q(db_, "SELECT package_sha256 FROM records WHERE record_id=?");
    q.bind(1, e.record_id);
    int rc = q.step();
    if (rc == SQLITE_ROW) {
      if (q.text(0) == e.package_sha256) {
        o.result = "duplicate";
        o.ack_json = record::make_ack_json({e.record_id, gemeentecode_, e.package_sha256, "duplicate", received, {}}, signer);
      } else {
        reject(409, "record-id-reused", "record_id already stored with a different package");
      }
      out.push_back(std::move(o));
      continue;
    }
    if (rc != SQLITE_DONE) return fail("lookup failed");
    {  // Deleted on the terminal's request (obligation withdrawn): never stored again.
      Stmt del(db_, "SELECT 1 FROM deleted_records WHERE record_id=?");
      del.bind(1, e.record_id);
      if (del.step() == SQLITE_ROW) {
        reject(410, "record-deleted", "this record was deleted on the device's deletion request");
        out.push_back(std::move(o));
        continue;
      }
    }
    Stmt c(db_, "SELECT record_id FROM records WHERE device_id=? AND seq=?");
    c.bind(1, e.device_id);
    c.bind(2, static_cast<std::int64_t>(e.seq));
    if (c.step() == SQLITE_ROW) {
      reject(409, "chain-conflict", "another record already holds seq " + std::to_string(e.seq) + " of this device");
      out.push_back(std::move(o));
      continue;
    }
    int gap = 0;
    if (e.seq == 1) {
      if (e.prev_sha256 != std::string(64, '0')) {
        reject(409, "chain-mismatch", "first record of a chain must have a zero prev_sha256");
        out.push_back(std::move(o));
        continue;
      }
    } else {
      Stmt p(db_, "SELECT package_sha256, kind, public_json FROM records WHERE device_id=?1 AND seq=?2 UNION ALL "
                  "SELECT package_sha256, '', '{}' FROM deleted_records WHERE device_id=?1 AND seq=?2");
      p.bind(1, e.device_id);
      p.bind(2, static_cast<std::int64_t>(e.seq - 1));
      if (p.step() == SQLITE_ROW) {
        if (!links_to(p.text(0), p.text(1), p.text(2), e.prev_sha256)) {
          reject(409, "chain-mismatch", "prev_sha256 does not match the stored predecessor");
          out.push_back(std::move(o));
          continue;
        }
      } else {
        gap = 1;  // predecessor not (yet) here: accepted, flagged for the municipality
      }
    }
    // The successor may have come first (stored with a gap). This record must then be the one it
    // links to: otherwise it is a fork of the chain (two records for one place), refused whichever of
    // them arrived first (the successor's own link is checked against a stored predecessor above).
    if (e.seq < static_cast<std::uint64_t>(INT64_MAX)) {
      Stmt nx(db_, "SELECT record_id, prev_sha256 FROM records WHERE device_id=? AND seq=?");
      nx.bind(1, e.device_id);
      nx.bind(2, static_cast<std::int64_t>(e.seq + 1));
      if (nx.step() == SQLITE_ROW && !links_to(e.package_sha256, e.kind, e.public_json, nx.text(1))) {
        reject(409, "chain-mismatch",
               "fork: the stored seq " + std::to_string(e.seq + 1) + " (record " + nx.text(0) +
                   ") links to another record than this one at seq " + std::to_string(e.seq));
        out.push_back(std::move(o));
        continue;
      }
    }
    o.result = "stored";
    o.ack_json = record::make_ack_json({e.record_id, gemeentecode_, e.package_sha256, "stored", received, {}}, signer);
    Stmt ins(db_, "INSERT INTO records VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)");
    ins.bind(1, e.record_id);
    ins.bind(2, e.device_id);
    ins.bind(3, static_cast<std::int64_t>(e.seq));
    ins.bind(4, e.kind);
    ins.bind(5, e.gemeentecode);
    ins.bind(6, e.created_at);
    ins.bind(7, received);
    ins.bind(8, e.package_sha256);
    ins.bind(9, e.prev_sha256);
    ins.bind(10, gap);
    ins.bind(11, e.public_json);
    ins.bind(12, r.sensitive);
    ins.bind(13, o.ack_json);
    if (ins.step() != SQLITE_DONE) return fail(std::string("insert failed: ") + sqlite3_errmsg(db_));
    if (!note_change_locked("record", e.record_id, now)) return fail(std::string("change log: ") + sqlite3_errmsg(db_));
    // A predecessor that arrives late (a held record released, or the void that took its place)
    // closes the gap its successor was flagged with (it links: checked above).
    Stmt nx(db_, "SELECT record_id, prev_sha256 FROM records WHERE device_id=? AND seq=? AND chain_gap=1");
    nx.bind(1, e.device_id);
    nx.bind(2, static_cast<std::int64_t>(e.seq + 1));
    if (e.seq < static_cast<std::uint64_t>(INT64_MAX) && nx.step() == SQLITE_ROW &&
        links_to(e.package_sha256, e.kind, e.public_json, nx.text(1))) {
      Stmt up(db_, "UPDATE records SET chain_gap=0 WHERE record_id=?");
      up.bind(1, nx.text(0));
      if (up.step() != SQLITE_DONE) return fail(std::string("update failed: ") + sqlite3_errmsg(db_));
    }
    out.push_back(std::move(o));
  }
  if (auto s = exec("COMMIT"); !s) return fail(s.error().message);
  return out;
}

Result<std::string> InboxDb::delete_records(const std::string& device_id, const sync::DeletionRequest& q,
                                            const record::SigningKey& signer, std::time_t now) {
  std::lock_guard l(mu_);
  if (auto s = exec("BEGIN IMMEDIATE"); !s) return s.error();
  auto fail = [&](const std::string& m) -> Result<std::string> {
    (void)exec("ROLLBACK");
    return make_error(Errc::store, m);
  };
  const std::string at = record::format_utc(now);
  sync::DeletionReceipt receipt{q.deletion_id, gemeentecode_, device_id, q.reason, at, {}, {}};
  for (const auto& x : q.records) {
    sync::DeletionOutcome o{x.record_id, x.package_sha256, "not_held"};
    Stmt gone(db_, "SELECT 1 FROM deleted_records WHERE record_id=? AND device_id=? AND package_sha256=?");
    gone.bind(1, x.record_id);
    gone.bind(2, device_id);
    gone.bind(3, x.package_sha256);
    if (gone.step() == SQLITE_ROW) {
      o.result = "deleted";
    } else {
      Stmt sel(db_, "SELECT seq FROM records WHERE record_id=? AND device_id=? AND package_sha256=?");
      sel.bind(1, x.record_id);
      sel.bind(2, device_id);
      sel.bind(3, x.package_sha256);
      int rc = sel.step();
      if (rc == SQLITE_ROW) {
        const std::int64_t seq = sel.int64(0);
        Stmt del(db_, "DELETE FROM records WHERE record_id=?");
        del.bind(1, x.record_id);
        if (del.step() != SQLITE_DONE) return fail(std::string("delete failed: ") + sqlite3_errmsg(db_));
        Stmt stub(db_, "INSERT INTO deleted_records VALUES(?,?,?,?,?,?,?)");
        stub.bind(1, x.record_id);
        stub.bind(2, device_id);
        stub.bind(3, seq);
        stub.bind(4, x.package_sha256);
        stub.bind(5, q.deletion_id);
        stub.bind(6, q.reason);
        stub.bind(7, at);
        if (stub.step() != SQLITE_DONE) return fail(std::string("stub insert failed: ") + sqlite3_errmsg(db_));
        if (!note_change_locked("deletion", x.record_id, now)) return fail(std::string("change log: ") + sqlite3_errmsg(db_));
        o.result = "deleted";
      } else if (rc != SQLITE_DONE) {
        return fail("lookup failed");
      }
    }
    receipt.records.push_back(std::move(o));
  }
  if (auto s = exec("COMMIT"); !s) return fail(s.error().message);
  // The deleted rows' pages are overwritten (secure_delete) and the WAL is emptied into the main file.
  (void)sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  return sync::make_deletion_receipt_json(std::move(receipt), signer);
}

Result<std::string> InboxDb::dump_deletions() {
  std::lock_guard l(mu_);
  Stmt s(db_, "SELECT record_id, device_id, seq, package_sha256, deletion_id, reason, deleted_at FROM deleted_records "
              "ORDER BY deleted_at, rowid");
  json arr = json::array();
  while (s.step() == SQLITE_ROW)
    arr.push_back({{"record_id", s.text(0)}, {"device_id", s.text(1)}, {"seq", s.int64(2)}, {"package_sha256", s.text(3)},
                   {"deletion_id", s.text(4)}, {"reason", s.text(5)}, {"deleted_at", s.text(6)}});
  return arr.dump(1);
}

Status InboxDb::import_dossiers(const std::string& text) {
  auto parsed = record::parse_json_limited(text, record::JsonLimits{kMaxDossierImportBytes}, "dossier import");
  if (!parsed) return parsed.error();
  json j = std::move(*parsed);
  if (!j.is_object() || !j.contains("residents") || !j["residents"].is_array())
    return make_error(Errc::invalid_input, "dossier import must be {\"residents\":[...]}");
  std::lock_guard l(mu_);
  if (auto s = exec("BEGIN IMMEDIATE"); !s) return s;
  Stmt g(db_, "SELECT v FROM meta WHERE k='change_seq'");
  g.step();
  std::int64_t seq = g.int64(0);
  for (const auto& r : j["residents"]) {
    if (!r.is_object() || !r.contains("resident_id") || !r["resident_id"].is_string() || !r.contains("locatiecode") ||
        !r["locatiecode"].is_string() || !sync::is_token(r["resident_id"].get<std::string>(), 64) ||
        !sync::is_token(r["locatiecode"].get<std::string>(), 64)) {
      (void)exec("ROLLBACK");
      return make_error(Errc::invalid_input, "each resident needs resident_id and locatiecode tokens");
    }
    std::string state = "active", reason, dossier;
    if (r.contains("purge")) {
      if (!r["purge"].is_string() || !sync::is_purge_reason(r["purge"].get<std::string>())) {
        (void)exec("ROLLBACK");
        return make_error(Errc::invalid_input, "unknown purge reason");
      }
      state = "purged";
      reason = r["purge"].get<std::string>();
    } else {
      if (!r.contains("dossier") || !r["dossier"].is_object()) {
        (void)exec("ROLLBACK");
        return make_error(Errc::invalid_input, "active resident needs a dossier object");
      }
      dossier = r["dossier"].dump();
      if (dossier.size() > sync::kMaxDossierBytes) {  // the feed could never carry it
        (void)exec("ROLLBACK");
        return make_error(Errc::limit, "dossier of " + r["resident_id"].get<std::string>() + " is " +
                                           std::to_string(dossier.size()) + " bytes, more than the feed limit of " +
                                           std::to_string(sync::kMaxDossierBytes));
      }
    }
    Stmt s(db_, "INSERT OR REPLACE INTO residents VALUES(?,?,?,?,?,?)");
    s.bind(1, r["resident_id"].get<std::string>());
    s.bind(2, r["locatiecode"].get<std::string>());
    s.bind(3, state);
    s.bind(4, reason);
    s.bind(5, dossier);
    s.bind(6, ++seq);
    if (s.step() != SQLITE_DONE) {
      (void)exec("ROLLBACK");
      return make_error(Errc::store, "resident insert failed");
    }
  }
  Stmt u(db_, "UPDATE meta SET v=? WHERE k='change_seq'");
  u.bind(1, seq);
  u.step();
  return exec("COMMIT");
}

Result<sync::DossierBatch> InboxDb::dossier_updates(const std::string& loc, const std::string& cursor, std::size_t limit) {
  std::int64_t from = 0;
  if (!cursor.empty()) {
    if (cursor.size() > 18) return make_error(Errc::invalid_input, "cursor invalid");
    for (char c : cursor)
      if (c < '0' || c > '9') return make_error(Errc::invalid_input, "cursor invalid");
    from = std::stoll(cursor);
  }
  std::lock_guard l(mu_);
  Stmt s(db_, "SELECT resident_id, state, reason, dossier_json, change_seq FROM residents "
              "WHERE locatiecode=? AND change_seq>? ORDER BY change_seq LIMIT ?");
  s.bind(1, loc);
  s.bind(2, from);
  s.bind(3, static_cast<std::int64_t>(limit) + 1);
  sync::DossierBatch b;
  b.gemeentecode = gemeentecode_;
  b.locatiecode = loc;
  b.cursor = cursor;
  std::int64_t last = from;
  while (s.step() == SQLITE_ROW) {
    if (b.items.size() == limit) {
      b.more = true;
      break;
    }
    sync::DossierItem it;
    it.resident_id = s.text(0);
    if (s.text(1) == "purged") {
      it.action = "purge";
      it.reason = s.text(2);
    } else {
      it.action = "upsert";
      it.dossier_json = s.text(3);
    }
    last = s.int64(4);
    b.items.push_back(std::move(it));
  }
  b.next_cursor = std::to_string(last);
  return b;
}

Result<std::string> InboxDb::dump_records(bool sens) {
  std::lock_guard l(mu_);
  Stmt s(db_, "SELECT record_id, device_id, seq, kind, gemeentecode, created_at, received_at, package_sha256, "
              "chain_gap, public_json, sensitive_json FROM records ORDER BY device_id, seq");
  json arr = json::array();
  while (s.step() == SQLITE_ROW) {
    json o = {{"record_id", s.text(0)}, {"device_id", s.text(1)}, {"seq", s.int64(2)}, {"kind", s.text(3)},
              {"gemeentecode", s.text(4)}, {"created_at", s.text(5)}, {"received_at", s.text(6)},
              {"package_sha256", s.text(7)}, {"chain_gap", s.int64(8) != 0},
              {"public", stored_json(s.text(9), record::kMaxPublicBytes)}};
    if (sens) o["sensitive"] = stored_json(s.text(10), record::kMaxSensitiveBytes);
    arr.push_back(std::move(o));
  }
  return arr.dump(1);
}

}  // namespace balie::inbox
