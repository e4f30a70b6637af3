// KeyProvider implementation (platform layer): reads systemd credentials in production, creates and
// reads 0600 key files in the state directory in demo mode. Secrets only ever live in SecretBuffer.
// Demo key files are created atomically (write temp file, fsync, link(2) into place, fsync dir), so a
// crash never leaves a short key file and two processes starting at once agree on one key.
#include "balie/platform/key_provider.h"

#include <sodium.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace balie::platform {
namespace {

void ensure_sodium() {
  if (sodium_init() < 0) std::abort();  // libsodium unusable: nothing secure can run
}

std::string errno_text(int e) { return std::strerror(e); }

KeyError make_error(KeyErrc code, std::string msg) { return KeyError{code, std::move(msg)}; }

// Reads exactly `size` bytes from `path` into a SecretBuffer; with max_size > 0, instead any size
// from 1 to max_size bytes (the file's size).
KeyResult<SecretBuffer> read_key_file(const std::filesystem::path& path, std::size_t size,
                                      bool check_private, std::size_t max_size = 0) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    int e = errno;
    if (e == ENOENT) return make_error(KeyErrc::MissingCredential, "key file " + path.string() + " does not exist");
    return make_error(KeyErrc::Io, "cannot open key file " + path.string() + ": " + errno_text(e));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return make_error(KeyErrc::Io, "cannot stat key file " + path.string() + ": " + errno_text(e));
  }
  if (check_private && (st.st_mode & 077) != 0) {
    ::close(fd);
    return make_error(KeyErrc::InsecurePermissions,
                      "key file " + path.string() + " is readable by group or others; expected mode 0600");
  }
  if (max_size > 0) {
    if (st.st_size <= 0 || static_cast<std::size_t>(st.st_size) > max_size) {
      ::close(fd);
      return make_error(KeyErrc::BadCredential, "key file " + path.string() + " has " + std::to_string(st.st_size) +
                                                    " bytes; expected 1 to " + std::to_string(max_size));
    }
    size = static_cast<std::size_t>(st.st_size);
  }
  if (static_cast<std::size_t>(st.st_size) != size) {
    ::close(fd);
    return make_error(KeyErrc::BadCredential, "key file " + path.string() + " has " + std::to_string(st.st_size) +
                                                  " bytes; expected exactly " + std::to_string(size));
  }
  SecretBuffer buf(size);
  std::size_t got = 0;
  while (got < size) {
    ssize_t n = ::read(fd, buf.data() + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      ::close(fd);
      return make_error(KeyErrc::Io, "cannot read key file " + path.string() + ": " +
                                         (n == 0 ? std::string("short read") : errno_text(e)));
    }
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return buf;
}

bool fsync_dir(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

// Creates `path` with `size` random bytes, mode 0600, atomically. EEXIST from link means another
// process won the race: that is fine, the caller reads the winner's file.
std::optional<KeyError> create_key_file(const std::filesystem::path& path, std::size_t size) {
  std::filesystem::path tmp = path;
  tmp += ".tmp-" + std::to_string(::getpid());
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    int e = errno;
    return make_error(KeyErrc::Io,
                      "cannot create key file in " + path.parent_path().string() + ": " + errno_text(e));
  }
  SecretBuffer fresh(size);
  randombytes_buf(fresh.data(), size);
  std::size_t put = 0;
  while (put < size) {
    ssize_t n = ::write(fd, fresh.data() + put, size - put);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return make_error(KeyErrc::Io, "cannot write key file " + tmp.string() + ": " + errno_text(e));
    }
    put += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int e = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return make_error(KeyErrc::Io, "cannot fsync key file " + tmp.string() + ": " + errno_text(e));
  }
  ::close(fd);
  int rc = ::link(tmp.c_str(), path.c_str());
  int e = errno;
  ::unlink(tmp.c_str());
  if (rc != 0 && e != EEXIST) {
    return make_error(KeyErrc::Io, "cannot install key file " + path.string() + ": " + errno_text(e));
  }
  fsync_dir(path.parent_path());
  return std::nullopt;
}

}  // namespace

// [SECTION] SecretBuffer

SecretBuffer::SecretBuffer(std::size_t size) {
  ensure_sodium();
  if (size == 0) return;
  data_ = static_cast<std::uint8_t*>(sodium_malloc(size));  // guarded + mlock'ed where possible
  if (data_ == nullptr) std::abort();
  sodium_memzero(data_, size);
  size_ = size;
}

SecretBuffer::~SecretBuffer() { wipe(); }

SecretBuffer::SecretBuffer(SecretBuffer&& other) noexcept : data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

SecretBuffer& SecretBuffer::operator=(SecretBuffer&& other) noexcept {
  if (this != &other) {
    wipe();
    data_ = other.data_;
    size_ = other.size_;
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

void SecretBuffer::wipe() {
  if (data_ != nullptr) {
    sodium_memzero(data_, size_);
    sodium_free(data_);  // also wipes and munlocks
  }
  data_ = nullptr;
  size_ = 0;
}

// [SECTION] KeyProvider

const char* to_string(KeyMode mode) { return mode == KeyMode::Production ? "production" : "demo"; }

KeyProvider KeyProvider::from_environment(const std::filesystem::path& state_dir) {
  const char* m = std::getenv("BALIE_MODE");
  KeyMode mode = (m != nullptr && std::string_view(m) == "production") ? KeyMode::Production : KeyMode::Demo;
  const char* c = std::getenv("CREDENTIALS_DIRECTORY");
  return KeyProvider(mode, state_dir, c != nullptr ? std::filesystem::path(c) : std::filesystem::path());
}

KeyProvider::KeyProvider(KeyMode mode, std::filesystem::path state_dir, std::filesystem::path credentials_dir)
    : mode_(mode), state_dir_(std::move(state_dir)), credentials_dir_(std::move(credentials_dir)) {}

KeyResult<SecretBuffer> KeyProvider::load_or_create(const char* credential_name, const char* demo_file,
                                                    std::size_t size, bool create, std::size_t max_size) const {
  ensure_sodium();
  if (mode_ == KeyMode::Production) {
    std::error_code ec;
    if (credentials_dir_.empty() || !std::filesystem::is_directory(credentials_dir_, ec)) {
      return make_error(KeyErrc::MissingCredentialsDirectory,
                        "production mode needs the systemd credential '" + std::string(credential_name) +
                            "', but $CREDENTIALS_DIRECTORY is " +
                            (credentials_dir_.empty() ? std::string("not set") : "not a directory (" + credentials_dir_.string() + ")") +
                            "; check LoadCredentialEncrypted= in the unit");
    }
    auto path = credentials_dir_ / credential_name;
    auto r = read_key_file(path, size, false, max_size);  // systemd sets the credential's permissions itself
    if (!r.ok() && r.error().code == KeyErrc::MissingCredential) {
      return make_error(KeyErrc::MissingCredential, "production credential '" + std::string(credential_name) +
                                                        "' is missing from $CREDENTIALS_DIRECTORY; refusing to start");
    }
    return r;
  }
  std::error_code ec;
  if (state_dir_.empty() || !std::filesystem::is_directory(state_dir_, ec)) {
    return make_error(KeyErrc::MissingStateDirectory,
                      "state directory " + state_dir_.string() + " does not exist; cannot keep the demo key" +
                          (max_size > 0 ? std::string("; make it with `balie-enrol tls-key --demo`") : std::string()));
  }
  auto path = state_dir_ / demo_file;
  if (!std::filesystem::exists(path, ec)) {
    if (!create && max_size > 0)
      return make_error(KeyErrc::MissingCredential, "demo key " + path.string() +
                                                        " does not exist; make it with `balie-enrol tls-key --demo`");
    if (!create)
      return make_error(KeyErrc::MissingCredential, "demo key " + path.string() + " does not exist (the kiosk or "
                                                    "balie-admin makes it with the store); refusing to make a new one");
    if (auto err = create_key_file(path, size)) return *err;
  }
  return read_key_file(path, size, true, max_size);
}

KeyResult<SecretBuffer> KeyProvider::db_key() const {
  return load_or_create(kDbCredential, kDemoDbKeyFile, kDbKeyBytes, true);
}

KeyResult<SecretBuffer> KeyProvider::existing_db_key() const {
  return load_or_create(kDbCredential, kDemoDbKeyFile, kDbKeyBytes, false);
}

Ed25519KeyPair Ed25519KeyPair::from_seed(std::span<const std::uint8_t, 32> seed) {
  Ed25519KeyPair k{SecretBuffer(crypto_sign_SECRETKEYBYTES), {}};
  crypto_sign_seed_keypair(k.public_key.data(), k.secret_key.data(), seed.data());  // cannot fail for 32 bytes
  return k;
}

Ed25519KeyPair Ed25519KeyPair::generate() {
  SecretBuffer seed(crypto_sign_SEEDBYTES);
  randombytes_buf(seed.data(), seed.size());
  return from_seed(std::span<const std::uint8_t, 32>(seed.data(), 32));
}

KeyResult<SecretBuffer> KeyProvider::tls_client_key_pem() const {
  return load_or_create(kTlsCredential, kDemoTlsKeyFile, 0, false, kMaxTlsKeyBytes);
}

KeyResult<DeviceSigningKey> KeyProvider::device_signing_key() const {
  auto seed = load_or_create(kDeviceCredential, kDemoDeviceKeyFile, kDeviceSeedBytes, true);
  if (!seed.ok()) return seed.error();
  if (seed.value().size() != kDeviceSeedBytes) return make_error(KeyErrc::BadCredential, "device key seed has the wrong size");
  return Ed25519KeyPair::from_seed(std::span<const std::uint8_t, 32>(seed.value().data(), 32));
}

}  // namespace balie::platform
