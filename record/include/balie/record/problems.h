// The receiver's problem types (the problem+json "title" balie-inbox answers, sync/openapi.yaml) and
// what the terminal does with each: ONE table (record/, any thread) shared by balie-inbox, the sync
// engine (hold, fail, split or retry), balie-admin and the kiosk's staff status screen (which explain
// them in Dutch). tests/record checks that every title the inbox sources can answer is in the table.
#pragma once
#include <span>
#include <string>
#include <string_view>

namespace balie::record {

enum class ProblemClass {
  Transient,  // the receiver or the link is unwell: retried with backoff, then on the next pass
  Fixable,    // the record is held with the reason shown to staff and retried once the cause is gone
  Permanent,  // the record is failed; staff or a technician must act (`balie-admin retry`)
};

enum class RetryRule {
  Backoff,         // transient: in-pass exponential backoff, then the next pass
  SplitBatch,      // whole batch refused: resend one record at a time (in chain order) to find the cause
  NextPass,        // held; released when the endpoint proves its identity again on a later pass
  WhenNotAhead,    // held; released once the record's created_at is no longer ahead of the terminal clock
  Rechain,         // the receiver holds another chain for this device (reinstall): continue from its head
  StaffRetry,      // failed; only `balie-admin retry <record-id>` brings it back
};

struct ProblemType {
  std::string_view type;  // problem+json title (also the prefix of a held/failed reason)
  int status;             // HTTP status the receiver answers it with (0: decided locally)
  ProblemClass cls;
  RetryRule retry;
  std::string_view staff_nl;  // what staff read on the status screen / balie-admin (Dutch)
};

// Every known type, local ones (status 0) included.
std::span<const ProblemType> problem_types();
// The table row for `type`; an unknown type is classified by its status: 429 and 5xx transient,
// 401/403/415/421 fixable (held, retried next pass), other 4xx permanent ("unknown-problem").
const ProblemType& classify_problem(std::string_view type, int status);

// Held and failed outbox entries keep their reason as "<type>: <detail>" (one format, written here
// and read back by reason_type()); a reason without a known type prefix yields "".
std::string problem_reason(std::string_view type, std::string_view detail);
std::string_view reason_type(std::string_view reason);
// The Dutch staff text for a stored reason ("" when the reason has no known type).
std::string_view staff_text_for_reason(std::string_view reason);

}  // namespace balie::record
