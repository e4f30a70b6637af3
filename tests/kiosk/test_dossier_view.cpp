// Dossier view model tests: plain-language lines from DUO data, only groups with data, DUO's
// exclusive einddatum, masking, Wi2013 rules, medical grounds, unknown values, blocked flows,
// and every enumeration value of DUO's vocabulary has a text in every catalog.
#include <gtest/gtest.h>

#include <set>

#include "balie/text/catalog.h"
#include "session/dossier_view.h"

using namespace balie;
using namespace balie::session;
using namespace balie::calendar;

namespace {

store::ResidentView base_resident() {
  store::ResidentView v;
  v.resident.id = "r1";
  v.resident.naam_eigen_schrift = "\xD8\xB3\xD9\x84\xD9\x85\xD9\x89";
  v.resident.naam_latijns = "Salma";
  v.resident.bsn = "999990001";
  v.resident.v_nummer = "9990000001";
  v.resident.gemeentecode = "GM0363";
  v.resident.regime = store::Regime::Wi2021;
  v.resident.doelgroep = store::DoelgroepIndeling::Asielstatushouder;
  store::Inburgeringsplicht p;
  p.plichtig = true;
  p.begindatum = "2025-01-15";
  v.dossier.inburgeringsplicht = p;
  return v;
}

const Group* group(const DossierView& v, GroupId id) {
  for (const auto& g : v.groups)
    if (g.id == id) return &g;
  return nullptr;
}

bool has_key(const DossierView& v, const std::string& key) {
  for (const auto& g : v.groups)
    for (const auto& l : g.lines)
      if (l.key == key) return true;
  return v.next_step.key == key;
}

std::string arg(const Line& l, const std::string& name) {
  for (const auto& a : l.args)
    if (a.name == name) return a.value;
  return {};
}

const Line* line(const DossierView& v, const std::string& key) {
  for (const auto& g : v.groups)
    for (const auto& l : g.lines)
      if (l.key == key) return &l;
  return nullptr;
}

Day today() { return *parse_iso_date("2026-03-02"); }

}  // namespace

TEST(DossierView, OnlyGroupsWithDataAndAboutAlwaysLast) {
  auto v = build_dossier_view(base_resident(), today());
  ASSERT_GE(v.groups.size(), 3u);
  EXPECT_EQ(v.groups.front().id, GroupId::Identity);
  EXPECT_EQ(v.groups.back().id, GroupId::About);
  EXPECT_EQ(group(v, GroupId::Exams), nullptr);
  EXPECT_EQ(group(v, GroupId::Money), nullptr);
  EXPECT_EQ(group(v, GroupId::Term), nullptr);
}

TEST(DossierView, IdentifiersAreMasked) {
  auto v = build_dossier_view(base_resident(), today());
  EXPECT_EQ(arg(*line(v, "dossier.identity.bsn"), "number"), "****0001");
  EXPECT_EQ(arg(*line(v, "dossier.identity.v_nummer"), "number"), "****0001");
  EXPECT_EQ(mask_identifier("123"), "****");
  for (const auto& g : v.groups)
    for (const auto& l : g.lines)
      for (const auto& a : l.args) EXPECT_EQ(a.value.find("999990001"), std::string::npos);
}

TEST(DossierView, EinddatumIsExclusiveAndDaysLeftCount) {
  auto r = base_resident();
  store::Inburgeringstermijn t;
  t.startdatum = "2025-03-02";
  t.einddatum = "2028-03-02";  // DUO: exclusive
  r.dossier.inburgeringstermijn = t;
  auto v = build_dossier_view(r, today());
  EXPECT_EQ(arg(*line(v, "dossier.term.last_day"), "date"), "2028-03-01");
  EXPECT_EQ(arg(*line(v, "dossier.term.days_left"), "days"), "731");
  const Group* g = group(v, GroupId::Term);
  ASSERT_TRUE(g && g->timeline);
  EXPECT_NEAR(g->timeline->fraction, 365.0f / 1095.0f, 0.01f);
}

TEST(DossierView, TermInThePastAndDatesOutOfOrderDoNotCrash) {
  auto r = base_resident();
  store::Inburgeringstermijn t;
  t.startdatum = "2025-03-02";
  t.einddatum = "2024-01-01";
  r.dossier.inburgeringstermijn = t;
  auto v = build_dossier_view(r, today());
  EXPECT_TRUE(has_key(v, "dossier.term.ended"));
  EXPECT_FALSE(group(v, GroupId::Term)->timeline.has_value());
  EXPECT_FALSE(v.unknown_values.empty());
  r.dossier.inburgeringstermijn->einddatum = "2026-02-31";
  auto v2 = build_dossier_view(r, today());
  EXPECT_NE(std::find(v2.unknown_values.begin(), v2.unknown_values.end(), "termijn.einddatum=<invalid date>"),
            v2.unknown_values.end());
}

TEST(DossierView, OpenPvtIsTheNextStepUnderWi2021) {
  auto v = build_dossier_view(base_resident(), today());
  EXPECT_TRUE(v.pvt_open);
  EXPECT_EQ(v.next_step.key, "dossier.next.sign_pvt");
  EXPECT_TRUE(v.can_start_flows);
}

TEST(DossierView, Wi2013ResidentsNeverSeeWi2021Steps) {
  auto r = base_resident();
  r.resident.regime = store::Regime::Wi2013;
  store::Pip pip;
  pip.leerroute = store::Leerroute::Z;
  pip.dagtekening = "2025-02-01";
  r.dossier.pip = pip;
  store::MapPvtZroute m;
  m.datum_eindgesprek_map = "2025-10-01";
  m.datum_afronding_zroute = "2025-11-01";
  r.dossier.map_pvt_zroute = m;
  store::Afspraak a;
  a.moment = "2026-03-10T10:00";
  a.soort = store::AfspraakSoort::Map;
  r.dossier.afspraken.push_back(a);
  auto v = build_dossier_view(r, today());
  EXPECT_EQ(group(v, GroupId::Plan), nullptr);
  EXPECT_FALSE(has_key(v, "dossier.participation.map_done"));
  EXPECT_FALSE(has_key(v, "dossier.participation.zroute_done"));
  EXPECT_FALSE(has_key(v, "dossier.participation.pvt_due"));
  EXPECT_TRUE(has_key(v, "dossier.participation.pvt_wi2013"));
  EXPECT_FALSE(v.pvt_open) << "the Wi2021 signing flow must not be offered";
  EXPECT_NE(v.next_step.key, "dossier.next.sign_pvt");
  EXPECT_NE(v.next_step.key, "dossier.next.appointment") << "a MAP appointment is a Wi2021 step";
}

TEST(DossierView, NextAppointmentComesFirst) {
  auto r = base_resident();
  store::Afspraak past, later, sooner;
  past.moment = "2026-02-01T10:00";
  past.soort = store::AfspraakSoort::BredeIntake;
  later.moment = "2026-04-01T10:00";
  later.soort = store::AfspraakSoort::Voortgang;
  sooner.moment = "2026-03-05T14:30";
  sooner.soort = store::AfspraakSoort::Leerbaarheidstoets;
  r.dossier.afspraken = {past, later, sooner};
  auto v = build_dossier_view(r, today());
  EXPECT_EQ(v.next_step.key, "dossier.next.appointment");
  EXPECT_EQ(arg(v.next_step, "date"), "2026-03-05");
  EXPECT_EQ(arg(v.next_step, "time"), "14:30");
  EXPECT_EQ(arg(v.next_step, "kind"), "enum.afspraak.leerbaarheidstoets");
}

TEST(DossierView, MedicalGroundIsShownOnlyAsMedical) {
  auto r = base_resident();
  store::Ontheffing o;
  o.soort = store::OntheffingSoort::Geheel;
  o.grond = store::OntheffingsGrond::MED;
  o.oordeel = store::AanvraagOordeel::Toekenning;
  r.dossier.ontheffingen.push_back(o);
  auto v = build_dossier_view(r, today());
  const Line* l = line(v, "dossier.exemptions.ontheffing");
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(arg(*l, "ground"), "enum.grond.med");
}

TEST(DossierView, UnknownValuesShowAsUnknownAndAreReportedWithoutTheirContent) {
  auto r = base_resident();
  r.resident.regime = store::Coded<store::Regime>::parse("Wi2030");
  r.resident.doelgroep = store::Coded<store::DoelgroepIndeling>::parse("Geheim <script>");
  auto v = build_dossier_view(r, today());
  EXPECT_EQ(arg(*line(v, "dossier.identity.regime"), "law"), "common.unknown");
  EXPECT_EQ(arg(*line(v, "dossier.identity.doelgroep"), "group"), "common.unknown");
  ASSERT_FALSE(v.unknown_values.empty());
  for (const auto& u : v.unknown_values) EXPECT_EQ(u.find("Geheim"), std::string::npos) << u;
  EXPECT_FALSE(v.can_start_flows);
  EXPECT_EQ(v.flows_blocked_key, "dossier.blocked.regime_unknown");
}

TEST(DossierView, MissingMunicipalityBlocksFlows) {
  auto r = base_resident();
  r.resident.gemeentecode.clear();
  auto v = build_dossier_view(r, today());
  EXPECT_FALSE(v.can_start_flows);
  EXPECT_EQ(v.flows_blocked_key, "dossier.blocked.no_municipality");
  EXPECT_TRUE(has_key(v, "dossier.identity.municipality_unknown"));
}

TEST(DossierView, WipeOverwritesEverything) {
  auto v = build_dossier_view(base_resident(), today());
  wipe(v);
  EXPECT_TRUE(v.name_latin.empty());
  EXPECT_TRUE(v.groups.empty());
}

// Builds a dossier that uses every value of every DUO enumeration, renders it, and checks that
// every catalog key the view produces exists in every catalog (so nothing shows as a raw key).
TEST(DossierView, EveryEnumerationValueHasATextInEveryCatalog) {
  std::vector<store::ResidentView> views;
  auto add = [&](auto fill) {
    auto r = base_resident();
    fill(r);
    views.push_back(r);
  };
  for (const auto& e : store::enum_table(store::Regime{})) add([&](auto& r) { r.resident.regime = e.value; });
  for (const auto& e : store::enum_table(store::DoelgroepIndeling{})) add([&](auto& r) { r.resident.doelgroep = e.value; });
  for (const auto& e : store::enum_table(store::RedenGeenPlicht{}))
    add([&](auto& r) {
      r.dossier.inburgeringsplicht->plichtig = false;
      r.dossier.inburgeringsplicht->reden_geen_plicht = e.value;
    });
  for (const auto& e : store::enum_table(store::IntakeStatus{}))
    add([&](auto& r) { r.dossier.brede_intake = store::BredeIntake{e.value, "2026-01-01", {}}; });
  for (const auto& e : store::enum_table(store::LbtResultaat{}))
    add([&](auto& r) { r.dossier.leerbaarheidstoets = store::Leerbaarheidstoets{e.value, "", "", "", {}}; });
  auto pip = [&](auto fill) {
    add([&](auto& r) {
      store::Pip p;
      p.dagtekening = "2025-06-01";
      fill(p);
      r.dossier.pip = p;
    });
  };
  for (const auto& e : store::enum_table(store::Leerroute{})) pip([&](auto& p) { p.leerroute = e.value; });
  for (const auto& e : store::enum_table(store::NiveauPip{})) pip([&](auto& p) { p.niveau = e.value; });
  for (const auto& e : store::enum_table(store::Alfabetisering{})) pip([&](auto& p) { p.alfabetisering = e.value; });
  for (const auto& o : store::enum_table(store::ExamenOnderdeel{}))
    for (const auto& res : store::enum_table(store::ExamenResultaat{}))
      add([&](auto& r) {
        store::Examen x;
        x.onderdeel = o.value;
        x.resultaat = res.value;
        x.examendatum = "2026-01-10";
        r.dossier.examens.push_back(x);
        store::GratisPogingen g;
        g.onderdeel = o.value;
        g.tegoed = 2;
        r.dossier.gratis_pogingen.push_back(g);
      });
  for (const auto& s : store::enum_table(store::VrijstellingSoort{}))
    for (const auto& o : store::enum_table(store::AanvraagOordeel{}))
      add([&](auto& r) {
        store::Vrijstelling v;
        v.soort = s.value;
        v.oordeel = o.value;
        r.dossier.vrijstellingen.push_back(v);
      });
  for (const auto& s : store::enum_table(store::OntheffingSoort{}))
    for (const auto& g : store::enum_table(store::OntheffingsGrond{}))
      add([&](auto& r) {
        store::Ontheffing o;
        o.soort = s.value;
        o.grond = g.value;
        o.oordeel = store::AanvraagOordeel::Toekenning;
        r.dossier.ontheffingen.push_back(o);
      });
  for (const auto& h : store::enum_table(store::HandhavingSoort{}))
    add([&](auto& r) {
      store::Handhaving x;
      x.soort = h.value;
      x.datum = "2026-01-05";
      x.bedrag_eurocent = 34000;
      x.herkomst.bron = store::Bron::Gemeente;
      r.dossier.handhaving.push_back(x);
    });
  for (const auto& a : store::enum_table(store::AfspraakSoort{}))
    add([&](auto& r) {
      store::Afspraak x;
      x.moment = "2026-03-09T09:00";
      x.soort = a.value;
      r.dossier.afspraken.push_back(x);
    });
  for (const auto& b : store::enum_table(store::Bron{}))
    add([&](auto& r) { r.dossier.inburgeringsplicht->herkomst = store::Provenance{b.value, "2026-02-28"}; });
  add([&](auto& r) {
    store::MapPvtZroute m;
    m.datum_eindgesprek_map = "2025-12-01";
    m.datum_ondertekening_pvt = "2025-12-02";
    m.datum_afronding_zroute = "2025-12-03";
    r.dossier.map_pvt_zroute = m;
    r.dossier.inburgeringstermijn = store::Inburgeringstermijn{"2025-01-01", "2028-01-01", {{"2027-01-01", "2028-06-01", "X", "ziekte"}}, {}};
    r.dossier.inburgeringsaanbod = store::Inburgeringsaanbod{"2025-02-01", "2025-03-01", "2026-03-01", {}, "Taalschool", {}};
    r.dossier.gevolgde_uren = store::GevolgdeUren{10, 20, 30, {}};
    r.dossier.contactpersoon = store::Contactpersoon{"Jan", "jan@example.nl", "020-1234567", {}};
    r.dossier.maatschappelijke_begeleiding = store::MaatschappelijkeBegeleiding{"VluchtelingenWerk", "2025-01-01", "2026-01-01", {}};
    r.dossier.financieel_ontzorgen = store::FinancieelOntzorgen{"2025-01-01", "2025-07-01", {}};
  });

  std::set<std::string> keys;
  std::set<GroupId> groups;
  for (const auto& rv : views) {
    auto v = build_dossier_view(rv, today());
    EXPECT_TRUE(v.unknown_values.empty()) << v.unknown_values.front();
    keys.insert(v.next_step.key);
    for (const auto& a : v.next_step.args)
      if (a.kind == Arg::Kind::Key) keys.insert(a.value);
    if (!v.flows_blocked_key.empty()) keys.insert(v.flows_blocked_key);
    for (const auto& g : v.groups) {
      groups.insert(g.id);
      keys.insert(g.title_key);
      for (const auto& l : g.lines) {
        keys.insert(l.key);
        for (const auto& a : l.args)
          if (a.kind == Arg::Kind::Key) keys.insert(a.value);
      }
    }
  }
  EXPECT_EQ(groups.size(), static_cast<size_t>(GroupId::kCount)) << "every dossier group is rendered";
  const std::string dir = std::string(BALIE_SOURCE_DIR) + "/assets/i18n/";
  for (const char* lang : {"nl", "en", "ar", "ti", "tr", "fa", "so", "ku", "ckb"}) {
    auto cat = text::load_po_file(dir + lang + ".po");
    ASSERT_TRUE(cat.ok()) << lang;
    for (const auto& k : keys) EXPECT_NE(cat.value().find(k), nullptr) << lang << ".po lacks " << k;
  }
}

// Issue 16, "Staff and the dossier": each of these failed on the view before the fix.
TEST(DossierView, LanguageAndParticipationHoursAreShownSeparately) {
  auto v = base_resident();
  store::GevolgdeUren u;
  u.participatie_als_taalles = 120;
  u.taalles_en_knm_brede_intake = 30;
  u.participatieactiviteiten_brede_intake = 45;
  v.dossier.gevolgde_uren = u;
  const auto d = build_dossier_view(v, today());
  const Line* lang = line(d, "dossier.course.hours_language");
  const Line* part = line(d, "dossier.course.hours_participation");
  ASSERT_TRUE(lang && part);
  EXPECT_EQ(arg(*lang, "hours"), "150");  // Dutch and KNM lessons, at school and in the brede intake
  EXPECT_EQ(arg(*part, "hours"), "45");
  EXPECT_FALSE(has_key(d, "dossier.course.hours")) << "never one sum of both counts";
}

TEST(DossierView, TheAppointmentsPlaceIsInTheNextStep) {
  auto v = base_resident();
  store::Afspraak a;
  a.moment = "2026-03-05T10:30";
  a.soort = store::AfspraakSoort::PipGesprek;
  a.locatie = "Stadsloket Zuidoost, Bijlmerplein 5";
  v.dossier.afspraken.push_back(a);
  const auto d = build_dossier_view(v, today());
  EXPECT_EQ(d.next_step.key, "dossier.next.appointment_at");
  EXPECT_EQ(arg(d.next_step, "place"), "Stadsloket Zuidoost, Bijlmerplein 5");
  for (const auto& x : d.next_step.args)
    if (x.name == "place") EXPECT_EQ(x.kind, Arg::Kind::Untrusted);
  v.dossier.afspraken[0].locatie.clear();
  EXPECT_EQ(build_dossier_view(v, today()).next_step.key, "dossier.next.appointment");
}

TEST(DossierView, LateDuoNoticeIsUnknownNeverNotObliged) {
  auto v = base_resident();
  v.dossier.inburgeringsplicht.reset();  // no inburgeringsplicht data yet
  auto d = build_dossier_view(v, today());
  EXPECT_TRUE(has_key(d, "dossier.identity.obligation_unknown"));
  EXPECT_EQ(d.next_step.key, "dossier.next.obligation_unknown");
  // The indicator itself missing: plichtig is false in the struct, but not known.
  store::Inburgeringsplicht p;
  p.plichtig_onbekend = true;
  v.dossier.inburgeringsplicht = p;
  d = build_dossier_view(v, today());
  EXPECT_FALSE(has_key(d, "dossier.identity.not_obliged"));
  EXPECT_FALSE(has_key(d, "dossier.identity.obligation_ended"));
  EXPECT_NE(d.next_step.key, "dossier.next.none_obligation_ended");
  EXPECT_EQ(d.next_step.key, "dossier.next.obligation_unknown");
  EXPECT_FALSE(d.pvt_open);
  // DUO says "not obliged" explicitly: that is still shown as such.
  v.dossier.inburgeringsplicht->plichtig_onbekend = false;
  EXPECT_TRUE(has_key(build_dossier_view(v, today()), "dossier.identity.not_obliged"));
}

TEST(DossierView, AfterSigningHereTheNextStepSaysWhenAndWhatTheMunicipalityDoes) {
  auto v = base_resident();
  store::RecordSummary rec;
  rec.kind = "pvt.ondertekend";
  // 23:30 UTC on 2 March is 00:30 on 3 March in Amsterdam: signed on the 3rd.
  rec.created_at = store::UtcTime(std::chrono::seconds(1772494200));
  v.records.push_back(rec);
  const auto d = build_dossier_view(v, today());
  EXPECT_EQ(d.next_step.key, "dossier.next.pvt_signed");
  EXPECT_EQ(arg(d.next_step, "date"), "2026-03-03");
  EXPECT_FALSE(d.pvt_open) << "no 'sign the declaration' above 'you signed it'";
  EXPECT_FALSE(has_key(d, "dossier.participation.pvt_open"));
  const Line* signed_line = line(d, "dossier.participation.pvt_signed");
  ASSERT_TRUE(signed_line);
  EXPECT_EQ(arg(*signed_line, "date"), "2026-03-03");
  // Once DUO registered it, DUO's date is shown and the next step says DUO has it.
  v.dossier.map_pvt_zroute = store::MapPvtZroute{};
  v.dossier.map_pvt_zroute->datum_ondertekening_pvt = "2026-03-03";
  EXPECT_EQ(build_dossier_view(v, today()).next_step.key, "dossier.next.pvt_registered");
}

TEST(DossierView, WhenSigningIsNotOfferedTheReasonIsTheNextStepNotSignIt) {
  auto v = base_resident();  // plichtig under Wi2021, no PVT date: the PVT is open
  EXPECT_EQ(build_dossier_view(v, today()).next_step.key, "dossier.next.sign_pvt");
  const auto d = build_dossier_view(v, today(), "signing.blocked.no_pip");
  EXPECT_TRUE(d.pvt_open);
  EXPECT_EQ(d.next_step.key, "signing.blocked.no_pip");
}
