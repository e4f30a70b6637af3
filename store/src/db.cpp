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

}  // namespace balie::store::detail
