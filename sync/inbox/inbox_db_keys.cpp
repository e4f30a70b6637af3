// InboxDb, issue 17 items 6 and 7: which ring key opened each record, deletion requests from the chain
// (end of the obligation, wrongly imposed obligation, the resident's request) with signed receipts, and
// retention per record kind. Portable SQL only (TEXT/BIGINT/INTEGER, ? placeholders, ON CONFLICT), so
// the same statements run on the SQL port's two backends; personal data never goes into a new column.
#include <algorithm>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "balie/platform/dutch_calendar.h"
#include "balie/record/codec.h"
#include "balie/record/evidence.h"
#include "balie/record/json_limits.h"
#include "inbox_db.h"

namespace balie::inbox {
namespace {
using json = nlohmann::json;
using record::Errc;
using record::make_error;

// What derives from a record (keyed by record_id) and goes with it: DUO state, key notes, the kept
// envelope (evidence). Tables from schema migration 2 (inbox_db.cpp).
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

}  // namespace

bool InboxDb::is_chain_deletion_reason(const std::string& r) {
  return r == "end-of-obligation" || r == "wrongly-imposed" || r == "resident-request";
}

Status InboxDb::note_opening_keys(const std::vector<std::pair<std::string, std::string>>& rk, std::time_t now) {
  if (rk.empty()) return Status::Ok();
  std::lock_guard l(mu_);
  return sql_->transaction([&]() -> Status {
    for (const auto& [id, key] : rk) {
      auto e = sql_->exec("INSERT INTO record_opening_keys(record_id, box_key_id, opened_at) VALUES(?,?,?) "
                          "ON CONFLICT (record_id) DO NOTHING",
                          {id, key, static_cast<std::int64_t>(now)});
      if (!e) return make_error(Errc::store, "noting the opening key failed: " + e.error().message);
    }
    return Status::Ok();
  });
}

Result<std::string> InboxDb::opening_key_use() {
  std::lock_guard l(mu_);
  auto q = sql_->query("SELECT box_key_id, COUNT(*), MAX(opened_at) FROM record_opening_keys GROUP BY box_key_id ORDER BY 1");
  if (!q) return make_error(Errc::store, q.error().message);
  json out = json::object();
  for (const auto& r : *q) out[r.text(0)] = {{"records", r.int64(1)}, {"last_opened_at", r.int64(2)}};
  return out.dump(1);
}

Status InboxDb::erase_derived_tx(const std::string& id, std::time_t now) {
  for (const char* t : kDerivedTables)
    if (auto d = sql_->exec(std::string("DELETE FROM ") + t + " WHERE record_id=?", {id}); !d)
      return make_error(Errc::store, std::string("deleting from ") + t + " failed: " + d.error().message);
  return note_change_tx("deletion", id, now);
}

Result<std::vector<std::string>> InboxDb::erase_records_tx(const std::vector<std::string>& ids,
                                                           const std::string& deletion_id, const std::string& reason,
                                                           const record::SigningKey& signer, std::time_t now) {
  const std::string at = record::format_utc(now);
  std::map<std::string, sync::DeletionReceipt> by_device;
  auto m = sql_->query("SELECT COALESCE(MAX(ord), 0) FROM deleted_records");
  if (!m) return make_error(Errc::store, m.error().message);
  std::int64_t ord = m->empty() ? 0 : m->front().int64(0);
  for (const auto& id : ids) {
    std::string device, pkg;
    auto sel = sql_->query("SELECT device_id, seq, package_sha256 FROM records WHERE record_id=?", {id});
    if (!sel) return make_error(Errc::store, "lookup failed: " + sel.error().message);
    if (sel->empty()) {  // deleted before (a terminal's request or an earlier chain request): it stays deleted
      auto gone = sql_->query("SELECT device_id, package_sha256 FROM deleted_records WHERE record_id=?", {id});
      if (!gone) return make_error(Errc::store, gone.error().message);
      if (gone->empty()) return make_error(Errc::invalid_input, "record " + id + " is not held here");
      device = gone->front().text(0);
      pkg = gone->front().text(1);
    } else {
      device = sel->front().text(0);
      const std::int64_t seq = sel->front().int64(1);
      pkg = sel->front().text(2);
      if (auto d = sql_->exec("DELETE FROM records WHERE record_id=?", {id}); !d)
        return make_error(Errc::store, "delete failed: " + d.error().message);
      if (auto st = sql_->exec("INSERT INTO deleted_records(record_id, device_id, seq, package_sha256, deletion_id, reason, "
                               "deleted_at, ord) VALUES(?,?,?,?,?,?,?,?)",
                               {id, device, seq, pkg, deletion_id, reason, at, ++ord});
          !st)
        return make_error(Errc::store, "stub insert failed: " + st.error().message);
      if (auto dv = erase_derived_tx(id, now); !dv) return dv.error();
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
  std::string answer;
  auto st = sql_->transaction([&]() -> Status {
    answer.clear();
    auto done = sql_->query("SELECT answer_json FROM chain_deletions WHERE deletion_id=?", {deletion_id});
    if (!done) return make_error(Errc::store, done.error().message);
    if (!done->empty()) {
      answer = done->front().text(0);
      return Status::Ok();
    }
    std::vector<std::string> ids;
    if (!record_id.empty()) {
      ids.push_back(record_id);
    } else {  // the resident id is inside the record's public or sealed part (no plain column holds it)
      auto q = sql_->query("SELECT record_id, public_json, sensitive_json FROM records ORDER BY device_id, seq");
      if (!q) return make_error(Errc::store, q.error().message);
      for (const auto& r : *q) {
        auto plain = open_sensitive(r.text(0), r.text(2));
        if (!plain) return plain.error();
        if (field(parse_stored(r.text(1), record::kMaxPublicBytes), parse_stored(*plain, record::kMaxSensitiveBytes),
                  "resident_id") == resident_id)
          ids.push_back(r.text(0));
      }
      if (ids.empty()) return make_error(Errc::invalid_input, "no record of resident " + resident_id + " is held here");
    }
    auto receipts = erase_records_tx(ids, deletion_id, reason, signer, now);
    if (!receipts) return receipts.error();
    json rs = json::array();
    for (const auto& r : *receipts) rs.push_back(json::parse(r));
    answer = json{{"deletion_id", deletion_id}, {"reason", reason}, {"selector", selector}, {"receipts", rs}}.dump();
    auto keep = sql_->exec("INSERT INTO chain_deletions(deletion_id, reason, requested_at, answer_json) VALUES(?,?,?,?)",
                           {deletion_id, reason, static_cast<std::int64_t>(now), answer});
    if (!keep) return make_error(Errc::store, "keeping the deletion answer failed: " + keep.error().message);
    return Status::Ok();
  });
  if (!st) return st.error();
  // SQLCipher: the deleted rows' pages are overwritten (secure_delete) and the WAL emptied into the file.
  sql_->after_delete();
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
  json deleted, rs, kept_j;
  std::int64_t feed_n = 0;
  auto st = sql_->transaction([&]() -> Status {
  deleted = json::array();
  rs = json::array();
  kept_j = json::object();
  feed_n = 0;
  struct Row {
    std::string id, kind, received, resident, decision;
  };
  std::vector<Row> rows;
  {
    auto q = sql_->query("SELECT record_id, kind, received_at, public_json, sensitive_json FROM records ORDER BY device_id, seq");
    if (!q) return make_error(Errc::store, q.error().message);
    for (const auto& s : *q) {
      auto plain = open_sensitive(s.text(0), s.text(4));
      if (!plain) return plain.error();
      json pub = parse_stored(s.text(3), record::kMaxPublicBytes), sens = parse_stored(*plain, record::kMaxSensitiveBytes);
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
  std::map<std::string, int> kept;
  std::vector<std::string> ids;
  for (const auto& r : rows) {
    std::string rule, why;
    if (r.kind == record::kPvtRecordKind) {
      {
        auto dq = sql_->query("SELECT state, decided_at FROM duo_registrations WHERE record_id=?", {r.id});
        if (!dq) return make_error(Errc::store, dq.error().message);
        if (dq->empty()) {
          why = "pvt: not registered with DUO";
        } else if (dq->front().text(0) != "accepted" || dq->front().is_null(1)) {
          why = "pvt: DUO has not accepted it";
        } else {
          const auto at = calendar::Day(std::chrono::floor<std::chrono::days>(
              std::chrono::system_clock::from_time_t(static_cast<std::time_t>(dq->front().int64(1)))));
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
  {
    auto c = sql_->query("SELECT COUNT(*) FROM feed_problems WHERE received_at < ?", {cutoff});
    if (!c) return make_error(Errc::store, c.error().message);
    if (!c->empty()) feed_n = c->front().int64(0);
  }
  for (const auto& [k, n] : kept) kept_j[k] = n;
  if (!dry_run) {
    const std::string deletion_id = record::sha256_hex("balie-retention/1\n" + gemeentecode_ + "\n" + today_s + "\n").substr(0, 32);
    if (!ids.empty()) {
      auto receipts = erase_records_tx(ids, deletion_id, "retention", signer, now);
      if (!receipts) return receipts.error();
      for (const auto& r : *receipts) rs.push_back(json::parse(r));
    }
    if (auto d = sql_->exec("DELETE FROM feed_problems WHERE received_at < ?", {cutoff}); !d)
      return make_error(Errc::store, "deleting feed problems failed: " + d.error().message);
  }
  return Status::Ok();
  });
  if (!st) return st.error();
  // SQLCipher: the deleted rows' pages are overwritten (secure_delete) and the WAL emptied into the file.
  if (!dry_run) sql_->after_delete();
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
