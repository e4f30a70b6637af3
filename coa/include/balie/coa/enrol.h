// Enrolment and bundles of balie-coa (coa/, headless; OpenSSL): COA's device CA issues a terminal's
// TLS client certificate for the CSR in its enrolment request (CN = the device id COA assigns), and
// the provisioning key (Ed25519) signs the terminal's bundle: its location's latest configuration
// plus the device part (store/bundle.h format). enrol_device() uses a one-time code atomically.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "balie/coa/db.h"
#include "balie/coa/ops.h"
#include "balie/record/result.h"

namespace balie::coa {

class DeviceCa {
 public:
  // PEM certificate + PEM private key of COA's device CA.
  static record::Result<std::shared_ptr<DeviceCa>> load(const std::string& cert_file, const std::string& key_file);
  ~DeviceCa();
  const std::string& cert_pem() const { return cert_pem_; }
  // Verifies the CSR's own signature, then issues a client certificate (clientAuth, CA:FALSE) for
  // its public key: subject CN = device_id, the given serial, valid `days` days from an hour ago.
  record::Result<std::string> issue(const std::string& csr_pem, const std::string& device_id, std::int64_t serial,
                                    int days) const;
  // A PEM CRL of the revoked device certificates, signed by this CA, valid for `days` days (receivers
  // fetch it from GET /v1/crl and check every terminal against it: balie-inbox --crl).
  record::Result<std::string> crl(const std::vector<Revoked>& revoked, int days) const;

 private:
  DeviceCa() = default;
  void* cert_ = nullptr;  // X509*
  void* key_ = nullptr;   // EVP_PKEY*
  std::string cert_pem_;
};

struct Issuer {
  std::shared_ptr<DeviceCa> ca;
  std::array<std::uint8_t, 32> provisioning_seed{};
  CoaIdentity coa;  // endpoint, CA and pins written into every bundle
  int certificate_days = 5 * 365;
  std::string keys = "test";  // issue 20: "keys" of every bundle signed (CoaConfig::keys)
};

struct EnrolOutcome {
  enum class Kind { Enrolled, CodeUnknown, CodeUsed, CodeExpired, DeviceEnrolled, LocationNotConfigured, BadRequest };
  Kind kind = Kind::BadRequest;
  std::string device_id, bundle, message;
};
const char* to_string(EnrolOutcome::Kind k);

// `request_json`: the terminal's enrolment request (sync/enrolment.h), checked in full. On success
// the device exists, the code is used and `bundle` is the signed bundle file text.
DbResult<EnrolOutcome> enrol_device(Db& db, const Issuer& issuer, const std::string& code,
                                    const std::string& request_json);
// The signed bundle for `device_id` when its location's configuration is newer than `have`.
DbResult<std::optional<std::string>> bundle_for_device(Db& db, const Issuer& issuer, const std::string& device_id,
                                                       std::int64_t have);

}  // namespace balie::coa
