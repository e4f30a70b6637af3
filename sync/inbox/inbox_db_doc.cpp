// The receiver's part for documents and evidence (issue 17 items 2-3): keeps each stored record's
// envelope as received and the ack key, so an evidence package (balie-evidence-package/1) and the
// PDF can be built later, and records every verification a document or export ran. Portable SQL
// (SQLite and PostgreSQL): TEXT/BIGINT/INTEGER, ? placeholders, ON CONFLICT, no sqlite-only functions.
#include <nlohmann/json.hpp>

#include "balie/record/sqlite_stmt.h"
#include "inbox_db.h"

namespace balie::inbox {
namespace {
using record::Errc;
using record::make_error;
using Stmt = record::sql::Stmt;

constexpr const char* kDocSchema = R"SQL(
CREATE TABLE IF NOT EXISTS record_evidence(
  record_id TEXT PRIMARY KEY, envelope TEXT NOT NULL, ack_pk TEXT NOT NULL, kept_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS evidence_checks(
  check_no BIGINT PRIMARY KEY, record_id TEXT NOT NULL, checked_at BIGINT NOT NULL, purpose TEXT NOT NULL,
  exit_code INTEGER NOT NULL, detail TEXT NOT NULL);
)SQL";
}  // namespace

Status InboxDb::open_doc_schema() { return exec(kDocSchema); }

Status InboxDb::keep_evidence(const std::vector<IncomingRecord>& records, const std::vector<StoredOutcome>& outcomes,
                              const std::string& ack_pk_hex, std::time_t now) {
  std::lock_guard l(mu_);
  record::sql::Transaction tx(db_, record::sql::Transaction::Kind::Immediate);
  for (std::size_t i = 0; i < records.size() && i < outcomes.size(); ++i) {
    if (outcomes[i].result != "stored" && outcomes[i].result != "duplicate") continue;
    Stmt s(db_, "INSERT INTO record_evidence(record_id, envelope, ack_pk, kept_at) VALUES(?,?,?,?) "
                "ON CONFLICT (record_id) DO NOTHING");
    s.bind(1, records[i].env.record_id).bind(2, record::envelope_json(records[i].env)).bind(3, ack_pk_hex);
    s.bind(4, static_cast<std::int64_t>(now));
    if (s.step() != SQLITE_DONE) return make_error(Errc::store, "cannot keep the envelope of " + records[i].env.record_id);
  }
  // Evidence of records deleted since (deletion requests) goes with them.
  if (record::sql::exec(db_, "DELETE FROM record_evidence WHERE record_id NOT IN (SELECT record_id FROM records)") !=
      SQLITE_OK)
    return make_error(Errc::store, "cannot purge evidence of deleted records");
  if (tx.commit() != SQLITE_OK) return make_error(Errc::store, "cannot commit kept envelopes");
  return Status::Ok();
}

Status InboxDb::purge_orphan_evidence() {
  std::lock_guard l(mu_);
  if (record::sql::exec(db_, "DELETE FROM record_evidence WHERE record_id NOT IN (SELECT record_id FROM records)") !=
      SQLITE_OK)
    return make_error(Errc::store, "cannot purge evidence of deleted records");
  return Status::Ok();
}

Result<EvidenceSource> InboxDb::evidence_source(const std::string& record_id) {
  std::lock_guard l(mu_);
  EvidenceSource src;
  {
    Stmt d(db_, "SELECT deleted_at, reason FROM deleted_records WHERE record_id = ?");
    d.bind(1, record_id);
    if (d.step() == SQLITE_ROW) {
      src.state = EvidenceSource::State::deleted;
      src.deleted_at = d.text(0);
      src.deleted_reason = d.text(1);
      return src;
    }
  }
  Stmt s(db_, "SELECT r.device_id, r.received_at, r.chain_gap, r.sensitive_json, r.ack_json, e.envelope, e.ack_pk, "
              "d.ed25519_pk, d.locatiecode FROM records r LEFT JOIN record_evidence e ON e.record_id = r.record_id "
              "LEFT JOIN devices d ON d.device_id = r.device_id WHERE r.record_id = ?");
  s.bind(1, record_id);
  const int rc = s.step();
  if (rc == SQLITE_DONE) {
    src.state = EvidenceSource::State::unknown;
    return src;
  }
  if (rc != SQLITE_ROW) return make_error(Errc::store, "cannot read record " + record_id);
  if (s.is_null(5)) {
    src.state = EvidenceSource::State::no_envelope;
    return src;
  }
  src.state = EvidenceSource::State::found;
  src.in.device_id = s.text(0);
  src.in.received_at = s.text(1);
  src.in.receiver_chain_gap = s.int64(2) != 0;
  src.in.sensitive_json = s.text(3);
  src.in.ack_json = s.text(4);
  src.in.envelope_json = s.text(5);
  src.in.municipality_ack_pk_hex = s.text(6);
  src.in.device_ed25519_pk_hex = s.is_null(7) ? "" : s.text(7);
  src.in.device_locatiecode = s.is_null(8) ? "" : s.text(8);
  return src;
}

Result<std::vector<std::pair<std::string, std::string>>> InboxDb::resident_known(const std::string& resident_id) {
  std::lock_guard l(mu_);
  std::vector<std::pair<std::string, std::string>> rows;
  Stmt s(db_, "SELECT locatiecode, state, dossier_json FROM residents WHERE resident_id = ?");
  s.bind(1, resident_id);
  if (s.step() != SQLITE_ROW) {
    rows.push_back({"Dossier van de gemeente", "geen dossier voor resident " + resident_id});
    return rows;
  }
  rows.push_back({"Dossier: locatie / status", s.text(0) + " / " + s.text(1)});
  if (!s.is_null(2)) {
    auto j = nlohmann::json::parse(s.text(2), nullptr, false);
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
  record::sql::Transaction tx(db_, record::sql::Transaction::Kind::Immediate);
  Stmt s(db_, "INSERT INTO evidence_checks(check_no, record_id, checked_at, purpose, exit_code, detail) "
              "SELECT COALESCE(MAX(check_no), 0) + 1, ?, ?, ?, ?, ? FROM evidence_checks");
  s.bind(1, record_id).bind(2, static_cast<std::int64_t>(now)).bind(3, purpose).bind(4, exit_code).bind(5, detail);
  if (s.step() != SQLITE_DONE || tx.commit() != SQLITE_OK) return make_error(Errc::store, "cannot record the evidence check");
  return Status::Ok();
}

Result<std::string> InboxDb::dump_evidence_checks() {
  std::lock_guard l(mu_);
  nlohmann::json arr = nlohmann::json::array();
  Stmt s(db_, "SELECT check_no, record_id, checked_at, purpose, exit_code, detail FROM evidence_checks ORDER BY check_no");
  while (s.step() == SQLITE_ROW)
    arr.push_back({{"check_no", s.int64(0)}, {"record_id", s.text(1)}, {"checked_at", s.int64(2)},
                   {"purpose", s.text(3)}, {"exit_code", s.int64(4)}, {"detail", s.text(5)}});
  return arr.dump(1);
}

}  // namespace balie::inbox
