// DevStore: a small SQLCipher-backed implementation of SyncStore (sync/, one thread per instance).
// It stands in for the kiosk's record store (store/, balie_store) until that library is linkable,
// and it is what the sync tests, the demo loop and the benchmark use. It also shows the one
// operation the signing flow needs: create_record() seals, chains and enqueues in one transaction.
#pragma once
#include <memory>
#include <string>

#include "balie/sync/store_port.h"

struct sqlite3;

namespace balie::sync {

class DevStore final : public SyncStore {
 public:
  // `key_hex`: 64 hex characters (raw SQLCipher key) or empty for an unkeyed test file.
  static Result<std::unique_ptr<DevStore>> open(const std::string& path, const std::string& key_hex);
  ~DevStore() override;

  Status put_route(const Route& r);
  Status remove_route(const std::string& gemeentecode);
  // Imports {"routes":[{gemeentecode, base_url, ca_pem|ca_file, pinned_key, ed25519_pk, x25519_pk}]}.
  Status import_routes_json(const std::string& text, const std::string& base_dir);
  // Seals `in` to the addressee's box key from the routing table, chains it to the previous record
  // for that addressee and enqueues it, all in one transaction. Without a route there is no box key
  // to seal to: fails with Errc::routing (the caller keeps the draft; see README "Open points").
  Result<SealedRecord> create_record(const RecordInput& in, const SigningKey& device);
  Result<std::string> outbox_state(const std::string& record_id);  // pending|held|failed|acknowledged|""
  Result<int> dossier_count(const std::string& gemeentecode);
  Result<std::string> dossier(const std::string& gemeentecode, const std::string& resident_id);

  // SyncStore
  Result<std::vector<std::string>> gemeentecodes_with_work() override;
  Result<std::vector<std::string>> routed_gemeentecodes() override;
  Result<std::vector<OutboxEntry>> list_pending(const std::string& g, std::size_t max_count,
                                                std::size_t max_bytes) override;
  Result<std::optional<Route>> route(const std::string& g) override;
  Status mark_attempt(const std::string& id, std::time_t when, const std::string& error) override;
  Status hold_all(const std::string& g, const std::string& reason) override;
  Status release_held(const std::string& g) override;
  Status mark_failed(const std::string& id, const std::string& error) override;
  Status store_acknowledgement(const std::string& id, const std::string& ack, std::time_t when) override;
  Status record_sync_result(const std::string& g, std::time_t when, bool ok, const std::string& error) override;
  Result<std::string> dossier_cursor(const std::string& g) override;
  Status apply_dossier_batch(const DossierBatch& b) override;
  Result<std::vector<GemeenteCounts>> counts() override;

 private:
  DevStore() = default;
  Status exec(const char* sql);
  sqlite3* db_ = nullptr;
};

}  // namespace balie::sync
