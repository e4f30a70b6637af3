// CRL checks of balie-inbox (see revocation.h), OpenSSL.
#include "revocation.h"

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <cstdio>

namespace balie::inbox {

namespace {

std::string serial_hex(const ASN1_INTEGER* s) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(s, nullptr);
  if (bn == nullptr) return "";
  char* h = BN_bn2hex(bn);
  std::string out = h ? h : "";
  OPENSSL_free(h);
  BN_free(bn);
  return out;
}

}  // namespace

RevocationList::RevocationList(std::string crl_file, std::string ca_file)
    : crl_file_(std::move(crl_file)), ca_file_(std::move(ca_file)) {}

std::string RevocationList::refresh() {
  struct stat st {};
  if (stat(crl_file_.c_str(), &st) != 0) return "cannot read the revocation list " + crl_file_;
  std::lock_guard<std::mutex> lk(m_);
  if (loaded_ && st.st_mtim.tv_sec == mtime_.tv_sec && st.st_mtim.tv_nsec == mtime_.tv_nsec) return "";
  FILE* cf = std::fopen(crl_file_.c_str(), "r");
  X509_CRL* crl = cf ? PEM_read_X509_CRL(cf, nullptr, nullptr, nullptr) : nullptr;
  if (cf) std::fclose(cf);
  FILE* af = std::fopen(ca_file_.c_str(), "r");
  X509* ca = af ? PEM_read_X509(af, nullptr, nullptr, nullptr) : nullptr;
  if (af) std::fclose(af);
  std::string err;
  if (crl == nullptr) {
    err = crl_file_ + " is not a PEM CRL";
  } else if (ca == nullptr) {
    err = "cannot read the client CA " + ca_file_;
  } else if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(ca)) != 0 ||
             X509_CRL_verify(crl, X509_get0_pubkey(ca)) != 1) {
    err = crl_file_ + " is not signed by the client CA";
  } else {
    std::set<std::string> s;
    STACK_OF(X509_REVOKED)* revs = X509_CRL_get_REVOKED(crl);
    for (int i = 0; i < sk_X509_REVOKED_num(revs); ++i)
      s.insert(serial_hex(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revs, i))));
    serials_ = std::move(s);
    mtime_ = st.st_mtim;
    loaded_ = true;
    const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl);
    if (next && X509_cmp_current_time(next) < 0)
      std::fprintf(stderr, "balie-inbox: the revocation list is past its next update; fetch a new one from COA\n");
  }
  X509_CRL_free(crl);
  X509_free(ca);
  if (!err.empty()) std::fprintf(stderr, "balie-inbox: %s (the previous list stays in force)\n", err.c_str());
  return err;
}

bool RevocationList::revoked(const ssl_st* ssl) {
  (void)refresh();
  if (ssl == nullptr) return false;
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) return false;
  const std::string serial = serial_hex(X509_get0_serialNumber(cert));
  X509_free(cert);
  std::lock_guard<std::mutex> lk(m_);
  return serials_.count(serial) > 0;
}

std::size_t RevocationList::size() {
  std::lock_guard<std::mutex> lk(m_);
  return serials_.size();
}

bool RevocationList::loaded() {
  std::lock_guard<std::mutex> lk(m_);
  return loaded_;
}

}  // namespace balie::inbox
