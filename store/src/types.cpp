// Enumeration tables of the store's Coded<E> types and small to_string helpers (store/ layer).
// The raw strings are DUO's spelling (../shared/specs/duo-m2m-inburgering) where DUO defines one.
#include "balie/store/result.h"
#include "balie/store/types.h"

namespace balie::store {

#define BALIE_TABLE(Name, ...)                                  \
  std::span<const EnumEntry<Name>> enum_table(Name) {           \
    using E = Name;                                             \
    static const EnumEntry<Name> table[] = {__VA_ARGS__};       \
    return table;                                               \
  }

BALIE_TABLE(Regime, {E::Wi2021, "Wi2021"}, {E::Wi2013, "Wi2013"}, {E::Wi2007, "Wi2007"})
BALIE_TABLE(DoelgroepIndeling, {E::Asielstatushouder, "Asielstatushouder"},
            {E::GezinsmigrantEnOverigeMigrant, "Gezinsmigrant en overige migrant"})
BALIE_TABLE(RedenGeenPlicht, {E::VolledigeOntheffing, "Volledige ontheffing"},
            {E::VolledigeVrijstelling, "Volledige vrijstelling"}, {E::PlichtVoldaan, "Inburgeringsplicht voldaan"},
            {E::VerblijfsdoelGewijzigd, "Verblijfsdoel gewijzigd"},
            {E::VertrekLangerDanJaar, "Vertrek uit Nederland langer dan een jaar"}, {E::Overlijden, "Overlijden"},
            {E::Overig, "Overig"}, {E::TijdelijkeVrijstelling, "Tijdelijke vrijstelling"})
BALIE_TABLE(LbtResultaat, {E::B1Haalbaar, "B1-route haalbaar"}, {E::B1NietHaalbaar, "B1-route niet haalbaar"},
            {E::Onbekend, "Onbekend"})
BALIE_TABLE(Leerroute, {E::B, "B"}, {E::O, "O"}, {E::Z, "Z"})
BALIE_TABLE(NiveauPip, {E::A2, "A2"}, {E::B1, "B1"})
BALIE_TABLE(Alfabetisering, {E::A, "A"}, {E::AA, "AA"}, {E::NVT, "NVT"})
BALIE_TABLE(ExamenOnderdeel, {E::KNM, "KNM"}, {E::LE, "LE"}, {E::LU, "LU"}, {E::SC, "SC"}, {E::SP, "SP"})
BALIE_TABLE(ExamenNiveau, {E::A2, "A2"}, {E::B1, "B1"}, {E::B2, "B2"})
BALIE_TABLE(ExamenResultaat, {E::Geslaagd, "Geslaagd"}, {E::Gezakt, "Gezakt"}, {E::Geen, "Geen"})
BALIE_TABLE(RedenGeenResultaat, {E::Verwijtbaar, "Verwijtbaar"}, {E::Nietverwijtbaar, "Nietverwijtbaar"},
            {E::Afgemeld, "Afgemeld"}, {E::Absent, "Absent"})
BALIE_TABLE(AanvraagOordeel, {E::Toekenning, "Toekenning"}, {E::Afwijzing, "Afwijzing"})
BALIE_TABLE(VrijstellingSoort, {E::Geheel, "GeheleVrijstelling"}, {E::Tijdelijk, "TijdelijkeVrijstelling"},
            {E::Gedeeltelijk, "GedeeltelijkeVrijstelling"})
BALIE_TABLE(VrijstellingReden, {E::AVI, "AVI"}, {E::DIP, "DIP"}, {E::DOC, "DOC"}, {E::GED, "GED"}, {E::INB, "INB"},
            {E::INS, "INS"}, {E::OPL, "OPL"})
BALIE_TABLE(OntheffingSoort, {E::Geheel, "GeheleOntheffing"}, {E::Gedeeltelijk, "GedeeltelijkeOntheffing"})
BALIE_TABLE(OntheffingsGrond, {E::MED, "MED"}, {E::BIO, "BIO"})
BALIE_TABLE(JaNee, {E::Ja, "Ja"}, {E::Nee, "Nee"})
BALIE_TABLE(HandhavingSoort, {E::Waarschuwing, "waarschuwing"}, {E::BestuurlijkeBoete, "bestuurlijke_boete"},
            {E::BoeteDuo, "boete_duo"})
BALIE_TABLE(IntakeStatus, {E::NietGestart, "niet_gestart"}, {E::Gepland, "gepland"}, {E::Afgerond, "afgerond"})
BALIE_TABLE(AfspraakSoort, {E::BredeIntake, "brede_intake"}, {E::Leerbaarheidstoets, "leerbaarheidstoets"},
            {E::PipGesprek, "pip_gesprek"}, {E::Map, "map"}, {E::Pvt, "pvt"}, {E::Voortgang, "voortgang"},
            {E::Overig, "overig"})
BALIE_TABLE(Bron, {E::DUO, "DUO"}, {E::Gemeente, "gemeente"}, {E::COA, "COA"}, {E::Balie, "Balie"})

#undef BALIE_TABLE

const char* to_string(StaffRole role) {
  switch (role) {
    case StaffRole::CoaStaff: return "coa_staff";
    case StaffRole::MunicipalityHost: return "municipality_host";
    case StaffRole::Technician: return "technician";
  }
  return "coa_staff";
}

std::optional<StaffRole> staff_role_from_string(std::string_view s) {
  if (s == "coa_staff") return StaffRole::CoaStaff;
  if (s == "municipality_host") return StaffRole::MunicipalityHost;
  if (s == "technician") return StaffRole::Technician;
  return std::nullopt;
}

const char* to_string(OutboxState s) {
  switch (s) {
    case OutboxState::Pending: return "pending";
    case OutboxState::Held: return "held";
    case OutboxState::Failed: return "failed";
    case OutboxState::Acknowledged: return "acknowledged";
  }
  return "pending";
}

const char* to_string(StoreErrc code) {
  switch (code) {
    case StoreErrc::WrongKey: return "wrong_key";
    case StoreErrc::NotADatabase: return "not_a_database";
    case StoreErrc::Corrupt: return "corrupt";
    case StoreErrc::NewerSchema: return "newer_schema";
    case StoreErrc::DiskFull: return "disk_full";
    case StoreErrc::ReadOnly: return "read_only";
    case StoreErrc::MissingDirectory: return "missing_directory";
    case StoreErrc::Busy: return "busy";
    case StoreErrc::NotFound: return "not_found";
    case StoreErrc::Conflict: return "conflict";
    case StoreErrc::InvalidArgument: return "invalid_argument";
    case StoreErrc::LimitReached: return "limit_reached";
    case StoreErrc::Io: return "io";
  }
  return "io";
}

}  // namespace balie::store
