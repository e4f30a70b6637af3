// Thin RAII wrapper over the SQLCipher C API (store/ layer): statements, transactions, and the one
// place where SQLite result codes become StoreErrc values with staff-facing messages.
#include "db.h"

#include <sys/statvfs.h>

namespace balie::store::detail {

namespace {
// SQLite 3.15 has no sqlite3_system_errno: for an I/O error, look at the file system itself to tell
// "disk full" and "read-only" apart from other failures.
enum class FsState { Fine, Full, ReadOnly };
FsState fs_state(sqlite3* db) {
  const char* file = db != nullptr ? sqlite3_db_filename(db, "main") : nullptr;
  if (file == nullptr || *file == '\0') return FsState::Fine;
  struct statvfs vfs {};
  if (::statvfs(file, &vfs) != 0) return FsState::Fine;
  if ((vfs.f_flag & ST_RDONLY) != 0) return FsState::ReadOnly;
  if (static_cast<unsigned long long>(vfs.f_bavail) * vfs.f_frsize < 64 * 1024) return FsState::Full;
  return FsState::Fine;
}
}  // namespace

StoreError map_error(sqlite3* db, int rc, std::string_view what) {
  std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string w(what);
  int primary = rc & 0xff;
  if (primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN) {
    switch (fs_state(db)) {
      case FsState::Full: primary = SQLITE_FULL; break;
      case FsState::ReadOnly: primary = SQLITE_READONLY; break;
      case FsState::Fine: break;
    }
  }
  switch (primary) {
    case SQLITE_FULL:
      return {StoreErrc::DiskFull, "disk full while " + w + "; nothing was saved (" + detail + ")"};
    case SQLITE_READONLY:
      return {StoreErrc::ReadOnly, "the database or its file system is read-only while " + w + " (" + detail + ")"};
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return {StoreErrc::Corrupt, "the database file is damaged (" + detail + ") while " + w +
                                      "; run balie-admin integrity-check"};
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return {StoreErrc::Busy, "the database stayed locked by another process while " + w};
    case SQLITE_CONSTRAINT:
      return {StoreErrc::Conflict, "conflicting data while " + w + " (" + detail + ")"};
    case SQLITE_IOERR:
      return {StoreErrc::Io, "I/O error while " + w + " (" + detail + ")"};
    case SQLITE_CANTOPEN:
      return {StoreErrc::Io, "cannot open the database file while " + w + " (" + detail + ")"};
    default:
      return {StoreErrc::Io, "database error while " + w + " (" + detail + ")"};
  }
}

Stmt::Stmt(sqlite3* db, std::string_view sql) {
  prepare_rc_ = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
  if (prepare_rc_ != SQLITE_OK) {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
  }
}

Stmt::~Stmt() { sqlite3_finalize(stmt_); }

Stmt& Stmt::bind(int i, std::string_view text) {
  // An empty std::string_view may carry a null data(): that would bind SQL NULL, not ''.
  sqlite3_bind_text(stmt_, i, text.data() != nullptr ? text.data() : "", static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::bind(int i, std::int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}
Stmt& Stmt::bind_blob(int i, std::span<const std::uint8_t> blob) {
  if (blob.empty()) {
    sqlite3_bind_zeroblob(stmt_, i, 0);
  } else {
    sqlite3_bind_blob(stmt_, i, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  }
  return *this;
}
Stmt& Stmt::bind_null(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}
Stmt& Stmt::bind_opt(int i, const std::optional<std::int64_t>& v) {
  return v ? bind(i, *v) : bind_null(i);
}

int Stmt::step() { return sqlite3_step(stmt_); }
void Stmt::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Stmt::text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p != nullptr ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string();
}
std::int64_t Stmt::int64(int col) const { return sqlite3_column_int64(stmt_, col); }
bool Stmt::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
std::vector<std::uint8_t> Stmt::blob(int col) const {
  const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, col));
  int n = sqlite3_column_bytes(stmt_, col);
  return p != nullptr ? std::vector<std::uint8_t>(p, p + n) : std::vector<std::uint8_t>();
}
std::size_t Stmt::bytes(int col) const { return static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)); }
std::optional<std::int64_t> Stmt::opt_int64(int col) const {
  if (is_null(col)) return std::nullopt;
  return int64(col);
}

int exec(sqlite3* db, const char* sql) { return sqlite3_exec(db, sql, nullptr, nullptr, nullptr); }

Transaction::Transaction(sqlite3* db, Kind kind) : db_(db) {
  begin_rc_ = exec(db, kind == Kind::Immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
  active_ = begin_rc_ == SQLITE_OK;
}

Transaction::~Transaction() {
  if (active_ && sqlite3_get_autocommit(db_) == 0) exec(db_, "ROLLBACK");
}

int Transaction::commit() {
  int rc = exec(db_, "COMMIT");
  if (rc == SQLITE_OK) {
    active_ = false;
  } else if (sqlite3_get_autocommit(db_) != 0) {
    active_ = false;  // SQLite already rolled back (e.g. SQLITE_FULL during commit)
  }
  return rc;
}

}  // namespace balie::store::detail
