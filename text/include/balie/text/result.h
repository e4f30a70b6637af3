// The text engine's value-or-error types (text/, any thread): record/'s one Result template with an
// error that carries a message for the operator. Expected runtime failures (missing file, broken
// catalog entry, unknown language) are returned as values; exceptions never leave this module.
#pragma once
#include <string>

#include "balie/record/result.h"

namespace balie::text {

struct Error {
  std::string message;
};

template <class T>
using Result = record::Result<T, Error>;
// For operations that produce no value.
using Status = record::BasicStatus<Error>;

}  // namespace balie::text
