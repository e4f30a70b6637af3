// nlohmann::json bindings for the store's types (store/ layer, private). Field names are the struct
// member names; missing fields take their defaults; Coded<E> is its raw string, so unknown
// enumeration values survive a round trip. Used by json.cpp, the database rows and the demo data.
#pragma once
#include <nlohmann/json.hpp>

#include <optional>

#include "balie/record/json_limits.h"
#include "balie/store/types.h"

namespace nlohmann {
template <class T>
struct adl_serializer<std::optional<T>> {
  static void to_json(json& j, const std::optional<T>& o) {
    if (o) {
      j = *o;
    } else {
      j = nullptr;
    }
  }
  static void from_json(const json& j, std::optional<T>& o) {
    if (j.is_null()) {
      o.reset();
    } else {
      o = j.get<T>();
    }
  }
};
}  // namespace nlohmann

namespace balie::store {

using nlohmann::json;

template <class E>
void to_json(json& j, const Coded<E>& c) {
  j = c.raw;
}
template <class E>
void from_json(const json& j, Coded<E>& c) {
  if (j.is_string()) {
    c = Coded<E>::parse(j.get<std::string>());
  } else if (j.is_null()) {
    c = Coded<E>{};
  } else {
    c = Coded<E>::parse(j.dump());  // keep whatever came, as text
  }
}

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Provenance, bron, bekend_tot)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GemeenteKoppeling, gemeentecode, van, tot)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Resident, id, v_nummer, bsn, gemeente_client_id, naam_eigen_schrift,
                                                naam_latijns, geboortedatum, voorkeurstaal, location_id, kamer,
                                                gemeentecode, gekoppeld_sinds, eerdere_koppelingen, doelgroep, regime)
// Inburgeringsplicht by hand: a missing or null "plichtig" is "not known" (DUO's notice is late),
// never "not obliged"; it is written back as null. "ingetrokken" is false unless true.
inline void to_json(json& j, const Inburgeringsplicht& p) {
  j = json{{"plichtig", p.plichtig_onbekend ? json(nullptr) : json(p.plichtig)}, {"begindatum", p.begindatum},
           {"einddatum", p.einddatum}, {"datum_kennisgeving", p.datum_kennisgeving},
           {"reden_geen_plicht", p.reden_geen_plicht}, {"herkomst", p.herkomst}};
  if (p.ingetrokken) j["ingetrokken"] = true;
}
inline void from_json(const json& j, Inburgeringsplicht& p) {
  Inburgeringsplicht d;
  auto pl = j.find("plichtig");
  d.plichtig_onbekend = pl == j.end() || pl->is_null();
  if (!d.plichtig_onbekend) pl->get_to(d.plichtig);
  d.begindatum = j.value("begindatum", d.begindatum);
  d.einddatum = j.value("einddatum", d.einddatum);
  d.datum_kennisgeving = j.value("datum_kennisgeving", d.datum_kennisgeving);
  if (auto r = j.find("reden_geen_plicht"); r != j.end()) r->get_to(d.reden_geen_plicht);
  if (auto h = j.find("herkomst"); h != j.end()) h->get_to(d.herkomst);
  d.ingetrokken = j.value("ingetrokken", false);
  p = std::move(d);
}
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Verlenging, wijzigingsdatum, nieuwe_einddatum, verlengingsgrondcode,
                                                verlengingsgrondomschrijving)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Inburgeringstermijn, startdatum, einddatum, verlengingen, herkomst)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Leerbaarheidstoets, resultaat, behaalde_score, benodigde_score,
                                                datum_afname, herkomst)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(BredeIntake, status, datum, herkomst)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Pip, dagtekening, leerroute, niveau, geschatte_intensiteit,
                                                alfabetisering, mag_opleiding_afmaken, herkomst)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Inburgeringsaanbod, datum, verwachte_startdatum, verwachte_einddatum,
                                                alfabetisering, instelling, herkomst)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GevolgdeUren, participatie_als_taalles,
                                                participatieactiviteiten_brede_intake, taalles_en_knm_brede_intake,
                                                herkomst)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(MapPvtZroute, datum_eindgesprek_map, map_verwijtbaar,
                                                datum_ondertekening_pvt, pvt_verwijtbaar, datum_afronding_zroute,
                                                herkomst)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Examen, examendatum, onderdeel, niveau, resultaat,
                                                reden_geen_resultaat, herkomst)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GratisPogingen, onderdeel, tegoed, herkomst)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Vrijstelling, soort, reden, oordeel, datum_oordeel, startdatum,
                                                einddatum, examenonderdeel, examenniveau, herkomst)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Ontheffing, soort, oordeel, datum_oordeel, grond, examenonderdeel,
                                                uren_belastbaarheid, herkomst)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Handhaving, soort, datum, omschrijving, bedrag_eurocent, herkomst)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Contactpersoon, naam, email, telefoonnummer, herkomst)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(MaatschappelijkeBegeleiding, organisatie, startdatum, einddatum,
                                                herkomst)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FinancieelOntzorgen, startdatum, einddatum, herkomst)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Afspraak, id, moment, soort, omschrijving, locatie, herkomst)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Dossier, inburgeringsplicht, inburgeringstermijn, brede_intake,
                                                leerbaarheidstoets, pip, inburgeringsaanbod, gevolgde_uren,
                                                map_pvt_zroute, examens, gratis_pogingen, vrijstellingen,
                                                ontheffingen, handhaving, contactpersoon,
                                                maatschappelijke_begeleiding, financieel_ontzorgen, afspraken)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ResidentDossier, resident, dossier)

// Every JSON text the store reads goes through record's limited parser (size and nesting depth);
// its errors become StoreError `on_error` (InvalidArgument for input, Corrupt for our own rows).
inline Result<json> parse_store_json(std::string_view text, std::size_t max_bytes, std::string_view what,
                                     StoreErrc on_error = StoreErrc::InvalidArgument) {
  auto j = record::parse_json_limited(text, record::JsonLimits{max_bytes}, what);
  if (!j) return StoreError{on_error, j.error().message};
  return std::move(*j);
}

}  // namespace balie::store
