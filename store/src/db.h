// Thin RAII wrapper over the SQLCipher C API (store/ layer, private to store/src). Statements,
// transactions and the mapping of SQLite result codes to StoreErrc live here, nowhere else.
#pragma once
#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "balie/store/result.h"

namespace balie::store::detail {

// Maps a SQLite result code (plus the connection's message) to a StoreError. `what` names the
// operation for the human message ("saving the record").
StoreError map_error(sqlite3* db, int rc, std::string_view what);

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

}  // namespace balie::store::detail
