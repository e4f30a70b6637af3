// The names of record kinds and evidence schemas (record/, any thread): what the kiosk writes into a
// record and what the municipality's receiver reads back, defined once for both sides.
#pragma once

namespace balie::record {

// A signed participatieverklaring (its DUO registration is the municipality's PUT /personen/{bsn}/pvt).
inline constexpr const char* kPvtRecordKind = "pvt.ondertekend";
// A staff member voided a record (store Store::void_record): no personal data, the public part is
// {voided_record_id, voided_kind, voided_payload_sha256, voided_package_sha256, reason, already_delivered};
// when not yet delivered it takes the voided record's chain place (balie-inbox check-chain).
inline constexpr const char* kVoidRecordKind = "record.void";
// Schema ids inside the public and sensitive JSON of a record.
inline constexpr const char* kPvtSchema = "balie-pvt-evidence/1";
inline constexpr const char* kConsentSchema = "balie-consent-receipt/1";

}  // namespace balie::record
