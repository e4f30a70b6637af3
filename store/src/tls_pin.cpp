// Public-key pins of PEM certificates, private keys and CSRs (store/ layer; see tls_pin.h).
// OpenSSL parses the PEM; the pin is SHA-256 over the DER SubjectPublicKeyInfo, base64.
#include "balie/store/tls_pin.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>
#include <vector>

#include "balie/record/codec.h"

namespace balie::store {
namespace {

constexpr std::size_t kMaxPemBytes = 64 * 1024;

struct BioFree { void operator()(BIO* b) const { BIO_free(b); } };
struct PkeyFree { void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); } };
using BioPtr = std::unique_ptr<BIO, BioFree>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

StoreError bad(std::string what) { return StoreError{StoreErrc::InvalidArgument, std::move(what)}; }

Result<BioPtr> open_bio(std::string_view pem, const char* what) {
  if (pem.empty() || pem.size() > kMaxPemBytes) return bad(std::string(what) + ": empty or larger than 64 KiB");
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return bad(std::string(what) + ": out of memory");
  return bio;
}

Result<std::string> pin_of(EVP_PKEY* key, const char* what) {
  if (key == nullptr) return bad(std::string(what) + ": not a PEM " + what);
  int n = i2d_PUBKEY(key, nullptr);
  if (n <= 0) return bad(std::string(what) + ": its public key cannot be encoded");
  std::vector<std::uint8_t> der(static_cast<std::size_t>(n));
  unsigned char* p = der.data();
  i2d_PUBKEY(key, &p);
  auto hex = record::sha256_hex(der.data(), der.size());
  auto digest = record::from_hex(hex);
  return "sha256//" + record::to_base64(*digest);
}

}  // namespace

Result<std::string> pin_of_certificate_pem(std::string_view pem) {
  auto bio = open_bio(pem, "certificate");
  if (!bio.ok()) return bio.error();
  X509* cert = PEM_read_bio_X509(bio.value().get(), nullptr, nullptr, nullptr);
  if (cert == nullptr) return bad("certificate: not a PEM certificate");
  PkeyPtr key(X509_get_pubkey(cert));
  X509_free(cert);
  return pin_of(key.get(), "certificate");
}

Result<std::string> pin_of_private_key_pem(std::string_view pem) {
  auto bio = open_bio(pem, "private key");
  if (!bio.ok()) return bio.error();
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.value().get(), nullptr, nullptr, nullptr));
  return pin_of(key.get(), "private key");
}

Result<std::string> pin_of_csr_pem(std::string_view pem) {
  auto bio = open_bio(pem, "certificate request");
  if (!bio.ok()) return bio.error();
  X509_REQ* req = PEM_read_bio_X509_REQ(bio.value().get(), nullptr, nullptr, nullptr);
  if (req == nullptr) return bad("certificate request: not a PEM certificate request");
  PkeyPtr key(X509_REQ_get_pubkey(req));
  X509_REQ_free(req);
  return pin_of(key.get(), "certificate request");
}

}  // namespace balie::store
