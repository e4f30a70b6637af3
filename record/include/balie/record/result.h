// The one value-or-error type of Balie's headless libraries (record/, any thread). Expected runtime
// failures come back as values; exceptions never cross a library's API. Each layer names its own
// error type: record and sync use record::Error (an Errc reason code + a message), store/ uses
// store::StoreError through `template <class T> using Result = record::Result<T, StoreError>`.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace balie::record {

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

inline Error make_error(Errc c, std::string msg) { return Error{c, std::move(msg)}; }

// Either a T or an E. Check ok() before value().
template <class T, class E = Error>
class [[nodiscard]] Result {
 public:
  Result(T v) : v_(std::in_place_index<0>, std::move(v)) {}  // NOLINT: implicit on purpose
  Result(E e) : v_(std::in_place_index<1>, std::move(e)) {}  // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const E& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

// A result without a value.
template <class E = Error>
class [[nodiscard]] BasicStatus {
 public:
  BasicStatus() = default;
  BasicStatus(E e) : e_(std::move(e)) {}  // NOLINT: implicit on purpose
  static BasicStatus Ok() { return {}; }
  bool ok() const { return !e_.has_value(); }
  explicit operator bool() const { return ok(); }
  const E& error() const { return *e_; }

 private:
  std::optional<E> e_;
};

using Status = BasicStatus<Error>;

}  // namespace balie::record
