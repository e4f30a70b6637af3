// The case systems' change feed of balie-inbox (issue 17 item 5): a `changes` table numbered by a
// monotonic change_seq assigned inside the storing transaction (records stored, records deleted, DUO
// registration states seen), and the incremental export after a cursor. Portable SQL only (SQLite
// and PostgreSQL): BIGINT/TEXT/INTEGER, MAX()+1 inside the transaction, ON CONFLICT upserts.
#include <nlohmann/json.hpp>

#include "balie/record/evidence.h"
#include "balie/record/json_limits.h"
#include "inbox_db.h"

namespace balie::inbox {
namespace {
using json = nlohmann::json;
using record::Errc;
using record::make_error;

// change_seq is the primary key: two writers that computed the same MAX()+1 cannot both commit (on
// PostgreSQL the second fails its serialisable transaction and the port runs it again), so a reader
// never sees change N+1 committed before change N. The tables are created by schema migration 2
// (inbox_db.cpp); duo_seen holds the DUO state last turned into a change.

json parsed(const std::string& text, std::size_t max) {
  auto j = record::parse_json_limited(text, record::JsonLimits{max}, "stored JSON");
  return j && j->is_object() ? std::move(*j) : json::object();
}
std::string str(const json& j, const char* k) {
  auto it = j.find(k);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
json opt_int(const sql::Row& s, std::size_t col) { return s.is_null(col) ? json() : json(s.int64(col)); }
}  // namespace

Status InboxDb::note_change_tx(const char* kind, const std::string& record_id, std::time_t now) {
  // (MAX()+1 read first, then VALUES: libpq sends untyped parameters, which an INSERT ... SELECT list
  // would read as text.)
  auto m = sql_->query("SELECT COALESCE(MAX(change_seq), 0) + 1 FROM changes");
  if (!m || m->empty()) return make_error(Errc::store, "change log: " + (m ? std::string("no row") : m.error().message));
  auto e = sql_->exec("INSERT INTO changes(change_seq, kind, record_id, at) VALUES(?,?,?,?)",
                      {m->front().int64(0), std::string(kind), record_id, static_cast<std::int64_t>(now)});
  if (!e) return make_error(Errc::store, "change log: " + e.error().message);
  return Status::Ok();
}

Result<std::size_t> InboxDb::capture_duo_changes(std::time_t now) {
  std::lock_guard l(mu_);
  std::size_t n = 0;
  auto s = sql_->transaction([&]() -> Status {
    n = 0;
    auto q = sql_->query("SELECT r.record_id, r.state FROM duo_registrations r LEFT JOIN duo_seen v ON v.record_id = r.record_id "
                         "WHERE v.record_id IS NULL OR v.state <> r.state ORDER BY r.record_id");
    if (!q) return make_error(Errc::store, "duo changes: " + q.error().message);
    for (const auto& r : *q) {
      const std::string id = r.text(0), state = r.text(1);
      if (auto c = note_change_tx("duo", id, now); !c) return c;
      // (SQLCipher 3.4 bundles SQLite 3.15: no upsert with DO UPDATE; delete + insert in this transaction.)
      if (auto d = sql_->exec("DELETE FROM duo_seen WHERE record_id = ?", {id}); !d)
        return make_error(Errc::store, "duo_seen: " + d.error().message);
      if (auto i = sql_->exec("INSERT INTO duo_seen(record_id, state) VALUES(?,?)", {id, state}); !i)
        return make_error(Errc::store, "duo_seen: " + i.error().message);
      ++n;
    }
    return Status::Ok();
  });
  if (!s) return s.error();
  return n;
}

Result<std::int64_t> InboxDb::last_change() {
  std::lock_guard l(mu_);
  auto q = sql_->query("SELECT COALESCE(MAX(change_seq), 0) FROM changes");
  if (!q || q->empty()) return make_error(Errc::store, "changes: " + (q ? std::string("no row") : q.error().message));
  return q->front().int64(0);
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
  ChangeExport out;
  // One transaction: the changes and the rows they name come from one snapshot.
  auto st = sql_->transaction([&]() -> Status {
    out = ChangeExport{};
    out.next_cursor = from;
    auto rows = sql_->query("SELECT change_seq, kind, record_id, at FROM changes WHERE change_seq > ? ORDER BY change_seq LIMIT ?",
                            {from, static_cast<std::int64_t>(limit) + 1});
    if (!rows) return make_error(Errc::store, "changes: " + rows.error().message);
    if (rows->size() > limit) {
      out.more = true;
      rows->resize(limit);
    }
    for (const auto& c : *rows) {
      const std::int64_t seq = c.int64(0);
      const std::string kind = c.text(1), id = c.text(2);
      json line = {{"type", kind}, {"change", seq}, {"record_id", id}, {"changed_at", c.int64(3)}};
      if (kind == "record") {
        ++out.records;
        auto r = sql_->query("SELECT kind, device_id, seq, gemeentecode, created_at, received_at, package_sha256, chain_gap, "
                             "public_json, sensitive_json FROM records WHERE record_id = ?",
                             {id});
        if (!r) return make_error(Errc::store, r.error().message);
        if (r->empty()) {
          line["available"] = false;  // deleted since: its deletion is a later change
        } else {
          const sql::Row& x = r->front();
          auto plain = open_sensitive(id, x.text(9));
          if (!plain) return plain.error();
          json pub = parsed(x.text(8), record::kMaxPublicBytes);
          json sens = parsed(*plain, record::kMaxSensitiveBytes);
          line["available"] = true;
          line["kind"] = x.text(0);
          line["device_id"] = x.text(1);
          line["seq"] = x.int64(2);
          line["gemeentecode"] = x.text(3);
          line["created_at"] = x.text(4);
          line["received_at"] = x.text(5);
          line["package_sha256"] = x.text(6);
          line["chain_gap"] = x.int64(7) != 0;
          line["reference"] = str(pub, "reference");
          line["resident_id"] = str(sens, "resident_id");  // the municipality's pseudonymous resident id
          std::string datum = str(pub, "datumOndertekeningPvt");
          line["datum"] = datum.empty() ? str(sens, "datumOndertekeningPvt") : datum;
          line["public"] = std::move(pub);
          if (include_personal) line["personal"] = std::move(sens);
        }
      } else if (kind == "deletion") {
        ++out.deletions;
        auto d = sql_->query("SELECT device_id, seq, deletion_id, reason, deleted_at FROM deleted_records WHERE record_id = ?", {id});
        if (!d) return make_error(Errc::store, d.error().message);
        if (!d->empty()) {
          const sql::Row& x = d->front();
          line["device_id"] = x.text(0);
          line["seq"] = x.int64(1);
          line["deletion_id"] = x.text(2);
          line["reason"] = x.text(3);
          line["deleted_at"] = x.text(4);
        }
      } else if (kind == "duo") {
        ++out.duo;
        // DUO's answer body (last_answer) stays out: the case system gets the state and the status.
        auto d = sql_->query("SELECT bericht_id, state, attempts, last_http_status, received_at, first_sent_at, decided_at, "
                             "deadline_date FROM duo_registrations WHERE record_id = ?",
                             {id});
        if (!d) return make_error(Errc::store, d.error().message);
        if (!d->empty()) {
          const sql::Row& x = d->front();
          line["bericht_id"] = x.text(0);
          line["state"] = x.text(1);
          line["attempts"] = x.int64(2);
          line["last_http_status"] = opt_int(x, 3);
          line["received_at"] = x.int64(4);
          line["first_sent_at"] = opt_int(x, 5);
          line["decided_at"] = opt_int(x, 6);
          line["deadline_date"] = x.is_null(7) ? json() : json(x.text(7));
        }
      }
      out.lines.push_back(line.dump());
      out.next_cursor = seq;
    }
    return Status::Ok();
  });
  if (!st) return st.error();
  return out;
}

}  // namespace balie::inbox
