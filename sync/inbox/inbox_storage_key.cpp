// Loading balie-inbox's database key and sealing personal columns with a key derived from it.
#include "inbox_storage_key.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "balie/record/codec.h"

namespace balie::inbox {
using record::Errc;
using record::make_error;

record::Result<platform::SecretBuffer> load_db_key(const std::string& key_file) {
  std::string path = key_file;
  const bool credential = key_file.empty();
  if (credential) {
    const char* dir = std::getenv("CREDENTIALS_DIRECTORY");
    if (dir == nullptr || *dir == '\0')
      return make_error(Errc::invalid_input,
                        "no database key: give --db-key-file F (0600) or run under systemd with "
                        "LoadCredential=inbox-db-key:...; balie-inbox never stores records unencrypted");
    path = std::string(dir) + "/" + kDbKeyCredential;
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return make_error(Errc::io, "cannot read the database key " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(Errc::invalid_input, "the database key " + path + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    return make_error(Errc::invalid_input, "the database key " + path +
                                               " is readable or writable by group or others; chmod 600 it");
  }
  if (!credential && st.st_uid != ::geteuid()) {
    ::close(fd);
    return make_error(Errc::invalid_input, "the database key " + path + " is not owned by the user running balie-inbox");
  }
  platform::SecretBuffer raw(130);
  ssize_t got = 0, n = 0;
  while (got < 130 && (n = ::read(fd, raw.data() + got, 130 - static_cast<std::size_t>(got))) > 0) got += n;
  ::close(fd);
  std::size_t len = n < 0 ? 0 : static_cast<std::size_t>(got);
  platform::SecretBuffer key(32);
  if (len == 32) {
    std::memcpy(key.data(), raw.data(), 32);
    return key;
  }
  while (len > 0 && (raw.data()[len - 1] == '\n' || raw.data()[len - 1] == '\r')) --len;
  std::size_t bin_len = 0;
  if (len == 64 && sodium_hex2bin(key.data(), 32, reinterpret_cast<const char*>(raw.data()), 64, nullptr, &bin_len,
                                  nullptr) == 0 &&
      bin_len == 32)
    return key;
  return make_error(Errc::invalid_input, "the database key " + path + " must hold 32 raw bytes or 64 hex digits");
}

record::Status write_new_db_key(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return make_error(Errc::io, "cannot create " + path + ": " + std::strerror(errno));
  platform::SecretBuffer k(32), hex(65);
  randombytes_buf(k.data(), 32);
  sodium_bin2hex(reinterpret_cast<char*>(hex.data()), 65, k.data(), 32);
  hex.data()[64] = '\n';
  const bool ok = ::write(fd, hex.data(), 65) == 65 && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return make_error(Errc::io, "cannot write " + path);
  return record::Status::Ok();
}

ColumnCipher::ColumnCipher(std::span<const std::uint8_t> db_key) : key_(crypto_aead_xchacha20poly1305_ietf_KEYBYTES) {
  static_assert(crypto_kdf_KEYBYTES == 32);
  crypto_kdf_derive_from_key(key_.data(), key_.size(), 1, "BalieInb", db_key.data());
}

std::string ColumnCipher::seal(std::string_view plain, std::string_view ad) const {
  constexpr std::size_t nb = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  record::Bytes out(nb + plain.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  randombytes_buf(out.data(), nb);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(out.data() + nb, &clen, reinterpret_cast<const unsigned char*>(plain.data()),
                                             plain.size(), reinterpret_cast<const unsigned char*>(ad.data()), ad.size(),
                                             nullptr, out.data(), key_.data());
  out.resize(nb + clen);
  return "x1:" + record::to_base64(out);
}

record::Result<std::string> ColumnCipher::open(std::string_view sealed, std::string_view ad) const {
  constexpr std::size_t nb = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  if (sealed.substr(0, 3) != "x1:") return make_error(Errc::crypto, "stored personal column is not sealed");
  auto b = record::from_base64(sealed.substr(3), 64u * 1024 * 1024);
  if (!b || b->size() < nb + crypto_aead_xchacha20poly1305_ietf_ABYTES)
    return make_error(Errc::crypto, "stored personal column is damaged");
  std::string plain(b->size() - nb - crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  unsigned long long plen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(plain.data()), &plen, nullptr,
                                                 b->data() + nb, b->size() - nb,
                                                 reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), b->data(),
                                                 key_.data()) != 0)
    return make_error(Errc::crypto, "stored personal column does not open under this key (wrong key or tampered)");
  plain.resize(plen);
  return plain;
}

}  // namespace balie::inbox
