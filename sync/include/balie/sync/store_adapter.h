// StoreAdapter: the sync engine's SyncStore port on top of the kiosk's encrypted record store
// (balie::store::Store from store/, schema v4: hold/release per gemeentecode, feed cursor and
// purges scoped per gemeentecode). Used by balie-syncd with "store_kind": "balie". One thread at a time.
#pragma once
#include <map>
#include <string>

#include "balie/store/store.h"
#include "balie/sync/store_port.h"

namespace balie::sync {

// The sealing callback for store::Store::commit_record(draft, sealer), for the signing flow: seals
// `sensitive` to the addressee's X25519 key from `box_keys` (take it from store.routes() before the
// commit: the callback runs inside the store's write transaction) and chains the package to the
// store's chain head of that addressee. An addressee without a box key (link unknown, no route)
// fails with InvalidArgument: nothing can be sealed for it (see sync/README.md, "Open points").
store::Store::Sealer make_store_sealer(const SigningKey& device, std::string device_id, std::string kind,
                                       std::string public_json, std::string sensitive,
                                       std::map<std::string, Key32> box_keys);

class StoreAdapter final : public SyncStore {
 public:
  // `location_id`: this kiosk's location (the dossier feed's locatiecode).
  StoreAdapter(store::Store& s, std::string location_id) : s_(s), location_(std::move(location_id)) {}

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
  store::Store& s_;
  std::string location_;
};

}  // namespace balie::sync
