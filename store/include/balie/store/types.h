// Plain data types of the record store (store/ layer, headless, any thread): residents, their
// dossier in DUO's vocabulary (../shared/specs/duo-m2m-inburgering), staff, records, outbox,
// routing and device configuration. Enumerations are Coded<E>: the parsed value plus the raw
// string as received, so an unknown value (E::Unknown) survives load/save and can be shown as-is.
// Dates are ISO "YYYY-MM-DD" strings ("" = not known); instants are UTC seconds (UtcTime).
#pragma once
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "balie/record/envelope.h"
#include "balie/record/evidence.h"

namespace balie::store {

using UtcTime = std::chrono::sys_seconds;
using Date = std::string;  // "YYYY-MM-DD", "" when unknown

// [SECTION] Coded enumerations ------------------------------------------------------------------

template <class E>
struct EnumEntry {
  E value;
  std::string_view raw;
};

// An enumeration value as received: `value` is E::Unknown when `raw` is not in the table.
// `raw` is kept verbatim and written back unchanged, so nothing is lost on a round trip.
template <class E>
struct Coded {
  E value = E::Unknown;
  std::string raw;  // "" = absent

  Coded() = default;
  Coded(E v);  // NOLINT: implicit from a known value
  static Coded parse(std::string_view raw);
  bool known() const { return value != E::Unknown; }
  bool present() const { return !raw.empty(); }
  friend bool operator==(const Coded& a, const Coded& b) { return a.raw == b.raw; }
};

#define BALIE_CODED_ENUM(Name, ...)                                                  \
  enum class Name : std::uint8_t { __VA_ARGS__, Unknown };                          \
  std::span<const EnumEntry<Name>> enum_table(Name);

// Regime (wet inburgering)
BALIE_CODED_ENUM(Regime, Wi2021, Wi2013, Wi2007)
// Doelgroepindeling (Inburgeringsplicht API)
BALIE_CODED_ENUM(DoelgroepIndeling, Asielstatushouder, GezinsmigrantEnOverigeMigrant)
// RedenGeenInburgeringsplicht
BALIE_CODED_ENUM(RedenGeenPlicht, VolledigeOntheffing, VolledigeVrijstelling, PlichtVoldaan,
                 VerblijfsdoelGewijzigd, VertrekLangerDanJaar, Overlijden, Overig, TijdelijkeVrijstelling)
// LeerbaarheidstoetsResultaat
BALIE_CODED_ENUM(LbtResultaat, B1Haalbaar, B1NietHaalbaar, Onbekend)
// Leerroute (PIP): B = B1-route, O = onderwijsroute, Z = zelfredzaamheidsroute
BALIE_CODED_ENUM(Leerroute, B, O, Z)
// NiveauPip
BALIE_CODED_ENUM(NiveauPip, A2, B1)
// Alfabetiseringsonderwijs: A = analfabeet, AA = anders-alfabeet, NVT
BALIE_CODED_ENUM(Alfabetisering, A, AA, NVT)
// Examenonderdeel (KNM, lezen, luisteren, schrijven, spreken)
BALIE_CODED_ENUM(ExamenOnderdeel, KNM, LE, LU, SC, SP)
// Examenniveau
BALIE_CODED_ENUM(ExamenNiveau, A2, B1, B2)
// ExamenresultaatWI2021
BALIE_CODED_ENUM(ExamenResultaat, Geslaagd, Gezakt, Geen)
// RedenGeenResultaatInburgeringsexamen
BALIE_CODED_ENUM(RedenGeenResultaat, Verwijtbaar, Nietverwijtbaar, Afgemeld, Absent)
// AanvraagOordeel (vrijstelling / ontheffing)
BALIE_CODED_ENUM(AanvraagOordeel, Toekenning, Afwijzing)
// Which kind of vrijstelling (DUO object names)
BALIE_CODED_ENUM(VrijstellingSoort, Geheel, Tijdelijk, Gedeeltelijk)
// RedenVrijstellingInburgeringsplicht
BALIE_CODED_ENUM(VrijstellingReden, AVI, DIP, DOC, GED, INB, INS, OPL)
// Which kind of ontheffing
BALIE_CODED_ENUM(OntheffingSoort, Geheel, Gedeeltelijk)
// OntheffingsgrondInburgering: shown only as "medical" / "special circumstances", never detailed
BALIE_CODED_ENUM(OntheffingsGrond, MED, BIO)
// InburgeringJaNeeType
BALIE_CODED_ENUM(JaNee, Ja, Nee)
// Handhaving by the municipality (effort) or DUO (result)
BALIE_CODED_ENUM(HandhavingSoort, Waarschuwing, BestuurlijkeBoete, BoeteDuo)
// Status of the Brede Intake
BALIE_CODED_ENUM(IntakeStatus, NietGestart, Gepland, Afgerond)
// Appointment kinds
BALIE_CODED_ENUM(AfspraakSoort, BredeIntake, Leerbaarheidstoets, PipGesprek, Map, Pvt, Voortgang, Overig)
// Source of a piece of dossier data
BALIE_CODED_ENUM(Bron, DUO, Gemeente, COA, Balie)

#undef BALIE_CODED_ENUM

template <class E>
Coded<E>::Coded(E v) : value(v) {
  for (const auto& e : enum_table(E{})) {
    if (e.value == v) raw = std::string(e.raw);
  }
}

template <class E>
Coded<E> Coded<E>::parse(std::string_view r) {
  Coded c;
  c.raw = std::string(r);
  c.value = E::Unknown;
  for (const auto& e : enum_table(E{})) {
    if (e.raw == r) c.value = e.value;
  }
  return c;
}

// [SECTION] Resident and dossier --------------------------------------------------------------

// Where a piece of dossier data comes from and until when it is known to be current.
struct Provenance {
  Coded<Bron> bron;
  Date bekend_tot;  // "known until"
};

struct GemeenteKoppeling {  // an earlier link to a municipality
  std::string gemeentecode;
  Date van;
  Date tot;
};

struct Resident {
  std::string id;                  // opaque id from the municipality feed (not a BSN/V-nummer)
  std::string v_nummer;
  std::string bsn;
  std::string gemeente_client_id;  // the municipality's own client number
  std::string naam_eigen_schrift;  // name as written in the person's own script (any script)
  std::string naam_latijns;        // name in Latin script
  Date geboortedatum;
  std::string voorkeurstaal;       // BCP 47, e.g. "ar", "ti", "uk"
  std::string location_id;
  std::string kamer;               // room
  std::string gemeentecode;        // gekoppelde gemeente ("" = not (yet) known: records are held)
  Date gekoppeld_sinds;
  std::vector<GemeenteKoppeling> eerdere_koppelingen;  // non-empty when the link changed
  Coded<DoelgroepIndeling> doelgroep;
  Coded<Regime> regime;
  // Fields from which bidi embeddings/overrides/isolates were removed at ingestion (issue 18: names are
  // data, not formatting), e.g. "naam_latijns" or "dossier.contactpersoon.naam". Set by the store
  // only, kept once set (staff see a note on the identity check), never read from or written to JSON.
  std::vector<std::string> bidi_stripped;
};

struct Inburgeringsplicht {
  bool plichtig = false;
  Date begindatum, einddatum, datum_kennisgeving;
  Coded<RedenGeenPlicht> reden_geen_plicht;
  Provenance herkomst;
  bool plichtig_onbekend = false;  // DUO's indicator missing or null (notice late): plichtig not known
  bool ingetrokken = false;        // withdrawn as wrongly imposed: no Wi2021 step applies
};

struct Verlenging {  // one extension of the inburgeringstermijn
  Date wijzigingsdatum;
  Date nieuwe_einddatum;
  std::string verlengingsgrondcode;
  std::string verlengingsgrondomschrijving;
};

struct Inburgeringstermijn {
  Date startdatum, einddatum;  // einddatum includes the extensions
  std::vector<Verlenging> verlengingen;
  Provenance herkomst;
};

struct Leerbaarheidstoets {
  Coded<LbtResultaat> resultaat;
  std::string behaalde_score, benodigde_score;
  Date datum_afname;
  Provenance herkomst;
};

struct BredeIntake {
  Coded<IntakeStatus> status;
  Date datum;
  Provenance herkomst;
};

struct Pip {
  Date dagtekening;
  Coded<Leerroute> leerroute;
  Coded<NiveauPip> niveau;
  std::optional<int> geschatte_intensiteit;  // planned hours
  Coded<Alfabetisering> alfabetisering;
  std::optional<bool> mag_opleiding_afmaken;
  Provenance herkomst;
};

struct Inburgeringsaanbod {
  Date datum, verwachte_startdatum, verwachte_einddatum;
  Coded<Alfabetisering> alfabetisering;
  std::string instelling;  // name of the school / provider
  Provenance herkomst;
};

struct GevolgdeUren {
  int participatie_als_taalles = 0;
  int participatieactiviteiten_brede_intake = 0;
  int taalles_en_knm_brede_intake = 0;
  Provenance herkomst;
};

struct MapPvtZroute {
  Date datum_eindgesprek_map;
  Coded<JaNee> map_verwijtbaar;
  Date datum_ondertekening_pvt;
  Coded<JaNee> pvt_verwijtbaar;
  Date datum_afronding_zroute;
  Provenance herkomst;
};

struct Examen {
  Date examendatum;
  Coded<ExamenOnderdeel> onderdeel;
  Coded<ExamenNiveau> niveau;
  Coded<ExamenResultaat> resultaat;
  Coded<RedenGeenResultaat> reden_geen_resultaat;
  Provenance herkomst;
};

struct GratisPogingen {
  Coded<ExamenOnderdeel> onderdeel;
  int tegoed = 0;
  Provenance herkomst;
};

struct Vrijstelling {
  Coded<VrijstellingSoort> soort;
  Coded<VrijstellingReden> reden;
  Coded<AanvraagOordeel> oordeel;
  Date datum_oordeel, startdatum, einddatum;
  Coded<ExamenOnderdeel> examenonderdeel;  // gedeeltelijk only
  Coded<ExamenNiveau> examenniveau;        // gedeeltelijk only
  Provenance herkomst;
};

struct Ontheffing {
  Coded<OntheffingSoort> soort;
  Coded<AanvraagOordeel> oordeel;
  Date datum_oordeel;
  Coded<OntheffingsGrond> grond;  // MED / BIO only; show as "medical" / "special circumstances"
  Coded<ExamenOnderdeel> examenonderdeel;
  std::optional<int> uren_belastbaarheid;
  Provenance herkomst;
};

struct Handhaving {  // waarschuwing or boete
  Coded<HandhavingSoort> soort;
  Date datum;
  std::string omschrijving;
  std::optional<std::int64_t> bedrag_eurocent;
  Provenance herkomst;
};

struct Contactpersoon {
  std::string naam, email, telefoonnummer;
  Provenance herkomst;
};

struct MaatschappelijkeBegeleiding {
  std::string organisatie;
  Date startdatum, einddatum;
  Provenance herkomst;
};

struct FinancieelOntzorgen {
  Date startdatum, einddatum;
  Provenance herkomst;
};

struct Afspraak {
  std::string id;
  std::string moment;  // local date-time "YYYY-MM-DDTHH:MM" (Europe/Amsterdam)
  Coded<AfspraakSoort> soort;
  std::string omschrijving;
  std::string locatie;
  Provenance herkomst;
};

struct Dossier {
  std::optional<Inburgeringsplicht> inburgeringsplicht;
  std::optional<Inburgeringstermijn> inburgeringstermijn;
  std::optional<BredeIntake> brede_intake;
  std::optional<Leerbaarheidstoets> leerbaarheidstoets;
  std::optional<Pip> pip;
  std::optional<Inburgeringsaanbod> inburgeringsaanbod;
  std::optional<GevolgdeUren> gevolgde_uren;
  std::optional<MapPvtZroute> map_pvt_zroute;
  std::vector<Examen> examens;
  std::vector<GratisPogingen> gratis_pogingen;
  std::vector<Vrijstelling> vrijstellingen;
  std::vector<Ontheffing> ontheffingen;
  std::vector<Handhaving> handhaving;
  std::optional<Contactpersoon> contactpersoon;
  std::optional<MaatschappelijkeBegeleiding> maatschappelijke_begeleiding;
  std::optional<FinancieelOntzorgen> financieel_ontzorgen;
  std::vector<Afspraak> afspraken;
};

struct ResidentDossier {
  Resident resident;
  Dossier dossier;
};

// What this device recorded for a resident (signed declarations, consent events), newest first.
struct RecordSummary {
  std::string record_id;
  std::string kind;
  std::string text_version_id;
  std::string decision;
  UtcTime created_at;
  std::string addressee;  // gemeentecode
  std::string outbox_state;
};

// Full view for the dossier screen and the AVG export.
struct ResidentView {
  Resident resident;
  Dossier dossier;
  std::vector<RecordSummary> records;
};

// [SECTION] Staff ---------------------------------------------------------------------------------

enum class StaffRole { CoaStaff, MunicipalityHost, Technician };
const char* to_string(StaffRole role);  // "coa_staff" | "municipality_host" | "technician"
std::optional<StaffRole> staff_role_from_string(std::string_view s);

struct StaffAccount {
  std::string id;
  std::string display_name;
  StaffRole role = StaffRole::CoaStaff;
  std::vector<std::string> gemeentecodes;  // mandated municipalities (municipality_host only)
  bool active = true;
  bool must_change_pin = false;  // a first-login PIN (bundle or reset-pin): the kiosk asks for a new one
};

struct PinVerdict {
  enum class Kind { Ok, Wrong, Locked, UnknownStaff } kind = Kind::Wrong;
  int attempts_left = 0;                 // Wrong: tries before the next lockout
  std::optional<UtcTime> locked_until;   // Locked (and Wrong when this attempt started a lockout)
};

// [SECTION] Records and outbox ------------------------------------------------------------------

enum class OutboxState { Pending, Held, Failed, Acknowledged };
const char* to_string(OutboxState s);  // "pending" | "held" | "failed" | "acknowledged"

// What the kiosk's flows hand to Store::commit_sealed() after the resident signed or consented: the
// record's metadata and its two halves. `sensitive` is personal: the store seals it to the addressee
// inside the write transaction and never keeps it in the clear; the caller wipes its own copy.
struct RecordDraft {
  std::string record_id;        // UUID text (idempotency key); empty -> the store makes a v4 UUID
  std::string kind;             // "pvt.ondertekend", "consent.<purpose>", ... ([a-z0-9_.:-], <= 64 chars)
  std::string resident_id;
  std::string text_version_id;  // the exact text shown (TextVersion::version_id)
  std::string decision;         // "signed", "given", "refused", "withdrawn"
  std::string staff_id;         // staff member who opened the session ("" if none)
  std::string device_id;        // this terminal's id (= CN of its device certificate)
  // The gekoppelde gemeente the flow showed; when the store's link differs at commit time (changed
  // meanwhile) nothing is stored (Conflict). Empty: no expectation.
  std::string expected_gemeentecode;
  std::string public_json = "{}";  // non-personal metadata (JSON object text)
  std::string sensitive;           // personal data (JSON text): sealed, never stored in the clear
  // A consent decision (kind "consent.<purpose>"): in the same transaction the store keeps it as the
  // resident's current state and queues a consent event for COA (issue 16, store/src/consent.cpp).
  struct Consent {
    std::string purpose;   // ConsentPurpose id, [a-z0-9_]{1,48}
    int valid_months = 12; // a given consent expires this many months after the decision (1..12)
  };
  std::optional<Consent> consent;
};

// [issue16-consent] The current consent of a resident for one purpose, as this terminal knows it:
// decided here (source "terminal") or learnt from COA's residents feed (source "coa"). A given
// consent counts only until expires_at; after that it is expired and counts as not given.
struct ConsentState {
  std::string resident_id, purpose;
  std::string decision;  // "given" | "refused" | "withdrawn"
  UtcTime decided_at{};
  std::optional<UtcTime> expires_at;  // set for "given"
  std::string record_id, text_version_id;
  std::string source;  // "terminal" | "coa"
  bool expired(UtcTime now) const { return decision == "given" && expires_at && now >= *expires_at; }
  bool in_force(UtcTime now) const { return decision == "given" && !expired(now); }
};

// A consent decision queued for COA (balie-syncd's COA round posts it to POST /v1/consent until COA
// acknowledges it). No free text: ids, purpose, decision, times and the notice's version id.
struct ConsentEvent {
  std::string record_id, resident_id, purpose, decision;
  UtcTime decided_at{};
  std::optional<UtcTime> expires_at;
  std::string text_version_id;
  int attempts = 0;
  std::string last_error;
};

// At most this many events go in one POST /v1/consent (balie-coa refuses more).
inline constexpr std::size_t kMaxConsentEventsPerPost = 100;

// `t` plus whole calendar months (UTC); a day past the end of the month is clamped to its last day.
UtcTime add_months(UtcTime t, int months);

struct CommittedRecord {
  std::string record_id;
  std::string addressee;       // gemeentecode fixed at creation ("" -> entry is held)
  UtcTime created_at;
  std::string payload_sha256;  // lowercase hex
  OutboxState state = OutboxState::Pending;
};

struct OutboxEntry {
  std::string record_id;
  std::string kind;
  std::string addressee;
  UtcTime created_at;
  std::vector<std::uint8_t> payload;  // empty once acknowledged
  std::string payload_sha256;
  OutboxState state = OutboxState::Pending;
  int attempts = 0;
  std::optional<UtcTime> last_attempt_at;
  std::string last_error;
  std::string held_reason;
};

struct OutboxCounts {
  std::string gemeentecode;
  int waiting = 0;  // pending
  int held = 0;
  int failed = 0;
  int acknowledged = 0;
  std::optional<UtcTime> oldest_waiting;  // created_at of the oldest entry not yet delivered (pending, held or failed)
  std::string held_reason;                // reason of the most recently held entry ("" if none)
};

// Position in the per-gemeentecode hash chain of sealed records (this device is the only writer):
// record/'s ChainHead, seq 0 with 64 zeros at the start of a chain.
using ChainHead = record::ChainHead;

struct Tombstone {
  std::string record_id;
  std::string payload_sha256;
  UtcTime acknowledged_at;
  std::vector<std::uint8_t> ack;  // the municipality's signed receipt (no personal data in it)
};

struct BatchOutcome {
  int upserted = 0;
  int purged = 0;
  int withdrawn = 0;  // of `purged`: obligation_withdrawn / regime_corrected (unsent records dropped)
  int skipped = 0;  // changes for residents COA has not linked to the feed's gemeentecode (or unknown here)
};

// Link changes and voids (issue 16). A COA link change holds the resident's records not yet delivered
// to the old municipality with a held_reason of this problem type ("link-changed: <old> -> <new>"):
// only a staff decision (release: deliver to the old municipality; or void) moves them on.
inline constexpr const char* kLinkChangedProblem = "link-changed";
inline constexpr const char* kVoidRecordKind = record::kVoidRecordKind;

// A staff member voided a held/failed or delivered record (Store::void_record).
struct VoidOutcome {
  std::string void_record_id;    // the new void record (no personal data) for the addressee
  std::string voided_record_id;
  std::string addressee;
  std::uint64_t seq = 0;         // the void's chain position (the voided record's own when it was not delivered)
  bool already_delivered = false;
};

// Two or more resident ids with the same V-nummer or BSN: one person twice, shown to staff as a
// conflict (COA must fix it); flows are blocked for every id in it.
struct IdentityConflict {
  std::string key_kind;                   // "v_nummer" | "bsn"
  std::vector<std::string> resident_ids;  // sorted
};

// [SECTION] Routing, sync state, device configuration ------------------------------------------

struct Route {
  std::string gemeentecode;
  std::string endpoint_base_url;
  std::string ca_certificate_pem;
  std::string pinned_public_key;  // "sha256//<base64>" for CURLOPT_PINNEDPUBLICKEY
  std::array<std::uint8_t, 32> ack_verify_key{};  // municipality Ed25519 public key
  std::array<std::uint8_t, 32> box_public_key{};  // municipality X25519 key (crypto_box_seal)
  bool pip_required = true;  // bundle only (municipality_settings): vastgesteld PIP required before the PVT
};

struct SyncState {
  std::string gemeentecode;
  std::optional<UtcTime> last_success;
  std::optional<UtcTime> last_attempt;
  std::string last_error;  // "" after a success
};

struct DossierBatch {
  std::vector<ResidentDossier> upserts;  // replace resident + whole dossier
  std::vector<std::string> purges;       // resident ids to delete completely
  // Purges whose reason ends the obligation as if it never was (obligation_withdrawn,
  // regime_corrected): resident id -> reason. These drop the resident's unsent records instead of
  // delivering them and ask the receivers of the delivered ones to delete them (deletion requests).
  // A purge not named here keeps today's rule (waiting records still go, then go).
  std::vector<std::pair<std::string, std::string>> purge_reasons;
  // Items of the page the caller refused (resident id, "<problem-type>: <detail>"): not applied,
  // each written to the audit log in the same transaction ("feed.item_refused"), so the cursor can
  // move past them without losing the trace.
  std::vector<std::pair<std::string, std::string>> refused;
};

struct DeviceConfig {
  std::string kiosk_id;
  std::string location_id;
  std::string location_name;
};

struct TextVersion {
  std::string version_id;  // e.g. "pvt-2026-01-ar"
  std::string kind;        // "pvt_declaration" | "consent:<purpose>"
  std::string language;    // BCP 47
  std::string title;
  std::string body;
  std::string sha256;      // lowercase hex of body (UTF-8); computed by the store
  // The municipality whose text this is ("" = not tied to one: demo and test texts loaded from
  // assets) and its numeric version within (kind, language, gemeentecode): the current text is the
  // highest number, so version 10 comes after version 2.
  std::string gemeentecode;
  std::int64_t version = 0;
};

// [SECTION] Audit, status --------------------------------------------------------------------------

struct AuditEntry {
  std::int64_t seq = 0;
  UtcTime at;
  std::string actor;   // staff id, "sync", "admin", "system"
  std::string action;  // "record.commit", "resident.purge", ...
  std::string detail;  // no personal data: ids and counts only
  std::string prev_hash;
  std::string hash;
};

struct AuditVerdict {
  bool ok = true;
  std::int64_t entries = 0;
  std::optional<std::int64_t> first_broken_seq;  // first row whose hash or link is wrong
  std::string reason;
};

struct StoreStatus {
  int schema_version = 0;
  std::string sqlcipher_version;
  std::string sqlite_version;
  std::int64_t residents = 0;
  std::int64_t records = 0;
  std::int64_t tombstones = 0;
  std::int64_t audit_entries = 0;
  std::int64_t file_bytes = 0;
  std::int64_t wal_bytes = 0;
  std::vector<OutboxCounts> outbox;
};

// [SECTION] Deletion requests (obligation withdrawn / regime corrected) -----------------------------

// One record a receiver holds (or may hold: an unsent record that was already attempted) of a resident
// whose obligation was withdrawn. Ids and hashes only.
struct DeletionRecord {
  std::string record_id;
  std::string package_sha256;  // what the receiver's acknowledgement named ("" if unknown)
  std::string payload_sha256;  // the terminal's own hash of the envelope bytes
};

// What a withdrawal asks of one receiver; the receipt (signed by the receiver, verified by balie-syncd
// under the route's ack key before it is stored) closes it.
struct DeletionRequestRow {
  std::string deletion_id;  // 32 lowercase hex, one per withdrawn resident
  std::string addressee;    // gemeentecode of the receiver
  std::string reason;       // obligation_withdrawn | regime_corrected
  std::vector<DeletionRecord> records;
  UtcTime created_at;
  int attempts = 0;
  std::string last_error;
  std::vector<std::uint8_t> receipt;  // empty until the receipt is in
  std::optional<UtcTime> receipt_at;
};

// Per withdrawn resident, for the staff status screen: no resident id, no personal data.
struct DeletionStatus {
  std::string deletion_id;
  std::string reason;
  UtcTime created_at;
  int dropped = 0;    // unsent records dropped on this terminal
  int receivers = 0;  // receivers asked to delete
  int receipts = 0;   // receivers whose signed receipt is in
};

bool is_deletion_reason(std::string_view reason);  // obligation_withdrawn | regime_corrected

}  // namespace balie::store
