// Record envelopes, acknowledgements and municipality statements (record/, any thread): the format
// every part shares. Store::commit_sealed() calls seal_record() inside its write transaction; the inbox
// calls parse_envelope(), verify_envelope() and open_sealed(); the sync engine verifies acknowledgements
// with verify_ack(). The byte formats are documented in record/README.md and sync/openapi.yaml.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "balie/platform/key_provider.h"
#include "balie/record/codec.h"
#include "balie/record/result.h"

namespace balie::record {

using Key32 = std::array<std::uint8_t, 32>;

// 32 random bytes (libsodium randombytes), e.g. a new key seed or nonce.
Key32 random_key32();

// Limits of one envelope (enforced when sealing and when parsing).
inline constexpr std::size_t kMaxSensitiveBytes = 192 * 1024;
inline constexpr std::size_t kMaxPublicBytes = 8 * 1024;
inline constexpr std::size_t kMaxEnvelopeBytes = 300 * 1024;

// An Ed25519 key pair derived from a 32-byte seed (the device key, or a municipality's key). Its
// secret half lives in a guarded platform::SecretBuffer and is read in place when signing.
using SigningKey = platform::Ed25519KeyPair;
// An X25519 box key pair (municipality side; the kiosk only knows the public half).
struct BoxKey {
  Key32 public_key{};
  Key32 secret_key{};
  static BoxKey from_seed(const Key32& seed);
  static BoxKey generate();
};

// Per-(device, gemeentecode) hash chain position. seq 0 with an all-zero hash is the start.
struct ChainHead {
  std::uint64_t seq = 0;
  std::string package_sha256 = std::string(64, '0');
};

struct RecordInput {
  std::string record_id;      // UUID v4, lowercase; the idempotency key
  std::string kind;           // e.g. "pvt.ondertekend", [a-z0-9._-]{1,64}
  std::string gemeentecode;   // addressee: the resident's gekoppelde gemeente at creation
  std::string device_id;      // [A-Za-z0-9._-]{1,64}; equals the CN of the device certificate
  std::time_t created_at = 0;
  std::string public_json;    // non-personal metadata (JSON object text, may be "{}")
  std::string sensitive;      // personal data; sealed to the municipality, never stored in clear
};

struct SealedRecord {
  std::string envelope;         // the envelope JSON bytes (outbox payload)
  std::string package_sha256;   // hex; what the municipality's acknowledgement must name
  std::string payload_sha256;   // hex SHA-256 of `envelope`
  ChainHead next;               // chain head after this record (persist with the record)
};

// Seals `in.sensitive` to `municipality_box_pk`, builds the canonical package (chained to
// `prev`), signs it with `device`. Fails with invalid_input on bad fields or limits.
Result<SealedRecord> seal_record(const RecordInput& in, const SigningKey& device,
                                 const Key32& municipality_box_pk, const ChainHead& prev);
// Re-chains an existing envelope of this device after `prev` (a reinstalled terminal continuing from
// the receiver's acknowledged head): same record_id, fields and sealed bytes, new seq/prev_sha256,
// signed again. Refused (crypto) when the envelope does not verify under `device`.
Result<SealedRecord> rechain_record(std::string_view envelope_json, const SigningKey& device, const ChainHead& prev);

struct Envelope {
  // Package fields, parsed strictly from the canonical package text.
  std::string record_id, kind, gemeentecode, device_id, created_at, prev_sha256, sealed_sha256;
  std::uint64_t seq = 0;
  std::string public_json;
  // Raw parts.
  std::string package;       // canonical package text (what is signed)
  Bytes sealed;              // crypto_box_seal ciphertext
  Bytes signature;           // Ed25519 detached signature over `package`
  std::string package_sha256;
};

// Parses an envelope JSON object (bytes). Rejects unknown fields, bad encodings, limits.
Result<Envelope> parse_envelope(std::string_view json_bytes);
// Checks the device signature and that sealed_sha256 matches the ciphertext.
Status verify_envelope(const Envelope& env, const Key32& device_pk);
// Opens the sealed part with the municipality's box key pair.
Result<std::string> open_sealed(const Envelope& env, const BoxKey& municipality);

// --- acknowledgements -------------------------------------------------------------------
struct Ack {
  std::string record_id, gemeentecode, package_sha256, status /* stored|duplicate */, received_at;
  Bytes signature;
};
std::string ack_canonical(const Ack& a);
// Builds the ack JSON (bytes the kiosk stores) signed with the municipality's key.
std::string make_ack_json(Ack a, const SigningKey& municipality);
Result<Ack> parse_ack_json(std::string_view json_bytes);
// Verifies signature and that the ack names exactly this record, addressee and package hash.
Status verify_ack(std::string_view ack_json, const std::string& record_id, const std::string& gemeentecode,
                  const std::string& package_sha256, const Key32& municipality_pk);

// --- municipality identity proof ----------------------------------------------------------
// The kiosk sends a random nonce; the inbox signs, with its Ed25519 key, version 2 of the statement:
// "balie-identity/2\ngemeentecode:..\nnonce:..\nx25519_pk:<its X25519 sealing key, 64 hex>\n", so
// the proof covers the key records are sealed to (issue 20). Version 1 (no sealing key) is gone.
std::string identity_canonical(std::string_view gemeentecode, std::string_view nonce_hex,
                               std::string_view x25519_pk_hex);
std::string sign_detached_b64(std::string_view message, const SigningKey& key);
bool verify_detached_b64(std::string_view message, std::string_view sig_b64, const Key32& pk);

}  // namespace balie::record
