// Error values for the sync layer (sync/, any thread): every fallible call returns Result<T> or
// Status with a reason code and a human-readable message. Exceptions never leave sync/ functions.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace balie::sync {

enum class Errc {
  invalid_input,   // malformed or out-of-limit data (our own or a peer's)
  crypto,          // signature, hash or sealing failure
  routing,         // no endpoint, or the endpoint failed to prove it is the addressee
  tls,             // certificate, pin or handshake refused
  network,         // connect failure, timeout, cut connection (retryable)
  server,          // 5xx or unusable response (retryable)
  rejected,        // 4xx problem response for a request or record (not retried)
  store,           // local database failure
  io,              // files, processes
  limit,           // a configured limit was hit
  internal,
};

const char* errc_name(Errc c);

struct Error {
  Errc code = Errc::internal;
  std::string message;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T v) : v_(std::move(v)) {}
  Result(Error e) : v_(std::move(e)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error e) : e_(std::move(e)) {}
  static Status Ok() { return {}; }
  bool ok() const { return !e_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *e_; }

 private:
  std::optional<Error> e_;
};

inline Error make_error(Errc c, std::string msg) { return Error{c, std::move(msg)}; }

}  // namespace balie::sync
