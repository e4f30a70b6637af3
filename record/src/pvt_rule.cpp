// The PVT rule table (see pvt_rule.h): DUO's conditions for a date of signing, checked in one
// fixed order, shared by the kiosk's offer and balie-inbox's DUO export.
#include "balie/record/pvt_rule.h"

#include <array>

#include "balie/platform/dutch_calendar.h"

namespace balie::record {
namespace {

struct ReasonRow {
  PvtReason reason;
  std::string_view code, key, staff;
};

// One row per reason: code, the resident's catalog key, the staff text (Dutch).
constexpr std::array<ReasonRow, static_cast<std::size_t>(PvtReason::kCount)> kReasons{{
    {PvtReason::ok, "ok", "", "Ondertekenen mag: DUO kan deze datum registreren."},
    {PvtReason::no_dossier, "no_dossier", "signing.blocked.no_dossier",
     "Geen dossier van deze bewoner bij de gemeente."},
    {PvtReason::bsn_invalid, "bsn_invalid", "signing.blocked.bsn_invalid",
     "BSN ontbreekt of voldoet niet aan de elfproef; DUO kan de datum niet registreren."},
    {PvtReason::regime_old, "regime_old", "signing.blocked.old_regime",
     "Wet inburgering 2013 (of ouder): geen participatieverklaringstraject van de Wi2021."},
    {PvtReason::regime_unknown, "regime_unknown", "signing.blocked.regime_unknown",
     "Onbekend welke wet geldt (regime ontbreekt of is onbekend)."},
    {PvtReason::plicht_unknown, "plicht_unknown", "signing.blocked.plicht_unknown",
     "Inburgeringsplicht nog niet bekend: de kennisgeving van DUO ontbreekt."},
    {PvtReason::obligation_withdrawn, "obligation_withdrawn", "signing.blocked.obligation_withdrawn",
     "De inburgeringsplicht is ingetrokken (ten onrechte opgelegd)."},
    {PvtReason::not_plichtig, "not_plichtig", "signing.blocked.no_obligation",
     "Niet (meer) inburgeringsplichtig volgens DUO."},
    {PvtReason::not_linked, "not_linked", "signing.blocked.no_municipality",
     "Nog niet door COA gekoppeld aan een gemeente."},
    {PvtReason::other_municipality, "other_municipality", "signing.blocked.other_municipality",
     "Gekoppeld aan een andere gemeente dan de gemeente die tekent of exporteert."},
    {PvtReason::already_registered, "already_registered", "signing.blocked.already_signed",
     "DUO heeft al een datum ondertekening PVT; een wijziging kan alleen door de gemeente die die leverde."},
    {PvtReason::zroute_completed, "zroute_completed", "signing.blocked.zroute_done",
     "De Z-route is afgerond; de datum ondertekening mag niet na de datum afronding Z-route liggen."},
    {PvtReason::date_invalid, "date_invalid", "signing.blocked.no_dossier",
     "Datum ondertekening PVT is geen geldige datum."},
    {PvtReason::date_in_future, "date_in_future", "signing.blocked.no_dossier",
     "Datum ondertekening PVT ligt in de toekomst."},
    {PvtReason::no_term, "no_term", "signing.blocked.term_not_started",
     "Geen inburgeringstermijn bekend (start- en einddatum ontbreken)."},
    {PvtReason::term_not_started, "term_not_started", "signing.blocked.term_not_started",
     "De inburgeringstermijn is nog niet begonnen; DUO weigert een datum voor de startdatum."},
    {PvtReason::no_pip, "no_pip", "signing.blocked.no_pip",
     "Geen vastgesteld PIP van deze gemeente (de gemeente vereist dat voor de PVT)."},
    {PvtReason::verwijtbaar_needed, "verwijtbaar_needed", "signing.blocked.no_dossier",
     "Ondertekend op of na de einddatum van de inburgeringstermijn: de gemeente moet eerst verwijtbaar (Ja/Nee) "
     "vaststellen."},
    {PvtReason::verwijtbaar_nee_late, "verwijtbaar_nee_late", "signing.blocked.no_dossier",
     "Verwijtbaar=Nee mag alleen binnen twee maanden na de einddatum van de inburgeringstermijn."},
}};

const ReasonRow& row(PvtReason r) {
  const auto i = static_cast<std::size_t>(r);
  return kReasons[i < kReasons.size() ? i : 0];
}

bool is_date(std::string_view s) { return calendar::parse_iso_date(s).has_value(); }

PvtVerdict refuse(PvtReason r) { return PvtVerdict{false, r, {}}; }

}  // namespace

std::string_view pvt_reason_code(PvtReason r) { return row(r).code; }
std::string_view pvt_reason_key(PvtReason r) { return row(r).key; }
std::string_view pvt_reason_staff_text(PvtReason r) { return row(r).staff; }

bool bsn_elfproef(std::string_view b) {
  if (b.size() != 9) return false;
  int sum = 0;
  for (int i = 0; i < 9; ++i) {
    if (b[i] < '0' || b[i] > '9') return false;
    sum += (i < 8 ? 9 - i : -1) * (b[i] - '0');
  }
  return sum % 11 == 0 && b != "000000000";
}

std::string normalize_gemeentecode(std::string_view c) {
  auto digits = [](std::string_view d) {
    if (d.size() != 4) return false;
    for (char ch : d)
      if (ch < '0' || ch > '9') return false;
    return true;
  };
  if (c.size() == 6 && c.substr(0, 2) == "GM" && digits(c.substr(2))) return std::string(c);
  if (digits(c)) return "GM" + std::string(c);
  return {};
}

std::string add_months(std::string_view iso, int n) {
  auto d = calendar::parse_iso_date(iso);
  if (!d) return {};
  std::chrono::year_month_day ymd{*d};
  auto ym = std::chrono::year_month{ymd.year(), ymd.month()} + std::chrono::months{n};
  const auto last = std::chrono::year_month_day_last{ym.year(), std::chrono::month_day_last{ym.month()}}.day();
  const auto day = ymd.day() > last ? last : ymd.day();
  return calendar::to_iso(std::chrono::sys_days{ym / day});
}

PvtVerdict pvt_rule(const PvtRuleInput& in) {
  using R = PvtReason;
  if (!in.dossier_present) return refuse(R::no_dossier);
  if (in.check_bsn && !bsn_elfproef(in.bsn)) return refuse(R::bsn_invalid);
  if (in.regime == "Wi2013" || in.regime == "Wi2007") return refuse(R::regime_old);
  if (in.regime != "Wi2021") return refuse(R::regime_unknown);
  if (in.obligation_withdrawn) return refuse(R::obligation_withdrawn);
  if (!in.plicht_known) return refuse(R::plicht_unknown);
  if (!in.plichtig) return refuse(R::not_plichtig);
  const std::string linked = normalize_gemeentecode(in.linked_gemeentecode);
  const std::string acting = normalize_gemeentecode(in.acting_gemeentecode);
  if (linked.empty()) return refuse(R::not_linked);
  if (linked != acting) return refuse(R::other_municipality);
  if (!in.datum_ondertekening_registered.empty()) return refuse(R::already_registered);
  if (!is_date(in.datum)) return refuse(R::date_invalid);
  if (!is_date(in.today) || in.datum > in.today) return refuse(R::date_in_future);
  if (!in.datum_afronding_zroute.empty() && (!is_date(in.datum_afronding_zroute) || in.datum > in.datum_afronding_zroute))
    return refuse(R::zroute_completed);
  if (!is_date(in.termijn_startdatum) || !is_date(in.termijn_einddatum)) return refuse(R::no_term);
  if (in.datum < in.termijn_startdatum) return refuse(R::term_not_started);
  if (in.pip_required && (!in.pip_vastgesteld || normalize_gemeentecode(in.pip_gemeentecode) != acting))
    return refuse(R::no_pip);
  // DUO's einddatum is exclusive: the last day of the term is einddatum-1. Before the einddatum
  // verwijtbaar must not be sent; on or after it the municipality's decision is required.
  if (in.datum < in.termijn_einddatum) return PvtVerdict{true, R::ok, {}};
  if (in.verwijtbaar_decision == "Ja") return PvtVerdict{true, R::ok, "Ja"};
  if (in.verwijtbaar_decision == "Nee") {
    if (in.datum > add_months(in.termijn_einddatum, 2)) return refuse(R::verwijtbaar_nee_late);
    return PvtVerdict{true, R::ok, "Nee"};
  }
  return refuse(R::verwijtbaar_needed);
}

}  // namespace balie::record
