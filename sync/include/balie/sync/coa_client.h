// balie-syncd's client of COA's terminal service (balie-coa, contract of issue 15), run at the start
// of every pass before the municipality routes: posts the previous pass's health document, fetches a
// newer enrolment bundle and installs it (store::install_bundle, as balie-admin bundle apply does),
// posts the queued consent decisions (POST /v1/consent, issue 16; kept until COA acknowledges them)
// and pulls COA's residents feed page by page (store::Store::apply_coa_residents). COA's endpoint, CA
// and two pins come from the applied bundle; the client certificate and key are the terminal's mTLS
// credentials, the same the routes use. A COA failure never stops the municipality routes.
#pragma once
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "balie/store/store.h"

namespace balie::sync {

struct CoaClientConfig {
  std::string client_cert_pem, client_key_pem;  // the terminal's mTLS credentials
  std::filesystem::path health_file;             // <config_dir>/health.json; posted when present
  std::filesystem::path provisioning_keys_dir;   // trusted *.pub for bundles (store::load_provisioning_keys)
  std::filesystem::path config_dir;              // where a new bundle's configuration files go
  std::filesystem::path store_path;              // the store path written into syncd.json
  store::TerminalIdentityLoader identity;        // device key + TLS pin (check_for_terminal)
  std::size_t residents_limit = 200;             // per page (COA allows up to 500)
  std::size_t max_residents_pages = 1000;        // bound on one pass
  std::size_t max_consent_posts = 100;           // bound on one pass (100 events each)
  long connect_timeout_s = 10, low_speed_time_s = 20, total_timeout_s = 300;
};

struct CoaPassResult {
  bool configured = false;  // the applied bundle names a COA endpoint (else nothing was tried)
  std::string endpoint;
  // Failures, in the order met: "" when the step went well. `transient`: network, TLS or 5xx (the next
  // pass tries again, also for 5xx and 429); otherwise COA answered something this terminal refuses
  // or a local step failed (operator must look).
  std::vector<std::string> errors;
  bool transient = false;
  bool refused = false;  // a bundle, a page or page items refused
  bool health_posted = false;
  std::vector<std::string> alerts;  // COA's answer to the health post (alert kinds open now)
  long bundle_status = 0;           // HTTP status of GET /v1/bundle (0: not asked / no answer)
  std::optional<std::int64_t> bundle_installed;  // version applied this pass
  int consent_acknowledged = 0, consent_refused = 0;  // consent events (issue 16) this pass
  int residents_pages = 0;
  store::CoaResidentsOutcome residents;  // summed over the pages applied
  bool ok() const { return errors.empty(); }
  std::string summary() const;  // one line for the journal ("" when not configured and nothing failed)
};

// One COA round on `store`. Never throws; `stop` (optional) is checked between requests.
CoaPassResult run_coa_pass(store::Store& store, const CoaClientConfig& cfg, const std::atomic<bool>* stop = nullptr);

}  // namespace balie::sync
