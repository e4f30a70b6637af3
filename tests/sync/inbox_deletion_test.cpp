// balie-inbox's side of a deletion request (issue 16) on a real SQLite file: it deletes only what the
// calling device delivered with the named package hash, answers "not_held" for the rest, keeps a chain
// stub so the device's next record is no chain gap, refuses the deleted record id later, answers the
// same request again with the same results, and signs every receipt with its ack key.
#include <gtest/gtest.h>
#include <sodium.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "balie/record/codec.h"
#include "balie/record/envelope.h"
#include "balie/sync/protocol.h"
#include "inbox_db.h"

namespace fs = std::filesystem;
using namespace balie;

namespace {

struct Device {
  std::string id;
  record::SigningKey key = record::SigningKey::generate();
  record::ChainHead head;
};

std::string uuid(int n) {
  char b[40];
  std::snprintf(b, sizeof b, "3f2b8c1e-0d4a-4b6e-9c7f-%012d", n);
  return b;
}

class InboxDeletion : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GE(sodium_init(), 0);
    dir_ = fs::temp_directory_path() / ("inbox-deletion-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    key_ = record::random_key32();
    auto db = inbox::InboxDb::open((dir_ / "inbox.db").string(), key_, "GM0363");
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    for (auto* d : {&a_, &b_})
      ASSERT_TRUE(db_->enroll_device(d->id, record::to_hex(d->key.public_key.data(), 32), "azc-a"));
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Seals, stores and returns (record id, package hash) of one record of `d`.
  std::pair<std::string, std::string> store(Device& d, int n, std::string* result = nullptr) {
    record::RecordInput in{uuid(n), "pvt.ondertekend", "GM0363", d.id, 1700000000, "{}", "{\"naam\":\"Geheim\"}"};
    auto s = record::seal_record(in, d.key, box_.public_key, d.head);
    EXPECT_TRUE(s);
    d.head = s->next;
    auto env = record::parse_envelope(s->envelope);
    EXPECT_TRUE(env);
    auto out = db_->store_batch({inbox::IncomingRecord{*env, "{\"naam\":\"Geheim\"}"}}, signer_, 1700000001);
    EXPECT_TRUE(out);
    if (result) *result = (*out)[0].result;
    return {in.record_id, s->package_sha256};
  }
  nlohmann::json records() { return nlohmann::json::parse(*db_->dump_records(true)); }

  fs::path dir_;
  record::Key32 key_{};
  std::unique_ptr<inbox::InboxDb> db_;
  record::SigningKey signer_ = record::SigningKey::generate();
  record::BoxKey box_ = record::BoxKey::generate();
  Device a_{"T-A"}, b_{"T-B"};
};

}  // namespace

TEST_F(InboxDeletion, DeletesOnlyTheCallersNamedRecordsAndSignsTheReceipt) {
  auto [r1, h1] = store(a_, 1);
  auto [r2, h2] = store(a_, 2);
  auto [r3, h3] = store(b_, 3);  // another device's record
  sync::DeletionRequest q{"0123456789abcdef0123456789abcdef", "obligation_withdrawn",
                          {{r1, h1}, {r2, std::string(64, 'f')}, {r3, h3}, {uuid(9), h1}}};
  auto receipt = db_->delete_records(a_.id, q, signer_, 1700000100);
  ASSERT_TRUE(receipt) << receipt.error().message;
  EXPECT_TRUE(sync::verify_deletion_receipt(*receipt, q, "GM0363", a_.id, signer_.public_key));
  auto r = sync::parse_deletion_receipt(*receipt);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->records[0].result, "deleted");
  EXPECT_EQ(r->records[1].result, "not_held");  // wrong package hash: kept
  EXPECT_EQ(r->records[2].result, "not_held");  // another device's record: kept
  EXPECT_EQ(r->records[3].result, "not_held");  // never here
  std::set<std::string> left;
  for (const auto& x : records()) left.insert(x["record_id"].get<std::string>());
  EXPECT_EQ(left, (std::set<std::string>{r2, r3}));
  EXPECT_EQ(db_->dump_records(true)->find(h1), std::string::npos);
  auto dels = nlohmann::json::parse(*db_->dump_deletions());
  ASSERT_EQ(dels.size(), 1u);
  EXPECT_EQ(dels[0]["record_id"], r1);
  EXPECT_EQ(dels[0]["reason"], "obligation_withdrawn");

  // The same request again: the same results (r1 deleted by the earlier copy).
  auto again = db_->delete_records(a_.id, q, signer_, 1700000200);
  ASSERT_TRUE(again);
  auto r2nd = sync::parse_deletion_receipt(*again);
  EXPECT_EQ(r2nd->records[0].result, "deleted");
  EXPECT_TRUE(sync::verify_deletion_receipt(*again, q, "GM0363", a_.id, signer_.public_key));
}

TEST_F(InboxDeletion, ChainContinuesAndDeletedIdIsNeverStoredAgain) {
  auto [r1, h1] = store(a_, 1);
  const auto before = a_.head;
  auto [r2, h2] = store(a_, 2);
  ASSERT_TRUE(db_->delete_records(a_.id, {"0123456789abcdef0123456789abcdef", "regime_corrected", {{r2, h2}}}, signer_, 1));
  // The head still names the deleted record (a reinstalled terminal continues after it).
  auto head = db_->chain_head(a_.id);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->seq, 2u);
  EXPECT_EQ(head->package_sha256, h2);
  // The next record links to the deleted one: no chain gap.
  store(a_, 3);
  bool found = false;
  for (const auto& x : records())
    if (x["record_id"] == uuid(3)) {
      found = true;
      EXPECT_EQ(x["chain_gap"], false);
    }
  EXPECT_TRUE(found);
  // The deleted record sent again (same id) is refused.
  a_.head = before;
  std::string result;
  store(a_, 2, &result);
  EXPECT_EQ(result, "rejected");
}
