// Versioned schema migrations of balie-coa (coa/migrations/NNNN_*.sql, compiled in by
// coa/embed_migrations.cmake). migrate() applies every pending one at start, each in its own
// transaction under an advisory lock (two instances starting together apply each once), records it
// with its SHA-256 in schema_migrations, and refuses a database whose applied migrations differ from
// the program's (edited after release) or that is newer than the program. Forward only.
#pragma once
#include <string>
#include <vector>

#include "balie/coa/db.h"

namespace balie::coa {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};
const std::vector<Migration>& migrations();  // generated, in version order from 1

// Applies pending migrations up to `up_to` (default: all). Returns the schema version reached.
DbResult<int> migrate(Db& db, int up_to = 1 << 30);
// The database's schema version (0: empty database).
DbResult<int> schema_version(Db& db);

}  // namespace balie::coa
