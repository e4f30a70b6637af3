// What the sync engine needs from the kiosk's encrypted store (sync/, called from the sync
// thread only). The store issue owns the real implementation; sync/ adapts it behind this port
// so the engine can be tested and so the contract is written down in one place.
#pragma once
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "balie/record/envelope.h"
#include "balie/sync/protocol.h"
#include "balie/record/result.h"

namespace balie::sync {

struct OutboxEntry {
  std::string record_id;     // UUID, idempotency key
  std::string kind;
  std::string gemeentecode;  // addressee fixed at creation
  std::time_t created_at = 0;
  std::string payload;       // envelope JSON bytes
  std::string payload_sha256;
  int attempts = 0;
  std::string held_reason;   // held entries: "<problem-type>: <detail>" (balie/record/problems.h)
};

// A feed item the terminal refuses (bad dossier, another location or municipality): skipped, audited
// and reported back to the municipality; the cursor moves past it.
struct FeedRefusal {
  std::size_t index = 0;     // position in DossierBatch::items
  std::string resident_id;
  std::string problem;       // problem type (feed-item-invalid | feed-item-wrong-location | ...)
  std::string detail;        // no personal data: field names and rules only
};

struct Route {
  std::string gemeentecode;
  std::string base_url;       // e.g. https://127.0.0.1:8443 (the client appends /v1/...)
  std::string ca_pem;         // CA that must have issued the server certificate
  std::string pinned_key;     // "sha256//<base64>" of the server's public key
  Key32 ed25519_pk{};         // verifies identity statements, acks and feed signatures
  Key32 x25519_pk{};          // sealing target for new records
};

struct GemeenteCounts {
  std::string gemeentecode;
  int waiting = 0, held = 0, failed = 0, acknowledged = 0;
  std::optional<std::time_t> oldest_waiting;
  std::optional<std::time_t> last_success;
  std::string last_error;
  std::string held_reason;    // most recent reason a record of this gemeente was held
};

// A deletion request not yet answered with a receipt (obligation_withdrawn / regime_corrected):
// what the terminal asks one receiver to delete.
struct PendingDeletion {
  DeletionRequest request;  // deletion_id, reason, record ids + package hashes
};

class SyncStore {
 public:
  virtual ~SyncStore() = default;
  // Gemeentecodes that have pending or held records.
  virtual Result<std::vector<std::string>> gemeentecodes_with_work() = 0;
  // Gemeentecodes present in the routing table (dossier feeds are pulled from each).
  virtual Result<std::vector<std::string>> routed_gemeentecodes() = 0;
  // Pending records for one addressee, oldest first, at most max_count and max_bytes of payload
  // (always at least one record if any is pending, so one large record cannot block the queue).
  virtual Result<std::vector<OutboxEntry>> list_pending(const std::string& gemeentecode, std::size_t max_count,
                                                        std::size_t max_bytes) = 0;
  virtual Result<std::optional<Route>> route(const std::string& gemeentecode) = 0;
  virtual Status mark_attempt(const std::string& record_id, std::time_t when, const std::string& error) = 0;
  // Holds every pending record of this addressee (no endpoint or failed identity proof).
  virtual Status hold_all(const std::string& gemeentecode, const std::string& reason) = 0;
  // Returns held records of this addressee to pending (the endpoint proved itself again).
  virtual Status release_held(const std::string& gemeentecode) = 0;
  // Held records of one addressee (no payload), oldest first.
  virtual Result<std::vector<OutboxEntry>> list_held(const std::string& gemeentecode) = 0;
  // One held/failed record back to pending (audited with `why`).
  virtual Status release(const std::string& record_id, const std::string& why) = 0;
  virtual Status mark_held(const std::string& record_id, const std::string& reason) = 0;
  virtual Status mark_failed(const std::string& record_id, const std::string& error) = 0;
  // Re-chains every unacknowledged record of this addressee after the receiver's head (reinstalled
  // terminal); returns how many. Needs the device signing key.
  virtual Result<int> rechain(const std::string& gemeentecode, const ChainHead& receiver_head) = 0;
  // Stores the verified ack and tombstones the record (payload dropped) in one transaction.
  virtual Status store_acknowledgement(const std::string& record_id, const std::string& ack_json, std::time_t when) = 0;
  virtual Status record_sync_result(const std::string& gemeentecode, std::time_t when, bool success,
                                    const std::string& error) = 0;
  virtual Result<std::string> dossier_cursor(const std::string& gemeentecode) = 0;
  // The items of a feed page this terminal refuses (unparsable dossier, another location or
  // municipality, resident id mismatch). Pure check, nothing stored.
  virtual Result<std::vector<FeedRefusal>> check_dossier_batch(const DossierBatch& batch) = 0;
  // Applies upserts/purges except the refused items (each audited) and stores batch.next_cursor, in
  // one transaction.
  virtual Status apply_dossier_batch(const DossierBatch& batch, const std::vector<FeedRefusal>& refused) = 0;
  virtual Result<std::vector<GemeenteCounts>> counts() = 0;
  // Deletion requests (obligation withdrawn / regime corrected). Defaults: a store without them.
  // Receivers with open requests (they are visited in a pass even without records to send).
  virtual Result<std::vector<std::string>> gemeentecodes_with_deletions() { return std::vector<std::string>{}; }
  virtual Result<std::vector<PendingDeletion>> open_deletions(const std::string& /*gemeentecode*/) {
    return std::vector<PendingDeletion>{};
  }
  virtual Status mark_deletion_attempt(const std::string& /*deletion_id*/, const std::string& /*gemeentecode*/,
                                       const std::string& /*error*/) {
    return Status::Ok();
  }
  // Stores the receipt after the engine verified it under the route's ack key.
  virtual Status store_deletion_receipt(const std::string& /*deletion_id*/, const std::string& /*gemeentecode*/,
                                        const std::string& /*receipt_json*/, std::time_t /*when*/) {
    return make_error(Errc::store, "this store keeps no deletion receipts");
  }
};

}  // namespace balie::sync
