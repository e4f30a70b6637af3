// libpq wrapper of balie-coa (coa/include/balie/coa/db.h): connections, parameterised statements,
// serializable transactions with retry, and the connection pool. SQLSTATE classes decide the error
// kind: 08 (connection), 57P (shutdown) -> Unavailable; 23505, 40001, 40P01 -> Conflict; 22, 23 -> Invalid.
#include "balie/coa/db.h"

#include <libpq-fe.h>
#include <sodium.h>

#include <chrono>
#include <thread>

#include <cstdlib>
#include <cstring>
#include <utility>

namespace balie::coa {

namespace {

DbError error_of(PGconn* c, PGresult* r) {
  DbError e;
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const std::string s = state ? state : "";
  std::string msg = r ? PQresultErrorMessage(r) : "";
  if (msg.empty() && c) msg = PQerrorMessage(c);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  e.message = msg.empty() ? "database error" : msg;
  if (c == nullptr || PQstatus(c) != CONNECTION_OK || s.rfind("08", 0) == 0 || s.rfind("57P", 0) == 0 ||
      s == "53300" || (s.empty() && r == nullptr)) {
    e.kind = DbError::Kind::Unavailable;
  } else if (s == "23505" || s == "40001" || s == "40P01") {
    e.kind = DbError::Kind::Conflict;
  } else if (s.rfind("22", 0) == 0 || s.rfind("23", 0) == 0) {
    e.kind = DbError::Kind::Invalid;
  } else {
    e.kind = DbError::Kind::Other;
  }
  return e;
}

}  // namespace

Rows::Rows(PGresult* r) : r_(r) {}
Rows::Rows(Rows&& o) noexcept : r_(std::exchange(o.r_, nullptr)) {}
Rows& Rows::operator=(Rows&& o) noexcept {
  if (this != &o) {
    if (r_) PQclear(r_);
    r_ = std::exchange(o.r_, nullptr);
  }
  return *this;
}
Rows::~Rows() {
  if (r_) PQclear(r_);
}
int Rows::size() const { return r_ ? PQntuples(r_) : 0; }
bool Rows::is_null(int row, int col) const { return !r_ || PQgetisnull(r_, row, col); }
std::optional<std::string> Rows::get(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return std::string(PQgetvalue(r_, row, col), static_cast<size_t>(PQgetlength(r_, row, col)));
}
std::string Rows::text(int row, int col) const { return get(row, col).value_or(""); }
long long Rows::int64(int row, int col) const {
  if (is_null(row, col)) return 0;
  return std::strtoll(PQgetvalue(r_, row, col), nullptr, 10);
}
bool Rows::boolean(int row, int col) const { return !is_null(row, col) && PQgetvalue(r_, row, col)[0] == 't'; }
long long Rows::affected() const {
  const char* n = r_ ? PQcmdTuples(r_) : nullptr;
  return n && *n ? std::strtoll(n, nullptr, 10) : 0;
}

DbResult<std::unique_ptr<Db>> Db::connect(const std::string& conninfo) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  if (c == nullptr) return DbError{DbError::Kind::Unavailable, "out of memory connecting to PostgreSQL"};
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(c);
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    PQfinish(c);
    return DbError{DbError::Kind::Unavailable, "cannot connect to PostgreSQL: " + msg};
  }
  // UTC everywhere; statements that hang (a lock held by a crashed peer) end after 30 s.
  PGresult* r = PQexec(c, "SET TIME ZONE 'UTC'; SET statement_timeout = '30s'; SET lock_timeout = '10s'; SET client_min_messages = warning");
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  if (!ok) {
    std::string msg = PQerrorMessage(c);
    PQfinish(c);
    return DbError{DbError::Kind::Unavailable, "cannot set up the PostgreSQL session: " + msg};
  }
  return std::unique_ptr<Db>(new Db(c));
}

Db::~Db() {
  if (c_) PQfinish(c_);
}

bool Db::healthy() const { return c_ && PQstatus(c_) == CONNECTION_OK; }

DbResult<Rows> Db::exec(std::string_view sql, const std::vector<Param>& params) {
  if (!healthy()) return DbError{DbError::Kind::Unavailable, "the PostgreSQL connection is broken"};
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  const std::string q(sql);
  // Without parameters the simple protocol runs the text as given (a migration file holds many
  // statements); with parameters the extended protocol keeps values out of the SQL text.
  PGresult* r = params.empty() ? PQexec(c_, q.c_str())
                               : PQexecParams(c_, q.c_str(), static_cast<int>(params.size()), nullptr, values.data(),
                                              nullptr, nullptr, 0);
  const auto st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return Rows(r);
  DbError e = error_of(c_, r);
  if (r) PQclear(r);
  return e;
}

DbStatus Db::transaction(const std::function<DbStatus(Db&)>& f) {
  for (int attempt = 0;; ++attempt) {
    if (auto b = exec("BEGIN ISOLATION LEVEL SERIALIZABLE"); !b) return b.error();
    DbStatus st = f(*this);
    if (st.ok()) {
      auto c = exec("COMMIT");
      if (c) return {};
      st = c.error();
    } else if (healthy()) {
      (void)exec("ROLLBACK");
    }
    const bool serialization = !st.ok() && st.error().kind == DbError::Kind::Conflict &&
                               (st.error().message.find("serializ") != std::string::npos ||
                                st.error().message.find("deadlock") != std::string::npos);
    if (!serialization) return st;
    // Concurrent transactions on the same rows (many terminals enrolling at once): back off a random,
    // growing time and retry; when that is not enough the caller answers 503 (retry later), not 409.
    if (attempt >= 8) return DbError{DbError::Kind::Unavailable, "busy, retry later: " + st.error().message};
    std::this_thread::sleep_for(std::chrono::milliseconds(randombytes_uniform(10u << attempt) + 1));
  }
}

Pool::Pool(std::string conninfo, int size) : conninfo_(std::move(conninfo)), size_(size < 1 ? 1 : size) {}
Pool::~Pool() = default;

Pool::Lease::~Lease() {
  if (p_ && db_) p_->give_back(std::move(db_));
}

void Pool::give_back(std::unique_ptr<Db> db) {
  std::lock_guard<std::mutex> lk(m_);
  --out_;
  if (db && db->healthy()) idle_.push_back(std::move(db));
  cv_.notify_one();
}

DbResult<Pool::Lease> Pool::acquire() {
  std::unique_lock<std::mutex> lk(m_);
  cv_.wait(lk, [&] { return !idle_.empty() || out_ < size_; });
  ++out_;
  if (!idle_.empty()) {
    auto db = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(db));
  }
  lk.unlock();
  auto db = Db::connect(conninfo_);
  if (!db) {
    lk.lock();
    --out_;
    cv_.notify_one();
    return db.error();
  }
  return Lease(this, std::move(db.value()));
}

}  // namespace balie::coa
