// The receiver's part for documents and evidence (issue 17 items 2-3): keeps each stored record's
// envelope as received and the ack key, so an evidence package (balie-evidence-package/1) and the
// PDF can be built later, and records every verification a document or export ran. Portable SQL
// (SQLite and PostgreSQL): TEXT/BIGINT/INTEGER, ? placeholders, ON CONFLICT, no sqlite-only functions.
#include <nlohmann/json.hpp>

#include "inbox_db.h"

namespace balie::inbox {
namespace {
using record::Errc;
using record::make_error;
}  // namespace

// Inside store_batch's transaction: the envelope as received, for a stored record or a duplicate whose
// envelope was not kept yet (stored before envelopes were kept).
Status InboxDb::keep_envelope_tx(const record::Envelope& env, const std::string& ack_pk_hex, std::time_t now) {
  auto e = sql_->exec("INSERT INTO record_evidence(record_id, envelope, ack_pk, kept_at) VALUES(?,?,?,?) "
                      "ON CONFLICT (record_id) DO NOTHING",
                      {env.record_id, record::envelope_json(env), ack_pk_hex, static_cast<std::int64_t>(now)});
  if (!e) return make_error(Errc::store, "cannot keep the envelope of " + env.record_id + ": " + e.error().message);
  return Status::Ok();
}

Result<EvidenceSource> InboxDb::evidence_source(const std::string& record_id) {
  std::lock_guard l(mu_);
  EvidenceSource src;
  auto d = sql_->query("SELECT deleted_at, reason FROM deleted_records WHERE record_id = ?", {record_id});
  if (!d) return make_error(Errc::store, d.error().message);
  if (!d->empty()) {
    src.state = EvidenceSource::State::deleted;
    src.deleted_at = d->front().text(0);
    src.deleted_reason = d->front().text(1);
    return src;
  }
  auto q = sql_->query("SELECT r.device_id, r.received_at, r.chain_gap, r.sensitive_json, r.ack_json, e.envelope, e.ack_pk, "
                       "d.ed25519_pk, d.locatiecode FROM records r LEFT JOIN record_evidence e ON e.record_id = r.record_id "
                       "LEFT JOIN devices d ON d.device_id = r.device_id WHERE r.record_id = ?",
                       {record_id});
  if (!q) return make_error(Errc::store, "cannot read record " + record_id + ": " + q.error().message);
  if (q->empty()) {
    src.state = EvidenceSource::State::unknown;
    return src;
  }
  const sql::Row& s = q->front();
  if (s.is_null(5)) {
    src.state = EvidenceSource::State::no_envelope;
    return src;
  }
  auto sens = open_sensitive(record_id, s.text(3));
  if (!sens) return sens.error();
  src.state = EvidenceSource::State::found;
  src.in.device_id = s.text(0);
  src.in.received_at = s.text(1);
  src.in.receiver_chain_gap = s.int64(2) != 0;
  src.in.sensitive_json = std::move(*sens);
  src.in.ack_json = s.text(4);
  src.in.envelope_json = s.text(5);
  src.in.municipality_ack_pk_hex = s.text(6);
  src.in.device_ed25519_pk_hex = s.text(7);
  src.in.device_locatiecode = s.text(8);
  return src;
}

Result<std::vector<std::pair<std::string, std::string>>> InboxDb::resident_known(const std::string& resident_id) {
  std::lock_guard l(mu_);
  std::vector<std::pair<std::string, std::string>> rows;
  auto q = sql_->query("SELECT locatiecode, state, dossier_json FROM residents WHERE resident_id = ?", {resident_id});
  if (!q) return make_error(Errc::store, q.error().message);
  if (q->empty()) {
    rows.push_back({"Dossier van de gemeente", "geen dossier voor resident " + resident_id});
    return rows;
  }
  const sql::Row& s = q->front();
  rows.push_back({"Dossier: locatie / status", s.text(0) + " / " + s.text(1)});
  if (!s.is_null(2)) {
    auto plain = open_dossier(resident_id, s.text(2));
    if (!plain) return plain.error();
    auto j = nlohmann::json::parse(*plain, nullptr, false);
    if (j.is_object())
      for (auto it = j.begin(); it != j.end() && rows.size() < 24; ++it)
        if (!it->is_object() && !it->is_array())
          rows.push_back({"Dossier: " + it.key(), it->is_string() ? it->get<std::string>() : it->dump()});
  }
  return rows;
}

Status InboxDb::record_evidence_check(const std::string& record_id, const std::string& purpose, int exit_code,
                                      const std::string& detail, std::time_t now) {
  std::lock_guard l(mu_);
  return sql_->transaction([&]() -> Status {
    auto m = sql_->query("SELECT COALESCE(MAX(check_no), 0) + 1 FROM evidence_checks");
    if (!m || m->empty()) return make_error(Errc::store, "cannot number the evidence check");
    auto e = sql_->exec("INSERT INTO evidence_checks(check_no, record_id, checked_at, purpose, exit_code, detail) "
                        "VALUES(?,?,?,?,?,?)",
                        {m->front().int64(0), record_id, static_cast<std::int64_t>(now), purpose, std::int64_t{exit_code}, detail});
    if (!e) return make_error(Errc::store, "cannot record the evidence check: " + e.error().message);
    return Status::Ok();
  });
}

Result<std::string> InboxDb::dump_evidence_checks() {
  std::lock_guard l(mu_);
  nlohmann::json arr = nlohmann::json::array();
  auto q = sql_->query("SELECT check_no, record_id, checked_at, purpose, exit_code, detail FROM evidence_checks ORDER BY check_no");
  if (!q) return make_error(Errc::store, q.error().message);
  for (const auto& s : *q)
    arr.push_back({{"check_no", s.int64(0)}, {"record_id", s.text(1)}, {"checked_at", s.int64(2)},
                   {"purpose", s.text(3)}, {"exit_code", s.int64(4)}, {"detail", s.text(5)}});
  return arr.dump(1);
}

}  // namespace balie::inbox
