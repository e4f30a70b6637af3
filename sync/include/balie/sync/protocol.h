// Wire types of the kiosk <-> municipality API (/v1, see sync/openapi.yaml) and their strict
// parsers (sync/, any thread). Both sides use these; every parser enforces the limits below,
// rejects unknown fields and never throws.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "balie/record/codec.h"
#include "balie/record/envelope.h"
#include "balie/record/result.h"

namespace balie::sync {

// sync/ speaks the record format (record/): its types and helpers are used unqualified here.
using namespace balie::record;

inline constexpr const char* kApiVersion = "1.0.0";
inline constexpr std::size_t kMaxBatchRecords = 500;
inline constexpr std::size_t kMaxBatchBodyBytes = 8u * 1024 * 1024;   // decompressed request body
inline constexpr std::size_t kMaxResponseBytes = 16u * 1024 * 1024;   // any response body
inline constexpr std::size_t kMaxFeedItems = 1000;
inline constexpr std::size_t kMaxDossierBytes = 64 * 1024;           // one resident's dossier JSON

// problem+json (RFC 9457) as used by both sides.
struct Problem {
  std::string type = "about:blank";
  std::string title;
  int status = 0;
  std::string detail;
};
std::string problem_json(const Problem& p);
std::optional<Problem> parse_problem(std::string_view body);

// POST /v1/records: {"records":[<envelope>, ...]} -> each envelope's JSON text.
Result<std::vector<std::string>> parse_push_request(std::string_view body);

struct PushResult {
  std::string record_id;
  std::string result;            // stored | duplicate | rejected
  std::string ack_json;          // the "ack" object as JSON text (stored/duplicate)
  std::optional<Problem> problem;  // rejected
};
std::string push_response_json(const std::vector<PushResult>& results);
Result<std::vector<PushResult>> parse_push_response(std::string_view body);

// GET /v1/identiteit?nonce=<64 hex>. Version 2 ("version": 2) names the municipality's X25519
// sealing key and signs it with the nonce (record::identity_canonical); a statement without
// "version" is version 1 (nonce only), which parses but the engine refuses (it does not cover the
// sealing key).
struct IdentityStatement {
  int version = 1;
  std::string gemeentecode, nonce, x25519_pk_hex, signature_b64;
};
Result<IdentityStatement> parse_identity(std::string_view body);

// GET /v1/locaties/{locatiecode}/dossierupdates?cursor=..&limit=..
struct DossierItem {
  std::string resident_id;  // opaque, [A-Za-z0-9._-]{1,64}
  std::string action;       // upsert | purge
  std::string reason;       // purge: left_location | link_changed | SS106 | SS107 | SS108 | SS110 | SS111
                            //        | obligation_withdrawn | regime_corrected (these drop unsent records)
  std::string dossier_json; // upsert: the dossier object as JSON text
};
struct DossierBatch {
  std::string gemeentecode;
  std::string locatiecode;
  std::string cursor;       // the cursor this batch starts after ("" = beginning)
  std::string next_cursor;  // store this after applying the batch
  bool more = false;
  std::vector<DossierItem> items;
};
std::string dossier_batch_json(const DossierBatch& b);
Result<DossierBatch> parse_dossier_batch(std::string_view body);

bool is_token(std::string_view s, std::size_t max);  // [A-Za-z0-9._-]{1,max}
bool is_purge_reason(std::string_view s);
// The purge reasons after which nothing of the resident may stay or go anywhere: the obligation was
// withdrawn as wrongly imposed, or the regime was corrected. The terminal drops the resident's unsent
// records and asks every receiver that holds their records to delete them (POST /v1/verwijderverzoeken).
bool is_deletion_reason(std::string_view s);  // obligation_withdrawn | regime_corrected

// POST /v1/verwijderverzoeken: {"deletion_id","reason","records":[{"record_id","package_sha256"}]}.
// Record ids (UUIDs) and package hashes only, no personal data; 1..kMaxDeletionRecords records, each
// id once. The receiver deletes the records it holds from this device and answers with a receipt
// signed with its Ed25519 ack key.
inline constexpr std::size_t kMaxDeletionRecords = 500;
inline constexpr std::size_t kMaxDeletionBodyBytes = 128u * 1024;
struct DeletionRecordRef {
  std::string record_id;       // UUID
  std::string package_sha256;  // 64 lowercase hex: what the record's acknowledgement named
};
struct DeletionRequest {
  std::string deletion_id;  // 32 lowercase hex, chosen by the terminal (idempotency key)
  std::string reason;       // is_deletion_reason
  std::vector<DeletionRecordRef> records;
};
std::string deletion_request_json(const DeletionRequest& r);
Result<DeletionRequest> parse_deletion_request(std::string_view body);

// The signed answer: {"deletion_id","gemeentecode","device_id","reason","deleted_at",
// "records":[{"record_id","package_sha256","result"}],"signature"}; result is "deleted" (the receiver
// deleted it now or for an earlier copy of this request) or "not_held" (no record with this id and
// hash from this device). The signature covers deletion_receipt_canonical().
struct DeletionOutcome {
  std::string record_id, package_sha256, result;
};
struct DeletionReceipt {
  std::string deletion_id, gemeentecode, device_id, reason, deleted_at;
  std::vector<DeletionOutcome> records;
  std::string signature_b64;
};
std::string deletion_receipt_canonical(const DeletionReceipt& r);
std::string make_deletion_receipt_json(DeletionReceipt r, const SigningKey& receiver);
Result<DeletionReceipt> parse_deletion_receipt(std::string_view body);
// The receipt answers exactly this request (same deletion id, reason and records in the same order),
// names this municipality and device, and its signature verifies under the route's ack key.
Status verify_deletion_receipt(std::string_view body, const DeletionRequest& request, const std::string& gemeentecode,
                               const std::string& device_id, const Key32& ack_pk);

}  // namespace balie::sync
