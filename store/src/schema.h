// Schema versions and forward migrations of the record store (store/ layer, private).
// The version lives in PRAGMA user_version; each migration runs in its own IMMEDIATE transaction
// together with the user_version bump, so a crash leaves either the old or the new version.
#pragma once
#include <sqlite3.h>

#include <functional>

#include "balie/store/result.h"

namespace balie::store::detail {

inline constexpr int kLatestSchema = 11;

// Reads PRAGMA user_version. Returns a SQLite result code; *version is set on success.
int read_schema_version(sqlite3* db, int* version);

// Migrates from the current version up to `target` (<= kLatestSchema). `audit` is called inside
// each migration's transaction to append an audit entry (from version 1 on).
Status migrate(sqlite3* db, int target, const std::function<Status(int version)>& audit);

}  // namespace balie::store::detail
