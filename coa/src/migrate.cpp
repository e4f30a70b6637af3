// Applies balie-coa's migrations (coa/include/balie/coa/migrate.h). An advisory lock serialises
// instances starting at once; each migration and its schema_migrations row commit together, so a
// crash leaves the database at a whole version.
#include "balie/coa/migrate.h"

#include <sodium.h>

#include <cstring>
#include <string>

namespace balie::coa {

namespace {

constexpr const char* kLockKey = "4242150001";  // pg_advisory_lock key of balie-coa migrations

std::string sha256_hex(const char* text) {
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, reinterpret_cast<const unsigned char*>(text), std::strlen(text));
  char hex[2 * sizeof h + 1];
  sodium_bin2hex(hex, sizeof hex, h, sizeof h);
  return hex;
}

DbStatus ensure_table(Db& db) {
  auto r = db.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, "
      "sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
  if (!r) return r.error();
  return {};
}

}  // namespace

DbResult<int> schema_version(Db& db) {
  auto t = db.exec("SELECT to_regclass('schema_migrations') IS NOT NULL");
  if (!t) return t.error();
  if (!t->boolean(0, 0)) return 0;
  auto r = db.exec("SELECT coalesce(max(version), 0) FROM schema_migrations");
  if (!r) return r.error();
  return static_cast<int>(r->int64(0, 0));
}

DbResult<int> migrate(Db& db, int up_to) {
  if (auto l = db.exec(std::string("SELECT pg_advisory_lock(") + kLockKey + ")"); !l) return l.error();
  struct Unlock {
    Db& db;
    ~Unlock() { (void)db.exec(std::string("SELECT pg_advisory_unlock(") + kLockKey + ")"); }
  } unlock{db};
  if (auto st = ensure_table(db); !st.ok()) return st.error();
  auto applied = db.exec("SELECT version, name, sha256 FROM schema_migrations ORDER BY version");
  if (!applied) return applied.error();
  const auto& all = migrations();
  int version = 0;
  for (int i = 0; i < applied->size(); ++i) {
    const int v = static_cast<int>(applied->int64(i, 0));
    if (v > static_cast<int>(all.size())) {
      return DbError{DbError::Kind::Invalid, "the database is at schema version " + std::to_string(v) +
                                                 ", newer than this balie-coa (" + std::to_string(all.size()) +
                                                 "); migrations are forward only: run the newer program"};
    }
    const Migration& m = all[static_cast<size_t>(v - 1)];
    if (applied->text(i, 2) != sha256_hex(m.sql)) {
      return DbError{DbError::Kind::Invalid, std::string("migration ") + m.name +
                                                 " differs from the one applied to this database (edited after release?)"};
    }
    version = v;
  }
  for (const Migration& m : all) {
    if (m.version <= version || m.version > up_to) continue;
    DbStatus st = db.transaction([&](Db& d) -> DbStatus {
      if (auto r = d.exec(m.sql); !r) return DbError{r.error().kind, std::string(m.name) + ": " + r.error().message};
      if (auto r = d.exec("INSERT INTO schema_migrations (version, name, sha256) VALUES ($1, $2, $3)",
                          {std::to_string(m.version), std::string(m.name), sha256_hex(m.sql)});
          !r) {
        return r.error();
      }
      return {};
    });
    if (!st.ok()) return st.error();
    version = m.version;
  }
  return version;
}

}  // namespace balie::coa
