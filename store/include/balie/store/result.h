// Result and error types of the record store (store/ layer, headless). Expected runtime failures
// (wrong key, disk full, read-only, ...) come back as values; the store never throws across its API.
// The kiosk maps StoreErrc to a staff-facing error screen; balie-admin maps it to a non-zero exit.
#pragma once
#include <string>

#include "balie/record/result.h"

namespace balie::store {

enum class StoreErrc {
  WrongKey,          // the file is a database but the key does not decrypt it
  NotADatabase,      // not an (encrypted) SQLite file at all, or a plaintext SQLite file
  Corrupt,           // decrypts, but integrity is broken (malformed pages, failed HMAC)
  NewerSchema,       // written by a newer Balie: refuse rather than guess
  DiskFull,          // SQLITE_FULL / ENOSPC: nothing was written
  ReadOnly,          // read-only file system or file
  MissingDirectory,  // the directory that should hold the database does not exist
  Busy,              // another process held the lock longer than busy_timeout
  NotFound,          // no such resident / staff / record
  Conflict,          // the request contradicts stored state (duplicate record id, pending outbox on purge)
  InvalidArgument,   // caller error (bad key length, empty id, malformed UUID)
  LimitReached,      // an explicit limit (outbox size, payload size) would be exceeded
  Io,                // any other I/O or SQLite failure
};

const char* to_string(StoreErrc code);

struct StoreError {
  StoreErrc code;
  std::string message;  // human, staff-facing; never contains key material or personal data
};

// Either a T or a StoreError (the one result template of record/). Check ok() before value().
template <class T>
using Result = record::Result<T, StoreError>;
// Result without a value.
using Status = record::BasicStatus<StoreError>;

}  // namespace balie::store
