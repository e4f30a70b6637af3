// Deletion requests and signed deletion receipts of the /v1 protocol (issue 16): the strict parsers'
// table, and receipt verification on the terminal under the route's ack key (wrong key, other records,
// other request, device or municipality, a result changed after signing).
#include <gtest/gtest.h>
#include <sodium.h>

#include <nlohmann/json.hpp>

#include "balie/record/envelope.h"
#include "balie/sync/protocol.h"

using namespace balie::sync;
using json = nlohmann::json;

namespace {

const std::string kU1 = "3f2b8c1e-0d4a-4b6e-9c7f-1a2b3c4d5e6f";
const std::string kU2 = "7a1d2e3f-4b5c-4d6e-8f90-a1b2c3d4e5f6";
const std::string kH1(64, 'a'), kH2(64, 'b');
const std::string kId = "0123456789abcdef0123456789abcdef";

DeletionRequest request() { return DeletionRequest{kId, "obligation_withdrawn", {{kU1, kH1}, {kU2, kH2}}}; }

DeletionReceipt receipt_for(const DeletionRequest& q) {
  DeletionReceipt r{q.deletion_id, "GM0363", "T0001", q.reason, "2026-12-06T08:00:00Z", {}, {}};
  for (const auto& x : q.records) r.records.push_back({x.record_id, x.package_sha256, "deleted"});
  return r;
}

std::string outcome(const Result<DeletionRequest>& r) { return r ? "ok" : std::string(errc_name(r.error().code)); }

}  // namespace

TEST(DeletionProtocol, RequestParserTable) {
  const json rec = {{"record_id", kU1}, {"package_sha256", kH1}};
  auto body = [&](json j) { return j.dump(); };
  const json ok = {{"deletion_id", kId}, {"reason", "regime_corrected"}, {"records", json::array({rec})}};
  struct Case {
    const char* name;
    std::string input;
    const char* expect;
  };
  json many = ok;
  many["records"] = json::array();
  for (int i = 0; i < 501; ++i) {
    char id[37];
    std::snprintf(id, sizeof id, "3f2b8c1e-0d4a-4b6e-9c7f-%012d", i);
    many["records"].push_back({{"record_id", id}, {"package_sha256", kH1}});
  }
  auto with = [&](const char* k, json v) {
    json j = ok;
    j[k] = std::move(v);
    return j.dump();
  };
  const Case cases[] = {
      {"ok", body(ok), "ok"},
      {"reason SS106 is no deletion", with("reason", "SS106"), "invalid_input"},
      {"uppercase deletion id", with("deletion_id", "0123456789ABCDEF0123456789ABCDEF"), "invalid_input"},
      {"short deletion id", with("deletion_id", "0123"), "invalid_input"},
      {"no records", with("records", json::array()), "invalid_input"},
      {"unknown field (a resident id)", with("resident_id", "r1"), "invalid_input"},
      {"record with a name", with("records", json::array({{{"record_id", kU1}, {"package_sha256", kH1}, {"naam", "X"}}})),
       "invalid_input"},
      {"record id twice", with("records", json::array({rec, rec})), "invalid_input"},
      {"bad hash", with("records", json::array({{{"record_id", kU1}, {"package_sha256", "xyz"}}})), "invalid_input"},
      {"not a uuid", with("records", json::array({{{"record_id", "r-1"}, {"package_sha256", kH1}}})), "invalid_input"},
      {"501 records", many.dump(), "limit"},
      {"not json", "{", "invalid_input"},
      {"array", "[]", "invalid_input"},
  };
  for (const auto& c : cases) EXPECT_EQ(outcome(parse_deletion_request(c.input)), c.expect) << c.name;
  // Round trip.
  auto q = parse_deletion_request(deletion_request_json(request()));
  ASSERT_TRUE(q);
  EXPECT_EQ(q->records.size(), 2u);
  EXPECT_EQ(q->records[1].package_sha256, kH2);
}

TEST(DeletionProtocol, PurgeReasons) {
  for (const char* r : {"obligation_withdrawn", "regime_corrected"}) {
    EXPECT_TRUE(is_purge_reason(r));
    EXPECT_TRUE(is_deletion_reason(r));
  }
  for (const char* r : {"SS106", "SS107", "SS108", "SS110", "SS111", "left_location", "link_changed"}) {
    EXPECT_TRUE(is_purge_reason(r));
    EXPECT_FALSE(is_deletion_reason(r)) << r;  // ordinary purges: waiting records still go
  }
  EXPECT_FALSE(is_purge_reason("withdrawn"));
}

TEST(DeletionProtocol, ReceiptVerificationTable) {
  ASSERT_GE(sodium_init(), 0);
  const auto key = balie::record::SigningKey::generate();
  const auto other = balie::record::SigningKey::generate();
  const DeletionRequest q = request();
  const std::string good = make_deletion_receipt_json(receipt_for(q), key);
  EXPECT_TRUE(verify_deletion_receipt(good, q, "GM0363", "T0001", key.public_key));
  auto parsed = parse_deletion_receipt(good);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->records[0].result, "deleted");

  struct Case {
    const char* name;
    std::string body;
    DeletionRequest req;
    std::string g, device;
    balie::record::Key32 pk;
  };
  auto signed_with = [&](auto&& change, const balie::record::SigningKey& k) {
    DeletionReceipt r = receipt_for(q);
    change(r);
    return make_deletion_receipt_json(r, k);
  };
  DeletionRequest other_ids = q;
  other_ids.records[1].record_id = "00000000-0000-4000-8000-000000000000";
  DeletionRequest fewer = q;
  fewer.records.pop_back();
  DeletionRequest other_reason = q;
  other_reason.reason = "regime_corrected";
  // The result changed after signing (not_held claimed as deleted): the signature no longer verifies.
  json tampered = json::parse(signed_with([](DeletionReceipt& r) { r.records[1].result = "not_held"; }, key));
  tampered["records"][1]["result"] = "deleted";
  json reordered = json::parse(good);
  std::swap(reordered["records"][0], reordered["records"][1]);
  const Case cases[] = {
      {"wrong key", good, q, "GM0363", "T0001", other.public_key},
      {"signed by another key", signed_with([](DeletionReceipt&) {}, other), q, "GM0363", "T0001", key.public_key},
      {"request named other record ids", good, other_ids, "GM0363", "T0001", key.public_key},
      {"receipt names fewer records", good, fewer, "GM0363", "T0001", key.public_key},
      {"receipt names a record not asked", signed_with([](DeletionReceipt& r) { r.records.pop_back(); }, key), q, "GM0363",
       "T0001", key.public_key},
      {"records reordered", reordered.dump(), q, "GM0363", "T0001", key.public_key},
      {"another municipality", good, q, "GM0344", "T0001", key.public_key},
      {"another device", good, q, "GM0363", "T0002", key.public_key},
      {"another reason", good, other_reason, "GM0363", "T0001", key.public_key},
      {"another deletion id",
       signed_with([](DeletionReceipt& r) { r.deletion_id = "ffffffffffffffffffffffffffffffff"; }, key), q, "GM0363",
       "T0001", key.public_key},
      {"result changed after signing", tampered.dump(), q, "GM0363", "T0001", key.public_key},
      {"unknown field", [&] { json j = json::parse(good); j["resident_id"] = "r1"; return j.dump(); }(), q, "GM0363", "T0001",
       key.public_key},
      {"not json", "nope", q, "GM0363", "T0001", key.public_key},
  };
  for (const auto& c : cases) EXPECT_FALSE(verify_deletion_receipt(c.body, c.req, c.g, c.device, c.pk)) << c.name;
  // The mixed receipt (one deleted, one not held) verifies as signed.
  const auto mixed = signed_with([](DeletionReceipt& r) { r.records[1].result = "not_held"; }, key);
  EXPECT_TRUE(verify_deletion_receipt(mixed, q, "GM0363", "T0001", key.public_key));
}
