// InboxDb's DUO registration state (issue 17, item 4): one row per PVT record in duo_registrations with
// the BerichtId generated once and committed before the first PUT, attempts, DUO's masked answer and
// the ten-working-day deadline. Portable SQL (TEXT/BIGINT/INTEGER, ? placeholders, ON CONFLICT) so the
// same statements run on SQLite and PostgreSQL. No personal data: the BSN never enters this table.
#include <nlohmann/json.hpp>

#include "balie/record/codec.h"
#include "balie/record/envelope.h"
#include "balie/record/evidence.h"
#include "balie/record/sqlite_stmt.h"
#include "inbox_db.h"

namespace balie::inbox {
namespace {
using record::Errc;
using record::make_error;
using Stmt = record::sql::Stmt;

const char* kDuoSchema = R"SQL(
CREATE TABLE IF NOT EXISTS duo_registrations(
  record_id TEXT PRIMARY KEY, bericht_id TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL,
  last_http_status INTEGER, last_answer TEXT, received_at BIGINT NOT NULL, first_sent_at BIGINT,
  decided_at BIGINT, deadline_date TEXT);
)SQL";

const char* kCols =
    "record_id, bericht_id, state, attempts, last_http_status, last_answer, received_at, first_sent_at, "
    "decided_at, deadline_date";

InboxDb::DuoRegistration row(const Stmt& s) {
  InboxDb::DuoRegistration r;
  r.record_id = s.text(0);
  r.bericht_id = s.text(1);
  r.state = s.text(2);
  r.attempts = static_cast<int>(s.int64(3));
  r.last_http_status = s.opt_int64(4);
  r.last_answer = s.is_null(5) ? "" : s.text(5);
  r.received_at = s.int64(6);
  r.first_sent_at = s.opt_int64(7);
  r.decided_at = s.opt_int64(8);
  r.deadline_date = s.is_null(9) ? "" : s.text(9);
  return r;
}

// A random (version 4) UUID, lowercase: DUO's berichtId ("format: uuid").
std::string new_bericht_id() {
  record::Key32 k = record::random_key32();
  k[6] = static_cast<std::uint8_t>((k[6] & 0x0f) | 0x40);
  k[8] = static_cast<std::uint8_t>((k[8] & 0x3f) | 0x80);
  const std::string h = record::to_hex(k.data(), 16);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20, 12);
}

bool terminal(const std::string& state) { return state == "accepted" || state == "rejected"; }

}  // namespace

Status InboxDb::duo_create_tables() { return exec(kDuoSchema); }

Result<std::vector<std::pair<std::string, std::int64_t>>> InboxDb::duo_pvt_received() {
  std::lock_guard l(mu_);
  Stmt s(db_, "SELECT record_id, received_at FROM records WHERE kind = ? ORDER BY received_at, record_id");
  if (!s.ok()) return make_error(Errc::store, sqlite3_errmsg(db_));
  s.bind(1, record::kPvtRecordKind);
  std::vector<std::pair<std::string, std::int64_t>> out;
  while (s.step() == SQLITE_ROW) {
    auto t = record::parse_utc(s.text(1));
    if (!t) return make_error(Errc::store, "stored received_at unreadable for record " + s.text(0));
    out.emplace_back(s.text(0), static_cast<std::int64_t>(*t));
  }
  return out;
}

Result<std::optional<InboxDb::DuoRegistration>> InboxDb::duo_get(const std::string& record_id) {
  std::lock_guard l(mu_);
  Stmt s(db_, std::string("SELECT ") + kCols + " FROM duo_registrations WHERE record_id = ?");
  if (!s.ok()) return make_error(Errc::store, sqlite3_errmsg(db_));
  s.bind(1, record_id);
  if (s.step() != SQLITE_ROW) return std::optional<DuoRegistration>{};
  return std::optional<DuoRegistration>{row(s)};
}

Result<InboxDb::DuoRegistration> InboxDb::duo_ensure(const std::string& record_id, std::int64_t received_at,
                                                      const std::string& deadline_date) {
  {
    std::lock_guard l(mu_);
    // A second caller (another pass) loses the race harmlessly: DO NOTHING keeps the first BerichtId.
    Stmt s(db_,
           "INSERT INTO duo_registrations(record_id, bericht_id, state, attempts, received_at, deadline_date) "
           "VALUES(?, ?, 'pending', 0, ?, ?) ON CONFLICT (record_id) DO NOTHING");
    if (!s.ok()) return make_error(Errc::store, sqlite3_errmsg(db_));
    s.bind(1, record_id).bind(2, new_bericht_id()).bind(3, received_at).bind(4, deadline_date);
    if (s.step() != SQLITE_DONE) return make_error(Errc::store, std::string("duo_ensure: ") + sqlite3_errmsg(db_));
  }
  auto r = duo_get(record_id);
  if (!r) return r.error();
  if (!*r) return make_error(Errc::store, "duo_ensure: row missing after insert");
  return **r;
}

Result<std::vector<InboxDb::DuoRegistration>> InboxDb::duo_list() {
  std::lock_guard l(mu_);
  Stmt s(db_, std::string("SELECT ") + kCols + " FROM duo_registrations ORDER BY received_at, record_id");
  if (!s.ok()) return make_error(Errc::store, sqlite3_errmsg(db_));
  std::vector<DuoRegistration> out;
  while (s.step() == SQLITE_ROW) out.push_back(row(s));
  return out;
}

Status InboxDb::duo_mark_sending(const std::string& record_id, std::int64_t now) {
  std::lock_guard l(mu_);
  Stmt s(db_,
         "UPDATE duo_registrations SET attempts = attempts + 1, state = 'retrying', "
         "first_sent_at = COALESCE(first_sent_at, ?) WHERE record_id = ? AND state NOT IN ('accepted', 'rejected')");
  if (!s.ok()) return make_error(Errc::store, sqlite3_errmsg(db_));
  s.bind(1, now).bind(2, record_id);
  if (s.step() != SQLITE_DONE) return make_error(Errc::store, std::string("duo_mark_sending: ") + sqlite3_errmsg(db_));
  if (sqlite3_changes(db_) != 1) return make_error(Errc::invalid_input, "registration " + record_id + " is already decided");
  return Status::Ok();
}

Status InboxDb::duo_record(const std::string& record_id, const std::string& state,
                           std::optional<std::int64_t> http_status, const std::string& answer, std::int64_t now) {
  if (state != "pending" && state != "retrying" && state != "blocked" && !terminal(state))
    return make_error(Errc::invalid_input, "unknown DUO registration state " + state);
  std::lock_guard l(mu_);
  Stmt s(db_,
         "UPDATE duo_registrations SET state = ?, last_http_status = ?, last_answer = ?, decided_at = ? "
         "WHERE record_id = ? AND state NOT IN ('accepted', 'rejected')");
  if (!s.ok()) return make_error(Errc::store, sqlite3_errmsg(db_));
  s.bind(1, state).bind_opt(2, http_status).bind(3, answer);
  if (terminal(state))
    s.bind(4, now);
  else
    s.bind_null(4);
  s.bind(5, record_id);
  if (s.step() != SQLITE_DONE) return make_error(Errc::store, std::string("duo_record: ") + sqlite3_errmsg(db_));
  return Status::Ok();
}

}  // namespace balie::inbox
