// The reference municipality receiver's own database (plain SQLite; balie-inbox only): records
// stored at most once, enrolled kiosk devices, resident dossiers with a change feed, and the
// DUO PVT export. One connection, serialised by a mutex; safe to call from server threads.
#pragma once
#include <sqlite3.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "balie/record/envelope.h"
#include "balie/sync/protocol.h"
#include "balie/sync/reports.h"
#include "balie/record/result.h"

namespace balie::inbox {

using record::Result;
using record::Status;

struct IncomingRecord {
  record::Envelope env;
  std::string sensitive;  // opened plaintext
};

struct StoredOutcome {
  std::string result;       // stored | duplicate | rejected
  std::string ack_json;
  sync::Problem problem;
};

class InboxDb {
 public:
  static Result<std::unique_ptr<InboxDb>> open(const std::string& path, const std::string& gemeentecode);
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

 private:
  InboxDb() = default;
  Status exec(const char* sql);
  Status open_keys_schema();  // inbox_db_keys.cpp
  // Deletes records (mu_ held, inside a transaction) leaving chain stubs; one receipt per device.
  Result<std::vector<std::string>> erase_records_locked(const std::vector<std::string>& record_ids,
                                                        const std::string& deletion_id, const std::string& reason,
                                                        const record::SigningKey& signer, std::time_t now);
  sqlite3* db_ = nullptr;
  std::string gemeentecode_;
  std::mutex mu_;
};

}  // namespace balie::inbox
