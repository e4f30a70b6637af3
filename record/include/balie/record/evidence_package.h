// The evidence package "balie-evidence-package/1" (schema: sync/schemas/evidence-package.schema.json):
// everything an auditor needs to check one signed record without the receiver's database: the
// envelope as received, the device key and enrolment, the opened payload, the ack and the chain
// position. The receiver builds it (balie-inbox evidence/document); balie-verify and the receiver's
// document renderer verify it with verify_evidence_package(): one implementation of the checks.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "balie/record/envelope.h"
#include "balie/record/evidence.h"
#include "balie/record/shown_text.h"

namespace balie::record {

inline constexpr const char* kEvidencePackageFormat = "balie-evidence-package/1";
inline constexpr std::size_t kMaxEvidencePackageBytes = 1024 * 1024;

// The envelope JSON of a parsed envelope ({"v":1,"package","sealed","signature"}, as seal_record writes it).
std::string envelope_json(const Envelope& e);

struct EvidencePackageInput {
  std::string envelope_json;     // as received (parse_envelope accepts it)
  std::string device_id, device_ed25519_pk_hex, device_locatiecode;
  std::string municipality_ack_pk_hex;  // Ed25519 key that signed the ack
  std::string sensitive_json;    // the opened payload, exact bytes
  std::string ack_json;          // exact bytes
  bool receiver_chain_gap = false;
  std::string received_at, exported_at;
};
std::string make_evidence_package(const EvidencePackageInput& in);

// Exit classes of balie-verify (man/balie-verify.1); the first failing check decides.
enum class EvidenceExit : int {
  ok = 0,                  // every check passed, the sealed part included
  sealed_not_checked = 1,  // every check that could run passed; sealed part not checked (no box key)
  malformed = 3,           // input unreadable: not a package, wrong format, limits, missing fields
  device_signature = 10,   // device signature over the package fails, or the device key is not the pinned one
  sealed_hash = 11,        // sealed_sha256 in the package != SHA-256 of the sealed bytes
  payload = 12,            // the opened payload is not the one sealed / does not belong to this package
  chain = 13,              // chain position or prev hash differs from what the package records
  texts = 14,              // a text is unknown or differs from the registry, or the canonical hash differs
  ack = 15,                // the ack's signature or contents fail
  reference = 16,          // the reference code does not belong to the record id
  pdf = 17,                // the PDF is damaged or carries no (or more than one) evidence package
};

struct EvidenceCheckLine {
  std::string check, result /* ok | failed | not checked */, detail;
};
struct EvidenceReport {
  EvidenceExit exit = EvidenceExit::malformed;
  std::vector<EvidenceCheckLine> lines;
  // Filled as far as the input allowed (the document renderer uses them).
  Envelope env;
  nlohmann::json package, sensitive, ack;
  TextCheck texts;
  std::string reference;
  nlohmann::json to_json() const;  // {result, exit_code, record_id, reference, checks:[...]}
};

struct EvidenceVerifyOptions {
  const TextRegistry* registry = nullptr;     // required for the text check
  const BoxKey* box = nullptr;                // municipality box key: open and compare the sealed part
  std::optional<Key32> pin_device_pk, pin_municipality_pk;  // keys the auditor trusts independently
};
EvidenceReport verify_evidence_package(std::string_view json_text, const EvidenceVerifyOptions& opt);

}  // namespace balie::record
