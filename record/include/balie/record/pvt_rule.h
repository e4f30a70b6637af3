// The one rule table for the participatieverklaring (PVT), from DUO's MAP/PVT/Z-route rules
// (../shared/specs/duo-m2m-inburgering README, section PVT): whether the kiosk may offer signing
// today, and whether balie-inbox may export a signing to DUO. Both callers fill PvtRuleInput from
// their own data and get the same verdict with a reason code, a resident catalog key and a staff text.
// Headless, pure, any thread. The shared case table is tests/record/pvt_rule_cases.json.
#pragma once
#include <string>
#include <string_view>

namespace balie::record {

// In the order the rule checks them: the first that applies is the verdict.
enum class PvtReason {
  ok,
  no_dossier,            // no dossier for this resident (inbox: none at the municipality)
  bsn_invalid,           // BSN missing or fails the elfproef
  regime_old,            // Wi2013 / Wi2007: not a Wi2021 PVT
  regime_unknown,        // regime missing or not understood
  plicht_unknown,        // DUO's notice is late: no inburgeringsplicht data, or plichtig unknown
  obligation_withdrawn,  // the obligation was withdrawn as wrongly imposed
  not_plichtig,          // not (or no longer) inburgeringsplichtig
  not_linked,            // no gekoppelde gemeente (COA has not linked the resident yet)
  other_municipality,    // linked to another municipality than the one acting
  already_registered,    // DUO already has a date of signing (a change needs an earlier registration)
  zroute_completed,      // the Z-route is completed (on or before the date of signing)
  date_invalid,          // the date of signing is not a date
  date_in_future,        // the date of signing lies after today (Amsterdam day)
  no_term,               // no inburgeringstermijn (start date) known
  term_not_started,      // the date of signing lies before the start of the inburgeringstermijn
  no_pip,                // no vastgesteld PIP from this municipality, where the municipality requires one
  verwijtbaar_needed,    // signed on or after the (exclusive) einddatum: the municipality must decide Ja/Nee
  verwijtbaar_nee_late,  // verwijtbaar=Nee only when the einddatum lies within two months of the signing
  kCount
};

struct PvtRuleInput {
  bool check_bsn = true;           // the export always checks; the kiosk too (the record carries the BSN)
  std::string bsn;
  bool dossier_present = true;
  std::string regime;              // "Wi2021", "Wi2013", "Wi2007", "" (unknown)
  bool plicht_known = false;       // DUO's inburgeringsplicht data is there and says plichtig yes/no
  bool plichtig = false;
  bool obligation_withdrawn = false;
  std::string linked_gemeentecode;  // the resident's gekoppelde gemeente from COA ("" = not linked)
  std::string acting_gemeentecode;  // whose host opens the moment / whose inbox exports
  std::string datum_ondertekening_registered;  // DUO's registered date of signing ("" = none)
  std::string datum_afronding_zroute;          // DUO's Z-route completion date ("" = none)
  std::string termijn_startdatum, termijn_einddatum;  // DUO: start inclusive, einddatum EXCLUSIVE
  bool pip_vastgesteld = false;     // a vastgesteld (current) PIP exists
  std::string pip_gemeentecode;     // the municipality that vastgesteld it
  bool pip_required = true;         // per-municipality setting (enrolment bundle / inbox config)
  std::string datum;                // date of signing (the kiosk: today)
  std::string today;                // Europe/Amsterdam calendar day, YYYY-MM-DD
  std::string verwijtbaar_decision;  // the municipality's own decision "Ja" / "Nee" / "" (export)
};

struct PvtVerdict {
  bool allowed = false;
  PvtReason reason = PvtReason::no_dossier;
  std::string verwijtbaar;  // "Ja"/"Nee" to send to DUO, or "" (never sent before the einddatum)
};

// The verdict of DUO's PVT rules. The kiosk passes datum == today and no verwijtbaar decision: a
// signing after the term gets verwijtbaar_needed, which the export refuses until the municipality
// decides, while the kiosk still offers it (signing::pvt_offer: the resident may sign late).
PvtVerdict pvt_rule(const PvtRuleInput& in);

// Stable reason code ("term_not_started"), the resident's catalog key ("signing.blocked.term_not_started")
// and a staff-facing Dutch text.
std::string_view pvt_reason_code(PvtReason r);
std::string_view pvt_reason_key(PvtReason r);
std::string_view pvt_reason_staff_text(PvtReason r);

// The Dutch BSN elfproef (9 digits, weights 9..2 and -1, sum divisible by 11, not all zeros).
bool bsn_elfproef(std::string_view bsn);
// "GM0363" for "GM0363" and for DUO's 4-digit "0363"; "" for anything else.
std::string normalize_gemeentecode(std::string_view code);
// YYYY-MM-DD plus n months, the day clamped to the month's length; "" for an invalid date.
std::string add_months(std::string_view iso, int n);

}  // namespace balie::record
