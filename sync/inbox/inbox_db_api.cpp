// The case systems' change feed of balie-inbox (issue 17 item 5): a `changes` table numbered by a
// monotonic change_seq assigned inside the storing transaction (records stored, records deleted, DUO
// registration states seen), and the incremental export after a cursor. Portable SQL only (SQLite
// and PostgreSQL): BIGINT/TEXT/INTEGER, MAX()+1 inside the transaction, ON CONFLICT upserts.
#include <nlohmann/json.hpp>

#include "balie/record/evidence.h"
#include "balie/record/json_limits.h"
#include "balie/record/sqlite_stmt.h"
#include "inbox_db.h"

namespace balie::inbox {
namespace {
using json = nlohmann::json;
using record::Errc;
using record::make_error;
using Stmt = record::sql::Stmt;

// change_seq is the primary key: two writers that computed the same MAX()+1 cannot both commit (on
// PostgreSQL the second waits for the first and fails its transaction: the terminal sends again), so a reader never
// sees change N+1 committed before change N. duo_registrations is the DUO client's table (schema from
// the issue's shared facts; only the DUO client writes it): created here too so the export can read it
// in a receiver that has not registered anything yet. duo_seen: the state last turned into a change.
const char* kApiSchema = R"SQL(
CREATE TABLE IF NOT EXISTS changes(
  change_seq BIGINT PRIMARY KEY, kind TEXT NOT NULL, record_id TEXT NOT NULL, at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS duo_registrations(
  record_id TEXT PRIMARY KEY, bericht_id TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL,
  last_http_status INTEGER, last_answer TEXT, received_at BIGINT NOT NULL, first_sent_at BIGINT,
  decided_at BIGINT, deadline_date TEXT);
CREATE TABLE IF NOT EXISTS duo_seen(record_id TEXT PRIMARY KEY, state TEXT NOT NULL);
)SQL";

json parsed(const std::string& text, std::size_t max) {
  auto j = record::parse_json_limited(text, record::JsonLimits{max}, "stored JSON");
  return j && j->is_object() ? std::move(*j) : json::object();
}
std::string str(const json& j, const char* k) {
  auto it = j.find(k);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
json opt_int(const Stmt& s, int col) { return s.is_null(col) ? json() : json(s.int64(col)); }
}  // namespace

// A database from before the change feed: its records and deletions become the first changes, in
// the order they were received and deleted (changed_at 0: not known), once, when the feed is empty.
Status InboxDb::open_api_tables() {
  if (auto s = exec(kApiSchema); !s) return s;
  if (auto s = exec("BEGIN IMMEDIATE"); !s) return s;
  Stmt n(db_, "SELECT (SELECT COUNT(*) FROM changes), (SELECT COUNT(*) FROM records) + (SELECT COUNT(*) FROM deleted_records)");
  if (n.step() == SQLITE_ROW && n.int64(0) == 0 && n.int64(1) > 0) {
    for (const char* sql :
         {"INSERT INTO changes(change_seq, kind, record_id, at) SELECT ROW_NUMBER() OVER (ORDER BY received_at, record_id), "
          "'record', record_id, 0 FROM records",
          "INSERT INTO changes(change_seq, kind, record_id, at) SELECT (SELECT COALESCE(MAX(change_seq), 0) FROM changes) + "
          "ROW_NUMBER() OVER (ORDER BY deleted_at, record_id), 'deletion', record_id, 0 FROM deleted_records"}) {
      if (auto s = exec(sql); !s) {
        (void)exec("ROLLBACK");
        return s;
      }
    }
  }
  return exec("COMMIT");
}

bool InboxDb::note_change_locked(const char* kind, const std::string& record_id, std::time_t now) {
  Stmt next(db_, "SELECT COALESCE(MAX(change_seq), 0) + 1 FROM changes");
  if (next.step() != SQLITE_ROW) return false;
  Stmt ins(db_, "INSERT INTO changes(change_seq, kind, record_id, at) VALUES(?,?,?,?)");
  ins.bind(1, next.int64(0));
  ins.bind(2, std::string(kind));
  ins.bind(3, record_id);
  ins.bind(4, static_cast<std::int64_t>(now));
  return ins.step() == SQLITE_DONE;
}

Result<std::size_t> InboxDb::capture_duo_changes(std::time_t now) {
  std::lock_guard l(mu_);
  if (auto s = exec("BEGIN IMMEDIATE"); !s) return s.error();
  auto fail = [&](const std::string& m) -> Result<std::size_t> {
    (void)exec("ROLLBACK");
    return make_error(Errc::store, m);
  };
  std::vector<std::pair<std::string, std::string>> changed;
  {
    Stmt s(db_, "SELECT r.record_id, r.state FROM duo_registrations r LEFT JOIN duo_seen v ON v.record_id = r.record_id "
                "WHERE v.record_id IS NULL OR v.state <> r.state ORDER BY r.record_id");
    if (!s.ok()) return fail(std::string("duo changes: ") + sqlite3_errmsg(db_));
    while (s.step() == SQLITE_ROW) changed.emplace_back(s.text(0), s.text(1));
  }
  for (const auto& [id, state] : changed) {
    if (!note_change_locked("duo", id, now)) return fail(std::string("change log: ") + sqlite3_errmsg(db_));
    Stmt up(db_, "INSERT INTO duo_seen(record_id, state) VALUES(?,?) ON CONFLICT(record_id) DO UPDATE SET state = excluded.state");
    up.bind(1, id);
    up.bind(2, state);
    if (up.step() != SQLITE_DONE) return fail(std::string("duo_seen: ") + sqlite3_errmsg(db_));
  }
  if (auto s = exec("COMMIT"); !s) return fail(s.error().message);
  return changed.size();
}

Result<std::int64_t> InboxDb::last_change() {
  std::lock_guard l(mu_);
  Stmt s(db_, "SELECT COALESCE(MAX(change_seq), 0) FROM changes");
  if (s.step() != SQLITE_ROW) return make_error(Errc::store, std::string("changes: ") + sqlite3_errmsg(db_));
  return s.int64(0);
}

Result<InboxDb::ChangeExport> InboxDb::export_changes(const std::string& cursor, std::size_t limit,
                                                      bool include_personal) {
  std::int64_t from = 0;
  if (!cursor.empty()) {
    if (cursor.size() > 18 || cursor.find_first_not_of("0123456789") != std::string::npos)
      return make_error(Errc::invalid_input, "cursor must be the decimal next_cursor of an earlier export (got '" +
                                                 cursor.substr(0, 40) + "')");
    from = std::stoll(cursor);
  }
  if (limit == 0) return make_error(Errc::invalid_input, "limit must be at least 1");
  std::lock_guard l(mu_);
  // One read transaction: the changes and the rows they name come from one snapshot.
  if (auto s = exec("BEGIN"); !s) return s.error();
  ChangeExport out;
  out.next_cursor = from;
  std::vector<std::tuple<std::int64_t, std::string, std::string, std::int64_t>> rows;
  {
    Stmt s(db_, "SELECT change_seq, kind, record_id, at FROM changes WHERE change_seq > ? ORDER BY change_seq LIMIT ?");
    s.bind(1, from);
    s.bind(2, static_cast<std::int64_t>(limit) + 1);
    while (s.step() == SQLITE_ROW) rows.emplace_back(s.int64(0), s.text(1), s.text(2), s.int64(3));
  }
  if (rows.size() > limit) {
    out.more = true;
    rows.resize(limit);
  }
  for (const auto& [seq, kind, id, at] : rows) {
    json line = {{"type", kind}, {"change", seq}, {"record_id", id}, {"changed_at", at}};
    if (kind == "record") {
      ++out.records;
      Stmt r(db_, "SELECT kind, device_id, seq, gemeentecode, created_at, received_at, package_sha256, chain_gap, "
                  "public_json, sensitive_json FROM records WHERE record_id = ?");
      r.bind(1, id);
      if (r.step() != SQLITE_ROW) {
        line["available"] = false;  // deleted since: its deletion is a later change
      } else {
        json pub = parsed(r.text(8), record::kMaxPublicBytes);
        json sens = parsed(r.text(9), record::kMaxSensitiveBytes);
        line["available"] = true;
        line["kind"] = r.text(0);
        line["device_id"] = r.text(1);
        line["seq"] = r.int64(2);
        line["gemeentecode"] = r.text(3);
        line["created_at"] = r.text(4);
        line["received_at"] = r.text(5);
        line["package_sha256"] = r.text(6);
        line["chain_gap"] = r.int64(7) != 0;
        line["reference"] = str(pub, "reference");
        line["resident_id"] = str(sens, "resident_id");  // the municipality's pseudonymous resident id
        std::string datum = str(pub, "datumOndertekeningPvt");
        line["datum"] = datum.empty() ? str(sens, "datumOndertekeningPvt") : datum;
        line["public"] = std::move(pub);
        if (include_personal) line["personal"] = std::move(sens);
      }
    } else if (kind == "deletion") {
      ++out.deletions;
      Stmt d(db_, "SELECT device_id, seq, deletion_id, reason, deleted_at FROM deleted_records WHERE record_id = ?");
      d.bind(1, id);
      if (d.step() == SQLITE_ROW) {
        line["device_id"] = d.text(0);
        line["seq"] = d.int64(1);
        line["deletion_id"] = d.text(2);
        line["reason"] = d.text(3);
        line["deleted_at"] = d.text(4);
      }
    } else if (kind == "duo") {
      ++out.duo;
      // DUO's answer body (last_answer) stays out: the case system gets the state and the status.
      Stmt d(db_, "SELECT bericht_id, state, attempts, last_http_status, received_at, first_sent_at, decided_at, "
                  "deadline_date FROM duo_registrations WHERE record_id = ?");
      d.bind(1, id);
      if (d.step() == SQLITE_ROW) {
        line["bericht_id"] = d.text(0);
        line["state"] = d.text(1);
        line["attempts"] = d.int64(2);
        line["last_http_status"] = opt_int(d, 3);
        line["received_at"] = d.int64(4);
        line["first_sent_at"] = opt_int(d, 5);
        line["decided_at"] = opt_int(d, 6);
        line["deadline_date"] = d.is_null(7) ? json() : json(d.text(7));
      }
    }
    out.lines.push_back(line.dump());
    out.next_cursor = seq;
  }
  (void)exec("COMMIT");
  return out;
}

}  // namespace balie::inbox
