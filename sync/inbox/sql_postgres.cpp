// The SQL port's PostgreSQL backend (libpq): parameters sent as text, write transactions
// SERIALIZABLE (retried by Connection::transaction when another receiver instance won the race), a
// lost connection reported clearly and re-established at the start of the next transaction.
#include <libpq-fe.h>

#include "sql_port.h"

namespace balie::inbox::sql {
namespace {
using record::Errc;
using record::make_error;

class PgConnection final : public Connection {
 public:
  explicit PgConnection(PGconn* c) : c_(c) {}
  ~PgConnection() override { PQfinish(c_); }
  const char* backend() const override { return "postgresql"; }

  Result<Rows> query(std::string_view sql, const std::vector<Value>& params) override {
    Rows rows;
    if (auto s = run(sql, params, &rows, nullptr); !s) return s.error();
    return rows;
  }
  Result<std::int64_t> exec(std::string_view sql, const std::vector<Value>& params) override {
    std::int64_t n = 0;
    if (auto s = run(sql, params, nullptr, &n); !s) return s.error();
    return n;
  }
  Status exec_script(const std::string& sql) override {
    // Reconnect only between transactions: a COMMIT on a fresh connection would "succeed" with nothing.
    if (!in_tx_)
      if (auto s = ensure_connected(); !s) return s;
    PGresult* r = PQexec(c_, sql.c_str());
    Status s = check(r);
    PQclear(r);
    return s;
  }

 protected:
  Status begin() override {
    if (auto s = ensure_connected(); !s) return s;
    if (auto s = exec_script("BEGIN ISOLATION LEVEL SERIALIZABLE"); !s) return s;
    in_tx_ = true;
    return Status::Ok();
  }
  Status commit() override {
    Status s = exec_script("COMMIT");
    if (s) in_tx_ = false;
    return s;
  }
  void rollback() override {
    in_tx_ = false;
    if (PQstatus(c_) == CONNECTION_OK && PQtransactionStatus(c_) != PQTRANS_IDLE) PQclear(PQexec(c_, "ROLLBACK"));
  }
  bool last_error_retryable() const override { return retryable_; }

 private:
  Status ensure_connected() {
    if (PQstatus(c_) == CONNECTION_OK) return Status::Ok();
    PQreset(c_);
    if (PQstatus(c_) == CONNECTION_OK) return Status::Ok();
    retryable_ = false;
    return make_error(Errc::store, std::string("PostgreSQL is not reachable: ") + PQerrorMessage(c_));
  }
  Status check(PGresult* r) {
    const ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
      retryable_ = false;
      return Status::Ok();
    }
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    const std::string code = state ? state : "";
    std::string msg = r ? PQresultErrorMessage(r) : "";
    if (msg.empty()) msg = PQerrorMessage(c_);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    // 40001 serialization failure, 40P01 deadlock, 23505 a concurrent insert of the same key.
    retryable_ = code == "40001" || code == "40P01" || code == "23505";
    if (PQstatus(c_) != CONNECTION_OK || code.rfind("08", 0) == 0 || code.rfind("57P", 0) == 0)
      return make_error(Errc::store, "the connection to PostgreSQL was lost (" + msg +
                                         "); the transaction was not committed, nothing of it is stored");
    return make_error(Errc::store, "PostgreSQL: " + msg + (code.empty() ? "" : " [" + code + "]"));
  }
  Status run(std::string_view sql, const std::vector<Value>& params, Rows* rows, std::int64_t* changed) {
    if (!in_tx_)
      if (auto s = ensure_connected(); !s) return s;
    const std::string text = to_dollar_placeholders(sql);
    std::vector<std::string> store(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (const auto* v = std::get_if<std::int64_t>(&params[i])) {
        store[i] = std::to_string(*v);
        values[i] = store[i].c_str();
      } else if (const auto* t = std::get_if<std::string>(&params[i])) {
        values[i] = t->c_str();
      }
    }
    PGresult* r = PQexecParams(c_, text.c_str(), static_cast<int>(params.size()), nullptr, values.data(), nullptr,
                               nullptr, 0);
    Status s = check(r);
    if (s && rows) {
      const int n = PQntuples(r), nf = PQnfields(r);
      rows->reserve(static_cast<std::size_t>(n));
      for (int i = 0; i < n; ++i) {
        Row row;
        for (int f = 0; f < nf; ++f) {
          if (PQgetisnull(r, i, f)) {
            row.cols.emplace_back(std::nullopt);
          } else {
            row.cols.emplace_back(std::string(PQgetvalue(r, i, f), static_cast<std::size_t>(PQgetlength(r, i, f))));
          }
        }
        rows->push_back(std::move(row));
      }
    }
    if (s && changed) {
      const char* t = PQcmdTuples(r);
      *changed = (t && *t) ? std::stoll(t) : 0;
    }
    PQclear(r);
    return s;
  }

  PGconn* c_;
  bool retryable_ = false;
  bool in_tx_ = false;
};

}  // namespace

Result<std::unique_ptr<Connection>> open_postgres(const std::string& conninfo) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  if (c == nullptr) return make_error(Errc::store, "PostgreSQL: out of memory");
  if (PQstatus(c) != CONNECTION_OK) {
    std::string m = PQerrorMessage(c);
    PQfinish(c);
    while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
    return make_error(Errc::store, "cannot connect to PostgreSQL: " + m);
  }
  auto conn = std::make_unique<PgConnection>(c);
  if (auto s = conn->exec_script("SET client_min_messages = warning; SET TIME ZONE 'UTC'"); !s) return s.error();
  return std::unique_ptr<Connection>(std::move(conn));
}

}  // namespace balie::inbox::sql
