// The receiver's one SQL port (balie-inbox only): a connection with exec/query/transaction that
// InboxDb's SQL is written once against, with two backends: SQLCipher (a local encrypted file) and
// PostgreSQL over libpq (several receiver instances, one database). Placeholders are `?` (or `?N`);
// the PostgreSQL backend turns them into $n, the SQLCipher backend turns the one upsert form SQLite
// 3.15 lacks (`INSERT ... ON CONFLICT (...) DO NOTHING`) into `INSERT OR IGNORE`.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "balie/record/result.h"

namespace balie::inbox::sql {

using record::Result;
using record::Status;

// A bound parameter: SQL NULL, an integer or text.
using Value = std::variant<std::nullptr_t, std::int64_t, std::string>;

// One result row; every column comes back as text (or NULL).
struct Row {
  std::vector<std::optional<std::string>> cols;
  bool is_null(std::size_t i) const { return i >= cols.size() || !cols[i].has_value(); }
  std::string text(std::size_t i) const { return is_null(i) ? std::string() : *cols[i]; }
  std::int64_t int64(std::size_t i) const;  // 0 for NULL or non-numbers
};
using Rows = std::vector<Row>;

class Connection {
 public:
  virtual ~Connection() = default;
  virtual const char* backend() const = 0;  // "sqlcipher" | "postgresql"
  // Runs a statement; returns its rows (empty for writes).
  virtual Result<Rows> query(std::string_view sql, const std::vector<Value>& params = {}) = 0;
  // Runs a statement that returns no rows; returns the number of rows it changed.
  virtual Result<std::int64_t> exec(std::string_view sql, const std::vector<Value>& params = {}) = 0;
  // Several statements without parameters (schema migrations).
  virtual Status exec_script(const std::string& sql) = 0;

  // Runs `body` in one write transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL: SERIALIZABLE). A
  // serialisation failure, deadlock or unique-key race with another instance (PostgreSQL) rolls back
  // and runs `body` again (at most 40 times, randomised exponential backoff); any other error rolls back and is returned. `body` must
  // therefore only read and write through this connection and keep no state across attempts.
  Status transaction(const std::function<Status()>& body);

  // After deletions: make freed content unreadable where the backend can (SQLite: WAL checkpoint).
  virtual void after_delete() {}

 protected:
  virtual Status begin() = 0;
  virtual Status commit() = 0;
  virtual void rollback() = 0;
  // Did the last failed statement fail only because a concurrent transaction won (retry helps)?
  virtual bool last_error_retryable() const { return false; }
};

// Opens (creates 0600 if missing) a SQLCipher file keyed with a raw 32-byte key. A wrong key, or a
// plaintext SQLite file, is a clear error and the file is not changed.
Result<std::unique_ptr<Connection>> open_sqlcipher(const std::string& path, std::span<const std::uint8_t> key);
// Opens a plaintext SQLite file read-only, with no key (only `balie-inbox migrate-plaintext`, for an
// inbox database an earlier balie-inbox made). Anything else than a plaintext SQLite file is refused.
Result<std::unique_ptr<Connection>> open_sqlite_plaintext_readonly(const std::string& path);
// Connects to PostgreSQL (libpq conninfo). A lost connection is re-established on the next transaction.
Result<std::unique_ptr<Connection>> open_postgres(const std::string& conninfo);

// `?` / `?N` -> `$n` (outside quoted strings), for libpq. Exposed for tests.
std::string to_dollar_placeholders(std::string_view sql);
// `INSERT INTO ... ON CONFLICT (...) DO NOTHING` -> `INSERT OR IGNORE INTO ...` (SQLite 3.15). Exposed for tests.
std::string to_sqlite_dialect(std::string_view sql);

}  // namespace balie::inbox::sql
