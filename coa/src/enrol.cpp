// Device certificates and signed bundles of balie-coa (coa/include/balie/coa/enrol.h).
#include "balie/record/codec.h"
#include "balie/coa/enrol.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <sodium.h>
#include <sstream>

#include "balie/store/bundle.h"
#include "balie/store/tls_pin.h"
#include "balie/sync/enrolment.h"

namespace balie::coa {

namespace {

using record::Errc;
using record::make_error;

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string sha256_hex(std::string_view s) {
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, reinterpret_cast<const unsigned char*>(s.data()), s.size());
  char hex[2 * sizeof h + 1];
  sodium_bin2hex(hex, sizeof hex, h, sizeof h);
  return hex;
}

bool add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

}  // namespace

const char* to_string(EnrolOutcome::Kind k) {
  switch (k) {
    case EnrolOutcome::Kind::Enrolled: return "enrolled";
    case EnrolOutcome::Kind::CodeUnknown: return "code_unknown";
    case EnrolOutcome::Kind::CodeUsed: return "code_used";
    case EnrolOutcome::Kind::CodeExpired: return "code_expired";
    case EnrolOutcome::Kind::DeviceEnrolled: return "device_enrolled";
    case EnrolOutcome::Kind::LocationNotConfigured: return "location_not_configured";
    case EnrolOutcome::Kind::BadRequest: return "invalid_request";
  }
  return "?";
}

record::Result<std::shared_ptr<DeviceCa>> DeviceCa::load(const std::string& cert_file, const std::string& key_file) {
  std::shared_ptr<DeviceCa> ca(new DeviceCa());
  const std::string cert = read_file(cert_file), key = read_file(key_file);
  BIO* cb = BIO_new_mem_buf(cert.data(), static_cast<int>(cert.size()));
  X509* x = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
  BIO_free(cb);
  BIO* kb = BIO_new_mem_buf(key.data(), static_cast<int>(key.size()));
  EVP_PKEY* k = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
  BIO_free(kb);
  if (x == nullptr || k == nullptr || X509_check_private_key(x, k) != 1) {
    X509_free(x);
    EVP_PKEY_free(k);
    return make_error(Errc::io, "device CA: cannot read a matching certificate (" + cert_file + ") and key (" +
                                    key_file + ")");
  }
  ca->cert_ = x;
  ca->key_ = k;
  ca->cert_pem_ = cert;
  return ca;
}

DeviceCa::~DeviceCa() {
  X509_free(static_cast<X509*>(cert_));
  EVP_PKEY_free(static_cast<EVP_PKEY*>(key_));
}

record::Result<std::string> DeviceCa::issue(const std::string& csr_pem, const std::string& device_id,
                                            std::int64_t serial, int days) const {
  BIO* rb = BIO_new_mem_buf(csr_pem.data(), static_cast<int>(csr_pem.size()));
  X509_REQ* req = PEM_read_bio_X509_REQ(rb, nullptr, nullptr, nullptr);
  BIO_free(rb);
  if (req == nullptr) return make_error(Errc::invalid_input, "the CSR does not parse");
  EVP_PKEY* pub = X509_REQ_get0_pubkey(req);
  if (pub == nullptr || X509_REQ_verify(req, pub) != 1) {
    X509_REQ_free(req);
    return make_error(Errc::crypto, "the CSR's signature does not verify");
  }
  X509* ca = static_cast<X509*>(cert_);
  X509* x = X509_new();
  bool ok = x != nullptr && X509_set_version(x, 2) == 1 &&
            ASN1_INTEGER_set_int64(X509_get_serialNumber(x), serial) == 1 &&
            X509_gmtime_adj(X509_getm_notBefore(x), -3600) != nullptr &&
            X509_gmtime_adj(X509_getm_notAfter(x), static_cast<long>(days) * 86400L) != nullptr &&
            X509_set_pubkey(x, pub) == 1 && X509_set_issuer_name(x, X509_get_subject_name(ca)) == 1;
  if (ok) {
    X509_NAME* name = X509_get_subject_name(x);
    ok = X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("COA Balie"), -1,
                                    -1, 0) == 1 &&
         X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                    reinterpret_cast<const unsigned char*>(device_id.c_str()), -1, -1, 0) == 1;
  }
  ok = ok && add_ext(x, ca, NID_basic_constraints, "critical,CA:FALSE") &&
       add_ext(x, ca, NID_key_usage, "critical,digitalSignature") &&
       add_ext(x, ca, NID_ext_key_usage, "clientAuth") && add_ext(x, ca, NID_subject_key_identifier, "hash") &&
       add_ext(x, ca, NID_authority_key_identifier, "keyid:always") &&
       X509_sign(x, static_cast<EVP_PKEY*>(key_), EVP_sha256()) > 0;
  std::string pem;
  if (ok) {
    BIO* out = BIO_new(BIO_s_mem());
    if (PEM_write_bio_X509(out, x) == 1) {
      char* data = nullptr;
      const long n = BIO_get_mem_data(out, &data);
      pem.assign(data, static_cast<size_t>(n));
    }
    BIO_free(out);
  }
  X509_free(x);
  X509_REQ_free(req);
  if (pem.empty()) return make_error(Errc::crypto, "cannot issue the device certificate");
  return pem;
}

record::Result<std::string> DeviceCa::crl(const std::vector<Revoked>& revoked, int days) const {
  X509* ca = static_cast<X509*>(cert_);
  X509_CRL* crl = X509_CRL_new();
  bool ok = crl != nullptr && X509_CRL_set_version(crl, 1) == 1 &&
            X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca)) == 1;
  ASN1_TIME* now = ASN1_TIME_adj(nullptr, std::time(nullptr), 0, 0);
  ASN1_TIME* next = ASN1_TIME_adj(nullptr, std::time(nullptr), days, 0);
  ok = ok && now && next && X509_CRL_set1_lastUpdate(crl, now) == 1 && X509_CRL_set1_nextUpdate(crl, next) == 1;
  for (const auto& r : revoked) {
    if (!ok) break;
    X509_REVOKED* rev = X509_REVOKED_new();
    ASN1_INTEGER* sn = ASN1_INTEGER_new();
    ASN1_TIME* at = ASN1_TIME_set(nullptr, static_cast<time_t>(r.revoked_at));
    ok = rev && sn && at && ASN1_INTEGER_set_int64(sn, r.serial) == 1 && X509_REVOKED_set_serialNumber(rev, sn) == 1 &&
         X509_REVOKED_set_revocationDate(rev, at) == 1 && X509_CRL_add0_revoked(crl, rev) == 1;
    if (ok) rev = nullptr;  // owned by the CRL now
    X509_REVOKED_free(rev);
    ASN1_INTEGER_free(sn);
    ASN1_TIME_free(at);
  }
  ASN1_TIME_free(now);
  ASN1_TIME_free(next);
  ok = ok && X509_CRL_sort(crl) == 1 && X509_CRL_sign(crl, static_cast<EVP_PKEY*>(key_), EVP_sha256()) > 0;
  std::string pem;
  if (ok) {
    BIO* out = BIO_new(BIO_s_mem());
    if (PEM_write_bio_X509_CRL(out, crl) == 1) {
      char* data = nullptr;
      const long n = BIO_get_mem_data(out, &data);
      pem.assign(data, static_cast<size_t>(n));
    }
    BIO_free(out);
  }
  X509_CRL_free(crl);
  if (pem.empty()) return make_error(Errc::crypto, "cannot sign the revocation list");
  return pem;
}

namespace {

// Builds and signs the bundle of `device` from its location's configuration version `version`.
record::Result<std::string> sign_device_bundle(const Issuer& issuer, const Device& device, std::int64_t version,
                                               const nlohmann::json& config) {
  nlohmann::json p = config;
  p["bundle_version"] = version;
  p["issued_at"] = record::format_utc(std::time(nullptr));
  p["device"] = {{"device_id", device.device_id},
                 {"location_id", device.location_id},
                 {"location_name", device.location_name},
                 {"ed25519_pk", device.ed25519_pk},
                 {"tls_certificate_pem", device.cert_pem}};
  p["coa"] = {{"endpoint", issuer.coa.endpoint}, {"ca_pem", issuer.coa.ca_pem}, {"pins", issuer.coa.pins}};
  p["keys"] = issuer.keys;  // issue 20: the images this COA enrols (a test image refuses production)
  auto signed_bundle = store::sign_bundle(p.dump(), issuer.provisioning_seed);
  if (!signed_bundle) return make_error(Errc::invalid_input, "bundle: " + signed_bundle.error().message);
  return *signed_bundle;
}

}  // namespace

DbResult<EnrolOutcome> enrol_device(Db& db, const Issuer& issuer, const std::string& code,
                                    const std::string& request_json) {
  using K = EnrolOutcome::Kind;
  auto req = sync::parse_enrolment_request(request_json);
  if (!req) return EnrolOutcome{K::BadRequest, "", "", "het inschrijfverzoek is ongeldig: " + req.error().message};
  const std::string norm = normalise_code(code);
  if (norm.size() != 12) return EnrolOutcome{K::CodeUnknown, "", "", "een inschrijfcode heeft 12 tekens"};
  unsigned char h[32];
  crypto_hash_sha256(h, reinterpret_cast<const unsigned char*>(norm.data()), norm.size());
  char hexbuf[65];
  sodium_bin2hex(hexbuf, sizeof hexbuf, h, sizeof h);
  const std::string code_hash = hexbuf;

  EnrolOutcome out;
  DbStatus st = db.transaction([&](Db& d) -> DbStatus {
    out = EnrolOutcome{};
    auto c = d.exec(
        "SELECT location_id, used_at IS NOT NULL, expires_at <= now() FROM enrolment_codes WHERE code_sha256 = $1 "
        "FOR UPDATE",
        {code_hash});
    if (!c) return c.error();
    if (c->empty()) {
      out = {K::CodeUnknown, "", "", "deze inschrijfcode is onbekend"};
      return {};
    }
    if (c->boolean(0, 1)) {
      out = {K::CodeUsed, "", "", "deze inschrijfcode is al gebruikt"};
      return {};
    }
    if (c->boolean(0, 2)) {
      out = {K::CodeExpired, "", "", "deze inschrijfcode is verlopen"};
      return {};
    }
    const std::string location = c->text(0, 0);
    auto known = d.exec("SELECT device_id FROM devices WHERE ed25519_pk = $1 OR tls_pin = $2",
                        {req->device_ed25519_pk, req->tls_pin});
    if (!known) return known.error();
    if (!known->empty()) {
      out = {K::DeviceEnrolled, known->text(0, 0), "", "deze terminal is al ingeschreven als " + known->text(0, 0)};
      return {};
    }
    auto cfg = latest_location_config(d, location);
    if (!cfg) return cfg.error();
    if (!cfg->has_value()) {
      out = {K::LocationNotConfigured, "", "", "locatie " + location + " heeft nog geen configuratie bij COA"};
      return {};
    }
    auto serial = d.exec("SELECT nextval('device_serial')");
    if (!serial) return serial.error();
    const std::int64_t sn = serial->int64(0, 0);
    Device dev;
    dev.device_id = "T" + std::to_string(sn);
    dev.location_id = location;
    dev.ed25519_pk = req->device_ed25519_pk;
    dev.cert_serial = sn;
    auto cert = issuer.ca->issue(req->tls_csr_pem, dev.device_id, sn, issuer.certificate_days);
    if (!cert) {
      out = {K::BadRequest, "", "", cert.error().message};
      return {};
    }
    dev.cert_pem = *cert;
    auto loc = d.exec("SELECT name FROM locations WHERE id = $1", {location});
    if (!loc) return loc.error();
    dev.location_name = loc->text(0, 0);
    auto ins = d.exec(
        "INSERT INTO devices (device_id, location_id, ed25519_pk, tls_pin, cert_serial, cert_pem) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        {dev.device_id, location, dev.ed25519_pk, req->tls_pin, std::to_string(sn), dev.cert_pem});
    if (!ins) return ins.error();
    auto used = d.exec("UPDATE enrolment_codes SET used_at = now(), used_by = $2 WHERE code_sha256 = $1",
                       {code_hash, dev.device_id});
    if (!used) return used.error();
    auto bundle = sign_device_bundle(issuer, dev, (*cfg)->first, (*cfg)->second);
    if (!bundle) return DbError{DbError::Kind::Invalid, bundle.error().message};
    auto rec = d.exec("INSERT INTO device_bundles (device_id, bundle_version, sha256) VALUES ($1, $2, $3)",
                      {dev.device_id, std::to_string((*cfg)->first), sha256_hex(*bundle)});
    if (!rec) return rec.error();
    if (auto a = audit(d, dev.device_id, "device.enrol", "location=" + location + " serial=" + std::to_string(sn));
        !a.ok())
      return a;
    out = {K::Enrolled, dev.device_id, *bundle, ""};
    return {};
  });
  if (!st.ok()) return st.error();
  return out;
}

DbResult<std::optional<std::string>> bundle_for_device(Db& db, const Issuer& issuer, const std::string& device_id,
                                                       std::int64_t have) {
  auto dev = device_by_id(db, device_id);
  if (!dev) return dev.error();
  if (!dev->has_value()) return DbError{DbError::Kind::Invalid, "unknown device " + device_id};
  auto cfg = latest_location_config(db, (*dev)->location_id);
  if (!cfg) return cfg.error();
  if (!cfg->has_value() || (*cfg)->first <= have) return std::optional<std::string>{};
  auto bundle = sign_device_bundle(issuer, **dev, (*cfg)->first, (*cfg)->second);
  if (!bundle) return DbError{DbError::Kind::Invalid, bundle.error().message};
  auto rec = db.exec(
      "INSERT INTO device_bundles (device_id, bundle_version, sha256) VALUES ($1, $2, $3) "
      "ON CONFLICT (device_id, bundle_version) DO UPDATE SET issued_at = now()",
      {device_id, std::to_string((*cfg)->first), sha256_hex(*bundle)});
  if (!rec) return rec.error();
  return std::optional<std::string>{*bundle};
}

}  // namespace balie::coa
