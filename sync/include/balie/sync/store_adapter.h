// StoreAdapter: the sync engine's SyncStore port on the terminal's encrypted record store
// (balie::store::Store from store/: hold/release per gemeentecode, feed cursor and purges scoped per
// gemeentecode). The only store balie-syncd opens. One thread at a time.
#pragma once
#include <functional>
#include <memory>
#include <string>

#include "balie/store/store.h"
#include "balie/sync/store_port.h"

namespace balie::sync {

class StoreAdapter final : public SyncStore {
 public:
  // `location_id`: this kiosk's location (the dossier feed's locatiecode).
  StoreAdapter(store::Store& s, std::string location_id) : s_(s), location_(std::move(location_id)) {}
  // Where the device signing key comes from when a chain must be continued (rechain); loaded on first
  // use only. Returns nullptr and sets *error when it cannot be had.
  using DeviceKeyLoader = std::function<std::unique_ptr<platform::DeviceSigningKey>(std::string* error)>;
  void set_device_key_loader(DeviceKeyLoader loader) { key_loader_ = std::move(loader); }

  Result<std::vector<std::string>> gemeentecodes_with_work() override;
  Result<std::vector<std::string>> routed_gemeentecodes() override;
  Result<std::vector<OutboxEntry>> list_pending(const std::string& g, std::size_t max_count,
                                                std::size_t max_bytes) override;
  Result<std::optional<Route>> route(const std::string& g) override;
  Status mark_attempt(const std::string& id, std::time_t when, const std::string& error) override;
  Status hold_all(const std::string& g, const std::string& reason) override;
  Status release_held(const std::string& g) override;
  Result<std::vector<OutboxEntry>> list_held(const std::string& g) override;
  Status release(const std::string& id, const std::string& why) override;
  Status mark_held(const std::string& id, const std::string& reason) override;
  Status mark_failed(const std::string& id, const std::string& error) override;
  Result<int> rechain(const std::string& g, const ChainHead& receiver_head) override;
  Status store_acknowledgement(const std::string& id, const std::string& ack, std::time_t when) override;
  Status record_sync_result(const std::string& g, std::time_t when, bool ok, const std::string& error) override;
  Result<std::string> dossier_cursor(const std::string& g) override;
  Result<std::vector<FeedRefusal>> check_dossier_batch(const DossierBatch& b) override;
  Status apply_dossier_batch(const DossierBatch& b, const std::vector<FeedRefusal>& refused) override;
  Result<std::vector<GemeenteCounts>> counts() override;
  Result<std::vector<std::string>> gemeentecodes_with_deletions() override;
  Result<std::vector<PendingDeletion>> open_deletions(const std::string& g) override;
  Status mark_deletion_attempt(const std::string& deletion_id, const std::string& g, const std::string& error) override;
  Status store_deletion_receipt(const std::string& deletion_id, const std::string& g, const std::string& receipt,
                                std::time_t when) override;

 private:
  store::Store& s_;
  std::string location_;
  DeviceKeyLoader key_loader_;
  std::unique_ptr<platform::DeviceSigningKey> device_key_;
};

}  // namespace balie::sync
