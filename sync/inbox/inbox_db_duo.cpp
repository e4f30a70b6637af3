// InboxDb's DUO registration state (issue 17, item 4): one row per PVT record in duo_registrations with
// the BerichtId generated once and committed before the first PUT, attempts, DUO's masked answer and
// the ten-working-day deadline. Portable SQL (TEXT/BIGINT/INTEGER, ? placeholders, ON CONFLICT) so the
// same statements run on SQLite and PostgreSQL. No personal data: the BSN never enters this table.
#include <nlohmann/json.hpp>

#include "balie/record/codec.h"
#include "balie/record/envelope.h"
#include "balie/record/evidence.h"
#include "inbox_db.h"

namespace balie::inbox {
namespace {
using record::Errc;
using record::make_error;

const char* kCols =
    "record_id, bericht_id, state, attempts, last_http_status, last_answer, received_at, first_sent_at, "
    "decided_at, deadline_date";

std::optional<std::int64_t> opt_int(const sql::Row& r, std::size_t i) {
  if (r.is_null(i)) return std::nullopt;
  return r.int64(i);
}

InboxDb::DuoRegistration row(const sql::Row& s) {
  InboxDb::DuoRegistration r;
  r.record_id = s.text(0);
  r.bericht_id = s.text(1);
  r.state = s.text(2);
  r.attempts = static_cast<int>(s.int64(3));
  r.last_http_status = opt_int(s, 4);
  r.last_answer = s.text(5);
  r.received_at = s.int64(6);
  r.first_sent_at = opt_int(s, 7);
  r.decided_at = opt_int(s, 8);
  r.deadline_date = s.text(9);
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

Result<std::vector<std::pair<std::string, std::int64_t>>> InboxDb::duo_pvt_received() {
  std::lock_guard l(mu_);
  auto q = sql_->query("SELECT record_id, received_at FROM records WHERE kind = ? ORDER BY received_at, record_id",
                       {std::string(record::kPvtRecordKind)});
  if (!q) return make_error(Errc::store, q.error().message);
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (const auto& r : *q) {
    auto t = record::parse_utc(r.text(1));
    if (!t) return make_error(Errc::store, "stored received_at unreadable for record " + r.text(0));
    out.emplace_back(r.text(0), static_cast<std::int64_t>(*t));
  }
  return out;
}

Result<std::optional<InboxDb::DuoRegistration>> InboxDb::duo_get(const std::string& record_id) {
  std::lock_guard l(mu_);
  auto q = sql_->query(std::string("SELECT ") + kCols + " FROM duo_registrations WHERE record_id = ?", {record_id});
  if (!q) return make_error(Errc::store, q.error().message);
  if (q->empty()) return std::optional<DuoRegistration>{};
  return std::optional<DuoRegistration>{row(q->front())};
}

Result<InboxDb::DuoRegistration> InboxDb::duo_ensure(const std::string& record_id, std::int64_t received_at,
                                                      const std::string& deadline_date) {
  {
    std::lock_guard l(mu_);
    // A second caller (another pass or instance) loses the race harmlessly: DO NOTHING keeps the first BerichtId.
    auto s = sql_->transaction([&]() -> Status {
      auto e = sql_->exec(
          "INSERT INTO duo_registrations(record_id, bericht_id, state, attempts, received_at, deadline_date) "
          "VALUES(?, ?, 'pending', 0, ?, ?) ON CONFLICT (record_id) DO NOTHING",
          {record_id, new_bericht_id(), received_at, deadline_date});
      if (!e) return make_error(Errc::store, "duo_ensure: " + e.error().message);
      return Status::Ok();
    });
    if (!s) return s.error();
  }
  auto r = duo_get(record_id);
  if (!r) return r.error();
  if (!*r) return make_error(Errc::store, "duo_ensure: row missing after insert");
  return **r;
}

Result<std::vector<InboxDb::DuoRegistration>> InboxDb::duo_list() {
  std::lock_guard l(mu_);
  auto q = sql_->query(std::string("SELECT ") + kCols + " FROM duo_registrations ORDER BY received_at, record_id");
  if (!q) return make_error(Errc::store, q.error().message);
  std::vector<DuoRegistration> out;
  for (const auto& r : *q) out.push_back(row(r));
  return out;
}

Status InboxDb::duo_mark_sending(const std::string& record_id, std::int64_t now) {
  std::lock_guard l(mu_);
  std::int64_t changed = 0;
  auto s = sql_->transaction([&]() -> Status {
    auto e = sql_->exec(
        "UPDATE duo_registrations SET attempts = attempts + 1, state = 'retrying', "
        "first_sent_at = COALESCE(first_sent_at, ?) WHERE record_id = ? AND state NOT IN ('accepted', 'rejected')",
        {now, record_id});
    if (!e) return make_error(Errc::store, "duo_mark_sending: " + e.error().message);
    changed = *e;
    return Status::Ok();
  });
  if (!s) return s;
  if (changed != 1) return make_error(Errc::invalid_input, "registration " + record_id + " is already decided");
  return Status::Ok();
}

Status InboxDb::duo_record(const std::string& record_id, const std::string& state,
                           std::optional<std::int64_t> http_status, const std::string& answer, std::int64_t now) {
  if (state != "pending" && state != "retrying" && state != "blocked" && !terminal(state))
    return make_error(Errc::invalid_input, "unknown DUO registration state " + state);
  std::lock_guard l(mu_);
  return sql_->transaction([&]() -> Status {
    sql::Value http = http_status ? sql::Value{*http_status} : sql::Value{nullptr};
    sql::Value decided = terminal(state) ? sql::Value{static_cast<std::int64_t>(now)} : sql::Value{nullptr};
    auto e = sql_->exec(
        "UPDATE duo_registrations SET state = ?, last_http_status = ?, last_answer = ?, decided_at = ? "
        "WHERE record_id = ? AND state NOT IN ('accepted', 'rejected')",
        {state, http, answer, decided, record_id});
    if (!e) return make_error(Errc::store, "duo_record: " + e.error().message);
    return Status::Ok();
  });
}

}  // namespace balie::inbox
