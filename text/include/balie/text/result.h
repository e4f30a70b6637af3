// Result<T>: the text engine's value-or-error type (text/, any thread).
// Expected runtime failures (missing file, broken catalog entry, unknown language) are returned as
// values carrying a message for the operator; exceptions never leave this module.
#pragma once
#include <optional>
#include <string>
#include <utility>

namespace balie::text {

struct Error {
  std::string message;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit on purpose
  Result(Error error) : error_(std::move(error.message)) {}  // NOLINT
  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  const T& value() const& { return *value_; }
  T& value() & { return *value_; }
  T&& value() && { return std::move(*value_); }
  const T& operator*() const& { return *value_; }
  T& operator*() & { return *value_; }
  const T* operator->() const { return &*value_; }
  T* operator->() { return &*value_; }
  const std::string& error() const { return error_; }

 private:
  std::optional<T> value_;
  std::string error_;
};

// For operations that produce no value.
struct Ok {};
using Status = Result<Ok>;

}  // namespace balie::text
