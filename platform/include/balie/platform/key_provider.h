// KeyProvider: where the database key and the device signing key come from (platform layer,
// headless, any thread; each call reads the files again and returns fresh secret buffers).
//   production (BALIE_MODE=production): systemd credentials, $CREDENTIALS_DIRECTORY/balie-db-key and
//     $CREDENTIALS_DIRECTORY/balie-device-key (32 raw bytes each); missing -> refusal, never a fallback.
//   demo / development (default): db.key and device.key in the state directory, created 0600 on first use.
//   The mTLS client key (PEM, variable size) comes from the credential balie-tls-key in production and
//   from tls.key in the state directory in demo mode; the provider never makes it (balie-enrol does).
// Keys live in SecretBuffer (sodium_malloc: guarded, mlock'ed where possible, wiped on free). Never log them.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <utility>
#include <variant>

namespace balie::platform {

// Move-only buffer for secret bytes. Allocated with sodium_malloc (guard pages, mlock where the
// system allows it) and wiped with sodium_memzero before it is freed. size() == 0 means empty.
class SecretBuffer {
 public:
  SecretBuffer() = default;
  explicit SecretBuffer(std::size_t size);  // zero-filled; aborts only if sodium_init fails
  ~SecretBuffer();
  SecretBuffer(SecretBuffer&& other) noexcept;
  SecretBuffer& operator=(SecretBuffer&& other) noexcept;
  SecretBuffer(const SecretBuffer&) = delete;
  SecretBuffer& operator=(const SecretBuffer&) = delete;

  std::uint8_t* data() { return data_; }
  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::span<const std::uint8_t> bytes() const { return {data_, size_}; }
  std::span<std::uint8_t> mutable_bytes() { return {data_, size_}; }
  // Wipes and frees now (also done by the destructor).
  void wipe();

 private:
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

enum class KeyMode { Demo, Production };

enum class KeyErrc {
  MissingCredentialsDirectory,  // production: $CREDENTIALS_DIRECTORY unset or not a directory
  MissingCredential,            // production: balie-db-key / balie-device-key absent
  BadCredential,                // a key file with the wrong size (32 bytes; the TLS key 1 B..16 KiB)
  InsecurePermissions,          // demo key file readable by group/others
  MissingStateDirectory,        // demo: the state directory does not exist (call Paths::ensure first)
  Io,                           // any other read/write failure (message has the errno text)
};

struct KeyError {
  KeyErrc code;
  std::string message;  // staff/operator-facing; names the file, never contains key material
};

// Tiny result type for the key provider: either a value or a KeyError.
template <class T>
class [[nodiscard]] KeyResult {
 public:
  KeyResult(T value) : v_(std::move(value)) {}
  KeyResult(KeyError error) : v_(std::move(error)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const KeyError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, KeyError> v_;
};

// An Ed25519 key pair (libsodium crypto_sign): the device key, or a municipality's signing key.
// secret_key is the 64-byte libsodium secret key expanded from a 32-byte seed; it lives only in its
// SecretBuffer (guarded, wiped on free), so the type is move-only and signing reads it in place.
struct Ed25519KeyPair {
  SecretBuffer secret_key;                     // 64 bytes (crypto_sign_SECRETKEYBYTES)
  std::array<std::uint8_t, 32> public_key{};   // crypto_sign_PUBLICKEYBYTES
  static Ed25519KeyPair from_seed(std::span<const std::uint8_t, 32> seed);
  static Ed25519KeyPair generate();
};
// The device signing key as the key provider hands it out (the stored 32-byte seed, expanded).
using DeviceSigningKey = Ed25519KeyPair;

class KeyProvider {
 public:
  static constexpr std::size_t kDbKeyBytes = 32;
  static constexpr std::size_t kDeviceSeedBytes = 32;
  static constexpr const char* kDbCredential = "balie-db-key";
  static constexpr const char* kDeviceCredential = "balie-device-key";
  static constexpr const char* kDemoDbKeyFile = "db.key";
  static constexpr const char* kDemoDeviceKeyFile = "device.key";
  static constexpr const char* kTlsCredential = "balie-tls-key";
  static constexpr const char* kDemoTlsKeyFile = "tls.key";
  static constexpr std::size_t kMaxTlsKeyBytes = 16 * 1024;

  // Production when BALIE_MODE=production, else demo. Credentials dir from $CREDENTIALS_DIRECTORY.
  static KeyProvider from_environment(const std::filesystem::path& state_dir);
  KeyProvider(KeyMode mode, std::filesystem::path state_dir, std::filesystem::path credentials_dir);

  KeyMode mode() const { return mode_; }
  // The 32-byte raw SQLCipher key. Demo mode creates db.key (0600) on first use.
  [[nodiscard]] KeyResult<SecretBuffer> db_key() const;
  // The same, but never makes a key (demo mode: a missing db.key is MissingCredential). For processes
  // that only open an existing store (balie-syncd): a new key could only open a new, empty store.
  [[nodiscard]] KeyResult<SecretBuffer> existing_db_key() const;
  // The device signing key. Demo mode creates device.key (0600, 32-byte seed) on first use.
  [[nodiscard]] KeyResult<DeviceSigningKey> device_signing_key() const;
  // The mTLS client private key as PEM text (PKCS#8, EC P-256 as balie-enrol makes it; 1 byte to
  // 16 KiB, not a fixed size). Never created here: a missing key is MissingCredential (production:
  // credential balie-tls-key; demo: tls.key in the state directory, made by `balie-enrol tls-key --demo`).
  [[nodiscard]] KeyResult<SecretBuffer> tls_client_key_pem() const;

 private:
  KeyResult<SecretBuffer> load_or_create(const char* credential_name, const char* demo_file,
                                         std::size_t size, bool create, std::size_t max_size = 0) const;
  KeyMode mode_;
  std::filesystem::path state_dir_;
  std::filesystem::path credentials_dir_;
};

const char* to_string(KeyMode mode);

}  // namespace balie::platform
