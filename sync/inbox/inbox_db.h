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

  Status enroll_device(const std::string& device_id, const std::string& ed25519_pk_hex);
  // Empty optional when the device is not enrolled.
  Result<std::optional<record::Key32>> device_key(const std::string& device_id);

  // Stores a batch of verified, opened records in one transaction. `results[i]` says what happened
  // to records[i]; rejected records are not stored. Acks are signed with `signer`.
  Result<std::vector<StoredOutcome>> store_batch(const std::vector<IncomingRecord>& records,
                                                 const record::SigningKey& signer, std::time_t now);

  // Dossier feed. The import file is at most kMaxDossierImportBytes, nests at most
  // record::kMaxJsonDepth levels, and each dossier is at most sync::kMaxDossierBytes (the feed's limit).
  static constexpr std::size_t kMaxDossierImportBytes = 64u * 1024 * 1024;
  Status import_dossiers(const std::string& json_text);  // {"residents":[{resident_id,locatiecode,dossier}|{...,purge:reason}]}
  Result<sync::DossierBatch> dossier_updates(const std::string& locatiecode, const std::string& cursor,
                                             std::size_t limit);

  // JSON dump of stored records (for operators and tests): [{record_id, kind, device_id, seq, ...}]
  Result<std::string> dump_records(bool include_sensitive);
  // DUO export: {"exports":[{path, body}], "blocked":[{record_id, reason}]} (see duo_export.cpp).
  Result<std::string> export_pvt(const std::string& today /* YYYY-MM-DD */);

 private:
  InboxDb() = default;
  Status exec(const char* sql);
  sqlite3* db_ = nullptr;
  std::string gemeentecode_;
  std::mutex mu_;
};

}  // namespace balie::inbox
