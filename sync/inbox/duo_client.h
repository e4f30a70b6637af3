// balie-inbox's DUO M2M client (issue 17, item 4): one libcurl handle that PUTs a participatieverklaring's
// date of signing to DUO's MAP/PVT API (PUT /personen/{bsn}/pvt, headers berichtId, bron, doel) over
// mutual TLS with the municipality's PKIoverheid certificate, DUO's CA from a file and Balie's TLS
// policy (tls_policy.h); and the classification of DUO's answer (accepted / rejected / retry).
#pragma once
#include <curl/curl.h>

#include <string>

#include "balie/record/result.h"

namespace balie::inbox {

struct DuoClientConfig {
  std::string base_url;    // https://host:port/v1 (DUO's base path incl. the API's major version)
  std::string cert_file, key_file, ca_file;  // client certificate/key (PEM), DUO's CA bundle (PEM)
  std::string bron_oin, doel_oin;            // the municipality's OIN and DUO's OIN (20 digits each)
  long connect_timeout_s = 10;
  long timeout_s = 30;     // whole request; a slower answer counts as a timeout (retried)
};

struct DuoAnswer {
  long status = 0;
  std::string body;
  std::string bericht_id;   // the berichtId header DUO echoed
  std::string api_version;  // API-Version header (required on every answer)
};

// What the client does with an answer or a transport failure.
enum class DuoOutcome { accepted, rejected, retry };

class DuoClient {
 public:
  explicit DuoClient(DuoClientConfig c);
  ~DuoClient();
  DuoClient(const DuoClient&) = delete;
  DuoClient& operator=(const DuoClient&) = delete;

  // PUT {base}/personen/{bsn}/pvt with `body_json`. Errors: Errc::network (connect failure, timeout,
  // dropped connection: retryable), Errc::tls (certificate refused), Errc::invalid_input (bad BSN/OIN).
  record::Result<DuoAnswer> put_pvt(const std::string& bsn, const std::string& bericht_id, const std::string& body_json);

 private:
  DuoClientConfig c_;
  CURL* h_ = nullptr;
};

// 2xx that echoes our berichtId and carries API-Version: accepted. 408/429/5xx and any answer DUO's
// OpenAPI does not allow (a 2xx without those headers): retry with the same berichtId. Other 4xx: rejected.
DuoOutcome classify(const DuoAnswer& a, const std::string& bericht_id);

// DUO's answer as the inbox may keep it: Foutmelding texts only (or the raw text when it is no JSON),
// with the BSN and every run of 8+ digits masked, at most 1000 characters. No personal data stays.
std::string mask_duo_answer(const std::string& body, const std::string& bsn);

}  // namespace balie::inbox
