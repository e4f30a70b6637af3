// Enrolment request building and checking (see enrolment.h): OpenSSL 3 EVP for the P-256 key and the
// CSR, store/'s tls_pin for the public-key pin, record/'s codec and limited JSON parser.
#include "balie/sync/enrolment.h"

#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstring>
#include <memory>

#include "balie/record/codec.h"
#include "balie/record/json_limits.h"
#include "balie/store/tls_pin.h"

namespace balie::sync {
namespace {

using record::Errc;
using record::make_error;

struct BioFree { void operator()(BIO* b) const { BIO_free(b); } };
struct PkeyFree { void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); } };
struct ReqFree { void operator()(X509_REQ* r) const { X509_REQ_free(r); } };
using BioPtr = std::unique_ptr<BIO, BioFree>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using ReqPtr = std::unique_ptr<X509_REQ, ReqFree>;

bool is_lower_hex(std::string_view s, std::size_t n) {
  if (s.size() != n) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

PkeyPtr read_private_key(const platform::SecretBuffer& pem) {
  if (pem.empty() || pem.size() > platform::KeyProvider::kMaxTlsKeyBytes) return nullptr;
  // A read-only memory BIO over the secret buffer itself: OpenSSL does not copy the text.
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  return PkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

std::string bio_text(BIO* b) {
  BUF_MEM* m = nullptr;
  BIO_get_mem_ptr(b, &m);
  return m != nullptr ? std::string(m->data, m->length) : std::string();
}

ReqPtr read_csr(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  return ReqPtr(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
}

std::string csr_common_name(X509_REQ* req) {
  X509_NAME* name = X509_REQ_get_subject_name(req);
  int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (i < 0) return "";
  ASN1_STRING* d = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(d)), static_cast<std::size_t>(ASN1_STRING_length(d)));
}

}  // namespace

record::Result<platform::SecretBuffer> generate_tls_key_pem() {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return make_error(Errc::crypto, "cannot generate an EC P-256 key (OpenSSL EVP_EC_gen failed)");
  // BIO_s_secmem keeps its buffer on OpenSSL's secure heap and clears it when freed.
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio) return make_error(Errc::internal, "out of memory");
  if (PEM_write_bio_PKCS8PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return make_error(Errc::crypto, "cannot encode the TLS key as PEM PKCS#8");
  BUF_MEM* m = nullptr;
  BIO_get_mem_ptr(bio.get(), &m);
  if (m == nullptr || m->length == 0) return make_error(Errc::internal, "empty PEM output");
  platform::SecretBuffer out(m->length);
  std::memcpy(out.data(), m->data, m->length);
  OPENSSL_cleanse(m->data, m->length);
  return out;
}

std::string enrolment_common_name(std::string_view device_pk_hex) {
  return "balie-enrolment-" + std::string(device_pk_hex.substr(0, 16));
}

record::Result<std::string> make_enrolment_csr(const platform::SecretBuffer& key_pem, std::string_view device_pk_hex) {
  if (!is_lower_hex(device_pk_hex, 64)) return make_error(Errc::invalid_input, "device public key must be 64 lowercase hex");
  PkeyPtr key = read_private_key(key_pem);
  if (!key) return make_error(Errc::invalid_input, "the TLS key is not a PEM private key (1 byte to 16 KiB)");
  ReqPtr req(X509_REQ_new());
  if (!req) return make_error(Errc::internal, "out of memory");
  const std::string cn = enrolment_common_name(device_pk_hex);
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  if (X509_REQ_set_version(req.get(), 0) != 1 ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                 0) != 1 ||
      X509_REQ_set_pubkey(req.get(), key.get()) != 1 || X509_REQ_sign(req.get(), key.get(), EVP_sha256()) <= 0)
    return make_error(Errc::crypto, "cannot build or sign the CSR");
  BioPtr out(BIO_new(BIO_s_mem()));
  if (!out || PEM_write_bio_X509_REQ(out.get(), req.get()) != 1)
    return make_error(Errc::internal, "cannot encode the CSR as PEM");
  return bio_text(out.get());
}

std::string enrolment_short_code(std::string_view device_pk_hex, std::string_view tls_pin) {
  static constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  std::string input;
  input.reserve(device_pk_hex.size() + 1 + tls_pin.size());
  input.append(device_pk_hex).append("\n").append(tls_pin);
  const auto digest = record::from_hex(record::sha256_hex(input)).value();
  // 80 bits = 10 bytes = 16 groups of 5 bits, most significant first.
  std::string code;
  for (int i = 0; i < 16; ++i) {
    int value = 0;
    for (int b = 0; b < 5; ++b) {
      const int bit = i * 5 + b;
      value = (value << 1) | ((digest[static_cast<std::size_t>(bit / 8)] >> (7 - bit % 8)) & 1);
    }
    if (i > 0 && i % 4 == 0) code += '-';
    code += kCrockford[value];
  }
  return code;
}

record::Result<EnrolmentRequest> build_enrolment_request(const std::array<std::uint8_t, 32>& device_pk,
                                                         const platform::SecretBuffer& tls_key_pem, std::time_t now) {
  EnrolmentRequest r;
  r.device_ed25519_pk = record::to_hex(device_pk.data(), device_pk.size());
  auto csr = make_enrolment_csr(tls_key_pem, r.device_ed25519_pk);
  if (!csr) return csr.error();
  r.tls_csr_pem = std::move(csr.value());
  auto pin = store::pin_of_csr_pem(r.tls_csr_pem);
  if (!pin.ok()) return make_error(Errc::crypto, "the new CSR has no usable public key: " + pin.error().message);
  r.tls_pin = pin.value();
  r.created_at = record::format_utc(now);
  r.short_code = enrolment_short_code(r.device_ed25519_pk, r.tls_pin);
  return r;
}

std::string enrolment_request_json(const EnrolmentRequest& r) {
  nlohmann::ordered_json j;
  j["format"] = "balie-enrolment-request";
  j["format_version"] = 1;
  j["device_ed25519_pk"] = r.device_ed25519_pk;
  j["tls_csr_pem"] = r.tls_csr_pem;
  j["tls_pin"] = r.tls_pin;
  j["created_at"] = r.created_at;
  j["short_code"] = r.short_code;
  return j.dump();
}

record::Result<EnrolmentRequest> parse_enrolment_request(std::string_view text) {
  const std::string where = "enrolment request";
  auto parsed = record::parse_json_limited(text, record::JsonLimits{kMaxEnrolmentRequestBytes, 2}, where);
  if (!parsed) return parsed.error();
  const nlohmann::json& j = *parsed;
  if (auto st = record::check_fields(j,
                                     {{"format", record::JsonKind::string, true},
                                      {"format_version", record::JsonKind::integer, true, 1, 1},
                                      {"device_ed25519_pk", record::JsonKind::string, true},
                                      {"tls_csr_pem", record::JsonKind::string, true},
                                      {"tls_pin", record::JsonKind::string, true},
                                      {"created_at", record::JsonKind::string, true},
                                      {"short_code", record::JsonKind::string, true}},
                                     where);
      !st)
    return st.error();
  auto bad = [&](const std::string& m) { return make_error(Errc::invalid_input, where + ": " + m); };
  if (j["format"].get<std::string>() != "balie-enrolment-request")
    return bad("\"format\" must be \"balie-enrolment-request\"");
  EnrolmentRequest r;
  r.device_ed25519_pk = j["device_ed25519_pk"].get<std::string>();
  r.tls_csr_pem = j["tls_csr_pem"].get<std::string>();
  r.tls_pin = j["tls_pin"].get<std::string>();
  r.created_at = j["created_at"].get<std::string>();
  r.short_code = j["short_code"].get<std::string>();
  if (!is_lower_hex(r.device_ed25519_pk, 64)) return bad("\"device_ed25519_pk\" must be 64 lowercase hex characters");
  if (r.created_at.size() != 20 || r.created_at[10] != 'T' || r.created_at.back() != 'Z')
    return bad("\"created_at\" must look like 2026-12-05T10:00:00Z");
  ReqPtr req = read_csr(r.tls_csr_pem);
  if (!req) return bad("\"tls_csr_pem\" is not a PEM certificate request");
  {
    PkeyPtr key(X509_REQ_get_pubkey(req.get()));
    if (!key || X509_REQ_verify(req.get(), key.get()) != 1) return bad("\"tls_csr_pem\": the signature does not verify");
  }
  if (csr_common_name(req.get()) != enrolment_common_name(r.device_ed25519_pk))
    return bad("\"tls_csr_pem\": the subject CN is not " + enrolment_common_name(r.device_ed25519_pk));
  auto pin = store::pin_of_csr_pem(r.tls_csr_pem);
  if (!pin.ok() || pin.value() != r.tls_pin) return bad("\"tls_pin\" is not the pin of the CSR's public key");
  if (r.short_code != enrolment_short_code(r.device_ed25519_pk, r.tls_pin))
    return bad("\"short_code\" does not match the key and pin");
  return r;
}

}  // namespace balie::sync
