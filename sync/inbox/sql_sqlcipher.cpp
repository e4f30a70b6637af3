// The SQL port's SQLCipher backend: one encrypted file (raw 32-byte key, AES-256 pages and WAL),
// created 0600, WAL + synchronous=FULL, secure_delete. The only SQLite library balie-inbox links.
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "balie/platform/key_provider.h"
#include "sql_port.h"

namespace balie::inbox::sql {
namespace {
using record::Errc;
using record::make_error;

class SqlCipherConnection final : public Connection {
 public:
  explicit SqlCipherConnection(sqlite3* db) : db_(db) {}
  ~SqlCipherConnection() override { sqlite3_close_v2(db_); }
  const char* backend() const override { return "sqlcipher"; }

  Result<Rows> query(std::string_view sql, const std::vector<Value>& params) override {
    Rows rows;
    if (auto s = run(sql, params, &rows); !s) return s.error();
    return rows;
  }
  Result<std::int64_t> exec(std::string_view sql, const std::vector<Value>& params) override {
    if (auto s = run(sql, params, nullptr); !s) return s.error();
    return static_cast<std::int64_t>(sqlite3_changes(db_));
  }
  Status exec_script(const std::string& sql) override {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    if (rc == SQLITE_OK) return Status::Ok();
    std::string m = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    return fail(rc, m);
  }
  void after_delete() override {
    (void)sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  }

 protected:
  Status begin() override { return exec_script("BEGIN IMMEDIATE"); }
  Status commit() override { return exec_script("COMMIT"); }
  void rollback() override {
    if (sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  bool last_error_retryable() const override { return retryable_; }

 private:
  Status fail(int rc, const std::string& m) {
    retryable_ = (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
    return make_error(Errc::store, "sqlite: " + m);
  }
  Status run(std::string_view sql, const std::vector<Value>& params, Rows* rows) {
    const std::string text = to_sqlite_dialect(sql);
    sqlite3_stmt* st = nullptr;
    int rc = sqlite3_prepare_v2(db_, text.c_str(), static_cast<int>(text.size()), &st, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(st);
      return fail(rc, std::string(sqlite3_errmsg(db_)) + " (in: " + text.substr(0, 80) + ")");
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
      const int n = static_cast<int>(i + 1);
      if (const auto* v = std::get_if<std::int64_t>(&params[i])) {
        sqlite3_bind_int64(st, n, *v);
      } else if (const auto* t = std::get_if<std::string>(&params[i])) {
        sqlite3_bind_text(st, n, t->c_str(), static_cast<int>(t->size()), SQLITE_TRANSIENT);
      } else {
        sqlite3_bind_null(st, n);
      }
    }
    const int ncol = sqlite3_column_count(st);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      if (!rows) continue;
      Row r;
      r.cols.reserve(static_cast<std::size_t>(ncol));
      for (int c = 0; c < ncol; ++c) {
        if (sqlite3_column_type(st, c) == SQLITE_NULL) {
          r.cols.emplace_back(std::nullopt);
        } else {
          const auto* p = sqlite3_column_text(st, c);
          r.cols.emplace_back(std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(st, c))));
        }
      }
      rows->push_back(std::move(r));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return fail(rc, sqlite3_errmsg(db_));
    retryable_ = false;
    return Status::Ok();
  }

  sqlite3* db_;
  bool retryable_ = false;
};

}  // namespace

Result<std::unique_ptr<Connection>> open_sqlcipher(const std::string& path, std::span<const std::uint8_t> key) {
  if (key.size() != 32) return make_error(Errc::invalid_input, "the inbox database key must be exactly 32 bytes");
  if (path.empty()) return make_error(Errc::invalid_input, "no database path given");
  const bool memory = path == ":memory:";  // fuzzing and tests: nothing on disk
  if (!memory) {
    std::ifstream in(path, std::ios::binary);
    char header[16] = {};
    if (in && in.read(header, sizeof header) && std::memcmp(header, "SQLite format 3", 16) == 0)
      return make_error(Errc::store, path + " is an unencrypted SQLite file; balie-inbox never opens plaintext "
                                            "databases (move its records with `balie-inbox migrate-plaintext`)");
  }
  // Create the file ourselves with mode 0600 (SQLite would use 0644 minus umask); the -wal, -shm and
  // -journal files take the main file's mode.
  const int fd = memory ? -2 : ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
  } else if (fd == -1 && errno != EEXIST) {
    return make_error(Errc::store, "cannot create " + path + ": " + std::strerror(errno));
  }
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK) {
    std::string m = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return make_error(Errc::store, "cannot open inbox database " + path + ": " + m);
  }
  auto conn = std::make_unique<SqlCipherConnection>(db);
  sqlite3_busy_timeout(db, 5000);
  {
    // The key must be the first statement on the connection; raw key (x'..'), no PBKDF2. Built in a
    // wiped buffer.
    static const char prefix[] = "PRAGMA key = \"x'";
    static const char suffix[] = "'\";";
    platform::SecretBuffer buf(sizeof prefix - 1 + 64 + sizeof suffix);
    char* p = reinterpret_cast<char*>(buf.data());
    std::memcpy(p, prefix, sizeof prefix - 1);
    p += sizeof prefix - 1;
    static const char* digits = "0123456789abcdef";
    for (auto b : key) {
      *p++ = digits[b >> 4];
      *p++ = digits[b & 15];
    }
    std::memcpy(p, suffix, sizeof suffix);  // with the terminating NUL
    const int rc = sqlite3_exec(db, reinterpret_cast<const char*>(buf.data()), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return make_error(Errc::store, "setting the database key failed");
  }
  // A wrong key only shows on the first page read.
  if (auto r = conn->query("SELECT count(*) FROM sqlite_master", {}); !r)
    return make_error(Errc::store, "the database key does not open " + path +
                                       " (wrong key, or not a balie-inbox database); nothing was changed");
  auto wal = conn->query("PRAGMA journal_mode = WAL", {});
  if (!wal) return wal.error();
  if (wal->empty() || wal->front().text(0) != (memory ? "memory" : "wal"))
    return make_error(Errc::store, "the inbox database refused WAL mode");
  if (auto s = conn->exec_script("PRAGMA synchronous = FULL; PRAGMA secure_delete = ON; PRAGMA temp_store = MEMORY;");
      !s)
    return s.error();
  return std::unique_ptr<Connection>(std::move(conn));
}

Result<std::unique_ptr<Connection>> open_sqlite_plaintext_readonly(const std::string& path) {
  {
    std::ifstream in(path, std::ios::binary);
    char header[16] = {};
    if (!in || !in.read(header, sizeof header) || std::memcmp(header, "SQLite format 3", 16) != 0)
      return make_error(Errc::invalid_input, path + " is not a plaintext SQLite database");
  }
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK) {
    sqlite3_close_v2(db);
    return make_error(Errc::store, "cannot open " + path);
  }
  auto conn = std::make_unique<SqlCipherConnection>(db);
  sqlite3_busy_timeout(db, 5000);
  if (auto r = conn->query("SELECT count(*) FROM sqlite_master", {}); !r) return r.error();
  return std::unique_ptr<Connection>(std::move(conn));
}

}  // namespace balie::inbox::sql
