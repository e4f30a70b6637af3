// InboxDb, issue 17 items 6 and 7: which ring key opened each record, deletion requests from the chain
// (end of the obligation, wrongly imposed obligation, the resident's request) with signed receipts, and
// retention per record kind. Portable SQL only (TEXT/BIGINT/INTEGER, ? placeholders, ON CONFLICT), so
// the lead can move it onto the storage port; personal data never goes into a new column.
#include <algorithm>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "balie/platform/dutch_calendar.h"
#include "balie/record/codec.h"
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

const char* kKeysSchema = R"SQL(
CREATE TABLE IF NOT EXISTS record_opening_keys(
  record_id TEXT PRIMARY KEY, box_key_id TEXT NOT NULL, opened_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS chain_deletions(
  deletion_id TEXT PRIMARY KEY, reason TEXT NOT NULL, requested_at BIGINT NOT NULL, answer_json TEXT NOT NULL);
)SQL";

// Tables holding what is derived from a record (keyed by record_id), deleted with it when they exist in
// this database: the DUO registration state (duo helper) and the key note. The document/evidence
// store of item 2 joins this list when it keeps a table of its own.
// What derives from a record and goes with it: DUO state, key notes, the kept envelope (evidence).
const char* const kDerivedTables[] = {"duo_registrations", "duo_seen", "record_opening_keys", "record_evidence"};

json parse_stored(const std::string& text, std::size_t max) {
  auto j = record::parse_json_limited(text, record::JsonLimits{max}, "stored JSON");
  return j && j->is_object() ? std::move(*j) : json::object();
}

std::string field(const json& pub, const json& sens, const char* k) {
  for (const json* j : {&pub, &sens}) {
    auto it = j->find(k);
    if (it != j->end() && it->is_string()) return it->get<std::string>();
  }
  return "";
}

bool table_exists(sqlite3* db, const char* name) {
  Stmt s(db, std::string("SELECT 1 FROM ") + name + " WHERE 1=0");
  return s.ok();
}

}  // namespace

Status InboxDb::open_keys_schema() { return exec(kKeysSchema); }

bool InboxDb::is_chain_deletion_reason(const std::string& r) {
  return r == "end-of-obligation" || r == "wrongly-imposed" || r == "resident-request";
}

Status InboxDb::note_opening_keys(const std::vector<std::pair<std::string, std::string>>& rk, std::time_t now) {
  if (rk.empty()) return Status::Ok();
  std::lock_guard l(mu_);
  if (auto s = exec("BEGIN IMMEDIATE"); !s) return s;
  for (const auto& [id, key] : rk) {
    Stmt s(db_, "INSERT INTO record_opening_keys(record_id, box_key_id, opened_at) VALUES(?,?,?) "
                "ON CONFLICT (record_id) DO NOTHING");
    s.bind(1, id);
    s.bind(2, key);
    s.bind(3, static_cast<std::int64_t>(now));
    if (s.step() != SQLITE_DONE) {
      (void)exec("ROLLBACK");
      return make_error(Errc::store, std::string("noting the opening key failed: ") + sqlite3_errmsg(db_));
    }
  }
  return exec("COMMIT");
}

Result<std::string> InboxDb::opening_key_use() {
  std::lock_guard l(mu_);
  Stmt s(db_, "SELECT box_key_id, COUNT(*), MAX(opened_at) FROM record_opening_keys GROUP BY box_key_id ORDER BY 1");
  json out = json::object();
  while (s.step() == SQLITE_ROW) out[s.text(0)] = {{"records", s.int64(1)}, {"last_opened_at", s.int64(2)}};
  return out.dump(1);
}

Result<std::vector<std::string>> InboxDb::erase_records_locked(const std::vector<std::string>& ids,
                                                               const std::string& deletion_id,
                                                               const std::string& reason,
                                                               const record::SigningKey& signer, std::time_t now) {
  const std::string at = record::format_utc(now);
  std::map<std::string, sync::DeletionReceipt> by_device;
  for (const auto& id : ids) {
    std::string device, pkg;
    std::int64_t seq = 0;
    bool live = false;
    {
      Stmt sel(db_, "SELECT device_id, seq, package_sha256 FROM records WHERE record_id=?");
      sel.bind(1, id);
      int rc = sel.step();
      if (rc == SQLITE_ROW) {
        device = sel.text(0);
        seq = sel.int64(1);
        pkg = sel.text(2);
        live = true;
      } else if (rc != SQLITE_DONE) {
        return make_error(Errc::store, "lookup failed");
      }
    }
    if (!live) {  // deleted before (a terminal's request or an earlier chain request): it stays deleted
      Stmt gone(db_, "SELECT device_id, package_sha256 FROM deleted_records WHERE record_id=?");
      gone.bind(1, id);
      if (gone.step() != SQLITE_ROW) return make_error(Errc::invalid_input, "record " + id + " is not held here");
      device = gone.text(0);
      pkg = gone.text(1);
    } else {
      for (const char* t : kDerivedTables) {
        if (!table_exists(db_, t)) continue;
        Stmt d(db_, std::string("DELETE FROM ") + t + " WHERE record_id=?");
        d.bind(1, id);
        if (d.step() != SQLITE_DONE) return make_error(Errc::store, std::string("deleting from ") + t + " failed");
      }
      Stmt del(db_, "DELETE FROM records WHERE record_id=?");
      del.bind(1, id);
      if (del.step() != SQLITE_DONE) return make_error(Errc::store, std::string("delete failed: ") + sqlite3_errmsg(db_));
      Stmt stub(db_, "INSERT INTO deleted_records(record_id, device_id, seq, package_sha256, deletion_id, reason, "
                     "deleted_at) VALUES(?,?,?,?,?,?,?)");
      stub.bind(1, id);
      stub.bind(2, device);
      stub.bind(3, seq);
      stub.bind(4, pkg);
      stub.bind(5, deletion_id);
      stub.bind(6, reason);
      stub.bind(7, at);
      if (stub.step() != SQLITE_DONE) return make_error(Errc::store, std::string("stub insert failed: ") + sqlite3_errmsg(db_));
      // Case systems see the deletion in the change feed (inbox_db_api.cpp).
      if (!note_change_locked("deletion", id, now))
        return make_error(Errc::store, std::string("change log: ") + sqlite3_errmsg(db_));
    }
    auto& r = by_device[device];
    if (r.deletion_id.empty()) r = sync::DeletionReceipt{deletion_id, gemeentecode_, device, reason, at, {}, {}};
    r.records.push_back({id, pkg, "deleted"});
  }
  std::vector<std::string> receipts;
  for (auto& [dev, r] : by_device) receipts.push_back(sync::make_deletion_receipt_json(std::move(r), signer));
  return receipts;
}

Result<std::string> InboxDb::delete_for_chain(const std::string& record_id, const std::string& resident_id,
                                              const std::string& reason, const record::SigningKey& signer,
                                              std::time_t now) {
  if (!is_chain_deletion_reason(reason))
    return make_error(Errc::invalid_input, "reason must be end-of-obligation, wrongly-imposed or resident-request");
  if (record_id.empty() == resident_id.empty())
    return make_error(Errc::invalid_input, "give exactly one of a record id and a resident id");
  const std::string selector = record_id.empty() ? "resident_id" : "record_id";
  // The deletion id names the request (what and why), not the moment: the same request gets the same answer.
  const std::string deletion_id =
      record::sha256_hex("balie-chain-deletion/1\n" + gemeentecode_ + "\n" + selector + ":" +
                         (record_id.empty() ? resident_id : record_id) + "\n" + reason + "\n")
          .substr(0, 32);
  std::lock_guard l(mu_);
  if (auto s = exec("BEGIN IMMEDIATE"); !s) return s.error();
  auto fail = [&](record::Error e) -> Result<std::string> {
    (void)exec("ROLLBACK");
    return e;
  };
  {
    Stmt done(db_, "SELECT answer_json FROM chain_deletions WHERE deletion_id=?");
    done.bind(1, deletion_id);
    if (done.step() == SQLITE_ROW) {
      std::string answer = done.text(0);
      (void)exec("ROLLBACK");
      return answer;
    }
  }
  std::vector<std::string> ids;
  if (!record_id.empty()) {
    ids.push_back(record_id);
  } else {  // the resident id is inside the record's public or sealed part (no plain column holds it)
    Stmt s(db_, "SELECT record_id, public_json, sensitive_json FROM records ORDER BY device_id, seq");
    while (s.step() == SQLITE_ROW)
      if (field(parse_stored(s.text(1), record::kMaxPublicBytes), parse_stored(s.text(2), record::kMaxSensitiveBytes),
                "resident_id") == resident_id)
        ids.push_back(s.text(0));
    if (ids.empty()) return fail(make_error(Errc::invalid_input, "no record of resident " + resident_id + " is held here"));
  }
  auto receipts = erase_records_locked(ids, deletion_id, reason, signer, now);
  if (!receipts) return fail(receipts.error());
  json rs = json::array();
  for (const auto& r : *receipts) rs.push_back(json::parse(r));
  const std::string answer =
      json{{"deletion_id", deletion_id}, {"reason", reason}, {"selector", selector}, {"receipts", rs}}.dump();
  Stmt keep(db_, "INSERT INTO chain_deletions(deletion_id, reason, requested_at, answer_json) VALUES(?,?,?,?)");
  keep.bind(1, deletion_id);
  keep.bind(2, reason);
  keep.bind(3, static_cast<std::int64_t>(now));
  keep.bind(4, answer);
  if (keep.step() != SQLITE_DONE) return fail(make_error(Errc::store, "keeping the deletion answer failed"));
  if (auto s = exec("COMMIT"); !s) return fail(s.error());
  (void)sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  return answer;
}

Result<std::string> InboxDb::enforce_retention(const std::string& today_s, const RetentionPolicy& p,
                                               const record::SigningKey& signer, std::time_t now, bool dry_run) {
  auto today = calendar::parse_iso_date(today_s);
  if (!today) return make_error(Errc::invalid_input, "today must be a date YYYY-MM-DD");
  auto day_of = [](const std::string& utc) -> std::optional<calendar::Day> {
    return utc.size() >= 10 ? calendar::parse_iso_date(utc.substr(0, 10)) : std::nullopt;
  };
  auto expired = [&](calendar::Day from, int days) { return from + std::chrono::days(days) <= *today; };

  std::lock_guard l(mu_);
  if (auto s = exec("BEGIN IMMEDIATE"); !s) return s.error();
  auto fail = [&](record::Error e) -> Result<std::string> {
    (void)exec("ROLLBACK");
    return e;
  };
  const bool have_duo = table_exists(db_, "duo_registrations");
  struct Row {
    std::string id, kind, received, resident, decision;
  };
  std::vector<Row> rows;
  {
    Stmt s(db_, "SELECT record_id, kind, received_at, public_json, sensitive_json FROM records ORDER BY device_id, seq");
    while (s.step() == SQLITE_ROW) {
      json pub = parse_stored(s.text(3), record::kMaxPublicBytes), sens = parse_stored(s.text(4), record::kMaxSensitiveBytes);
      rows.push_back({s.text(0), s.text(1), s.text(2), field(pub, sens, "resident_id"), field(pub, sens, "decision")});
    }
  }
  // The day each resident withdrew each consent purpose (the latest withdrawal decision received).
  std::map<std::pair<std::string, std::string>, calendar::Day> withdrawn;
  for (const auto& r : rows)
    if (r.kind.rfind("consent.", 0) == 0 && r.decision == "withdrawn")
      if (auto d = day_of(r.received)) {
        auto& w = withdrawn[{r.resident, r.kind}];
        w = std::max(w, *d);
      }
  json deleted = json::array();
  std::map<std::string, int> kept;
  std::vector<std::string> ids;
  for (const auto& r : rows) {
    std::string rule, why;
    if (r.kind == record::kPvtRecordKind) {
      if (!have_duo) {
        why = "pvt: no DUO registration state in this database";
      } else {
        Stmt d(db_, "SELECT state, decided_at FROM duo_registrations WHERE record_id=?");
        d.bind(1, r.id);
        if (d.step() != SQLITE_ROW) {
          why = "pvt: not registered with DUO";
        } else if (d.text(0) != "accepted" || d.is_null(1)) {
          why = "pvt: DUO has not accepted it";
        } else {
          const auto at = calendar::Day(std::chrono::floor<std::chrono::days>(
              std::chrono::system_clock::from_time_t(static_cast<std::time_t>(d.int64(1)))));
          if (expired(at, p.pvt_days_after_duo_accepted))
            rule = "pvt: DUO accepted + " + std::to_string(p.pvt_days_after_duo_accepted) + " days";
          else
            why = "pvt: within the period after DUO accepted it";
        }
      }
    } else if (r.kind.rfind("consent.", 0) == 0) {
      auto w = withdrawn.find({r.resident, r.kind});
      auto rd = day_of(r.received);
      if (w == withdrawn.end() || r.resident.empty() || !rd || *rd > w->second)
        why = "consent: not withdrawn";
      else if (expired(w->second, p.consent_days_after_withdrawal))
        rule = "consent: withdrawn + " + std::to_string(p.consent_days_after_withdrawal) + " days";
      else
        why = "consent: within the period after withdrawal";
    } else {
      why = r.kind == record::kVoidRecordKind ? "record.void: no personal data, part of the chain"
                                               : "no retention rule for kind " + r.kind;
    }
    if (!rule.empty()) {
      deleted.push_back({{"record_id", r.id}, {"kind", r.kind}, {"rule", rule}});
      ids.push_back(r.id);
    } else {
      ++kept[why];
    }
  }
  // Feed problems received on day X go on day X + N.
  const std::string cutoff =
      calendar::to_iso(*today - std::chrono::days(p.feed_problem_days) + std::chrono::days(1)) + "T00:00:00Z";
  std::int64_t feed_n = 0;
  {
    Stmt c(db_, "SELECT COUNT(*) FROM feed_problems WHERE received_at < ?");
    c.bind(1, cutoff);
    if (c.step() == SQLITE_ROW) feed_n = c.int64(0);
  }
  json rs = json::array();
  if (!dry_run) {
    const std::string deletion_id = record::sha256_hex("balie-retention/1\n" + gemeentecode_ + "\n" + today_s + "\n").substr(0, 32);
    if (!ids.empty()) {
      auto receipts = erase_records_locked(ids, deletion_id, "retention", signer, now);
      if (!receipts) return fail(receipts.error());
      for (const auto& r : *receipts) rs.push_back(json::parse(r));
    }
    Stmt d(db_, "DELETE FROM feed_problems WHERE received_at < ?");
    d.bind(1, cutoff);
    if (d.step() != SQLITE_DONE) return fail(make_error(Errc::store, "deleting feed problems failed"));
    if (auto s = exec("COMMIT"); !s) return fail(s.error());
    (void)sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  } else {
    (void)exec("ROLLBACK");
  }
  json kept_j = json::object();
  for (const auto& [k, n] : kept) kept_j[k] = n;
  return json{{"today", today_s},
              {"dry_run", dry_run},
              {"policy",
               {{"pvt_days_after_duo_accepted", p.pvt_days_after_duo_accepted},
                {"consent_days_after_withdrawal", p.consent_days_after_withdrawal},
                {"feed_problem_days", p.feed_problem_days}}},
              {"deleted", deleted},
              {"kept", kept_j},
              {"feed_problems_deleted", feed_n},
              {"receipts", rs}}
      .dump(1);
}

}  // namespace balie::inbox
