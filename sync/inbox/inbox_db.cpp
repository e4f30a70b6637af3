// InboxDb implementation: versioned schema, idempotent record storage with chain checks, deletions,
// dossier feed. Written once on the SQL port (sql_port.h), so the SQLCipher and PostgreSQL backends
// run the same statements. Every write path runs in one transaction (retried as a whole when another
// receiver instance on the same PostgreSQL database won a race); on any error nothing is stored half.
// Personal columns (records.sensitive_json, residents.dossier_json) are sealed with ColumnCipher.
#include "inbox_db.h"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>

#include "balie/record/codec.h"
#include "balie/record/evidence.h"
#include "balie/record/json_limits.h"

namespace balie::inbox {
namespace {
using json = nlohmann::json;
using record::Errc;
using record::make_error;
using sql::Value;

// JSON this inbox stored itself (checked when it arrived), back as a value; null if unreadable.
json stored_json(const std::string& text, std::size_t max) {
  auto j = record::parse_json_limited(text, record::JsonLimits{max}, "stored JSON");
  return j ? std::move(*j) : json();
}

// Forward migrations, one transaction each; migration i takes the schema from version i to i+1.
// Portable SQL only (TEXT/BIGINT/INTEGER, no AUTOINCREMENT): the same text runs on both backends.
const std::vector<const char*> kMigrations = {
    // 1: the receiver as of issue 17 (explicit `ord` counters replace SQLite's rowid for dump order).
    R"SQL(
CREATE TABLE devices(device_id TEXT PRIMARY KEY, ed25519_pk TEXT NOT NULL, locatiecode TEXT NOT NULL DEFAULT '');
CREATE TABLE records(
  record_id TEXT PRIMARY KEY, device_id TEXT NOT NULL, seq BIGINT NOT NULL, kind TEXT NOT NULL,
  gemeentecode TEXT NOT NULL, created_at TEXT NOT NULL, received_at TEXT NOT NULL,
  package_sha256 TEXT NOT NULL, prev_sha256 TEXT NOT NULL, chain_gap INTEGER NOT NULL,
  public_json TEXT NOT NULL, sensitive_json TEXT NOT NULL, ack_json TEXT NOT NULL,
  UNIQUE(device_id, seq));
CREATE TABLE residents(
  resident_id TEXT PRIMARY KEY, locatiecode TEXT NOT NULL, state TEXT NOT NULL, reason TEXT,
  dossier_json TEXT, change_seq BIGINT NOT NULL);
CREATE INDEX residents_feed ON residents(locatiecode, change_seq);
CREATE TABLE meta(k TEXT PRIMARY KEY, v BIGINT NOT NULL);
INSERT INTO meta(k, v) VALUES('change_seq', 0);
CREATE TABLE feed_problems(
  device_id TEXT NOT NULL, locatiecode TEXT NOT NULL, resident_id TEXT NOT NULL, problem TEXT NOT NULL,
  detail TEXT NOT NULL, cursor TEXT NOT NULL, received_at TEXT NOT NULL, ord BIGINT NOT NULL,
  UNIQUE(device_id, resident_id, problem, cursor));
CREATE TABLE deleted_records(
  record_id TEXT PRIMARY KEY, device_id TEXT NOT NULL, seq BIGINT NOT NULL, package_sha256 TEXT NOT NULL,
  deletion_id TEXT NOT NULL, reason TEXT NOT NULL, deleted_at TEXT NOT NULL, ord BIGINT NOT NULL,
  UNIQUE(device_id, seq));
CREATE TABLE key_check(id INTEGER PRIMARY KEY, sealed TEXT NOT NULL);
)SQL",
    // 2: DUO registration state (inbox_db_duo.cpp), kept envelopes and verification log (inbox_db_doc.cpp),
    // the case systems' change feed (inbox_db_api.cpp; backfilled with what is already held), key notes and
    // chain deletions (inbox_db_keys.cpp). No personal columns: DUO answers are stored masked.
    R"SQL(
CREATE TABLE duo_registrations(
  record_id TEXT PRIMARY KEY, bericht_id TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL,
  last_http_status INTEGER, last_answer TEXT, received_at BIGINT NOT NULL, first_sent_at BIGINT,
  decided_at BIGINT, deadline_date TEXT);
CREATE TABLE record_evidence(
  record_id TEXT PRIMARY KEY, envelope TEXT NOT NULL, ack_pk TEXT NOT NULL, kept_at BIGINT NOT NULL);
CREATE TABLE evidence_checks(
  check_no BIGINT PRIMARY KEY, record_id TEXT NOT NULL, checked_at BIGINT NOT NULL, purpose TEXT NOT NULL,
  exit_code INTEGER NOT NULL, detail TEXT NOT NULL);
CREATE TABLE changes(
  change_seq BIGINT PRIMARY KEY, kind TEXT NOT NULL, record_id TEXT NOT NULL, at BIGINT NOT NULL);
CREATE TABLE duo_seen(record_id TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE record_opening_keys(
  record_id TEXT PRIMARY KEY, box_key_id TEXT NOT NULL, opened_at BIGINT NOT NULL);
CREATE TABLE chain_deletions(
  deletion_id TEXT PRIMARY KEY, reason TEXT NOT NULL, requested_at BIGINT NOT NULL, answer_json TEXT NOT NULL);
)SQL",
};

// What the key check row holds (sealed under the data key): a wrong key is refused at open on both
// backends, before anything is read or written.
constexpr const char* kKeyCheck = "balie-inbox key check";

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

Result<std::unique_ptr<InboxDb>> InboxDb::open(const std::string& path, std::span<const std::uint8_t> key,
                                               const std::string& g) {
  return open(StorageConfig{path, ""}, key, g);
}

Result<std::unique_ptr<InboxDb>> InboxDb::open(const StorageConfig& where, std::span<const std::uint8_t> key,
                                               const std::string& g) {
  if (key.size() != 32) return make_error(Errc::invalid_input, "the inbox database key must be exactly 32 bytes");
  if (where.db_path.empty() == where.pg_conninfo.empty())
    return make_error(Errc::invalid_input, "give exactly one of a database file (--db) and PostgreSQL (--pg)");
  std::unique_ptr<InboxDb> d(new InboxDb());
  d->gemeentecode_ = g;
  auto c = where.db_path.empty() ? sql::open_postgres(where.pg_conninfo) : sql::open_sqlcipher(where.db_path, key);
  if (!c) return c.error();
  d->sql_ = std::move(*c);
  d->cipher_ = std::make_unique<ColumnCipher>(key);
  if (auto s = d->check_key(); !s) return s.error();
  if (auto s = d->migrate(); !s) return s.error();
  if (auto s = d->check_key(); !s) return s.error();
  return d;
}

InboxDb::~InboxDb() = default;

Result<int> InboxDb::schema_version() {
  std::lock_guard l(mu_);
  auto r = sql_->query("SELECT version FROM schema_version");
  if (!r) return r.error();
  return r->empty() ? 0 : static_cast<int>(r->front().int64(0));
}

Status InboxDb::check_key() {
  // Before the first migration there is nothing to check (and nothing a wrong key could spoil).
  auto v = sql_->query("SELECT version FROM schema_version");
  if (!v || v->empty() || v->front().int64(0) < 1) return Status::Ok();
  return sql_->transaction([&]() -> Status {
    auto r = sql_->query("SELECT sealed FROM key_check WHERE id=1");
    if (!r) return r.error();
    if (r->empty()) {
      auto i = sql_->exec("INSERT INTO key_check(id, sealed) VALUES(1, ?) ON CONFLICT (id) DO NOTHING",
                          {cipher_->seal(kKeyCheck, "key_check")});
      return i ? Status::Ok() : Status(i.error());
    }
    auto p = cipher_->open(r->front().text(0), "key_check");
    if (!p || *p != kKeyCheck)
      return make_error(Errc::crypto, "the database key does not open this inbox database (wrong key); nothing was changed");
    return Status::Ok();
  });
}

Status InboxDb::migrate() {
  if (auto s = sql_->transaction([&]() -> Status {
        if (auto s = sql_->exec_script("CREATE TABLE IF NOT EXISTS schema_version(version BIGINT NOT NULL)"); !s) return s;
        auto r = sql_->query("SELECT version FROM schema_version");
        if (!r) return r.error();
        if (r->empty())
          if (auto e = sql_->exec("INSERT INTO schema_version(version) VALUES(0)"); !e) return e.error();
        return Status::Ok();
      });
      !s)
    return s;
  for (;;) {
    bool done = false;
    auto s = sql_->transaction([&]() -> Status {
      auto r = sql_->query("SELECT version FROM schema_version");
      if (!r) return r.error();
      const std::int64_t v = r->empty() ? 0 : r->front().int64(0);
      if (v > kSchemaVersion)
        return make_error(Errc::store, "the inbox database has schema version " + std::to_string(v) +
                                           ", newer than this balie-inbox knows (" + std::to_string(kSchemaVersion) +
                                           "); install the newer balie-inbox. Nothing was changed");
      done = v == kSchemaVersion;
      if (done) return Status::Ok();
      if (auto e = sql_->exec_script(kMigrations[static_cast<std::size_t>(v)]); !e)
        return make_error(Errc::store, "migration to schema version " + std::to_string(v + 1) + " failed: " + e.error().message);
      if (auto e = sql_->exec("UPDATE schema_version SET version=?", {v + 1}); !e) return e.error();
      return Status::Ok();
    });
    if (!s) return s;
    if (done) return Status::Ok();
  }
}

std::string InboxDb::seal_sensitive(const std::string& id, const std::string& plain) const {
  return cipher_->seal(plain, "records.sensitive_json|" + id);
}
Result<std::string> InboxDb::open_sensitive(const std::string& id, const std::string& sealed) const {
  return cipher_->open(sealed, "records.sensitive_json|" + id);
}
std::string InboxDb::seal_dossier(const std::string& id, const std::string& plain) const {
  return cipher_->seal(plain, "residents.dossier_json|" + id);
}
Result<std::string> InboxDb::open_dossier(const std::string& id, const std::string& sealed) const {
  return cipher_->open(sealed, "residents.dossier_json|" + id);
}

Status InboxDb::enroll_device(const std::string& id, const std::string& pk, const std::string& loc) {
  auto b = record::from_hex(pk);
  if (!sync::is_token(id, 64) || !b || b->size() != 32)
    return make_error(Errc::invalid_input, "device id or Ed25519 public key (64 hex) invalid");
  if (!sync::is_token(loc, 64)) return make_error(Errc::invalid_input, "locatiecode must be a token ([A-Za-z0-9._-]{1,64})");
  std::lock_guard l(mu_);
  return sql_->transaction([&]() -> Status {
    auto u = sql_->exec("UPDATE devices SET ed25519_pk=?, locatiecode=? WHERE device_id=?", {pk, loc, id});
    if (!u) return u.error();
    if (*u == 0)
      if (auto i = sql_->exec("INSERT INTO devices(device_id, ed25519_pk, locatiecode) VALUES(?,?,?)", {id, pk, loc}); !i)
        return i.error();
    return Status::Ok();
  });
}

Result<std::optional<record::Key32>> InboxDb::device_key(const std::string& id) {
  std::lock_guard l(mu_);
  auto r = sql_->query("SELECT ed25519_pk FROM devices WHERE device_id=?", {id});
  if (!r) return r.error();
  if (r->empty()) return std::optional<record::Key32>{};
  auto b = record::from_hex(r->front().text(0));
  if (!b || b->size() != 32) return make_error(Errc::store, "stored device key corrupt");
  record::Key32 k;
  std::copy(b->begin(), b->end(), k.begin());
  return std::optional<record::Key32>{k};
}

Result<std::string> InboxDb::device_location(const std::string& id) {
  std::lock_guard l(mu_);
  auto r = sql_->query("SELECT locatiecode FROM devices WHERE device_id=?", {id});
  if (!r) return r.error();
  return r->empty() ? std::string() : r->front().text(0);
}

Result<record::ChainHead> InboxDb::chain_head(const std::string& id) {
  std::lock_guard l(mu_);
  // Deleted records (deletion requests) keep their place in the chain.
  auto r = sql_->query("SELECT seq, package_sha256 FROM records WHERE device_id=?1 UNION ALL "
                       "SELECT seq, package_sha256 FROM deleted_records WHERE device_id=?1 ORDER BY 1 DESC LIMIT 1",
                       {id});
  if (!r) return make_error(Errc::store, "reading the chain head failed: " + r.error().message);
  if (r->empty()) return record::ChainHead{};
  return record::ChainHead{static_cast<std::uint64_t>(r->front().int64(0)), r->front().text(1)};
}

Status InboxDb::store_feed_problems(const std::string& device_id, const sync::FeedProblemReport& rep, std::time_t now) {
  std::lock_guard l(mu_);
  const std::string received = record::format_utc(now);
  return sql_->transaction([&]() -> Status {
    auto m = sql_->query("SELECT COALESCE(MAX(ord), 0) FROM feed_problems");
    if (!m) return m.error();
    std::int64_t ord = m->empty() ? 0 : m->front().int64(0);
    for (const auto& p : rep.problems) {
      auto i = sql_->exec(
          "INSERT INTO feed_problems(device_id, locatiecode, resident_id, problem, detail, cursor, received_at, ord) "
          "VALUES(?,?,?,?,?,?,?,?) ON CONFLICT (device_id, resident_id, problem, cursor) DO NOTHING",
          {device_id, rep.locatiecode, p.resident_id, p.problem, p.detail, rep.cursor, received, ord + 1});
      if (!i) return make_error(Errc::store, "storing the feed problem failed: " + i.error().message);
      if (*i > 0) ++ord;
    }
    return Status::Ok();
  });
}

Result<std::string> InboxDb::dump_feed_problems() {
  std::lock_guard l(mu_);
  auto r = sql_->query("SELECT device_id, locatiecode, resident_id, problem, detail, cursor, received_at FROM feed_problems "
                       "ORDER BY ord");
  if (!r) return r.error();
  json arr = json::array();
  for (const auto& s : *r)
    arr.push_back({{"device_id", s.text(0)}, {"locatiecode", s.text(1)}, {"resident_id", s.text(2)},
                   {"problem", s.text(3)}, {"detail", s.text(4)}, {"cursor", s.text(5)}, {"received_at", s.text(6)}});
  return arr.dump(1);
}

Result<std::string> InboxDb::check_chains() {
  std::lock_guard l(mu_);
  // Records deleted on a terminal's deletion request keep a stub (seq + package hash, no prev): the
  // chain runs through it, and only its successor's link into it can be checked.
  auto rows = sql_->query("SELECT device_id, seq, record_id, kind, package_sha256, prev_sha256, public_json, 0 FROM records "
                          "UNION ALL SELECT device_id, seq, record_id, '', package_sha256, '', '{}', 1 FROM deleted_records "
                          "ORDER BY 1, 2");
  if (!rows) return rows.error();
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
  for (const auto& s : *rows) {
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
  std::vector<StoredOutcome> out;
  const std::string received = record::format_utc(now);
  const std::string signer_pk_hex = record::to_hex(signer.public_key.data(), signer.public_key.size());
  auto body = [&]() -> Status {
    out.clear();  // a retried attempt starts again from what the database holds now
    for (const auto& r : recs) {
      const auto& e = r.env;
      StoredOutcome o;
      auto reject = [&](int status, const std::string& title, const std::string& detail) {
        o.result = "rejected";
        o.problem = sync::Problem{"https://balie.invalid/problems/" + title, title, status, detail};
        out.push_back(std::move(o));
      };
      const std::int64_t seq = static_cast<std::int64_t>(e.seq);
      auto q = sql_->query("SELECT package_sha256 FROM records WHERE record_id=?", {e.record_id});
      if (!q) return make_error(Errc::store, "lookup failed: " + q.error().message);
      if (!q->empty()) {
        if (q->front().text(0) == e.package_sha256) {
          if (auto k = keep_envelope_tx(e, signer_pk_hex, now); !k) return k;
          o.result = "duplicate";
          o.ack_json = record::make_ack_json({e.record_id, gemeentecode_, e.package_sha256, "duplicate", received, {}}, signer);
          out.push_back(std::move(o));
        } else {
          reject(409, "record-id-reused", "record_id already stored with a different package");
        }
        continue;
      }
      // Deleted on the terminal's request (obligation withdrawn): never stored again.
      auto del = sql_->query("SELECT 1 FROM deleted_records WHERE record_id=?", {e.record_id});
      if (!del) return del.error();
      if (!del->empty()) {
        reject(410, "record-deleted", "this record was deleted on the device's deletion request");
        continue;
      }
      auto c = sql_->query("SELECT record_id FROM records WHERE device_id=? AND seq=?", {e.device_id, seq});
      if (!c) return c.error();
      if (!c->empty()) {
        reject(409, "chain-conflict", "another record already holds seq " + std::to_string(e.seq) + " of this device");
        continue;
      }
      int gap = 0;
      if (e.seq == 1) {
        if (e.prev_sha256 != std::string(64, '0')) {
          reject(409, "chain-mismatch", "first record of a chain must have a zero prev_sha256");
          continue;
        }
      } else {
        auto p = sql_->query("SELECT package_sha256, kind, public_json FROM records WHERE device_id=?1 AND seq=?2 UNION ALL "
                             "SELECT package_sha256, '', '{}' FROM deleted_records WHERE device_id=?1 AND seq=?2",
                             {e.device_id, seq - 1});
        if (!p) return p.error();
        if (!p->empty()) {
          if (!links_to(p->front().text(0), p->front().text(1), p->front().text(2), e.prev_sha256)) {
            reject(409, "chain-mismatch", "prev_sha256 does not match the stored predecessor");
            continue;
          }
        } else {
          gap = 1;  // predecessor not (yet) here: accepted, flagged for the municipality
        }
      }
      // The successor may have come first (stored with a gap). This record must then be the one it
      // links to: otherwise it is a fork of the chain (two records for one place), refused whichever of
      // them arrived first (the successor's own link is checked against a stored predecessor above).
      std::optional<sql::Row> next;
      if (e.seq < static_cast<std::uint64_t>(INT64_MAX)) {
        auto nx = sql_->query("SELECT record_id, prev_sha256, chain_gap FROM records WHERE device_id=? AND seq=?",
                              {e.device_id, seq + 1});
        if (!nx) return nx.error();
        if (!nx->empty()) next = nx->front();
        if (next && !links_to(e.package_sha256, e.kind, e.public_json, next->text(1))) {
          reject(409, "chain-mismatch",
                 "fork: the stored seq " + std::to_string(e.seq + 1) + " (record " + next->text(0) +
                     ") links to another record than this one at seq " + std::to_string(e.seq));
          continue;
        }
      }
      o.result = "stored";
      o.ack_json = record::make_ack_json({e.record_id, gemeentecode_, e.package_sha256, "stored", received, {}}, signer);
      auto ins = sql_->exec(
          "INSERT INTO records(record_id, device_id, seq, kind, gemeentecode, created_at, received_at, package_sha256, "
          "prev_sha256, chain_gap, public_json, sensitive_json, ack_json) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
          {e.record_id, e.device_id, seq, e.kind, e.gemeentecode, e.created_at, received, e.package_sha256,
           e.prev_sha256, std::int64_t{gap}, e.public_json, seal_sensitive(e.record_id, r.sensitive), o.ack_json});
      if (!ins) return make_error(Errc::store, "insert failed: " + ins.error().message);
      if (auto ch = note_change_tx("record", e.record_id, now); !ch) return ch;
      if (auto k = keep_envelope_tx(e, signer_pk_hex, now); !k) return k;
      // A predecessor that arrives late (a held record released, or the void that took its place)
      // closes the gap its successor was flagged with (it links: checked above).
      if (next && next->int64(2) == 1) {
        auto up = sql_->exec("UPDATE records SET chain_gap=0 WHERE record_id=?", {next->text(0)});
        if (!up) return make_error(Errc::store, "update failed: " + up.error().message);
      }
      out.push_back(std::move(o));
    }
    return Status::Ok();
  };
  if (auto s = sql_->transaction(body); !s) return s.error();
  return out;
}

Result<std::string> InboxDb::delete_records(const std::string& device_id, const sync::DeletionRequest& q,
                                            const record::SigningKey& signer, std::time_t now) {
  std::lock_guard l(mu_);
  const std::string at = record::format_utc(now);
  sync::DeletionReceipt receipt;
  auto s = sql_->transaction([&]() -> Status {
    receipt = sync::DeletionReceipt{q.deletion_id, gemeentecode_, device_id, q.reason, at, {}, {}};
    auto m = sql_->query("SELECT COALESCE(MAX(ord), 0) FROM deleted_records");
    if (!m) return m.error();
    std::int64_t ord = m->empty() ? 0 : m->front().int64(0);
    for (const auto& x : q.records) {
      sync::DeletionOutcome o{x.record_id, x.package_sha256, "not_held"};
      auto gone = sql_->query("SELECT 1 FROM deleted_records WHERE record_id=? AND device_id=? AND package_sha256=?",
                              {x.record_id, device_id, x.package_sha256});
      if (!gone) return gone.error();
      if (!gone->empty()) {
        o.result = "deleted";
      } else {
        auto sel = sql_->query("SELECT seq FROM records WHERE record_id=? AND device_id=? AND package_sha256=?",
                               {x.record_id, device_id, x.package_sha256});
        if (!sel) return make_error(Errc::store, "lookup failed: " + sel.error().message);
        if (!sel->empty()) {
          const std::int64_t seq = sel->front().int64(0);
          if (auto d = sql_->exec("DELETE FROM records WHERE record_id=?", {x.record_id}); !d)
            return make_error(Errc::store, "delete failed: " + d.error().message);
          if (auto st = sql_->exec("INSERT INTO deleted_records(record_id, device_id, seq, package_sha256, deletion_id, "
                                   "reason, deleted_at, ord) VALUES(?,?,?,?,?,?,?,?)",
                                   {x.record_id, device_id, seq, x.package_sha256, q.deletion_id, q.reason, at, ++ord});
              !st)
            return make_error(Errc::store, "stub insert failed: " + st.error().message);
          if (auto dv = erase_derived_tx(x.record_id, now); !dv) return dv;
          o.result = "deleted";
        }
      }
      receipt.records.push_back(std::move(o));
    }
    return Status::Ok();
  });
  if (!s) return s.error();
  // SQLCipher: the deleted rows' pages are overwritten (secure_delete) and the WAL emptied into the file.
  sql_->after_delete();
  return sync::make_deletion_receipt_json(std::move(receipt), signer);
}

Result<std::string> InboxDb::dump_deletions() {
  std::lock_guard l(mu_);
  auto r = sql_->query("SELECT record_id, device_id, seq, package_sha256, deletion_id, reason, deleted_at FROM deleted_records "
                       "ORDER BY ord");
  if (!r) return r.error();
  json arr = json::array();
  for (const auto& s : *r)
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
  // Checked before the transaction: bad input is refused whole, with nothing written.
  struct Item {
    std::string id, loc, state, reason, dossier;
  };
  std::vector<Item> items;
  for (const auto& r : j["residents"]) {
    if (!r.is_object() || !r.contains("resident_id") || !r["resident_id"].is_string() || !r.contains("locatiecode") ||
        !r["locatiecode"].is_string() || !sync::is_token(r["resident_id"].get<std::string>(), 64) ||
        !sync::is_token(r["locatiecode"].get<std::string>(), 64))
      return make_error(Errc::invalid_input, "each resident needs resident_id and locatiecode tokens");
    Item it{r["resident_id"].get<std::string>(), r["locatiecode"].get<std::string>(), "active", "", ""};
    if (r.contains("purge")) {
      if (!r["purge"].is_string() || !sync::is_purge_reason(r["purge"].get<std::string>()))
        return make_error(Errc::invalid_input, "unknown purge reason");
      it.state = "purged";
      it.reason = r["purge"].get<std::string>();
    } else {
      if (!r.contains("dossier") || !r["dossier"].is_object())
        return make_error(Errc::invalid_input, "active resident needs a dossier object");
      it.dossier = r["dossier"].dump();
      if (it.dossier.size() > sync::kMaxDossierBytes)  // the feed could never carry it
        return make_error(Errc::limit, "dossier of " + it.id + " is " + std::to_string(it.dossier.size()) +
                                           " bytes, more than the feed limit of " + std::to_string(sync::kMaxDossierBytes));
    }
    items.push_back(std::move(it));
  }
  std::lock_guard l(mu_);
  return sql_->transaction([&]() -> Status {
    auto g = sql_->query("SELECT v FROM meta WHERE k='change_seq'");
    if (!g) return g.error();
    std::int64_t seq = g->empty() ? 0 : g->front().int64(0);
    for (const auto& it : items) {
      const std::string sealed = seal_dossier(it.id, it.dossier);
      ++seq;
      auto u = sql_->exec("UPDATE residents SET locatiecode=?, state=?, reason=?, dossier_json=?, change_seq=? WHERE resident_id=?",
                          {it.loc, it.state, it.reason, sealed, seq, it.id});
      if (!u) return make_error(Errc::store, "resident update failed: " + u.error().message);
      if (*u == 0)
        if (auto i = sql_->exec("INSERT INTO residents(resident_id, locatiecode, state, reason, dossier_json, change_seq) "
                                "VALUES(?,?,?,?,?,?)",
                                {it.id, it.loc, it.state, it.reason, sealed, seq});
            !i)
          return make_error(Errc::store, "resident insert failed: " + i.error().message);
    }
    if (auto u = sql_->exec("UPDATE meta SET v=? WHERE k='change_seq'", {seq}); !u) return u.error();
    return Status::Ok();
  });
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
  auto rows = sql_->query("SELECT resident_id, state, reason, dossier_json, change_seq FROM residents "
                          "WHERE locatiecode=? AND change_seq>? ORDER BY change_seq LIMIT ?",
                          {loc, from, static_cast<std::int64_t>(limit) + 1});
  if (!rows) return rows.error();
  sync::DossierBatch b;
  b.gemeentecode = gemeentecode_;
  b.locatiecode = loc;
  b.cursor = cursor;
  std::int64_t last = from;
  for (const auto& s : *rows) {
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
      auto d = open_dossier(it.resident_id, s.text(3));
      if (!d) return d.error();
      it.dossier_json = std::move(*d);
    }
    last = s.int64(4);
    b.items.push_back(std::move(it));
  }
  b.next_cursor = std::to_string(last);
  return b;
}

Result<std::string> InboxDb::dump_records(bool sens) {
  std::lock_guard l(mu_);
  auto rows = sql_->query("SELECT record_id, device_id, seq, kind, gemeentecode, created_at, received_at, package_sha256, "
                          "chain_gap, public_json, sensitive_json FROM records ORDER BY device_id, seq");
  if (!rows) return rows.error();
  json arr = json::array();
  for (const auto& s : *rows) {
    json o = {{"record_id", s.text(0)}, {"device_id", s.text(1)}, {"seq", s.int64(2)}, {"kind", s.text(3)},
              {"gemeentecode", s.text(4)}, {"created_at", s.text(5)}, {"received_at", s.text(6)},
              {"package_sha256", s.text(7)}, {"chain_gap", s.int64(8) != 0},
              {"public", stored_json(s.text(9), record::kMaxPublicBytes)}};
    if (sens) {
      auto p = open_sensitive(s.text(0), s.text(10));
      if (!p) return p.error();
      o["sensitive"] = stored_json(*p, record::kMaxSensitiveBytes);
    }
    arr.push_back(std::move(o));
  }
  return arr.dump(1);
}

Result<std::int64_t> InboxDb::import_plaintext(const std::string& old_path) {
  auto oc = sql::open_sqlite_plaintext_readonly(old_path);
  if (!oc) return oc.error();
  sql::Connection& old = **oc;
  auto names = old.query("SELECT name FROM sqlite_master WHERE type='table'");
  if (!names) return names.error();
  std::set<std::string> tables;
  for (const auto& n : *names) tables.insert(n.text(0));
  if (!tables.count("records") || !tables.count("devices") || !tables.count("residents"))
    return make_error(Errc::invalid_input, old_path + " is not a balie-inbox database (no records/devices/residents)");
  auto devices = old.query("SELECT device_id, ed25519_pk, locatiecode FROM devices");
  if (!devices) devices = old.query("SELECT device_id, ed25519_pk, '' FROM devices");  // before locations
  auto records = old.query("SELECT record_id, device_id, seq, kind, gemeentecode, created_at, received_at, package_sha256, "
                           "prev_sha256, chain_gap, public_json, sensitive_json, ack_json FROM records ORDER BY rowid");
  auto residents = old.query("SELECT resident_id, locatiecode, state, reason, dossier_json, change_seq FROM residents");
  auto meta = old.query("SELECT v FROM meta WHERE k='change_seq'");
  sql::Rows none;
  auto problems = tables.count("feed_problems")
                      ? old.query("SELECT device_id, locatiecode, resident_id, problem, detail, cursor, received_at "
                                  "FROM feed_problems ORDER BY rowid")
                      : Result<sql::Rows>(none);
  auto deleted = tables.count("deleted_records")
                     ? old.query("SELECT record_id, device_id, seq, package_sha256, deletion_id, reason, deleted_at "
                                 "FROM deleted_records ORDER BY rowid")
                     : Result<sql::Rows>(none);
  for (auto* r : {&devices, &records, &residents, &meta, &problems, &deleted})
    if (!*r) return make_error(Errc::store, old_path + ": " + r->error().message);
  auto val = [](const sql::Row& row, std::size_t i) -> Value {
    if (row.is_null(i)) return nullptr;
    return row.text(i);
  };
  std::lock_guard l(mu_);
  auto s = sql_->transaction([&]() -> Status {
    auto have = sql_->query("SELECT count(*) FROM records");
    if (!have) return have.error();
    if (!have->empty() && have->front().int64(0) > 0)
      return make_error(Errc::invalid_input, "the target database already holds records; migrate into a new one");
    for (const auto& d : *devices) {
      auto u = sql_->exec("UPDATE devices SET ed25519_pk=?, locatiecode=? WHERE device_id=?", {d.text(1), d.text(2), d.text(0)});
      if (!u) return u.error();
      if (*u == 0)
        if (auto i = sql_->exec("INSERT INTO devices(device_id, ed25519_pk, locatiecode) VALUES(?,?,?)",
                                {d.text(0), d.text(1), d.text(2)});
            !i)
          return i.error();
    }
    for (const auto& r : *records)
      if (auto i = sql_->exec(
              "INSERT INTO records(record_id, device_id, seq, kind, gemeentecode, created_at, received_at, package_sha256, "
              "prev_sha256, chain_gap, public_json, sensitive_json, ack_json) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
              {r.text(0), r.text(1), r.int64(2), r.text(3), r.text(4), r.text(5), r.text(6), r.text(7), r.text(8),
               r.int64(9), r.text(10), seal_sensitive(r.text(0), r.text(11)), r.text(12)});
          !i)
        return i.error();
    // The case systems' change feed starts with what the old database held, in the order it came.
    const std::time_t now = std::time(nullptr);
    for (const auto& r : *records)
      if (auto c = note_change_tx("record", r.text(0), now); !c) return c;
    for (const auto& x : *deleted)
      if (auto c = note_change_tx("deletion", x.text(0), now); !c) return c;
    for (const auto& r : *residents) {
      if (auto d = sql_->exec("DELETE FROM residents WHERE resident_id=?", {r.text(0)}); !d) return d.error();
      if (auto i = sql_->exec("INSERT INTO residents(resident_id, locatiecode, state, reason, dossier_json, change_seq) "
                              "VALUES(?,?,?,?,?,?)",
                              {r.text(0), r.text(1), r.text(2), val(r, 3), seal_dossier(r.text(0), r.text(4)), r.int64(5)});
          !i)
        return i.error();
    }
    if (!meta->empty())
      if (auto u = sql_->exec("UPDATE meta SET v=? WHERE k='change_seq' AND v<?", {meta->front().int64(0), meta->front().int64(0)}); !u)
        return u.error();
    std::int64_t ord = 0;
    for (const auto& p : *problems)
      if (auto i = sql_->exec("INSERT INTO feed_problems(device_id, locatiecode, resident_id, problem, detail, cursor, "
                              "received_at, ord) VALUES(?,?,?,?,?,?,?,?) ON CONFLICT (device_id, resident_id, problem, cursor) DO NOTHING",
                              {p.text(0), p.text(1), p.text(2), p.text(3), p.text(4), p.text(5), p.text(6), ++ord});
          !i)
        return i.error();
    ord = 0;
    for (const auto& x : *deleted)
      if (auto i = sql_->exec("INSERT INTO deleted_records(record_id, device_id, seq, package_sha256, deletion_id, reason, "
                              "deleted_at, ord) VALUES(?,?,?,?,?,?,?,?)",
                              {x.text(0), x.text(1), x.int64(2), x.text(3), x.text(4), x.text(5), x.text(6), ++ord});
          !i)
        return i.error();
    return Status::Ok();
  });
  if (!s) return s.error();
  return static_cast<std::int64_t>(records->size());
}

}  // namespace balie::inbox
