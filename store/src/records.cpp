// Record store, part 2 (store/ layer): signed records and their outbox entries (one durable
// transaction), the outbox API for the sync engine, staff accounts with Argon2id PINs and a
// persistent lockout, the hash-chained audit log, and retention (purge + VACUUM).
//
// [SECTION] Records   [SECTION] Outbox   [SECTION] Staff   [SECTION] Audit   [SECTION] Retention
#include <sodium.h>

#include <algorithm>

#include "balie/record/codec.h"
#include "balie/record/envelope.h"
#include "balie/record/utf8.h"
#include "balie/store/store.h"
#include "consent_impl.h"
#include "json_codec.h"
#include "store_impl.h"
#include "util.h"

namespace balie::store {

using detail::Stmt;
using detail::Transaction;

// [SECTION] Records --------------------------------------------------------------------------------

namespace {

bool valid_kind(std::string_view k) {
  if (k.empty() || k.size() > 64) return false;
  return std::all_of(k.begin(), k.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':' || c == '-';
  });
}

OutboxState state_from(std::string_view s) {
  if (s == "held") return OutboxState::Held;
  if (s == "failed") return OutboxState::Failed;
  if (s == "acknowledged") return OutboxState::Acknowledged;
  return OutboxState::Pending;
}

}  // namespace

Result<ChainHead> Store::chain_head(std::string_view gemeentecode) {
  Stmt st(impl_->db, "SELECT seq, package_sha256 FROM chain_heads WHERE gemeentecode = ?1");
  if (!st.ok()) return impl_->err(st.prepare_rc(), "reading a chain head");
  st.bind(1, gemeentecode);
  int rc = st.step();
  if (rc == SQLITE_DONE) return ChainHead{};
  if (rc != SQLITE_ROW) return impl_->err(rc, "reading a chain head");
  return ChainHead{static_cast<std::uint64_t>(st.int64(0)), st.text(1)};
}

Result<CommittedRecord> Store::commit_sealed(const RecordDraft& d, const platform::DeviceSigningKey& device) {
  auto& impl = *impl_;
  if (!valid_kind(d.kind)) return StoreError{StoreErrc::InvalidArgument, "record kind must be [a-z0-9_.:-], 1-64 chars"};
  if (d.resident_id.empty()) return StoreError{StoreErrc::InvalidArgument, "a record needs a resident id"};
  if (d.decision.empty() || d.decision.size() > 64) return StoreError{StoreErrc::InvalidArgument, "a record needs a decision"};
  if (d.sensitive.empty()) return StoreError{StoreErrc::InvalidArgument, "a record needs its personal part"};
  if (device.secret_key.size() != crypto_sign_SECRETKEYBYTES)
    return StoreError{StoreErrc::InvalidArgument, "the device signing key is not loaded"};
  std::string record_id = d.record_id.empty() ? record::new_uuid_v4() : d.record_id;
  std::transform(record_id.begin(), record_id.end(), record_id.begin(),
                 [](char c) { return static_cast<char>(c >= 'A' && c <= 'F' ? c + 32 : c); });
  if (!record::is_uuid(record_id)) return StoreError{StoreErrc::InvalidArgument, "record_id must be a UUID"};

  CommittedRecord out;
  out.record_id = record_id;
  out.created_at = impl.now();
  const char* what = "saving the record";
  Status s = impl.write_tx(what, [&]() -> Status {
    Stmt res(impl.db, "SELECT gemeentecode FROM residents WHERE id = ?1");
    if (!res.ok()) return impl.err(res.prepare_rc(), what);
    res.bind(1, d.resident_id);
    int rc = res.step();
    if (rc == SQLITE_DONE) return StoreError{StoreErrc::NotFound, "no resident with this id on this device"};
    if (rc != SQLITE_ROW) return impl.err(rc, what);
    out.addressee = res.text(0);  // fixed now; never changed later
    if (out.addressee.empty())
      return StoreError{StoreErrc::NotFound, "the resident's gekoppelde gemeente is unknown: nothing can be sealed for it"};
    if (!d.expected_gemeentecode.empty() && d.expected_gemeentecode != out.addressee)
      return StoreError{StoreErrc::Conflict, "the gekoppelde gemeente changed while signing; nothing was stored"};
    // One person twice (another resident id with the same V-nummer or BSN): nothing is signed for
    // either id until COA fixes it.
    Stmt twin(impl.db,
              "SELECT 1 FROM residents a JOIN residents b ON b.id != a.id AND "
              "((a.v_nummer != '' AND b.v_nummer = a.v_nummer) OR (a.bsn != '' AND b.bsn = a.bsn)) WHERE a.id = ?1");
    twin.bind(1, d.resident_id);
    rc = twin.step();
    if (rc == SQLITE_ROW)
      return StoreError{StoreErrc::Conflict,
                        "another resident id has the same V-nummer or BSN (one person twice): COA must fix it; nothing was stored"};
    if (rc != SQLITE_DONE) return impl.err(rc, what);

    Stmt txt(impl.db, "SELECT 1 FROM text_versions WHERE version_id = ?1");
    txt.bind(1, d.text_version_id);
    rc = txt.step();
    if (rc == SQLITE_DONE) {
      return StoreError{StoreErrc::InvalidArgument, "unknown text version '" + d.text_version_id + "'"};
    }
    if (rc != SQLITE_ROW) return impl.err(rc, what);

    Stmt dup(impl.db, "SELECT 1 FROM records WHERE record_id = ?1 UNION ALL SELECT 1 FROM tombstones WHERE record_id = ?1");
    dup.bind(1, record_id);
    rc = dup.step();
    if (rc == SQLITE_ROW) return StoreError{StoreErrc::Conflict, "record " + record_id + " is already stored"};
    if (rc != SQLITE_DONE) return impl.err(rc, what);

    Stmt cnt(impl.db, "SELECT count(*) FROM outbox WHERE state != 'acknowledged'");
    rc = cnt.step();
    if (rc != SQLITE_ROW) return impl.err(rc, what);
    if (static_cast<std::size_t>(cnt.int64(0)) >= impl.options.max_outbox_entries) {
      return StoreError{StoreErrc::LimitReached, "the outbox is full (" + std::to_string(cnt.int64(0)) +
                                                     " records not yet delivered); sync before signing more"};
    }

    // The addressee's sealing key, read in this transaction (a route change cannot slip in between).
    auto rt = route(out.addressee);
    if (!rt.ok()) return rt.error();
    const bool has_key = rt.value() && std::any_of(rt.value()->box_public_key.begin(), rt.value()->box_public_key.end(),
                                                   [](std::uint8_t b) { return b != 0; });
    if (!has_key)
      return StoreError{StoreErrc::NotFound, "no route with a sealing key for " + out.addressee + ": nothing was stored"};

    // Seal, sign and chain inside the transaction so the chain position is allocated exactly once.
    auto head = chain_head(out.addressee);
    if (!head.ok()) return head.error();
    record::RecordInput in{record_id, d.kind, out.addressee, d.device_id,
                           static_cast<std::time_t>(out.created_at.time_since_epoch().count()), d.public_json,
                           d.sensitive};
    auto sealed = record::seal_record(in, device, rt.value()->box_public_key, head.value());
    sodium_memzero(in.sensitive.data(), in.sensitive.size());
    if (!sealed.ok()) return StoreError{StoreErrc::InvalidArgument, "sealing the record failed: " + sealed.error().message};
    const record::SealedRecord& sr = sealed.value();
    if (sr.envelope.size() > impl.options.max_payload_bytes) {
      return StoreError{StoreErrc::LimitReached, "the sealed payload is larger than the configured limit"};
    }
    Stmt up(impl.db, "UPDATE chain_heads SET seq = ?2, package_sha256 = ?3 WHERE gemeentecode = ?1");
    up.bind(1, out.addressee).bind(2, static_cast<std::int64_t>(sr.next.seq)).bind(3, sr.next.package_sha256);
    if (Status s2 = impl.run(up, what); !s2.ok()) return s2;
    if (sqlite3_changes(impl.db) == 0) {
      Stmt ins(impl.db, "INSERT INTO chain_heads(gemeentecode, seq, package_sha256) VALUES (?1, ?2, ?3)");
      ins.bind(1, out.addressee).bind(2, static_cast<std::int64_t>(sr.next.seq)).bind(3, sr.next.package_sha256);
      if (Status s2 = impl.run(ins, what); !s2.ok()) return s2;
    }
    out.payload_sha256 = sr.payload_sha256;

    Stmt rec(impl.db,
             "INSERT INTO records(record_id, kind, resident_id, text_version_id, decision, staff_id, created_at, "
             "payload_sha256) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)");
    if (!rec.ok()) return impl.err(rec.prepare_rc(), what);
    rec.bind(1, record_id).bind(2, d.kind).bind(3, d.resident_id).bind(4, d.text_version_id).bind(5, d.decision);
    rec.bind(6, d.staff_id).bind(7, to_db(out.created_at)).bind(8, out.payload_sha256);
    if (Status s2 = impl.run(rec, what); !s2.ok()) return s2;

    out.state = OutboxState::Pending;
    Stmt ob(impl.db,
            "INSERT INTO outbox(record_id, kind, addressee, created_at, payload, payload_sha256, state, held_reason, "
            "chain_seq) VALUES (?1,?2,?3,?4,?5,?6,?7,'',?8)");
    if (!ob.ok()) return impl.err(ob.prepare_rc(), what);
    ob.bind(1, record_id).bind(2, d.kind).bind(3, out.addressee).bind(4, to_db(out.created_at));
    ob.bind_blob(5, std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(sr.envelope.data()), sr.envelope.size()));
    ob.bind(6, out.payload_sha256).bind(7, to_string(out.state)).bind(8, static_cast<std::int64_t>(sr.next.seq));
    if (Status s2 = impl.run(ob, what); !s2.ok()) return s2;
    if (d.consent) {  // issue 16: the current state and COA's event in the same transaction
      if (Status s2 = detail::record_consent_in_tx(impl, d, record_id, out.created_at); !s2.ok()) return s2;
    }

    return impl.audit_in_tx(d.staff_id.empty() ? "kiosk" : d.staff_id, "record.commit",
                            "record=" + record_id + " kind=" + d.kind + " addressee=" + out.addressee +
                                " seq=" + std::to_string(sr.next.seq) + " sha256=" + out.payload_sha256);
  });
  if (!s.ok()) return s.error();
  return out;  // COMMIT returned with synchronous=FULL: the WAL frame is on disk
}

Result<std::vector<RecordSummary>> Store::records_for(std::string_view resident_id) {
  Stmt st(impl_->db,
          "SELECT r.record_id, r.kind, r.text_version_id, r.decision, r.created_at, coalesce(o.addressee, v.addressee), "
          "CASE WHEN v.record_id IS NOT NULL THEN 'voided' ELSE o.state END "
          "FROM records r LEFT JOIN outbox o ON o.record_id = r.record_id "
          "LEFT JOIN voided_records v ON v.record_id = r.record_id WHERE r.resident_id = ?1 "
          "ORDER BY r.created_at DESC, r.rowid DESC");
  if (!st.ok()) return impl_->err(st.prepare_rc(), "reading records");
  st.bind(1, resident_id);
  std::vector<RecordSummary> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    out.push_back(RecordSummary{st.text(0), st.text(1), st.text(2), st.text(3), from_db(st.int64(4)), st.text(5),
                                st.is_null(6) ? std::string("acknowledged") : st.text(6)});
  }
  if (rc != SQLITE_DONE) return impl_->err(rc, "reading records");
  return out;
}

// [SECTION] Outbox ---------------------------------------------------------------------------------

namespace {
constexpr const char* kOutboxCols =
    "record_id, kind, addressee, created_at, payload, payload_sha256, state, attempts, last_attempt_at, last_error, "
    "held_reason";

OutboxEntry read_entry(const Stmt& st, bool with_payload) {
  OutboxEntry e;
  e.record_id = st.text(0);
  e.kind = st.text(1);
  e.addressee = st.text(2);
  e.created_at = from_db(st.int64(3));
  if (with_payload) e.payload = st.blob(4);
  e.payload_sha256 = st.text(5);
  e.state = state_from(st.text(6));
  e.attempts = static_cast<int>(st.int64(7));
  if (auto v = st.opt_int64(8)) e.last_attempt_at = from_db(*v);
  e.last_error = st.text(9);
  e.held_reason = st.text(10);
  return e;
}
}  // namespace

Result<std::vector<OutboxEntry>> Store::list_pending(std::string_view gemeentecode, std::size_t max_count,
                                                     std::size_t max_bytes) {
  std::vector<OutboxEntry> out;
  if (max_count == 0) return out;
  Stmt st(impl_->db, std::string("SELECT ") + kOutboxCols +
                         " FROM outbox WHERE addressee = ?1 AND state = 'pending' "
                         // Chain order, not time order: a clock set back between two signings must not
                         // make the receiver see seq 5 before seq 4 (records before schema 4 have no seq).
                         "ORDER BY chain_seq, created_at, rowid LIMIT ?2");
  if (!st.ok()) return impl_->err(st.prepare_rc(), "reading the outbox");
  st.bind(1, gemeentecode).bind(2, static_cast<std::int64_t>(std::min<std::size_t>(max_count, 100000)));
  std::size_t bytes = 0;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    std::size_t n = st.bytes(4);
    if (!out.empty() && bytes + n > max_bytes) break;
    bytes += n;
    out.push_back(read_entry(st, true));
  }
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return impl_->err(rc, "reading the outbox");
  return out;
}

Result<std::optional<OutboxEntry>> Store::outbox_entry(std::string_view record_id) {
  Stmt st(impl_->db, std::string("SELECT ") + kOutboxCols + " FROM outbox WHERE record_id = ?1");
  if (!st.ok()) return impl_->err(st.prepare_rc(), "reading the outbox");
  st.bind(1, record_id);
  int rc = st.step();
  if (rc == SQLITE_DONE) return std::optional<OutboxEntry>();
  if (rc != SQLITE_ROW) return impl_->err(rc, "reading the outbox");
  return std::optional<OutboxEntry>(read_entry(st, true));
}

Result<std::vector<OutboxEntry>> Store::list_outbox(OutboxState state, std::size_t max_count) {
  Stmt st(impl_->db, std::string("SELECT ") + kOutboxCols +
                         " FROM outbox WHERE state = ?1 ORDER BY created_at, rowid LIMIT ?2");
  if (!st.ok()) return impl_->err(st.prepare_rc(), "reading the outbox");
  st.bind(1, to_string(state)).bind(2, static_cast<std::int64_t>(std::min<std::size_t>(max_count, 100000)));
  std::vector<OutboxEntry> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) out.push_back(read_entry(st, false));
  if (rc != SQLITE_DONE) return impl_->err(rc, "reading the outbox");
  return out;
}

namespace {
// Runs one UPDATE on an unacknowledged outbox entry; NotFound when no such entry.
Status update_entry(Store::Impl& impl, const char* sql, std::string_view record_id, std::string_view text,
                    const char* action, bool audit, std::string_view actor = "sync") {
  return impl.write_tx("updating the outbox", [&]() -> Status {
    Stmt st(impl.db, sql);
    // Parameters a statement does not use are ignored by SQLite (SQLITE_RANGE on bind, harmless).
    st.bind(1, record_id).bind(2, text.substr(0, 2000)).bind(3, to_db(impl.now()));
    if (Status s = impl.run(st, "updating the outbox"); !s.ok()) return s;
    if (sqlite3_changes(impl.db) == 0) {
      return StoreError{StoreErrc::NotFound, "no unacknowledged outbox entry " + std::string(record_id)};
    }
    if (!audit) return {};
    std::string detail = "record=" + std::string(record_id);
    if (!text.empty()) detail += " reason=" + std::string(text.substr(0, 200));
    return impl.audit_in_tx(actor, action, detail);
  });
}
}  // namespace

Status Store::mark_attempt(std::string_view record_id, std::string_view error) {
  return update_entry(*impl_,
                      "UPDATE outbox SET attempts = attempts + 1, last_attempt_at = ?3, last_error = ?2 "
                      "WHERE record_id = ?1 AND state != 'acknowledged'",
                      record_id, error, "outbox.attempt", false);
}

Status Store::mark_held(std::string_view record_id, std::string_view reason) {
  return update_entry(*impl_,
                      "UPDATE outbox SET state = 'held', held_reason = ?2 WHERE record_id = ?1 AND state != 'acknowledged'",
                      record_id, reason, "outbox.hold", true);
}

Status Store::mark_failed(std::string_view record_id, std::string_view problem) {
  return update_entry(*impl_,
                      "UPDATE outbox SET state = 'failed', last_error = ?2 WHERE record_id = ?1 AND state != 'acknowledged'",
                      record_id, problem, "outbox.fail", true);
}

Status Store::release(std::string_view record_id, std::string_view actor, std::string_view why) {
  return update_entry(*impl_,
                      "UPDATE outbox SET state = 'pending', held_reason = '' WHERE record_id = ?1 "
                      "AND state IN ('held', 'failed')",
                      record_id, why, "outbox.release", true, actor);
}

Result<VoidOutcome> Store::void_record(std::string_view record_id, std::string_view staff_id, std::string_view reason,
                                       const platform::DeviceSigningKey& device) {
  auto& impl = *impl_;
  const char* what = "voiding a record";
  if (staff_id.empty() || staff_id.size() > 128) return StoreError{StoreErrc::InvalidArgument, "a void needs the staff member's id"};
  const bool reason_ok = !reason.empty() && reason.size() <= 64 &&
                         std::all_of(reason.begin(), reason.end(), [](char c) {
                           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
                         });
  if (!reason_ok) return StoreError{StoreErrc::InvalidArgument, "a void reason is a code [a-z0-9_-]{1,64} (no free text)"};
  if (device.secret_key.size() != crypto_sign_SECRETKEYBYTES)
    return StoreError{StoreErrc::InvalidArgument, "the device signing key is not loaded"};
  VoidOutcome out;
  out.voided_record_id = std::string(record_id);
  out.void_record_id = record::new_uuid_v4();
  Status s = impl.write_tx(what, [&]() -> Status {
    Stmt prior(impl.db, "SELECT void_record_id FROM voided_records WHERE record_id = ?1");
    prior.bind(1, record_id);
    int rc = prior.step();
    if (rc == SQLITE_ROW) return StoreError{StoreErrc::Conflict, "record " + std::string(record_id) + " was voided before"};
    if (rc != SQLITE_DONE) return impl.err(rc, what);
    Stmt sel(impl.db,
             "SELECT r.resident_id, r.kind, r.payload_sha256, o.state, o.payload, o.addressee FROM records r "
             "LEFT JOIN outbox o ON o.record_id = r.record_id WHERE r.record_id = ?1");
    sel.bind(1, record_id);
    rc = sel.step();
    if (rc == SQLITE_DONE) return StoreError{StoreErrc::NotFound, "no record " + std::string(record_id) + " on this terminal"};
    if (rc != SQLITE_ROW) return impl.err(rc, what);
    const std::string resident_id = sel.text(0), kind = sel.text(1), payload_sha = sel.text(2);
    if (kind == kVoidRecordKind) return StoreError{StoreErrc::InvalidArgument, "a void record cannot be voided"};
    if (sel.is_null(3)) return StoreError{StoreErrc::NotFound, "record " + std::string(record_id) + " has no outbox entry"};
    const std::string state = sel.text(3);
    out.addressee = sel.text(5);
    if (state == "pending")
      return StoreError{StoreErrc::Conflict, "record " + std::string(record_id) + " is waiting to be sent; only held, failed or delivered records can be voided"};
    out.already_delivered = state == "acknowledged";
    auto rt = route(out.addressee);
    if (!rt.ok()) return rt.error();
    if (!rt.value()) return StoreError{StoreErrc::NotFound, "no route with a sealing key for " + out.addressee};

    ChainHead at;                 // the void is chained after this
    std::string package_sha;      // the voided record's chain hash ("" once delivered: not kept)
    std::string device_id;
    if (out.already_delivered) {
      auto head = chain_head(out.addressee);
      if (!head.ok()) return head.error();
      at = head.value();
      Stmt dev(impl.db, "SELECT kiosk_id FROM device_config WHERE id = 1");
      if (dev.step() == SQLITE_ROW) device_id = dev.text(0);
    } else {
      const auto payload = sel.blob(4);
      auto env = record::parse_envelope(std::string_view(reinterpret_cast<const char*>(payload.data()), payload.size()));
      if (!env.ok()) return StoreError{StoreErrc::Corrupt, "the voided record's envelope cannot be read: " + env.error().message};
      // The void takes the voided record's place: same seq, same predecessor.
      at = ChainHead{env.value().seq - 1, env.value().prev_sha256};
      package_sha = env.value().package_sha256;
      device_id = env.value().device_id;
    }
    if (device_id.empty()) return StoreError{StoreErrc::NotFound, "this terminal has no device id (not enrolled)"};
    const std::string pub = json{{"voided_record_id", std::string(record_id)},
                                 {"voided_kind", kind},
                                 {"voided_payload_sha256", payload_sha},
                                 {"voided_package_sha256", package_sha},
                                 {"reason", std::string(reason)},
                                 {"already_delivered", out.already_delivered}}
                                .dump();
    out.seq = at.seq + 1;
    const UtcTime now = impl.now();
    record::RecordInput in{out.void_record_id, kVoidRecordKind, out.addressee, device_id,
                           static_cast<std::time_t>(now.time_since_epoch().count()), pub, pub};
    auto sealed = record::seal_record(in, device, rt.value()->box_public_key, at);
    if (!sealed.ok()) return StoreError{StoreErrc::InvalidArgument, "sealing the void failed: " + sealed.error().message};
    const record::SealedRecord& sr = sealed.value();
    if (out.already_delivered) {  // appended: the chain head moves on
      Stmt up(impl.db, "UPDATE chain_heads SET seq = ?2, package_sha256 = ?3 WHERE gemeentecode = ?1");
      up.bind(1, out.addressee).bind(2, static_cast<std::int64_t>(sr.next.seq)).bind(3, sr.next.package_sha256);
      if (Status s2 = impl.run(up, what); !s2.ok()) return s2;
      if (sqlite3_changes(impl.db) == 0) {
        Stmt ins(impl.db, "INSERT INTO chain_heads(gemeentecode, seq, package_sha256) VALUES (?1, ?2, ?3)");
        ins.bind(1, out.addressee).bind(2, static_cast<std::int64_t>(sr.next.seq)).bind(3, sr.next.package_sha256);
        if (Status s2 = impl.run(ins, what); !s2.ok()) return s2;
      }
    } else {  // replaced in place: the voided entry's payload goes, its chain slot is the void's
      Stmt del(impl.db, "DELETE FROM outbox WHERE record_id = ?1");
      del.bind(1, record_id);
      if (Status s2 = impl.run(del, what); !s2.ok()) return s2;
    }
    Stmt rec(impl.db,
             "INSERT INTO records(record_id, kind, resident_id, text_version_id, decision, staff_id, created_at, "
             "payload_sha256) VALUES (?1,?2,?3,'','void',?4,?5,?6)");
    rec.bind(1, out.void_record_id).bind(2, std::string_view(kVoidRecordKind)).bind(3, resident_id);
    rec.bind(4, staff_id).bind(5, to_db(now)).bind(6, sr.payload_sha256);
    if (Status s2 = impl.run(rec, what); !s2.ok()) return s2;
    Stmt ob(impl.db,
            "INSERT INTO outbox(record_id, kind, addressee, created_at, payload, payload_sha256, state, held_reason, "
            "chain_seq) VALUES (?1,?2,?3,?4,?5,?6,'pending','',?7)");
    ob.bind(1, out.void_record_id).bind(2, std::string_view(kVoidRecordKind)).bind(3, out.addressee).bind(4, to_db(now));
    ob.bind_blob(5, std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(sr.envelope.data()), sr.envelope.size()));
    ob.bind(6, sr.payload_sha256).bind(7, static_cast<std::int64_t>(sr.next.seq));
    if (Status s2 = impl.run(ob, what); !s2.ok()) return s2;
    Stmt vr(impl.db,
            "INSERT INTO voided_records(record_id, void_record_id, addressee, payload_sha256, package_sha256, reason, "
            "staff_id, voided_at, already_delivered) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)");
    vr.bind(1, record_id).bind(2, out.void_record_id).bind(3, out.addressee).bind(4, payload_sha).bind(5, package_sha);
    vr.bind(6, reason).bind(7, staff_id).bind(8, to_db(now)).bind(9, out.already_delivered ? 1 : 0);
    if (Status s2 = impl.run(vr, what); !s2.ok()) return s2;
    return impl.audit_in_tx(staff_id, "record.void",
                            "record=" + std::string(record_id) + " void=" + out.void_record_id + " addressee=" +
                                out.addressee + " seq=" + std::to_string(out.seq) + " reason=" + std::string(reason) +
                                " already_delivered=" + (out.already_delivered ? "1" : "0") + " sha256=" + payload_sha);
  });
  if (!s.ok()) return s.error();
  return out;
}

Result<int> Store::rechain_unacknowledged(std::string_view gemeentecode, const ChainHead& receiver_head,
                                          const platform::DeviceSigningKey& device) {
  auto& impl = *impl_;
  const char* what = "continuing the record chain";
  if (device.secret_key.size() != crypto_sign_SECRETKEYBYTES)
    return StoreError{StoreErrc::InvalidArgument, "the device signing key is not loaded"};
  int n = 0;
  Status s = impl.write_tx(what, [&]() -> Status {
    struct Row {
      std::string id;
      std::vector<std::uint8_t> payload;
    };
    std::vector<Row> rows;
    {
      Stmt st(impl.db, "SELECT record_id, payload FROM outbox WHERE addressee = ?1 AND state != 'acknowledged' "
                       "ORDER BY chain_seq, created_at, rowid");
      if (!st.ok()) return impl.err(st.prepare_rc(), what);
      st.bind(1, gemeentecode);
      int rc;
      while ((rc = st.step()) == SQLITE_ROW) rows.push_back({st.text(0), st.blob(1)});
      if (rc != SQLITE_DONE) return impl.err(rc, what);
    }
    ChainHead head = receiver_head;
    for (const auto& r : rows) {
      std::string_view env(reinterpret_cast<const char*>(r.payload.data()), r.payload.size());
      auto sealed = record::rechain_record(env, device, head);
      if (!sealed.ok()) return StoreError{StoreErrc::InvalidArgument, "record " + r.id + ": " + sealed.error().message};
      const auto& sr = sealed.value();
      Stmt up(impl.db, "UPDATE outbox SET payload = ?2, payload_sha256 = ?3, chain_seq = ?4 WHERE record_id = ?1");
      up.bind(1, r.id);
      up.bind_blob(2, std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(sr.envelope.data()),
                                                     sr.envelope.size()));
      up.bind(3, sr.payload_sha256).bind(4, static_cast<std::int64_t>(sr.next.seq));
      if (Status s2 = impl.run(up, what); !s2.ok()) return s2;
      Stmt rec(impl.db, "UPDATE records SET payload_sha256 = ?2 WHERE record_id = ?1");
      rec.bind(1, r.id).bind(2, sr.payload_sha256);
      if (Status s2 = impl.run(rec, what); !s2.ok()) return s2;
      head = sr.next;
      ++n;
    }
    // Records signed from now on continue after the last re-chained one (or the receiver's head).
    Stmt del(impl.db, "DELETE FROM chain_heads WHERE gemeentecode = ?1");
    del.bind(1, gemeentecode);
    if (Status s2 = impl.run(del, what); !s2.ok()) return s2;
    Stmt ins(impl.db, "INSERT INTO chain_heads(gemeentecode, seq, package_sha256) VALUES (?1, ?2, ?3)");
    ins.bind(1, gemeentecode).bind(2, static_cast<std::int64_t>(head.seq)).bind(3, head.package_sha256);
    if (Status s2 = impl.run(ins, what); !s2.ok()) return s2;
    return impl.audit_in_tx("sync", "outbox.rechain",
                            "addressee=" + std::string(gemeentecode) + " from_seq=" +
                                std::to_string(receiver_head.seq) + " records=" + std::to_string(n) +
                                " head_seq=" + std::to_string(head.seq));
  });
  if (!s.ok()) return s.error();
  return n;
}

Result<int> Store::hold_all(std::string_view gemeentecode, std::string_view reason) {
  int n = 0;
  Status s = impl_->write_tx("holding records", [&]() -> Status {
    Stmt st(impl_->db, "UPDATE outbox SET state = 'held', held_reason = ?2 WHERE addressee = ?1 AND state = 'pending'");
    st.bind(1, gemeentecode).bind(2, reason.substr(0, 2000));
    if (Status s2 = impl_->run(st, "holding records"); !s2.ok()) return s2;
    n = sqlite3_changes(impl_->db);
    if (n == 0) return {};
    return impl_->audit_in_tx("sync", "outbox.hold_all", "gemeentecode=" + std::string(gemeentecode) + " n=" + std::to_string(n));
  });
  if (!s.ok()) return s.error();
  return n;
}

Result<int> Store::release_held(std::string_view gemeentecode) {
  int n = 0;
  Status s = impl_->write_tx("releasing records", [&]() -> Status {
    // A link-changed hold waits for a staff decision (release with a PIN, or void), never for the endpoint.
    Stmt st(impl_->db, "UPDATE outbox SET state = 'pending', held_reason = '' WHERE addressee = ?1 AND state = 'held' "
                       "AND substr(held_reason, 1, length(?2) + 1) != (?2 || ':')");
    st.bind(1, gemeentecode).bind(2, std::string_view(kLinkChangedProblem));
    if (Status s2 = impl_->run(st, "releasing records"); !s2.ok()) return s2;
    n = sqlite3_changes(impl_->db);
    if (n == 0) return {};
    return impl_->audit_in_tx("sync", "outbox.release_held", "gemeentecode=" + std::string(gemeentecode) + " n=" + std::to_string(n));
  });
  if (!s.ok()) return s.error();
  return n;
}

Result<std::vector<std::string>> Store::gemeentecodes_with_work() {
  Stmt st(impl_->db, "SELECT DISTINCT addressee FROM outbox WHERE state IN ('pending', 'held') ORDER BY addressee");
  if (!st.ok()) return impl_->err(st.prepare_rc(), "reading the outbox");
  std::vector<std::string> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) out.push_back(st.text(0));
  if (rc != SQLITE_DONE) return impl_->err(rc, "reading the outbox");
  return out;
}

Status Store::store_acknowledgement(std::string_view record_id, std::span<const std::uint8_t> ack, UtcTime ack_time) {
  auto& impl = *impl_;
  constexpr std::size_t kMaxAck = 64 * 1024;
  if (ack.size() > kMaxAck) return StoreError{StoreErrc::LimitReached, "acknowledgement larger than 64 KiB"};
  const char* what = "storing an acknowledgement";
  bool purged_record = false;
  Status s = impl.write_tx(what, [&]() -> Status {
    Stmt sel(impl.db, "SELECT state, payload_sha256, addressee, payload FROM outbox WHERE record_id = ?1");
    sel.bind(1, record_id);
    int rc = sel.step();
    if (rc == SQLITE_DONE) {
      Stmt tomb(impl.db, "SELECT 1 FROM tombstones WHERE record_id = ?1");
      tomb.bind(1, record_id);
      int trc = tomb.step();
      if (trc == SQLITE_ROW) return {};  // already acknowledged and cleaned up: idempotent
      if (trc != SQLITE_DONE) return impl.err(trc, what);
      // Dropped while in flight (the resident's obligation was withdrawn): the receiver stored it, and
      // the deletion request already names it, so its receipt covers it. Nothing of it is kept here.
      Stmt dropped(impl.db, "SELECT 1 FROM deletion_requests WHERE instr(records, ?1) > 0 LIMIT 1");
      dropped.bind(1, std::string(record_id) + " ");
      int drc = dropped.step();
      if (drc == SQLITE_ROW)
        return impl.audit_in_tx("sync", "record.ack_after_drop", "record=" + std::string(record_id));
      if (drc != SQLITE_DONE) return impl.err(drc, what);
      return StoreError{StoreErrc::NotFound, "no outbox entry " + std::string(record_id)};
    }
    if (rc != SQLITE_ROW) return impl.err(rc, what);
    if (sel.text(0) == "acknowledged") return {};
    std::string hash = sel.text(1);
    // The tombstone keeps the receiver and the package hash its acknowledgement names: a deletion
    // request after a withdrawn obligation must reach that receiver and name that package.
    const std::string addressee = sel.text(2);
    std::string package_sha256;
    {
      const auto payload = sel.blob(3);
      auto env = record::parse_envelope(std::string_view(reinterpret_cast<const char*>(payload.data()), payload.size()));
      if (env) package_sha256 = env->package_sha256;
    }
    // Deleting the payload (secure_delete zeroes its pages) and writing the tombstone: one transaction.
    Stmt upd(impl.db,
             "UPDATE outbox SET payload = NULL, state = 'acknowledged', last_error = '', held_reason = '' "
             "WHERE record_id = ?1");
    upd.bind(1, record_id);
    if (Status s = impl.run(upd, what); !s.ok()) return s;
    Stmt tomb(impl.db,
              "INSERT INTO tombstones(record_id, payload_sha256, acknowledged_at, ack, addressee, package_sha256) "
              "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    tomb.bind(1, record_id).bind(2, hash).bind(3, to_db(ack_time)).bind_blob(4, ack).bind(5, addressee).bind(6, package_sha256);
    if (Status s = impl.run(tomb, what); !s.ok()) return s;
    // A record whose resident was purged by the feed stayed only to be delivered: it goes now.
    Stmt orphan(impl.db,
                "DELETE FROM records WHERE record_id = ?1 AND resident_id NOT IN (SELECT id FROM residents)");
    orphan.bind(1, record_id);
    if (Status s = impl.run(orphan, what); !s.ok()) return s;
    purged_record = sqlite3_changes(impl.db) > 0;
    return impl.audit_in_tx("sync", "record.ack", "record=" + std::string(record_id) + " sha256=" + hash);
  });
  if (!s.ok()) return s;
  // The last trace of a purged resident went: erase it from the files before reporting done.
  if (purged_record || impl.erase_pending) return impl.erase_deleted_pages("an acknowledgement");
  return {};
}

Result<std::optional<Tombstone>> Store::tombstone(std::string_view record_id) {
  Stmt st(impl_->db, "SELECT record_id, payload_sha256, acknowledged_at, ack FROM tombstones WHERE record_id = ?1");
  if (!st.ok()) return impl_->err(st.prepare_rc(), "reading a tombstone");
  st.bind(1, record_id);
  int rc = st.step();
  if (rc == SQLITE_DONE) return std::optional<Tombstone>();
  if (rc != SQLITE_ROW) return impl_->err(rc, "reading a tombstone");
  return std::optional<Tombstone>(Tombstone{st.text(0), st.text(1), from_db(st.int64(2)), st.blob(3)});
}

Result<std::vector<OutboxCounts>> Store::outbox_counts() {
  Stmt st(impl_->db,
          "SELECT addressee, sum(state = 'pending'), sum(state = 'held'), sum(state = 'failed'), "
          // The ten-working-day count runs for every record not yet delivered: held and failed ones too.
          "min(CASE WHEN state IN ('pending', 'held', 'failed') THEN created_at END), sum(state = 'acknowledged'), "
          "(SELECT h.held_reason FROM outbox h WHERE h.addressee = o.addressee AND h.state = 'held' "
          " ORDER BY h.rowid DESC LIMIT 1) "
          "FROM outbox o GROUP BY addressee ORDER BY addressee");
  if (!st.ok()) return impl_->err(st.prepare_rc(), "counting the outbox");
  std::vector<OutboxCounts> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    OutboxCounts c;
    c.gemeentecode = st.text(0);
    c.waiting = static_cast<int>(st.int64(1));
    c.held = static_cast<int>(st.int64(2));
    c.failed = static_cast<int>(st.int64(3));
    if (auto v = st.opt_int64(4)) c.oldest_waiting = from_db(*v);
    c.acknowledged = static_cast<int>(st.int64(5));
    c.held_reason = st.text(6);
    out.push_back(std::move(c));
  }
  if (rc != SQLITE_DONE) return impl_->err(rc, "counting the outbox");
  return out;
}

// [SECTION] Staff ----------------------------------------------------------------------------------

namespace {

bool valid_pin(std::string_view pin) {
  if (pin.size() < 4 || pin.size() > 12) return false;
  return std::all_of(pin.begin(), pin.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string join_codes(const std::vector<std::string>& codes) {
  std::string out;
  for (const auto& c : codes) {
    if (!out.empty()) out += ",";
    out += c;
  }
  return out;
}

std::vector<std::string> split_codes(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < s.size()) {
    auto comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (comma > start) out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

StaffAccount read_staff(const Stmt& st) {
  StaffAccount a;
  a.id = st.text(0);
  a.display_name = st.text(1);
  a.role = staff_role_from_string(st.text(2)).value_or(StaffRole::CoaStaff);
  a.gemeentecodes = split_codes(st.text(3));
  a.active = st.int64(4) != 0;
  a.must_change_pin = st.int64(5) != 0;
  return a;
}

// A valid Argon2id hash of a random PIN, computed once: verifying against it for unknown staff ids
// makes "unknown id" and "wrong PIN" take the same time.
const std::string& dummy_hash() {
  static const std::string h = [] {
    char out[crypto_pwhash_STRBYTES];
    char pin[16];
    randombytes_buf(pin, sizeof pin);
    if (crypto_pwhash_str(out, pin, sizeof pin, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
      return std::string();  // out of memory: unknown ids then answer faster, nothing else changes
    }
    return std::string(out);
  }();
  return h;
}

}  // namespace

Status Store::upsert_staff(const StaffAccount& a, std::string_view pin) {
  auto& impl = *impl_;
  if (a.id.empty() || a.id.size() > 64 || a.display_name.empty()) {
    return StoreError{StoreErrc::InvalidArgument, "a staff account needs an id (1-64 bytes) and a display name"};
  }
  if (!pin.empty() && !valid_pin(pin)) return StoreError{StoreErrc::InvalidArgument, "a PIN has 4 to 12 digits"};
  if (a.role != StaffRole::MunicipalityHost && !a.gemeentecodes.empty()) {
    return StoreError{StoreErrc::InvalidArgument, "only municipality hosts have mandated gemeentecodes"};
  }
  std::string hash;
  if (!pin.empty()) {
    auto h = hash_pin(pin);
    if (!h.ok()) return h.error();
    hash = std::move(h.value());
  }
  const char* what = "saving a staff account";
  std::string name = a.display_name;  // issue 18: a display name is data, not formatting
  const bool stripped = record::strip_bidi_formatting(name);
  if (name.empty()) return StoreError{StoreErrc::InvalidArgument, "a staff account needs a display name"};
  return impl.write_tx(what, [&]() -> Status {
    if (stripped)
      if (Status s = impl.audit_in_tx("admin", "staff.bidi_stripped", "staff=" + a.id + " field=display_name"); !s.ok()) return s;
    Stmt upd(impl.db, pin.empty()
                          ? "UPDATE staff SET display_name=?2, role=?3, gemeentecodes=?4, active=?5 WHERE id=?1"
                          : "UPDATE staff SET display_name=?2, role=?3, gemeentecodes=?4, active=?5, pin_hash=?6, "
                            "failed_count=0, lockout_level=0, locked_until=NULL WHERE id=?1");
    upd.bind(1, a.id).bind(2, name).bind(3, to_string(a.role)).bind(4, join_codes(a.gemeentecodes));
    upd.bind(5, a.active ? 1 : 0);
    if (!pin.empty()) upd.bind(6, hash);
    if (Status s = impl.run(upd, what); !s.ok()) return s;
    if (sqlite3_changes(impl.db) == 0) {
      if (pin.empty()) return StoreError{StoreErrc::NotFound, "a new staff account needs a PIN"};
      Stmt ins(impl.db, "INSERT INTO staff(id, display_name, role, gemeentecodes, active, pin_hash) VALUES (?1,?2,?3,?4,?5,?6)");
      ins.bind(1, a.id).bind(2, name).bind(3, to_string(a.role)).bind(4, join_codes(a.gemeentecodes));
      ins.bind(5, a.active ? 1 : 0).bind(6, hash);
      if (Status s = impl.run(ins, what); !s.ok()) return s;
    }
    return impl.audit_in_tx("admin", "staff.upsert", "staff=" + a.id + " role=" + to_string(a.role));
  });
}

Result<std::optional<StaffAccount>> Store::staff(std::string_view staff_id) {
  Stmt st(impl_->db, "SELECT id, display_name, role, gemeentecodes, active, must_change_pin FROM staff WHERE id = ?1");
  if (!st.ok()) return impl_->err(st.prepare_rc(), "reading a staff account");
  st.bind(1, staff_id);
  int rc = st.step();
  if (rc == SQLITE_DONE) return std::optional<StaffAccount>();
  if (rc != SQLITE_ROW) return impl_->err(rc, "reading a staff account");
  return std::optional<StaffAccount>(read_staff(st));
}

Result<std::vector<StaffAccount>> Store::list_staff() {
  Stmt st(impl_->db, "SELECT id, display_name, role, gemeentecodes, active, must_change_pin FROM staff ORDER BY id");
  if (!st.ok()) return impl_->err(st.prepare_rc(), "reading staff accounts");
  std::vector<StaffAccount> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) out.push_back(read_staff(st));
  if (rc != SQLITE_DONE) return impl_->err(rc, "reading staff accounts");
  return out;
}

void Store::set_lockout_policy(const LockoutPolicy& policy) { impl_->lockout = policy; }

Result<std::string> hash_pin(std::string_view pin) {
  if (!valid_pin(pin)) return StoreError{StoreErrc::InvalidArgument, "a PIN has 4 to 12 digits"};
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, pin.data(), pin.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return StoreError{StoreErrc::Io, "not enough memory to hash the PIN"};
  }
  return std::string(out);
}

namespace {
// Sets a staff member's PIN hash (and whether it must be changed), clearing the lockout.
Status set_pin_in_tx(Store::Impl& impl, std::string_view staff_id, const std::string& hash, bool must_change,
                     const char* what) {
  Stmt upd(impl.db, "UPDATE staff SET pin_hash=?2, must_change_pin=?3, failed_count=0, lockout_level=0, "
                    "locked_until=NULL WHERE id=?1");
  upd.bind(1, staff_id).bind(2, hash).bind(3, must_change ? 1 : 0);
  if (Status s = impl.run(upd, what); !s.ok()) return s;
  if (sqlite3_changes(impl.db) == 0) return StoreError{StoreErrc::NotFound, "no staff account " + std::string(staff_id)};
  return {};
}
}  // namespace

Status Store::change_pin(std::string_view staff_id, std::string_view new_pin) {
  auto& impl = *impl_;
  const char* what = "changing a PIN";
  auto hash = hash_pin(new_pin);
  if (!hash.ok()) return hash.error();
  std::string old;
  {
    Stmt st(impl.db, "SELECT pin_hash FROM staff WHERE id = ?1");
    st.bind(1, staff_id);
    int rc = st.step();
    if (rc == SQLITE_DONE) return StoreError{StoreErrc::NotFound, "no staff account " + std::string(staff_id)};
    if (rc != SQLITE_ROW) return impl.err(rc, what);
    old = st.text(0);
  }
  if (crypto_pwhash_str_verify(old.c_str(), new_pin.data(), new_pin.size()) == 0) {
    return StoreError{StoreErrc::Conflict, "the new PIN must differ from the old one"};
  }
  return impl.write_tx(what, [&]() -> Status {
    if (Status s = set_pin_in_tx(impl, staff_id, hash.value(), false, what); !s.ok()) return s;
    return impl.audit_in_tx(staff_id, "staff.pin_changed", "staff=" + std::string(staff_id));
  });
}

Status Store::reset_pin(std::string_view staff_id, std::string_view first_login_pin, std::string_view actor) {
  auto& impl = *impl_;
  const char* what = "resetting a PIN";
  auto hash = hash_pin(first_login_pin);
  if (!hash.ok()) return hash.error();
  return impl.write_tx(what, [&]() -> Status {
    if (Status s = set_pin_in_tx(impl, staff_id, hash.value(), true, what); !s.ok()) return s;
    return impl.audit_in_tx(actor, "staff.pin_reset", "staff=" + std::string(staff_id));
  });
}

Status Store::set_staff_active(std::string_view staff_id, bool active, std::string_view actor) {
  auto& impl = *impl_;
  const char* what = active ? "enabling a staff account" : "disabling a staff account";
  return impl.write_tx(what, [&]() -> Status {
    Stmt upd(impl.db, "UPDATE staff SET active=?2 WHERE id=?1");
    upd.bind(1, staff_id).bind(2, active ? 1 : 0);
    if (Status s = impl.run(upd, what); !s.ok()) return s;
    if (sqlite3_changes(impl.db) == 0) return StoreError{StoreErrc::NotFound, "no staff account " + std::string(staff_id)};
    return impl.audit_in_tx(actor, active ? "staff.enable" : "staff.disable", "staff=" + std::string(staff_id));
  });
}

Result<PinVerdict> Store::verify_pin(std::string_view staff_id, std::string_view pin) {
  auto& impl = *impl_;
  const char* what = "checking a PIN";
  // 1. Read the hash and the lock outside any write transaction: Argon2id takes ~0.1 s and must
  //    not hold the database's write lock.
  std::string hash;
  bool found = false;
  {
    Stmt st(impl.db, "SELECT pin_hash, active, locked_until FROM staff WHERE id = ?1");
    if (!st.ok()) return impl.err(st.prepare_rc(), what);
    st.bind(1, staff_id);
    int rc = st.step();
    if (rc == SQLITE_ROW) {
      found = st.int64(1) != 0;
      hash = st.text(0);
      if (auto until = st.opt_int64(2); found && until && impl.now() < from_db(*until)) {
        PinVerdict v;
        v.kind = PinVerdict::Kind::Locked;
        v.locked_until = from_db(*until);
        return v;
      }
    } else if (rc != SQLITE_DONE) {
      return impl.err(rc, what);
    }
  }
  if (!found) {
    std::string p(pin);
    if (crypto_pwhash_str_verify(dummy_hash().c_str(), p.c_str(), p.size()) == 0) {
      // cannot match a random PIN; the call only equalises timing
    }
    sodium_memzero(p.data(), p.size());
    PinVerdict v;
    v.kind = PinVerdict::Kind::UnknownStaff;
    return v;
  }
  bool correct = valid_pin(pin) && crypto_pwhash_str_verify(hash.c_str(), pin.data(), pin.size()) == 0;

  // 2. Record the outcome durably before answering, re-reading the counters under the write lock
  //    (the other process may have counted a failure meanwhile).
  PinVerdict verdict;
  Status s = impl.write_tx(what, [&]() -> Status {
    Stmt st(impl.db, "SELECT failed_count, lockout_level, locked_until FROM staff WHERE id = ?1");
    st.bind(1, staff_id);
    int rc = st.step();
    if (rc != SQLITE_ROW) return rc == SQLITE_DONE ? Status(StoreError{StoreErrc::NotFound, "staff account vanished"}) : Status(impl.err(rc, what));
    int failed = static_cast<int>(st.int64(0));
    int level = static_cast<int>(st.int64(1));
    auto until = st.opt_int64(2);
    UtcTime now = impl.now();
    if (until && now < from_db(*until)) {  // locked by the other process meanwhile
      verdict.kind = PinVerdict::Kind::Locked;
      verdict.locked_until = from_db(*until);
      return {};
    }
    if (until) failed = 0;  // an expired lock starts a fresh round of attempts (level stays)
    if (correct) {
      Stmt ok(impl.db, "UPDATE staff SET failed_count = 0, lockout_level = 0, locked_until = NULL WHERE id = ?1");
      ok.bind(1, staff_id);
      if (Status s2 = impl.run(ok, what); !s2.ok()) return s2;
      verdict.kind = PinVerdict::Kind::Ok;
      return impl.audit_in_tx(staff_id, "staff.pin_ok", "staff=" + std::string(staff_id));
    }
    ++failed;
    std::optional<std::int64_t> new_until;
    if (failed >= impl.lockout.max_failures) {
      auto lock = impl.lockout.first_lock * (std::int64_t{1} << std::min(level, 20));
      lock = std::min<std::chrono::seconds>(lock, impl.lockout.max_lock);
      new_until = to_db(now + lock);
      ++level;
      failed = 0;
    }
    Stmt bad(impl.db, "UPDATE staff SET failed_count = ?2, lockout_level = ?3, locked_until = ?4 WHERE id = ?1");
    bad.bind(1, staff_id).bind(2, failed).bind(3, level).bind_opt(4, new_until);
    if (Status s2 = impl.run(bad, what); !s2.ok()) return s2;
    verdict.kind = new_until ? PinVerdict::Kind::Locked : PinVerdict::Kind::Wrong;
    verdict.attempts_left = new_until ? 0 : impl.lockout.max_failures - failed;
    if (new_until) verdict.locked_until = from_db(*new_until);
    return impl.audit_in_tx(staff_id, new_until ? "staff.lockout" : "staff.pin_wrong", "staff=" + std::string(staff_id));
  });
  if (!s.ok()) return s.error();
  return verdict;
}

// [SECTION] Audit ----------------------------------------------------------------------------------

namespace {

const std::string kGenesis(64, '0');

std::string audit_hash(std::int64_t seq, std::int64_t at, std::string_view actor, std::string_view action,
                       std::string_view detail, std::string_view prev) {
  // Length-prefixed fields: no separator inside a field can forge another split.
  std::string canon;
  auto field = [&](std::string_view f) {
    canon += std::to_string(f.size());
    canon += ':';
    canon.append(f.data(), f.size());
  };
  field("balie-audit-v1");
  field(std::to_string(seq));
  field(std::to_string(at));
  field(actor);
  field(action);
  field(detail);
  field(prev);
  return record::sha256_hex(canon);
}

}  // namespace

Status Store::Impl::audit_in_tx(std::string_view actor, std::string_view action, std::string_view detail) {
  const char* what = "appending to the audit log";
  Stmt last(db, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
  if (!last.ok()) return err(last.prepare_rc(), what);
  int rc = last.step();
  std::int64_t seq = 1;
  std::string prev = kGenesis;
  if (rc == SQLITE_ROW) {
    seq = last.int64(0) + 1;
    prev = last.text(1);
  } else if (rc != SQLITE_DONE) {
    return err(rc, what);
  }
  std::int64_t at = to_db(now());
  std::string a(actor.substr(0, 128)), act(action.substr(0, 128)), det(detail.substr(0, 1024));
  Stmt ins(db, "INSERT INTO audit_log(seq, at, actor, action, detail, prev_hash, hash) VALUES (?1,?2,?3,?4,?5,?6,?7)");
  if (!ins.ok()) return err(ins.prepare_rc(), what);
  ins.bind(1, seq).bind(2, at).bind(3, a).bind(4, act).bind(5, det).bind(6, prev);
  ins.bind(7, audit_hash(seq, at, a, act, det, prev));
  return run(ins, what);
}

Status Store::append_audit(std::string_view actor, std::string_view action, std::string_view detail) {
  return impl_->write_tx("appending to the audit log", [&] { return impl_->audit_in_tx(actor, action, detail); });
}

Result<std::vector<AuditEntry>> Store::audit_tail(std::size_t max_count) {
  Stmt st(impl_->db,
          "SELECT seq, at, actor, action, detail, prev_hash, hash FROM "
          "(SELECT * FROM audit_log ORDER BY seq DESC LIMIT ?1) ORDER BY seq");
  if (!st.ok()) return impl_->err(st.prepare_rc(), "reading the audit log");
  st.bind(1, static_cast<std::int64_t>(std::min<std::size_t>(max_count, 100000)));
  std::vector<AuditEntry> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    out.push_back(AuditEntry{st.int64(0), from_db(st.int64(1)), st.text(2), st.text(3), st.text(4), st.text(5), st.text(6)});
  }
  if (rc != SQLITE_DONE) return impl_->err(rc, "reading the audit log");
  return out;
}

Result<AuditVerdict> Store::verify_audit() {
  Stmt st(impl_->db, "SELECT seq, at, actor, action, detail, prev_hash, hash FROM audit_log ORDER BY seq");
  if (!st.ok()) return impl_->err(st.prepare_rc(), "verifying the audit log");
  AuditVerdict v;
  std::string expected_prev = kGenesis;
  std::int64_t expected_seq = 1;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    ++v.entries;
    if (!v.ok) continue;  // keep counting, report the first break only
    std::int64_t seq = st.int64(0);
    auto fail = [&](std::string reason) {
      v.ok = false;
      v.first_broken_seq = seq;
      v.reason = std::move(reason);
    };
    std::string prev = st.text(5), hash = st.text(6);
    if (seq != expected_seq) {
      fail("entry " + std::to_string(expected_seq) + " is missing (next entry is " + std::to_string(seq) + ")");
    } else if (prev != expected_prev) {
      fail("entry " + std::to_string(seq) + " does not link to the hash of the entry before it");
    } else if (audit_hash(seq, st.int64(1), st.text(2), st.text(3), st.text(4), prev) != hash) {
      fail("entry " + std::to_string(seq) + " was changed after it was written (hash mismatch)");
    }
    expected_prev = hash;
    expected_seq = seq + 1;
  }
  if (rc != SQLITE_DONE) return impl_->err(rc, "verifying the audit log");
  return v;
}

// [SECTION] Retention ------------------------------------------------------------------------------

Status Store::Impl::purge_in_tx(std::string_view resident_id, bool keep_unsent, int* deleted) {
  const char* what = "deleting a resident";
  Stmt recs(db, keep_unsent
                    ? "DELETE FROM records WHERE resident_id = ?1 AND record_id NOT IN "
                      "(SELECT record_id FROM outbox WHERE state != 'acknowledged')"
                    : "DELETE FROM records WHERE resident_id = ?1");  // outbox rows cascade
  recs.bind(1, resident_id);
  if (Status s = run(recs, what); !s.ok()) return s;
  *deleted += sqlite3_changes(db);
  Stmt res(db, "DELETE FROM residents WHERE id = ?1");  // dossier_items cascade
  res.bind(1, resident_id);
  return run(res, what);
}

Status Store::purge_resident(std::string_view resident_id, bool even_if_unsent) {
  auto& impl = *impl_;
  const char* what = "deleting a resident";
  Status s = impl.write_tx(what, [&]() -> Status {
    Stmt unsent(impl.db,
                "SELECT count(*) FROM records r JOIN outbox o ON o.record_id = r.record_id "
                "WHERE r.resident_id = ?1 AND o.state != 'acknowledged'");
    unsent.bind(1, resident_id);
    int rc = unsent.step();
    if (rc != SQLITE_ROW) return impl.err(rc, what);
    auto n_unsent = unsent.int64(0);
    if (n_unsent > 0 && !even_if_unsent) {
      return StoreError{StoreErrc::Conflict, std::to_string(n_unsent) +
                                                 " record(s) of this resident are not yet delivered; deliver them "
                                                 "first or purge with even_if_unsent"};
    }
    Stmt exists(impl.db, "SELECT (SELECT count(*) FROM residents WHERE id = ?1) + (SELECT count(*) FROM records WHERE resident_id = ?1)");
    exists.bind(1, resident_id);
    rc = exists.step();
    if (rc != SQLITE_ROW) return impl.err(rc, what);
    if (exists.int64(0) == 0) return StoreError{StoreErrc::NotFound, "no resident with this id on this device"};
    int deleted = 0;
    if (Status s2 = impl.purge_in_tx(resident_id, false, &deleted); !s2.ok()) return s2;
    return impl.audit_in_tx("admin", "resident.purge",
                            "resident=" + std::string(resident_id) + " records=" + std::to_string(deleted) +
                                " unsent=" + std::to_string(n_unsent));
  });
  if (!s.ok()) return s;
  return vacuum();
}

Status Store::Impl::erase_deleted_pages(std::string_view what) {
  erase_pending = true;
  int log = 0, done = 0;
  int rc = sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
  if (rc != SQLITE_OK) {
    auto e = err(rc, "erasing deleted data from the database files after " + std::string(what));
    e.message += "; the deletion is committed, but old pages still hold the data until this succeeds "
                 "(the erase is retried with the next feed page, purge or acknowledgement)";
    return e;
  }
  erase_pending = false;
  return {};
}

Status Store::vacuum() {
  // VACUUM rewrites the file without free pages; the TRUNCATE checkpoint then moves the new pages
  // out of the WAL and truncates it, so no old frame survives in either file.
  if (int rc = detail::exec(impl_->db, "VACUUM"); rc != SQLITE_OK) {
    return impl_->err(rc, "compacting the database (the deletion itself is committed)");
  }
  int log = 0, done = 0;
  int rc = sqlite3_wal_checkpoint_v2(impl_->db, nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
  if (rc != SQLITE_OK) {
    impl_->erase_pending = true;
    return impl_->err(rc, "truncating the WAL after compaction (the deletion itself is committed; retry vacuum)");
  }
  impl_->erase_pending = false;
  return {};
}

}  // namespace balie::store
