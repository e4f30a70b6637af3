// The reference municipality receiver's own database (balie-inbox only): records stored at most
// once, enrolled kiosk devices, resident dossiers with a change feed, and the DUO PVT export. Its SQL
// is written once on the SQL port (sql_port.h): an encrypted SQLCipher file, or PostgreSQL for several
// receiver instances; personal columns are sealed under the municipality's key on both. One
// connection per InboxDb, serialised by a mutex; safe to call from server threads.
#pragma once
#include <cstdint>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "balie/record/envelope.h"
#include "balie/record/evidence_package.h"
#include "balie/sync/protocol.h"
#include "balie/sync/reports.h"
#include "balie/record/result.h"
#include "inbox_storage_key.h"
#include "sql_port.h"

namespace balie::inbox {

using record::Result;
using record::Status;

struct IncomingRecord {
  record::Envelope env;
  std::string sensitive;  // opened plaintext
};

// Where an evidence package comes from (inbox_db_doc.cpp).
struct EvidenceSource {
  enum class State { found, unknown, deleted, no_envelope } state = State::unknown;
  record::EvidencePackageInput in;  // when found
  std::string deleted_at, deleted_reason;
};

struct StoredOutcome {
  std::string result;       // stored | duplicate | rejected
  std::string ack_json;
  sync::Problem problem;
};

// Where the inbox keeps its records: a SQLCipher file (`db_path`) or PostgreSQL (`pg_conninfo`),
// with the municipality's 32-byte key (load_db_key) either way.
struct StorageConfig {
  std::string db_path;
  std::string pg_conninfo;
};

class InboxDb {
 public:
  // The schema this binary writes; a database with a higher version is refused.
  static constexpr int kSchemaVersion = 2;
  static Result<std::unique_ptr<InboxDb>> open(const StorageConfig& where, std::span<const std::uint8_t> key,
                                               const std::string& gemeentecode);
  // The SQLCipher file at `path`.
  static Result<std::unique_ptr<InboxDb>> open(const std::string& path, std::span<const std::uint8_t> key,
                                               const std::string& gemeentecode);
  ~InboxDb();

  // Enrols (or re-enrols: new key, new location) a kiosk device at its AZC location; the location
  // scopes what the device may read from the dossier feed.
  Status enroll_device(const std::string& device_id, const std::string& ed25519_pk_hex, const std::string& locatiecode);
  // Empty optional when the device is not enrolled.
  Result<std::optional<record::Key32>> device_key(const std::string& device_id);
  // The location the device was enrolled at ("" when enrolled before locations were recorded).
  Result<std::string> device_location(const std::string& device_id);
  // The highest stored record of this device (seq 0, zero hash when none).
  Result<record::ChainHead> chain_head(const std::string& device_id);
  // Feed problems a terminal reported (stored once per device, resident, problem and cursor).
  Status store_feed_problems(const std::string& device_id, const sync::FeedProblemReport& report, std::time_t now);
  // JSON: [{device_id, locatiecode, resident_id, problem, detail, cursor, received_at}]
  Result<std::string> dump_feed_problems();

  // Stores a batch of verified, opened records in one transaction. `results[i]` says what happened
  // to records[i]; rejected records are not stored. Acks are signed with `signer`.
  Result<std::vector<StoredOutcome>> store_batch(const std::vector<IncomingRecord>& records,
                                                 const record::SigningKey& signer, std::time_t now);

  // A terminal's deletion request (obligation withdrawn / regime corrected), in one transaction: each
  // named record that this device delivered with this package hash is deleted (row, public and sealed
  // content); what stays is a chain stub (record id, device, seq, package hash, deletion id, reason,
  // time: no personal data) so the device's chain still verifies and the same id is never stored
  // again. Returns the receipt JSON signed with `signer` (the ack key); the same request again gets
  // the same answer ("deleted" for records deleted by an earlier copy).
  Result<std::string> delete_records(const std::string& device_id, const sync::DeletionRequest& request,
                                     const record::SigningKey& signer, std::time_t now);
  // JSON: [{record_id, device_id, seq, package_sha256, deletion_id, reason, deleted_at}]
  Result<std::string> dump_deletions();

  // Dossier feed. The import file is at most kMaxDossierImportBytes, nests at most
  // record::kMaxJsonDepth levels, and each dossier is at most sync::kMaxDossierBytes (the feed's limit).
  static constexpr std::size_t kMaxDossierImportBytes = 64u * 1024 * 1024;
  Status import_dossiers(const std::string& json_text);  // {"residents":[{resident_id,locatiecode,dossier}|{...,purge:reason}]}
  Result<sync::DossierBatch> dossier_updates(const std::string& locatiecode, const std::string& cursor,
                                             std::size_t limit);

  // The chain check per device: seqs continuous from the first stored one and each prev_sha256 the
  // predecessor's package hash (or, after a void that took a voided record's place, the voided
  // package's hash, which the void names). JSON {ok, devices:[{device_id, first_seq, head_seq, records,
  // voids:[{seq, void_record_id, public}], problems:[...], ok}]}.
  Result<std::string> check_chains();
  // JSON dump of stored records (for operators and tests): [{record_id, kind, device_id, seq, ...}]
  Result<std::string> dump_records(bool include_sensitive);
  // DUO export: {"exports":[{path, body}], "blocked":[{record_id, reason, text}]} (see duo_export.cpp).
  // `pip_required`: the municipality requires a vastgesteld PIP before the PVT (its setting).
  Result<std::string> export_pvt(const std::string& today /* YYYY-MM-DD, Amsterdam day */, bool pip_required = true);

 // Moves everything out of a plaintext inbox database written by an earlier balie-inbox (schema
  // before versioning) into this one, sealing personal columns, in one transaction. Refused when this
  // database already holds records. Returns the number of records moved.
  Result<std::int64_t> import_plaintext(const std::string& old_path);

  // The schema version of the open database; the backend ("sqlcipher" | "postgresql").
  Result<int> schema_version();
  const char* backend() const { return sql_->backend(); }

  // --- duo ---  (DUO registration state, sync/inbox/inbox_db_duo.cpp; only balie-inbox's DUO client writes it)
  struct DuoRegistration {
    std::string record_id, bericht_id, state;  // state: pending|accepted|rejected|retrying|blocked
    int attempts = 0;
    std::optional<std::int64_t> last_http_status;
    std::string last_answer;  // DUO's answer with personal data masked (or the client's error)
    std::int64_t received_at = 0;
    std::optional<std::int64_t> first_sent_at, decided_at;
    std::string deadline_date;  // YYYY-MM-DD: the tenth working day after the Amsterdam day of receipt
  };
  // PVT records (kind pvt.ondertekend) with the unix time the inbox received them.
  Result<std::vector<std::pair<std::string, std::int64_t>>> duo_pvt_received();
  // The record's registration row, created (with a fresh BerichtId, committed) when missing.
  Result<DuoRegistration> duo_ensure(const std::string& record_id, std::int64_t received_at,
                                     const std::string& deadline_date);
  Result<std::optional<DuoRegistration>> duo_get(const std::string& record_id);
  Result<std::vector<DuoRegistration>> duo_list();
  // Before a send: attempts + 1, first_sent_at set once, state retrying (committed before the PUT goes out).
  Status duo_mark_sending(const std::string& record_id, std::int64_t now);
  // After an answer: the new state (accepted/rejected: decided_at = now), HTTP status and masked answer.
  // Never changes an accepted or rejected row.
  Status duo_record(const std::string& record_id, const std::string& state, std::optional<std::int64_t> http_status,
                    const std::string& answer, std::int64_t now);

  // --- doc ---  (inbox_db_doc.cpp: evidence packages and documents, issue 17 items 2-3)
  Result<EvidenceSource> evidence_source(const std::string& record_id);
  // Rows the municipality's dossier holds about a resident (evidence page).
  Result<std::vector<std::pair<std::string, std::string>>> resident_known(const std::string& resident_id);
  // Every verification a document/evidence export ran, with its result (exit class of balie-verify).
  Status record_evidence_check(const std::string& record_id, const std::string& purpose, int exit_code,
                               const std::string& detail, std::time_t now);
  Result<std::string> dump_evidence_checks();

  // --- keys --- (issue 17 items 6 and 7: key ring bookkeeping, chain deletions, retention;
  // sync/inbox/inbox_db_keys.cpp, portable SQL)
  // Which sealing key of the ring opened each newly stored record: (record_id, key id) pairs.
  Status note_opening_keys(const std::vector<std::pair<std::string, std::string>>& record_key, std::time_t now);
  // JSON {"<key id>": {"records": n, "last_opened_at": unix}} over the stored records.
  Result<std::string> opening_key_use();
  // A deletion request from the chain (reason: end-of-obligation | wrongly-imposed | resident-request)
  // for one record (record_id) or every record of one resident (resident_id; the other one empty).
  // Deletes each record and what derives from it (key note, DUO registration row when that table
  // exists) in one transaction, keeps the chain stub, and answers JSON {deletion_id, reason, selector,
  // receipts:[deletion receipt per device, signed with `signer`]}. The same request again (same
  // selector and reason) answers the same bytes. Nothing held and never deleted: Errc::invalid_input.
  static bool is_chain_deletion_reason(const std::string& reason);
  Result<std::string> delete_for_chain(const std::string& record_id, const std::string& resident_id,
                                       const std::string& reason, const record::SigningKey& signer, std::time_t now);
  // Retention per record kind (defaults and reasons: sync/README.md "Retention and keys").
  struct RetentionPolicy {
    int pvt_days_after_duo_accepted = 90;   // pvt.ondertekend: kept until DUO accepted it + N days
    int consent_days_after_withdrawal = 30; // consent.*: kept until the resident withdrew + N days
    int feed_problem_days = 90;             // feed problems terminals reported: N days after receipt
  };
  // Deletes what the policy lets go on `today` (YYYY-MM-DD, UTC day) like delete_for_chain (reason
  // "retention"), or with dry_run only reports it. JSON {today, policy, deleted:[{record_id, kind,
  // rule}], kept:{why: count}, feed_problems_deleted, receipts:[...]}.
  Result<std::string> enforce_retention(const std::string& today, const RetentionPolicy& policy,
                                        const record::SigningKey& signer, std::time_t now, bool dry_run);

  // --- api --- (inbox_db_api.cpp: the case systems' change feed, issue 17 item 5)
  // One change per stored record, deleted record and DUO registration state seen, numbered by a
  // monotonic change_seq assigned inside the storing transaction (table `changes`). The export reads
  // changes after a cursor (the last change_seq the reader has) in order, so nothing is skipped or
  // repeated across restarts or concurrent storing.
  struct ChangeExport {
    std::vector<std::string> lines;  // one JSON object per change, in change_seq order
    std::int64_t next_cursor = 0;    // the last change_seq in `lines` (the given cursor when none)
    bool more = false;               // more changes follow after next_cursor
    std::size_t records = 0, deletions = 0, duo = 0;
  };
  // `include_personal`: record lines also carry the sealed part (BSN, names, signature): only for a
  // caller explicitly allowed to receive personal data.
  Result<ChangeExport> export_changes(const std::string& cursor, std::size_t limit, bool include_personal);
  // Appends a change for each DUO registration whose state changed since it was last seen (reads
  // duo_registrations, written by the DUO client). Returns how many were appended.
  Result<std::size_t> capture_duo_changes(std::time_t now);
  // The highest change_seq (0 when none).
  Result<std::int64_t> last_change();

 private:
  InboxDb() = default;
  Status migrate();
  Status check_key();
  std::string seal_sensitive(const std::string& record_id, const std::string& plain) const;
  Result<std::string> open_sensitive(const std::string& record_id, const std::string& sealed) const;
  std::string seal_dossier(const std::string& resident_id, const std::string& plain) const;
  Result<std::string> open_dossier(const std::string& resident_id, const std::string& sealed) const;
  // Inside a transaction body (mu_ held): appends one change to the case systems' feed (inbox_db_api.cpp).
  // Inside store_batch's transaction: keeps the envelope as received (evidence packages, documents).
  Status keep_envelope_tx(const record::Envelope& env, const std::string& ack_pk_hex, std::time_t now);
  Status note_change_tx(const char* kind, const std::string& record_id, std::time_t now);
  // Inside a transaction body (mu_ held): deletes what derives from a record (DUO state, key notes,
  // the kept envelope) and notes the deletion in the change feed. Used by every deletion path.
  Status erase_derived_tx(const std::string& record_id, std::time_t now);
  // Inside a transaction body (mu_ held): deletes records leaving chain stubs; one receipt per device.
  Result<std::vector<std::string>> erase_records_tx(const std::vector<std::string>& record_ids,
                                                    const std::string& deletion_id, const std::string& reason,
                                                    const record::SigningKey& signer, std::time_t now);
  std::unique_ptr<sql::Connection> sql_;
  std::unique_ptr<ColumnCipher> cipher_;
  std::string gemeentecode_;
  std::mutex mu_;
};

}  // namespace balie::inbox
