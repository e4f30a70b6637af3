// PostgreSQL access for balie-coa (coa/, headless; libpq). One Db is one connection and is used by one
// thread at a time; a Pool hands connections to request handlers and replaces broken ones. Every
// statement is parameterised ($1, $2, ...). Errors come back as DbError: Unavailable (the server is
// gone or restarting: the request answers 503 and nothing was committed), Conflict (unique or
// serialization failure), Invalid (a constraint refused the data) or Other.
#pragma once
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "balie/record/result.h"

typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;

namespace balie::coa {

struct DbError {
  enum class Kind { Unavailable, Conflict, Invalid, Other };
  Kind kind = Kind::Other;
  std::string message;
};
template <class T>
using DbResult = record::Result<T, DbError>;
using DbStatus = record::BasicStatus<DbError>;
using Param = std::optional<std::string>;  // nullopt = SQL NULL

// The rows of one statement (text format).
class Rows {
 public:
  Rows() = default;
  explicit Rows(PGresult* r);
  Rows(Rows&&) noexcept;
  Rows& operator=(Rows&&) noexcept;
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;
  ~Rows();
  int size() const;
  bool empty() const { return size() == 0; }
  std::optional<std::string> get(int row, int col) const;
  std::string text(int row, int col) const;  // "" for NULL
  long long int64(int row, int col) const;   // 0 for NULL
  bool boolean(int row, int col) const;      // 't'
  bool is_null(int row, int col) const;
  long long affected() const;  // rows changed by INSERT/UPDATE/DELETE

 private:
  PGresult* r_ = nullptr;
};

class Db {
 public:
  // Connects with a libpq conninfo string or URI. Unavailable when the server cannot be reached.
  static DbResult<std::unique_ptr<Db>> connect(const std::string& conninfo);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  DbResult<Rows> exec(std::string_view sql, const std::vector<Param>& params = {});
  // Runs f in one transaction (SERIALIZABLE). Any error from f rolls back; a serialization failure
  // or deadlock is retried up to 5 times. f may run more than once: it must only touch the database.
  DbStatus transaction(const std::function<DbStatus(Db&)>& f);
  // false once the connection broke; the pool then replaces it.
  bool healthy() const;
  // libpq's escaping is not needed anywhere: all values are parameters.

 private:
  explicit Db(PGconn* c) : c_(c) {}
  PGconn* c_ = nullptr;
};

// A fixed number of connections shared by the request handlers. acquire() waits for a free one; a
// broken connection is reconnected on the next acquire (PostgreSQL restarted: Unavailable until it is
// back). Stateless apart from the database: several balie-coa processes may share one database.
class Pool {
 public:
  Pool(std::string conninfo, int size);
  ~Pool();
  class Lease {
   public:
    Lease(Pool* p, std::unique_ptr<Db> db) : p_(p), db_(std::move(db)) {}
    Lease(Lease&&) = default;
    ~Lease();
    Db& operator*() { return *db_; }
    Db* operator->() { return db_.get(); }

   private:
    Pool* p_;
    std::unique_ptr<Db> db_;
  };
  DbResult<Lease> acquire();

 private:
  friend class Lease;
  void give_back(std::unique_ptr<Db> db);
  std::string conninfo_;
  int size_;
  int out_ = 0;
  std::vector<std::unique_ptr<Db>> idle_;
  std::mutex m_;
  std::condition_variable cv_;
};

}  // namespace balie::coa
