// balie-inbox's sealing key ring (issue 17, item 6): the current X25519 sealing key and the previous
// ones, so records a terminal sealed before a rotation still open. Layout under --keys D:
//   D/signing.seed, D/box/<id>.seed (one per sealing key, 0600), D/box/ring (JSON naming current and
//   previous keys, 0600); a directory with only the older D/box.seed is read as a ring of one key.
// rotate_sealing_key() is two-phase and crash-safe; RingWatcher lets the server pick up a rotation.
#pragma once
#include <sys/stat.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "balie/record/envelope.h"
#include "balie/record/result.h"

namespace balie::inbox {

struct RingKey {
  std::string id;      // first 16 hex characters of the X25519 public key
  record::BoxKey key;
  bool prove = true;   // may be named in an identity statement (false: kept only to open, e.g. compromised)
};

class KeyRing {
 public:
  // Reads D/box/ring (or the single D/box.seed). Seed files of a ring must be 0600.
  static record::Result<KeyRing> load(const std::string& keys_dir);
  const RingKey& current() const { return keys_.front(); }
  const std::vector<RingKey>& keys() const { return keys_; }  // current first, then newest previous first
  bool legacy() const { return legacy_; }
  // Opens the sealed part with the current key, then each previous key. On success `opened_by` is the
  // id of the key that opened it.
  record::Result<std::string> open(const record::Envelope& e, std::string* opened_by) const;
  // The key an identity statement names for a terminal whose route seals to `route_pk_hex` ("" when
  // the terminal did not say): that key while it is in the ring and may be proven, else the current key.
  const RingKey& key_to_prove(const std::string& route_pk_hex) const;
  // JSON {current, keys:[{id, x25519_pk, current, prove}]} (no secrets).
  std::string describe() const;

 private:
  friend record::Result<KeyRing> rotate_sealing_key(const std::string&, bool);
  std::vector<RingKey> keys_;
  bool legacy_ = false;
};

std::string key_id(const record::Key32& public_key);

// Writes a new sealing key and makes it current. Phase 1: the new seed (and, for a directory in the
// older layout, the existing box.seed as box/<id>.seed) is written to a temporary file, fsynced and
// renamed into place. Phase 2: the ring naming the new key as current and the old current as previous
// is written the same way (rename is the switch). A crash between the phases leaves the old ring in
// force and an unused seed file. `compromised`: the old key still opens records already sealed to it
// but is never proven to a terminal again. Returns the new ring.
// Test hook: BALIE_INBOX_TEST_CRASH=after-seed ends the process (exit 75) between the phases.
record::Result<KeyRing> rotate_sealing_key(const std::string& keys_dir, bool compromised);

// Writes a secret file atomically: created 0600 under a temporary name, fsynced, renamed, folder fsynced.
record::Status write_secret_file(const std::string& path, const std::string& content);

// The ring as the server sees it: reloaded when D/box/ring changes (a rotation while serving). If the
// new ring cannot be read the old one stays in force and the problem is printed once.
class RingWatcher {
 public:
  RingWatcher(std::string keys_dir, KeyRing initial);
  std::shared_ptr<const KeyRing> get();

 private:
  std::string dir_;
  std::mutex mu_;
  std::shared_ptr<const KeyRing> ring_;
  struct stat seen_{};
  bool seen_ok_ = false;
  std::string last_error_;
};

}  // namespace balie::inbox
