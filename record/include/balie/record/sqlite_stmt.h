// A thin RAII wrapper over the SQLite C API: prepared statements and transactions (record/, one
// connection per thread). Header-only on purpose: the store compiles it against SQLCipher's sqlite3.h
// and the inbox against plain SQLite's; the two libraries have the same symbol names and must never
// be linked into one program, so no compiled object may carry either.
#pragma once
#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace balie::record::sql {

class Stmt {
 public:
  Stmt(sqlite3* db, std::string_view sql);  // check ok() afterwards
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  bool ok() const { return stmt_ != nullptr; }
  int prepare_rc() const { return prepare_rc_; }

  Stmt& bind(int i, std::string_view text);
  Stmt& bind(int i, std::int64_t v);
  Stmt& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  Stmt& bind_blob(int i, std::span<const std::uint8_t> blob);
  Stmt& bind_null(int i);
  Stmt& bind_opt(int i, const std::optional<std::int64_t>& v);

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step();
  void reset();

  std::string text(int col) const;
  std::int64_t int64(int col) const;
  bool is_null(int col) const;
  std::vector<std::uint8_t> blob(int col) const;
  std::size_t bytes(int col) const;  // size of a text/blob column
  std::optional<std::int64_t> opt_int64(int col) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int prepare_rc_ = SQLITE_OK;
};

// Executes SQL without results; returns the SQLite result code.
int exec(sqlite3* db, const char* sql);

// RAII transaction: BEGIN IMMEDIATE (writers) or DEFERRED (readers); rolls back unless committed.
class Transaction {
 public:
  enum class Kind { Immediate, Deferred };
  Transaction(sqlite3* db, Kind kind);
  ~Transaction();
  int begin_rc() const { return begin_rc_; }
  int commit();

 private:
  sqlite3* db_;
  int begin_rc_;
  bool active_ = false;
};

// ---- implementation ----------------------------------------------------------------------------

inline Stmt::Stmt(sqlite3* db, std::string_view sql) {
  prepare_rc_ = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
  if (prepare_rc_ != SQLITE_OK) {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
  }
}

inline Stmt::~Stmt() { sqlite3_finalize(stmt_); }

inline Stmt& Stmt::bind(int i, std::string_view text) {
  // An empty std::string_view may carry a null data(): that would bind SQL NULL, not ''.
  sqlite3_bind_text(stmt_, i, text.data() != nullptr ? text.data() : "", static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}
inline Stmt& Stmt::bind(int i, std::int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}
inline Stmt& Stmt::bind_blob(int i, std::span<const std::uint8_t> blob) {
  if (blob.empty()) {
    sqlite3_bind_zeroblob(stmt_, i, 0);
  } else {
    sqlite3_bind_blob(stmt_, i, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  }
  return *this;
}
inline Stmt& Stmt::bind_null(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}
inline Stmt& Stmt::bind_opt(int i, const std::optional<std::int64_t>& v) {
  return v ? bind(i, *v) : bind_null(i);
}

inline int Stmt::step() { return sqlite3_step(stmt_); }
inline void Stmt::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

inline std::string Stmt::text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p != nullptr ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string();
}
inline std::int64_t Stmt::int64(int col) const { return sqlite3_column_int64(stmt_, col); }
inline bool Stmt::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
inline std::vector<std::uint8_t> Stmt::blob(int col) const {
  const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, col));
  int n = sqlite3_column_bytes(stmt_, col);
  return p != nullptr ? std::vector<std::uint8_t>(p, p + n) : std::vector<std::uint8_t>();
}
inline std::size_t Stmt::bytes(int col) const { return static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)); }
inline std::optional<std::int64_t> Stmt::opt_int64(int col) const {
  if (is_null(col)) return std::nullopt;
  return int64(col);
}

inline int exec(sqlite3* db, const char* sql) { return sqlite3_exec(db, sql, nullptr, nullptr, nullptr); }

inline Transaction::Transaction(sqlite3* db, Kind kind) : db_(db) {
  begin_rc_ = exec(db, kind == Kind::Immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
  active_ = begin_rc_ == SQLITE_OK;
}

inline Transaction::~Transaction() {
  if (active_ && sqlite3_get_autocommit(db_) == 0) exec(db_, "ROLLBACK");
}

inline int Transaction::commit() {
  int rc = exec(db_, "COMMIT");
  if (rc == SQLITE_OK) {
    active_ = false;
  } else if (sqlite3_get_autocommit(db_) != 0) {
    active_ = false;  // SQLite already rolled back (e.g. SQLITE_FULL during commit)
  }
  return rc;
}

}  // namespace balie::record::sql
