// The store's SQLCipher access (store/ layer, private to store/src): record/'s statement and
// transaction wrapper, and the mapping of SQLite result codes to StoreErrc (here, nowhere else).
#pragma once
#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "balie/record/sqlite_stmt.h"
#include "balie/store/result.h"

namespace balie::store::detail {

// Maps a SQLite result code (plus the connection's message) to a StoreError. `what` names the
// operation for the human message ("saving the record").
StoreError map_error(sqlite3* db, int rc, std::string_view what);

using record::sql::exec;
using record::sql::Stmt;
using record::sql::Transaction;

}  // namespace balie::store::detail
