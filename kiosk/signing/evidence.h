// The evidence package of a signed participatieverklaring and the consent receipts (kiosk signing
// layer, headless). build_pvt_evidence() makes the two halves: public JSON (non-personal metadata)
// and sensitive JSON (subject, document events, every raw finger sample, the PNG, time). commit_sealed()
// stores a record through Store::commit_record with a sealer that runs sync::seal_record INSIDE the
// store transaction: the sensitive half is sealed to the gekoppelde gemeente's X25519 key, the package
// (record id, addressee, chain position, prev hash, sealed hash, public JSON) is signed with the
// device's Ed25519 key and chained per gemeentecode; the chain head is kept by the store.
#pragma once
#include <array>
#include <cstdint>
#include <string>

#include "balie/store/store.h"
#include "balie/sync/envelope.h"
#include "signing/flow.h"

namespace balie::signing {

inline constexpr const char* kPvtRecordKind = "pvt.ondertekend";
inline constexpr const char* kPvtSchema = "balie-pvt-evidence/1";
inline constexpr const char* kConsentSchema = "balie-consent-receipt/1";

struct EvidenceContext {
  const store::Resident* resident = nullptr;
  std::string name_shown;
  std::string identity_checked_by;   // staff id who checked the residence document
  std::string identification_method = "verblijfsdocument";
  std::string kiosk_id, location_id, location_name;
  std::string software_version, build_hash;
  std::string clock_source;          // "system CLOCK_REALTIME", "fake (script)"
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
};

// Kantara Consent Receipt 1.1 (with Balie extensions) for one answer. `state`: given|refused|withdrawn.
bool build_consent_receipt(const ConsentPurpose& p, const store::TextVersion& notice, const std::string& state,
                           const std::string& supersedes, const ConsentContext& c, const std::string& record_id,
                           EvidenceParts* out, std::string* error);

struct SealedCommit {
  std::string record_id, kind, resident_id, text_version_id, decision, staff_id, device_id;
  std::string expected_gemeentecode;  // the sealer refuses another addressee (link changed meanwhile)
  std::array<std::uint8_t, 32> box_public_key{};
  std::string public_json, sensitive;
};

// Commits one sealed, signed, chained record durably (one transaction) and returns the store's
// CommittedRecord. Nothing reaches the outbox when this fails.
store::Result<store::CommittedRecord> commit_sealed(store::Store& st, const SealedCommit& in,
                                                    const sync::SigningKey& device);

// Lowercase UUID v4 from libsodium randomness.
std::string new_record_id();

}  // namespace balie::signing
