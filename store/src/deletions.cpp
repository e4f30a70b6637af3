// Obligations that end as if they never were (store/ layer): a resident whose obligation was withdrawn
// as wrongly imposed, or whose regime was corrected, is withdrawn from the terminal. Unsent records
// are dropped (audited by record id and payload hash only), the receivers that hold delivered records
// get a deletion request (record ids + hashes), and everything about the resident is purged. The
// receivers' signed deletion receipts (verified by balie-syncd) close the requests; the staff status
// screen counts them per withdrawn resident without naming anyone.
#include <sodium.h>

#include <map>

#include "balie/record/codec.h"
#include "balie/record/envelope.h"
#include "balie/store/store.h"
#include "store_impl.h"

namespace balie::store {

using detail::Stmt;

bool is_deletion_reason(std::string_view r) { return r == "obligation_withdrawn" || r == "regime_corrected"; }

namespace {

// deletion_requests.records: one line per record, "record_id package_sha256 payload_sha256" ("-" for
// an unknown package hash). Ids and hashes only.
std::string encode_records(const std::vector<DeletionRecord>& rs) {
  std::string s;
  for (const auto& r : rs)
    s += r.record_id + " " + (r.package_sha256.empty() ? "-" : r.package_sha256) + " " + r.payload_sha256 + "\n";
  return s;
}

std::vector<DeletionRecord> decode_records(const std::string& s) {
  std::vector<DeletionRecord> out;
  std::size_t pos = 0;
  while (pos < s.size()) {
    std::size_t nl = s.find('\n', pos);
    if (nl == std::string::npos) nl = s.size();
    const std::string line = s.substr(pos, nl - pos);
    pos = nl + 1;
    const auto a = line.find(' '), b = line.find(' ', a == std::string::npos ? a : a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    DeletionRecord r{line.substr(0, a), line.substr(a + 1, b - a - 1), line.substr(b + 1)};
    if (r.package_sha256 == "-") r.package_sha256.clear();
    out.push_back(std::move(r));
  }
  return out;
}

DeletionRequestRow read_request(const Stmt& st) {
  // deletion_id, addressee, records, attempts, last_error, receipt, receipt_at, reason, created_at
  DeletionRequestRow r;
  r.deletion_id = st.text(0);
  r.addressee = st.text(1);
  r.records = decode_records(st.text(2));
  r.attempts = static_cast<int>(st.int64(3));
  r.last_error = st.text(4);
  if (!st.is_null(5)) r.receipt = st.blob(5);
  if (auto t = st.opt_int64(6)) r.receipt_at = from_db(*t);
  r.reason = st.text(7);
  r.created_at = from_db(st.int64(8));
  return r;
}

constexpr const char* kRequestCols =
    "q.deletion_id, q.addressee, q.records, q.attempts, q.last_error, q.receipt, q.receipt_at, d.reason, d.created_at "
    "FROM deletion_requests q JOIN deletions d ON d.deletion_id = q.deletion_id";

}  // namespace

Status Store::Impl::withdraw_in_tx(std::string_view resident_id, std::string_view reason, std::string_view actor,
                                   std::string* deletion_id) {
  const char* what = "withdrawing a resident (obligation ended)";
  deletion_id->clear();
  if (!is_deletion_reason(reason))
    return StoreError{StoreErrc::InvalidArgument, "a withdrawal needs reason obligation_withdrawn or regime_corrected"};
  {
    Stmt ex(db, "SELECT (SELECT count(*) FROM residents WHERE id = ?1) + (SELECT count(*) FROM records WHERE resident_id = ?1)");
    ex.bind(1, resident_id);
    if (int rc = ex.step(); rc != SQLITE_ROW) return err(rc, what);
    if (ex.int64(0) == 0) return {};  // nothing of the resident here
  }
  std::uint8_t rnd[16];
  randombytes_buf(rnd, sizeof rnd);
  const std::string id = record::to_hex(rnd, sizeof rnd);
  std::map<std::string, std::vector<DeletionRecord>> by_receiver;
  int delivered = 0, dropped = 0;
  {  // Delivered (acknowledged) records: the receiver named in the tombstone (or its signed ack) holds them.
    Stmt st(db,
            "SELECT t.record_id, t.payload_sha256, t.addressee, t.package_sha256, t.ack FROM records r "
            "JOIN tombstones t ON t.record_id = r.record_id WHERE r.resident_id = ?1 ORDER BY t.acknowledged_at, t.record_id");
    st.bind(1, resident_id);
    int rc;
    while ((rc = st.step()) == SQLITE_ROW) {
      DeletionRecord d{st.text(0), st.text(3), st.text(1)};
      std::string addressee = st.text(2);
      if (addressee.empty() || d.package_sha256.empty()) {
        const auto ack = st.is_null(4) ? std::vector<std::uint8_t>{} : st.blob(4);
        if (auto a = record::parse_ack_json(std::string_view(reinterpret_cast<const char*>(ack.data()), ack.size()))) {
          if (addressee.empty()) addressee = a->gemeentecode;
          if (d.package_sha256.empty()) d.package_sha256 = a->package_sha256;
        }
      }
      ++delivered;
      if (addressee.empty()) {
        if (Status s = audit_in_tx(actor, "deletion.receiver_unknown", "deletion=" + id + " record=" + d.record_id +
                                                                          " sha256=" + d.payload_sha256);
            !s.ok())
          return s;
        continue;
      }
      by_receiver[addressee].push_back(std::move(d));
    }
    if (rc != SQLITE_DONE) return err(rc, what);
  }
  {  // Unsent records (pending, held, failed): dropped. One already attempted may have reached its
     // receiver with the acknowledgement lost, so that receiver is asked as well.
    Stmt st(db,
            "SELECT o.record_id, o.payload_sha256, o.addressee, o.state, o.attempts, o.payload FROM records r "
            "JOIN outbox o ON o.record_id = r.record_id WHERE r.resident_id = ?1 AND o.state != 'acknowledged' "
            "ORDER BY o.created_at, o.record_id");
    st.bind(1, resident_id);
    int rc;
    while ((rc = st.step()) == SQLITE_ROW) {
      ++dropped;
      const std::string rid = st.text(0), hash = st.text(1), addressee = st.text(2), state = st.text(3);
      const auto attempts = st.int64(4);
      if (Status s = audit_in_tx(actor, "record.dropped",
                                 "deletion=" + id + " record=" + rid + " sha256=" + hash + " state=" + state +
                                     " attempts=" + std::to_string(attempts) + " reason=" + std::string(reason));
          !s.ok())
        return s;
      if (attempts > 0 && !addressee.empty()) {
        const auto payload = st.is_null(5) ? std::vector<std::uint8_t>{} : st.blob(5);
        auto env = record::parse_envelope(std::string_view(reinterpret_cast<const char*>(payload.data()), payload.size()));
        by_receiver[addressee].push_back(DeletionRecord{rid, env ? env->package_sha256 : std::string(), hash});
      }
    }
    if (rc != SQLITE_DONE) return err(rc, what);
  }
  Stmt ins(db, "INSERT INTO deletions(deletion_id, reason, created_at, dropped) VALUES (?1, ?2, ?3, ?4)");
  ins.bind(1, id).bind(2, reason).bind(3, to_db(now())).bind(4, dropped);
  if (Status s = run(ins, what); !s.ok()) return s;
  for (const auto& [g, recs] : by_receiver) {
    Stmt q(db, "INSERT INTO deletion_requests(deletion_id, addressee, records) VALUES (?1, ?2, ?3)");
    q.bind(1, id).bind(2, g).bind(3, encode_records(recs));
    if (Status s = run(q, what); !s.ok()) return s;
  }
  int deleted = 0;
  if (Status s = purge_in_tx(resident_id, /*keep_unsent=*/false, &deleted); !s.ok()) return s;
  *deletion_id = id;
  return audit_in_tx(actor, "resident.withdrawn",
                     "deletion=" + id + " reason=" + std::string(reason) + " delivered=" + std::to_string(delivered) +
                         " dropped=" + std::to_string(dropped) + " receivers=" + std::to_string(by_receiver.size()));
}

Result<std::string> Store::withdraw_resident(std::string_view resident_id, std::string_view reason, std::string_view actor) {
  auto& impl = *impl_;
  std::string id;
  Status s = impl.write_tx("withdrawing a resident", [&]() -> Status {
    return impl.withdraw_in_tx(resident_id, reason, actor, &id);
  });
  if (!s.ok()) return s.error();
  if (!id.empty() || impl.erase_pending)
    if (Status e = impl.erase_deleted_pages("withdrawing a resident"); !e.ok()) return e.error();
  return id;
}

Result<std::vector<DeletionRequestRow>> Store::open_deletion_requests(std::string_view gemeentecode) {
  Stmt st(impl_->db, std::string("SELECT ") + kRequestCols +
                         " WHERE q.addressee = ?1 AND q.receipt IS NULL ORDER BY d.created_at, q.deletion_id");
  if (!st.ok()) return impl_->err(st.prepare_rc(), "reading deletion requests");
  st.bind(1, gemeentecode);
  std::vector<DeletionRequestRow> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) out.push_back(read_request(st));
  if (rc != SQLITE_DONE) return impl_->err(rc, "reading deletion requests");
  return out;
}

Result<std::vector<std::string>> Store::gemeentecodes_with_deletions() {
  Stmt st(impl_->db, "SELECT DISTINCT addressee FROM deletion_requests WHERE receipt IS NULL ORDER BY addressee");
  if (!st.ok()) return impl_->err(st.prepare_rc(), "reading deletion requests");
  std::vector<std::string> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) out.push_back(st.text(0));
  if (rc != SQLITE_DONE) return impl_->err(rc, "reading deletion requests");
  return out;
}

Status Store::mark_deletion_attempt(std::string_view deletion_id, std::string_view gemeentecode, std::string_view error) {
  auto& impl = *impl_;
  return impl.write_tx("noting a deletion request attempt", [&]() -> Status {
    Stmt st(impl.db, "UPDATE deletion_requests SET attempts = attempts + 1, last_attempt_at = ?3, last_error = ?4 "
                     "WHERE deletion_id = ?1 AND addressee = ?2");
    st.bind(1, deletion_id).bind(2, gemeentecode).bind(3, to_db(impl.now())).bind(4, error.substr(0, 500));
    if (Status s = impl.run(st, "noting a deletion request attempt"); !s.ok()) return s;
    if (sqlite3_changes(impl.db) == 0) return StoreError{StoreErrc::NotFound, "no such deletion request"};
    return {};
  });
}

Status Store::store_deletion_receipt(std::string_view deletion_id, std::string_view gemeentecode,
                                     std::span<const std::uint8_t> receipt, UtcTime when) {
  auto& impl = *impl_;
  if (receipt.empty() || receipt.size() > 64 * 1024)
    return StoreError{StoreErrc::InvalidArgument, "a deletion receipt must be 1 byte to 64 KiB"};
  return impl.write_tx("storing a deletion receipt", [&]() -> Status {
    const char* what = "storing a deletion receipt";
    Stmt sel(impl.db, "SELECT receipt IS NOT NULL FROM deletion_requests WHERE deletion_id = ?1 AND addressee = ?2");
    sel.bind(1, deletion_id).bind(2, gemeentecode);
    int rc = sel.step();
    if (rc == SQLITE_DONE) return StoreError{StoreErrc::NotFound, "no such deletion request"};
    if (rc != SQLITE_ROW) return impl.err(rc, what);
    if (sel.int64(0) != 0) return {};  // already in: idempotent
    Stmt st(impl.db, "UPDATE deletion_requests SET receipt = ?3, receipt_at = ?4, last_error = '' "
                     "WHERE deletion_id = ?1 AND addressee = ?2");
    st.bind(1, deletion_id).bind(2, gemeentecode).bind_blob(3, receipt).bind(4, to_db(when));
    if (Status s = impl.run(st, what); !s.ok()) return s;
    return impl.audit_in_tx("sync", "deletion.receipt",
                            "deletion=" + std::string(deletion_id) + " gemeentecode=" + std::string(gemeentecode));
  });
}

Result<std::vector<DeletionRequestRow>> Store::deletion_requests(std::size_t max_count) {
  Stmt st(impl_->db, std::string("SELECT ") + kRequestCols + " ORDER BY d.created_at DESC, q.deletion_id, q.addressee LIMIT ?1");
  if (!st.ok()) return impl_->err(st.prepare_rc(), "reading deletion requests");
  st.bind(1, static_cast<std::int64_t>(max_count));
  std::vector<DeletionRequestRow> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) out.push_back(read_request(st));
  if (rc != SQLITE_DONE) return impl_->err(rc, "reading deletion requests");
  return out;
}

Result<std::vector<DeletionStatus>> Store::deletion_status(std::size_t max_count) {
  Stmt st(impl_->db,
          "SELECT d.deletion_id, d.reason, d.created_at, d.dropped, count(q.addressee), count(q.receipt) "
          "FROM deletions d LEFT JOIN deletion_requests q ON q.deletion_id = d.deletion_id "
          "GROUP BY d.deletion_id ORDER BY d.created_at DESC, d.deletion_id LIMIT ?1");
  if (!st.ok()) return impl_->err(st.prepare_rc(), "reading deletion status");
  st.bind(1, static_cast<std::int64_t>(max_count));
  std::vector<DeletionStatus> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW)
    out.push_back(DeletionStatus{st.text(0), st.text(1), from_db(st.int64(2)), static_cast<int>(st.int64(3)),
                                 static_cast<int>(st.int64(4)), static_cast<int>(st.int64(5))});
  if (rc != SQLITE_DONE) return impl_->err(rc, "reading deletion status");
  return out;
}

Result<std::string> Store::tombstone_addressee(std::string_view record_id) {
  Stmt st(impl_->db, "SELECT addressee FROM tombstones WHERE record_id = ?1");
  if (!st.ok()) return impl_->err(st.prepare_rc(), "reading a tombstone");
  st.bind(1, record_id);
  int rc = st.step();
  if (rc == SQLITE_ROW) return st.text(0);
  if (rc == SQLITE_DONE) return StoreError{StoreErrc::NotFound, "no tombstone for this record"};
  return impl_->err(rc, "reading a tombstone");
}

}  // namespace balie::store
