// The sync engine (sync/, runs on the sync daemon's thread): one pass pushes every addressee's
// pending records to that addressee's endpoint only, after it proved its identity, stores verified
// acknowledgements, then pulls each municipality's dossier feed for this location.
#pragma once
#include <atomic>
#include <string>
#include <vector>

#include "balie/platform/clock.h"
#include "balie/sync/store_port.h"

namespace balie::sync {

struct EngineConfig {
  std::string device_id;        // CN of the device certificate
  std::string client_cert_pem;  // device certificate (mutual TLS)
  std::string client_key_pem;
  std::string locatiecode;      // this AZC location (dossier feed); empty: no pull
  std::size_t batch_max_records = 200;
  std::size_t batch_max_bytes = 2u * 1024 * 1024;
  std::size_t max_batches_per_gemeente = 500;  // bound on one pass
  std::size_t feed_limit = 500;
  std::size_t max_feed_batches = 100;
  int max_retries = 4;                          // transient failures per gemeente per pass
  long backoff_base_ms = 500, backoff_cap_ms = 30000;
  long connect_timeout_s = 10, low_speed_time_s = 20, total_timeout_s = 300;
};

struct GemeenteResult {
  std::string gemeentecode;
  int sent = 0, acknowledged = 0, duplicates = 0, rejected = 0;
  bool held = false;
  std::string held_reason;
  bool transient_failure = false;
  std::string error;
  int dossier_upserts = 0, dossier_purges = 0;
  int held_records = 0;   // records held this pass (fixable rejection) or still waiting (clock-skew)
  int rechained = 0;      // chains continued from the receiver's head (reinstalled terminal)
  int feed_refused = 0;   // dossier feed items refused (skipped, audited, reported)
  int deletions_sent = 0;     // deletion requests sent (obligation withdrawn / regime corrected)
  int deletion_receipts = 0;  // ... answered with a receipt that verified and was stored
  std::string feed_error; // dossier feed problem (refused items, feed answered an error, bad page)
  std::size_t bytes_up = 0, bytes_down = 0;
};

struct PassReport {
  std::vector<GemeenteResult> gemeenten;
  bool local_error = false;
  std::string local_error_message;
  // 0: everything delivered; 1: records held or rejected (staff must look);
  // 2: transient failures, retry later; 3: local error (store/config).
  int exit_status() const;
  std::string summary() const;
};

class SyncEngine {
 public:
  SyncEngine(SyncStore& store, const platform::Clock& clock, EngineConfig cfg);
  // One full pass. `stop` (optional) is checked between requests.
  PassReport run_pass(const std::atomic<bool>* stop = nullptr);

 private:
  void push_gemeente(const std::string& g, GemeenteResult& r, const std::atomic<bool>* stop);
  SyncStore& store_;
  const platform::Clock& clock_;
  EngineConfig cfg_;
};

}  // namespace balie::sync
