// Store::Impl: the connection and the helpers shared by the store's source files (store/ layer,
// private). store.cpp holds open/lifecycle/residents/config; records.cpp the records, outbox, staff,
// audit and retention parts.
#pragma once
#include <sqlite3.h>

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "balie/platform/clock.h"
#include "balie/store/store.h"
#include "db.h"

namespace balie::store {

struct Store::Impl {
  sqlite3* db = nullptr;
  std::filesystem::path path;
  OpenOptions options;
  balie::platform::SystemClock system_clock;
  const balie::platform::Clock* clock = nullptr;
  LockoutPolicy lockout;
  int schema_version = 0;
  // A purge committed but its old page images could not yet be erased from the files (a reader
  // kept an old snapshot past the busy timeout): retried before the next write that deletes data.
  bool erase_pending = false;

  ~Impl() {
    if (db != nullptr) sqlite3_close_v2(db);
  }
  UtcTime now() const { return std::chrono::time_point_cast<std::chrono::seconds>(clock->wall_now()); }
  StoreError err(int rc, std::string_view what) const { return detail::map_error(db, rc, what); }

  // Runs `body` inside BEGIN IMMEDIATE ... COMMIT; any failure rolls back.
  Status write_tx(std::string_view what, const std::function<Status()>& body);
  // Steps a statement that returns no rows.
  Status run(detail::Stmt& st, std::string_view what);
  // Appends one audit entry inside the caller's transaction.
  Status audit_in_tx(std::string_view actor, std::string_view action, std::string_view detail);
  // Upserts a resident and replaces its dossier, inside the caller's transaction.
  Status upsert_resident_in_tx(const ResidentDossier& rd);
  // Inserts or updates only the resident's row (the dossier items stay), inside the caller's transaction.
  // Bidi formatting is removed from its text fields here (issue 18); `stripped_elsewhere` names
  // fields the caller already cleaned (dossier items), audited and flagged with them.
  Status write_resident_row_in_tx(const Resident& r, const std::vector<std::string>& stripped_elsewhere = {});
  // Deletes a resident's rows inside the caller's transaction. keep_unsent: leave records that
  // are not yet acknowledged (feed purges). Returns the number of records deleted via *deleted.
  Status purge_in_tx(std::string_view resident_id, bool keep_unsent, int* deleted);
  // obligation_withdrawn / regime_corrected: drops the unsent records, writes the deletion requests
  // and purges everything of the resident, inside the caller's transaction (deletions.cpp). Sets
  // *deletion_id ("" when the resident has nothing on this terminal).
  Status withdraw_in_tx(std::string_view resident_id, std::string_view reason, std::string_view actor,
                        std::string* deletion_id);
  // After a committed deletion of personal data: secure_delete has zeroed the cells in the new page
  // images (in the WAL), but the main file still holds the old images and the WAL may hold older
  // frames. A TRUNCATE checkpoint (waiting up to the busy timeout for readers on old snapshots)
  // copies the zeroed pages into the main file and empties the WAL. Only when it returns OK does
  // no decryptable page hold the deleted data; otherwise erase_pending stays set.
  Status erase_deleted_pages(std::string_view what);
  // Inserts a new text version (the caller checked it is not there yet), inside the caller's transaction.
  Status put_text_in_tx(const TextVersion& t, const std::string& sha, std::string_view actor);
};

// Argon2id hash (libsodium crypto_pwhash_str) of a 4-12 digit PIN.
Result<std::string> hash_pin(std::string_view pin);

inline std::int64_t to_db(UtcTime t) { return t.time_since_epoch().count(); }
inline UtcTime from_db(std::int64_t v) { return UtcTime(std::chrono::seconds(v)); }

}  // namespace balie::store
