// balie-inbox's storage key (issue 17 item 1): the municipality's raw 32-byte database key, read from
// the systemd credential $CREDENTIALS_DIRECTORY/inbox-db-key or, for the demo and tests, a key file
// that must be 0600 and owned by the user; and the column cipher derived from it, which seals the
// personal columns (opened sensitive parts, dossiers) on both backends.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "balie/platform/key_provider.h"
#include "balie/record/result.h"

namespace balie::inbox {

// The credential name under $CREDENTIALS_DIRECTORY (systemd LoadCredential=inbox-db-key:...).
inline constexpr const char* kDbKeyCredential = "inbox-db-key";

// `key_file` empty: the systemd credential. The file holds 32 raw bytes or 64 hex digits (a trailing
// newline allowed). Refused: missing, group/other permissions, another owner (key file), wrong size.
record::Result<platform::SecretBuffer> load_db_key(const std::string& key_file);

// Writes a fresh random key (64 hex digits) to `path`, created 0600; refuses to overwrite.
record::Status write_new_db_key(const std::string& path);

// XChaCha20-Poly1305 (libsodium secretbox-style AEAD) under a data key derived from the db key with
// crypto_kdf (context "BalieInb", subkey 1). `ad` binds a value to its place (table, column, row
// key), so a sealed value copied into another row does not open. Text form: "x1:" + base64.
class ColumnCipher {
 public:
  explicit ColumnCipher(std::span<const std::uint8_t> db_key);
  std::string seal(std::string_view plain, std::string_view ad) const;
  record::Result<std::string> open(std::string_view sealed, std::string_view ad) const;

 private:
  platform::SecretBuffer key_;
};

}  // namespace balie::inbox
