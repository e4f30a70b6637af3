// StoreAdapter implementation (sync/ over store/): maps the port onto balie::store::Store calls
// and StoreError onto Errc::store.
#include "balie/sync/store_adapter.h"

#include <chrono>
#include <map>

#include "balie/store/json.h"

namespace balie::sync {
namespace {

Error from(const store::StoreError& e) {
  return make_error(Errc::store, std::string("store: ") + store::to_string(e.code) + ": " + e.message);
}
Status st(const store::Status& s) { return s.ok() ? Status::Ok() : Status(from(s.error())); }
store::UtcTime utc(std::time_t t) { return store::UtcTime(std::chrono::seconds(t)); }
std::time_t tt(store::UtcTime t) { return static_cast<std::time_t>(t.time_since_epoch().count()); }

}  // namespace

Result<std::vector<std::string>> StoreAdapter::gemeentecodes_with_work() {
  auto c = s_.outbox_counts();
  if (!c) return from(c.error());
  std::vector<std::string> v;
  for (const auto& x : c.value())
    if ((x.waiting > 0 || x.held > 0) && is_gemeentecode(x.gemeentecode)) v.push_back(x.gemeentecode);
  return v;
}

Result<std::vector<std::string>> StoreAdapter::routed_gemeentecodes() {
  auto r = s_.routes();
  if (!r) return from(r.error());
  std::vector<std::string> v;
  for (const auto& x : r.value()) v.push_back(x.gemeentecode);
  return v;
}

Result<std::vector<OutboxEntry>> StoreAdapter::list_pending(const std::string& g, std::size_t max_count,
                                                            std::size_t max_bytes) {
  auto r = s_.list_pending(g, max_count, max_bytes);
  if (!r) return from(r.error());
  std::vector<OutboxEntry> v;
  for (const auto& e : r.value())
    v.push_back({e.record_id, e.kind, e.addressee, tt(e.created_at), std::string(e.payload.begin(), e.payload.end()),
                 e.payload_sha256, e.attempts});
  return v;
}

Result<std::optional<Route>> StoreAdapter::route(const std::string& g) {
  auto r = s_.route(g);
  if (!r) return from(r.error());
  if (!r.value()) return std::optional<Route>{};
  const auto& x = *r.value();
  Route out;
  out.gemeentecode = x.gemeentecode;
  out.base_url = x.endpoint_base_url;
  out.ca_pem = x.ca_certificate_pem;
  out.pinned_key = x.pinned_public_key;
  out.ed25519_pk = x.ack_verify_key;
  out.x25519_pk = x.box_public_key;
  if (out.base_url.empty() || out.ca_pem.empty() || out.pinned_key.empty())
    return std::optional<Route>{};  // an incomplete route is no endpoint: records are held
  return std::optional<Route>{out};
}

Status StoreAdapter::mark_attempt(const std::string& id, std::time_t, const std::string& error) {
  // The store counts an attempt per call; the engine reports the failure of an attempt it already
  // counted with a second call, which is recorded per gemeente (record_sync_result) instead.
  if (!error.empty()) return Status::Ok();
  return st(s_.mark_attempt(id));
}

Status StoreAdapter::hold_all(const std::string& g, const std::string& reason) {
  auto r = s_.hold_all(g, reason);  // one statement in store/
  return r ? Status::Ok() : Status(from(r.error()));
}

Status StoreAdapter::release_held(const std::string& g) {
  auto r = s_.release_held(g);
  return r ? Status::Ok() : Status(from(r.error()));
}

Result<std::vector<OutboxEntry>> StoreAdapter::list_held(const std::string& g) {
  auto r = s_.list_outbox(store::OutboxState::Held, 100000);
  if (!r) return from(r.error());
  std::vector<OutboxEntry> v;
  for (const auto& e : r.value()) {
    if (e.addressee != g) continue;
    OutboxEntry o{e.record_id, e.kind, e.addressee, tt(e.created_at), {}, e.payload_sha256, e.attempts};
    o.held_reason = e.held_reason;
    v.push_back(std::move(o));
  }
  return v;
}

Status StoreAdapter::release(const std::string& id, const std::string& why) { return st(s_.release(id, "sync", why)); }

Status StoreAdapter::mark_held(const std::string& id, const std::string& reason) { return st(s_.mark_held(id, reason)); }

Status StoreAdapter::mark_failed(const std::string& id, const std::string& error) {
  return st(s_.mark_failed(id, error));
}

Result<int> StoreAdapter::rechain(const std::string& g, const ChainHead& head) {
  if (!device_key_) {
    std::string why = "no device key loader configured";
    if (key_loader_) device_key_ = key_loader_(&why);
    if (!device_key_) return make_error(Errc::store, "the device signing key is not available: " + why);
  }
  auto r = s_.rechain_unacknowledged(g, head, *device_key_);
  if (!r) return from(r.error());
  return r.value();
}

Status StoreAdapter::store_acknowledgement(const std::string& id, const std::string& ack, std::time_t when) {
  return st(s_.store_acknowledgement(
      id, std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(ack.data()), ack.size()), utc(when)));
}

Status StoreAdapter::record_sync_result(const std::string& g, std::time_t when, bool ok, const std::string& error) {
  return st(ok ? s_.record_sync_success(g, utc(when)) : s_.record_sync_error(g, utc(when), error));
}

Result<std::string> StoreAdapter::dossier_cursor(const std::string& g) {
  auto r = s_.dossier_cursor(location_, g);  // kept per (location, gemeentecode) by store/
  if (!r) return from(r.error());
  return r.value();
}

Result<std::vector<FeedRefusal>> StoreAdapter::check_dossier_batch(const DossierBatch& b) {
  std::vector<FeedRefusal> out;
  for (std::size_t i = 0; i < b.items.size(); ++i) {
    const auto& it = b.items[i];
    if (it.action != "upsert") continue;  // purges carry no content to check (store/ scopes them)
    auto refuse = [&](const char* type, std::string detail) {
      out.push_back(FeedRefusal{i, it.resident_id, type, std::move(detail)});
    };
    auto rd = store::resident_dossier_from_json(it.dossier_json);
    if (!rd) {
      // The parser names the field and rule; a syntax error's "last read" excerpt could hold a value
      // (a name), which must not reach the audit log or the report.
      std::string why = rd.error().message;
      if (auto cut = why.find("; last read"); cut != std::string::npos) why.resize(cut);
      refuse("feed-item-invalid", why.substr(0, 300));
      continue;
    }
    const auto& res = rd.value().resident;
    if (res.id != it.resident_id) {
      refuse("feed-item-invalid", "the dossier's resident id differs from the item's resident_id");
    } else if (res.gemeentecode != b.gemeentecode) {
      refuse("feed-item-wrong-gemeente", "resident is linked to " + res.gemeentecode.substr(0, 16) +
                                             ", the feed is " + b.gemeentecode);
    } else if (res.location_id != location_) {
      refuse("feed-item-wrong-location", "resident is at location " + res.location_id.substr(0, 64) +
                                             ", this terminal is at " + location_);
    } else {
      // The link comes only from COA: a municipality's item for a resident COA has not delivered here,
      // or has linked to another municipality, is refused (never applied, never creates a resident).
      auto here = s_.resident(it.resident_id);
      if (!here) return from(here.error());
      if (!here.value())
        refuse("feed-item-not-linked", "COA has not delivered this resident to this terminal; the link comes from COA");
      else if (here.value()->gemeentecode != b.gemeentecode)
        refuse("feed-item-not-linked", "COA links this resident to " +
                                           (here.value()->gemeentecode.empty() ? std::string("no municipality")
                                                                               : here.value()->gemeentecode.substr(0, 16)) +
                                           ", not to " + b.gemeentecode);
    }
  }
  return out;
}

Status StoreAdapter::apply_dossier_batch(const DossierBatch& b, const std::vector<FeedRefusal>& refused) {
  std::vector<bool> skip(b.items.size(), false);
  store::DossierBatch out;
  for (const auto& r : refused) {
    if (r.index < skip.size()) skip[r.index] = true;
    out.refused.emplace_back(r.resident_id, r.problem + ": " + r.detail);
  }
  for (std::size_t i = 0; i < b.items.size(); ++i) {
    if (skip[i]) continue;
    const auto& it = b.items[i];
    if (it.action == "upsert") {
      auto rd = store::resident_dossier_from_json(it.dossier_json);
      if (!rd) return make_error(Errc::invalid_input, "feed dossier for " + it.resident_id + ": " + rd.error().message);
      out.upserts.push_back(std::move(rd.value()));
    } else {
      out.purges.push_back(it.resident_id);
      if (is_deletion_reason(it.reason)) out.purge_reasons.emplace_back(it.resident_id, it.reason);
    }
  }
  // store/ applies the page, the refusals' audit entries and the cursor in one transaction and only
  // purges residents linked to this gemeentecode (a link_changed purge from the old municipality is
  // skipped).
  auto r = s_.apply_dossier_batch(location_, b.gemeentecode, out, b.next_cursor);
  return r ? Status::Ok() : Status(from(r.error()));
}

Result<std::vector<GemeenteCounts>> StoreAdapter::counts() {
  auto c = s_.outbox_counts();
  if (!c) return from(c.error());
  auto ss = s_.sync_states();
  if (!ss) return from(ss.error());
  std::map<std::string, GemeenteCounts> m;
  for (const auto& x : c.value()) {
    auto& g = m[x.gemeentecode];
    g.gemeentecode = x.gemeentecode;
    g.waiting = x.waiting;
    g.held = x.held;
    g.failed = x.failed;
    if (x.oldest_waiting) g.oldest_waiting = tt(*x.oldest_waiting);
  }
  for (const auto& x : ss.value()) {
    auto& g = m[x.gemeentecode];
    g.gemeentecode = x.gemeentecode;
    if (x.last_success) g.last_success = tt(*x.last_success);
    g.last_error = x.last_error;
  }
  auto held = s_.list_outbox(store::OutboxState::Held, 200);
  if (held)
    for (const auto& e : held.value())
      if (m.count(e.addressee) && m[e.addressee].held_reason.empty()) m[e.addressee].held_reason = e.held_reason;
  std::vector<GemeenteCounts> v;
  for (auto& [k, g] : m) v.push_back(std::move(g));
  return v;
}

Result<std::vector<std::string>> StoreAdapter::gemeentecodes_with_deletions() {
  auto r = s_.gemeentecodes_with_deletions();
  if (!r) return from(r.error());
  return r.value();
}

Result<std::vector<PendingDeletion>> StoreAdapter::open_deletions(const std::string& g) {
  auto r = s_.open_deletion_requests(g);
  if (!r) return from(r.error());
  std::vector<PendingDeletion> out;
  for (const auto& row : r.value()) {
    PendingDeletion p;
    p.request.deletion_id = row.deletion_id;
    p.request.reason = row.reason;
    // A record whose package hash is unknown cannot be named on the wire (store/ audited it).
    for (const auto& x : row.records)
      if (!x.package_sha256.empty()) p.request.records.push_back({x.record_id, x.package_sha256});
    out.push_back(std::move(p));
  }
  return out;
}

Status StoreAdapter::mark_deletion_attempt(const std::string& id, const std::string& g, const std::string& error) {
  return st(s_.mark_deletion_attempt(id, g, error));
}

Status StoreAdapter::store_deletion_receipt(const std::string& id, const std::string& g, const std::string& receipt,
                                            std::time_t when) {
  return st(s_.store_deletion_receipt(
      id, g, std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(receipt.data()), receipt.size()),
      utc(when)));
}

}  // namespace balie::sync
