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
  static constexpr int kSchemaVersion = 1;
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

 private:
  InboxDb() = default;
  Status migrate();
  Status check_key();
  std::string seal_sensitive(const std::string& record_id, const std::string& plain) const;
  Result<std::string> open_sensitive(const std::string& record_id, const std::string& sealed) const;
  std::string seal_dossier(const std::string& resident_id, const std::string& plain) const;
  Result<std::string> open_dossier(const std::string& resident_id, const std::string& sealed) const;
  std::unique_ptr<sql::Connection> sql_;
  std::unique_ptr<ColumnCipher> cipher_;
  std::string gemeentecode_;
  std::mutex mu_;
};

}  // namespace balie::inbox
