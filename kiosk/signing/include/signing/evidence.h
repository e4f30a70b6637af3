// The evidence package of a signed participatieverklaring and the consent receipts (kiosk signing
// layer, headless). build_pvt_evidence() makes the two halves: public JSON (non-personal metadata)
// and sensitive JSON (subject, document events, every raw finger sample, the PNG, time). The flows hand
// both halves to Store::commit_sealed(), which seals, signs, chains and enqueues them in one durable
// transaction (store/: the one record path).
#pragma once
#include <cstdint>
#include <string>

#include "balie/record/evidence.h"
#include "balie/store/store.h"
#include "signing/flow.h"

namespace balie::signing {

using record::kConsentSchema;  // the names both sides use (balie/record/evidence.h)
using record::kPvtRecordKind;
using record::kPvtSchema;

struct EvidenceContext {
  const store::Resident* resident = nullptr;
  std::string name_shown;
  std::string identity_checked_by;   // staff id who checked the residence document
  std::string identification_method = "verblijfsdocument";
  std::string kiosk_id, location_id, location_name;
  std::string software_version, build_hash;
  std::string clock_source;          // "system CLOCK_REALTIME", "scripted clock (scripted run)"
  bool clock_synchronised = false;
  std::int64_t confirmed_unix_ms = 0;
  std::int64_t monotonic_offset_ms = 0;  // since the text was first shown
  std::string local_date;            // Europe/Amsterdam date of the signing: datumOndertekeningPvt
  std::string gemeentecode;
};

struct EvidenceParts {
  std::string public_json;
  std::string sensitive_json;        // personal: wipe after sealing
  std::string reference;
};

// Builds the package halves for `record_id`. Fails (error text) when the package would exceed the
// envelope limits or the PNG cannot be made.
bool build_pvt_evidence(const SigningSession& s, const EvidenceContext& c, const std::string& record_id,
                        EvidenceParts* out, std::string* error);

struct ConsentContext {
  const store::Resident* resident = nullptr;
  std::string witness_staff_id;      // COA staff member who opened the session
  std::string kiosk_id, location_id, location_name, gemeentecode, gemeente_name;
  std::string language;              // language of the notice shown
  std::int64_t unix_ms = 0;
  std::string device_public_key_hex;
  std::vector<AudioPlayed> audio_played;  // issue 18: what was read aloud on the question screen
};

// Kantara Consent Receipt 1.1 (with Balie extensions) for one answer. `state`: given|refused|withdrawn.
bool build_consent_receipt(const ConsentPurpose& p, const store::TextVersion& notice, const std::string& state,
                           const std::string& supersedes, const ConsentContext& c, const std::string& record_id,
                           EvidenceParts* out, std::string* error);

// Lowercase UUID v4 from libsodium randomness.
std::string new_record_id();

}  // namespace balie::signing
