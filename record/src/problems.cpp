// The problem-type table (see balie/record/problems.h): every type balie-inbox can answer and the
// few the terminal decides locally, each classified transient, fixable or permanent.
#include "balie/record/problems.h"

#include <array>

namespace balie::record {
namespace {

using C = ProblemClass;
using R = RetryRule;

constexpr std::array kTypes = {
    // Decided on the terminal (status 0).
    ProblemType{"no-route", 0, C::Fixable, R::NextPass,
                "geen adres voor deze gemeente ingesteld; wordt verstuurd zodra het adres er is"},
    ProblemType{"endpoint-not-proven", 0, C::Fixable, R::NextPass,
                "de gemeente kon niet bewijzen wie ze is (certificaat of sleutel); wordt elke ronde opnieuw geprobeerd"},
    ProblemType{"sealing-key-mismatch", 0, C::Fixable, R::NextPass,
                "de gemeente tekent een andere versleutelsleutel dan deze terminal voor haar heeft; er is niets "
                "verstuurd; de technicus laat het adres (route) van de gemeente corrigeren"},
    ProblemType{"ack-invalid", 0, C::Fixable, R::NextPass,
                "de ontvangstbevestiging van de gemeente klopte niet; wordt opnieuw verstuurd"},
    ProblemType{"local-envelope-invalid", 0, C::Permanent, R::StaffRetry,
                "het record op deze terminal is beschadigd; waarschuw de technicus"},
    ProblemType{"feed-item-invalid", 0, C::Permanent, R::StaffRetry,
                "de gemeente stuurde een dossier dat niet klopt; overgeslagen en aan de gemeente gemeld"},
    ProblemType{"feed-item-wrong-location", 0, C::Permanent, R::StaffRetry,
                "de gemeente stuurde een bewoner van een andere locatie; geweigerd en aan de gemeente gemeld"},
    ProblemType{"feed-item-wrong-gemeente", 0, C::Permanent, R::StaffRetry,
                "de gemeente stuurde een bewoner die aan een andere gemeente gekoppeld is; geweigerd en gemeld"},
    ProblemType{"feed-item-not-linked", 0, C::Permanent, R::StaffRetry,
                "de gemeente stuurde een bewoner die COA niet aan deze gemeente gekoppeld heeft; geweigerd en gemeld"},
    ProblemType{"link-changed", 0, C::Fixable, R::StaffRetry,
                "COA koppelde de bewoner aan een andere gemeente; een medewerker beslist: toch bezorgen bij de "
                "oude gemeente of vervallen verklaren"},
    // Whole request (balie-inbox).
    ProblemType{"no-client-certificate", 401, C::Fixable, R::NextPass,
                "de terminal liet geen certificaat zien; waarschuw de technicus"},
    ProblemType{"unknown-device", 403, C::Fixable, R::NextPass,
                "deze terminal is niet aangemeld bij de gemeente; de technicus laat hem aanmelden"},
    ProblemType{"revoked-device", 403, C::Fixable, R::NextPass,
                "COA heeft deze terminal ingetrokken; de records blijven bewaard tot de technicus hem opnieuw laat inschrijven"},
    ProblemType{"wrong-location", 403, C::Fixable, R::NextPass,
                "de gemeente kent deze terminal bij een andere locatie; de technicus laat hem opnieuw aanmelden"},
    ProblemType{"unsupported-media-type", 415, C::Fixable, R::NextPass,
                "de gemeente begrijpt het verzoek niet (versieverschil); waarschuw de technicus"},
    ProblemType{"not-found", 404, C::Fixable, R::NextPass,
                "het adres van de gemeente klopt niet; waarschuw de technicus"},
    ProblemType{"body-too-large", 413, C::Fixable, R::SplitBatch, "te groot pakket; wordt per record verstuurd"},
    ProblemType{"malformed-batch", 400, C::Fixable, R::SplitBatch, "pakket geweigerd; wordt per record verstuurd"},
    ProblemType{"reordered-batch", 409, C::Fixable, R::SplitBatch,
                "records niet in volgorde; worden in volgorde opnieuw verstuurd"},
    ProblemType{"malformed-envelope", 400, C::Permanent, R::StaffRetry,
                "de gemeente kan dit record niet lezen; waarschuw de technicus"},
    ProblemType{"bad-nonce", 400, C::Fixable, R::NextPass, "identiteitsvraag geweigerd; wordt opnieuw geprobeerd"},
    ProblemType{"bad-key", 400, C::Fixable, R::NextPass, "identiteitsvraag geweigerd (sleutel); wordt opnieuw geprobeerd"},
    ProblemType{"bad-limit", 400, C::Fixable, R::NextPass, "dossiervraag geweigerd; wordt opnieuw geprobeerd"},
    ProblemType{"bad-cursor", 400, C::Fixable, R::NextPass, "dossiervraag geweigerd; wordt opnieuw geprobeerd"},
    ProblemType{"method-not-allowed", 405, C::Fixable, R::NextPass,
                "de gemeente kent dit verzoek anders (versieverschil); waarschuw de technicus"},
    // The case systems' listener only (serve --case-listen); a terminal never gets these.
    ProblemType{"bad-parameter", 400, C::Fixable, R::NextPass, "verzoek geweigerd door de gemeente"},
    ProblemType{"personal-data-not-allowed", 403, C::Fixable, R::NextPass, "verzoek geweigerd door de gemeente"},
    ProblemType{"bad-feed-report", 400, C::Fixable, R::NextPass, "melding aan de gemeente geweigerd"},
    ProblemType{"bad-deletion-request", 400, C::Fixable, R::NextPass,
                "verwijderverzoek geweigerd door de gemeente; wordt opnieuw geprobeerd, waarschuw de technicus"},
    ProblemType{"store-unavailable", 503, C::Transient, R::Backoff, "de gemeente kon even niet opslaan"},
    ProblemType{"internal-error", 500, C::Transient, R::Backoff, "storing bij de gemeente"},
    ProblemType{"chaos", 500, C::Transient, R::Backoff, "testfout bij de gemeente"},
    ProblemType{"error", 500, C::Transient, R::Backoff, "storing bij de gemeente"},
    ProblemType{"too-many-requests", 429, C::Transient, R::Backoff, "de gemeente vraagt om later terug te komen"},
    // Per record (balie-inbox).
    ProblemType{"misdirected-record", 421, C::Fixable, R::NextPass,
                "record kwam bij de verkeerde gemeente aan; vastgehouden tot het adres klopt"},
    ProblemType{"device-mismatch", 403, C::Fixable, R::NextPass,
                "terminalnummer en certificaat horen niet bij elkaar; waarschuw de technicus"},
    ProblemType{"bad-signature", 422, C::Fixable, R::NextPass,
                "de gemeente kent een andere sleutel van deze terminal (herinstallatie?); de technicus meldt "
                "de terminal opnieuw aan, daarna gaat het vanzelf"},
    ProblemType{"clock-skew", 422, C::Fixable, R::WhenNotAhead,
                "de klok van de terminal liep voor bij het tekenen; wordt verstuurd zodra die tijd voorbij is"},
    ProblemType{"chain-conflict", 409, C::Fixable, R::Rechain,
                "de gemeente heeft records van een eerdere installatie; de reeks wordt daarna voortgezet"},
    ProblemType{"chain-mismatch", 409, C::Fixable, R::Rechain,
                "de reeks records past niet op die van de gemeente; wordt voortgezet vanaf de gemeente"},
    ProblemType{"cannot-open", 422, C::Permanent, R::StaffRetry,
                "de gemeente kan het record niet openen (andere sleutel); gemeente en technicus waarschuwen"},
    ProblemType{"bad-payload", 422, C::Permanent, R::StaffRetry,
                "de gemeente vindt de inhoud onleesbaar; waarschuw de technicus"},
    ProblemType{"record-id-reused", 409, C::Permanent, R::StaffRetry,
                "de gemeente heeft een ander record met hetzelfde nummer; waarschuw de technicus"},
    ProblemType{"record-deleted", 410, C::Permanent, R::StaffRetry,
                "de gemeente heeft dit record op verzoek van deze terminal verwijderd (plicht ingetrokken); "
                "het wordt niet opnieuw opgeslagen"},
    // Fallbacks for types this table does not know (another receiver, a newer version).
    ProblemType{"unknown-transient", 0, C::Transient, R::Backoff, "storing bij de gemeente"},
    ProblemType{"unknown-fixable", 0, C::Fixable, R::NextPass, "geweigerd door de gemeente; wordt opnieuw geprobeerd"},
    ProblemType{"unknown-problem", 0, C::Permanent, R::StaffRetry,
                "geweigerd door de gemeente om een onbekende reden; waarschuw de technicus"},
};

const ProblemType* find(std::string_view type) {
  for (const auto& t : kTypes)
    if (t.type == type) return &t;
  return nullptr;
}

}  // namespace

std::span<const ProblemType> problem_types() { return kTypes; }

const ProblemType& classify_problem(std::string_view type, int status) {
  if (const auto* t = find(type)) return *t;
  if (status == 429 || status >= 500) return *find("unknown-transient");
  if (status == 401 || status == 403 || status == 415 || status == 421) return *find("unknown-fixable");
  return *find("unknown-problem");
}

std::string problem_reason(std::string_view type, std::string_view detail) {
  std::string s(type);
  s += ": ";
  s.append(detail.data(), detail.size());
  return s;
}

std::string_view reason_type(std::string_view reason) {
  auto colon = reason.find(": ");
  if (colon == std::string_view::npos) return {};
  auto t = reason.substr(0, colon);
  return find(t) ? t : std::string_view{};
}

std::string_view staff_text_for_reason(std::string_view reason) {
  auto t = reason_type(reason);
  if (t.empty()) return {};
  return find(t)->staff_nl;
}

}  // namespace balie::record
