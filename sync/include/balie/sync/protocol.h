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

// GET /v1/identiteit?nonce=<64 hex>
struct IdentityStatement {
  std::string gemeentecode, nonce, signature_b64;
};
Result<IdentityStatement> parse_identity(std::string_view body);

// GET /v1/locaties/{locatiecode}/dossierupdates?cursor=..&limit=..
struct DossierItem {
  std::string resident_id;  // opaque, [A-Za-z0-9._-]{1,64}
  std::string action;       // upsert | purge
  std::string reason;       // purge: left_location | link_changed | SS106 | SS107 | SS108 | SS110 | SS111
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

}  // namespace balie::sync
