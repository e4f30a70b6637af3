// build_dossier_view: DUO dossier data -> plain-language lines (see dossier_view.h for the rules).
#include "session/dossier_view.h"

#include <algorithm>
#include <map>

#include "balie/platform/secure_wipe.h"

namespace balie::session {

using namespace balie::calendar;

using namespace std::chrono;
using store::Coded;

namespace {

Arg text(std::string name, std::string v) { return Arg{Arg::Kind::Text, std::move(name), std::move(v)}; }
Arg untrusted(std::string name, std::string v) { return Arg{Arg::Kind::Untrusted, std::move(name), std::move(v)}; }
Arg date(std::string name, std::string v) { return Arg{Arg::Kind::Date, std::move(name), std::move(v)}; }
Arg number(std::string name, long long v) { return Arg{Arg::Kind::Number, std::move(name), std::to_string(v)}; }
Arg key(std::string name, std::string k) { return Arg{Arg::Kind::Key, std::move(name), std::move(k)}; }

class Builder {
 public:
  Builder(const store::ResidentView& v, Day today) : v_(v), today_(today) {}

  // Catalog key of an enumeration value; unknown values are noted and shown as "unknown".
  template <class E>
  std::string enum_key(std::string_view field, const Coded<E>& c) {
    if (!c.present()) return "common.unknown";
    if (!c.known()) {
      // The raw value is municipality data: logged by field name and length only.
      unknown_.push_back(std::string(field) + "=<" + std::to_string(c.raw.size()) + " bytes>");
      return "common.unknown";
    }
    // Key from the raw DUO value: lowercase, runs of other characters become one '_'.
    std::string k = "enum." + std::string(field) + ".";
    bool sep = false;
    for (char ch : c.raw) {
      const bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z');
      if (!alnum) {
        sep = true;
        continue;
      }
      if (sep && k.back() != '.') k += '_';
      sep = false;
      k += static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
    }
    return k;
  }
  bool valid_date(const std::string& d) { return parse_iso_date(d).has_value(); }
  void note_bad_date(std::string_view field, const std::string& d) {
    if (!d.empty() && !valid_date(d)) unknown_.push_back(std::string(field) + "=<invalid date>");
  }
  Arg date_or_unknown(std::string name, const std::string& d, std::string_view field) {
    if (valid_date(d)) return date(std::move(name), d);
    note_bad_date(field, d);
    return key(std::move(name), "common.unknown");
  }

  const store::ResidentView& v_;
  Day today_;
  std::vector<std::string> unknown_;
};

// DUO said plichtig yes or no; false when the notice is late (no data, or the indicator missing).
bool plicht_known(const store::Dossier& d) { return d.inburgeringsplicht && !d.inburgeringsplicht->plichtig_onbekend; }

bool valid_iso(const std::string& s) { return parse_iso_date(s).has_value(); }

bool wi2013_or_older(const store::Resident& r) {
  return r.regime.value == store::Regime::Wi2013 || r.regime.value == store::Regime::Wi2007;
}

void add_provenance(std::map<std::string, std::string>& latest, const store::Provenance& p) {
  if (!p.bron.present()) return;
  std::string& d = latest[p.bron.raw];
  if (p.bekend_tot > d) d = p.bekend_tot;
}

}  // namespace

std::string mask_identifier(std::string_view id) {
  if (id.size() <= 4) return "****";
  return "****" + std::string(id.substr(id.size() - 4));
}

std::string gemeente_name(std::string_view code) {
  static const std::map<std::string_view, std::string_view> kNames = {
      {"GM0363", "Amsterdam"}, {"GM0344", "Utrecht"},   {"GM0599", "Rotterdam"},
      {"GM0518", "'s-Gravenhage"}, {"GM0014", "Groningen"}, {"GM0034", "Almere"},
      {"GM0772", "Eindhoven"}, {"GM0193", "Zwolle"},
  };
  auto it = kNames.find(code);
  return it == kNames.end() ? std::string(code) : std::string(it->second);
}

DossierView build_dossier_view(const store::ResidentView& rv, Day today, std::string_view pvt_not_offered_key) {
  Builder b(rv, today);
  const store::Resident& r = rv.resident;
  const store::Dossier& d = rv.dossier;
  const bool old_regime = wi2013_or_older(r);
  DossierView out;
  out.name_own_script = r.naam_eigen_schrift;
  out.name_latin = r.naam_latijns;
  std::map<std::string, std::string> sources;  // bron -> latest bekend_tot
  // The Amsterdam day of this device's newest signed declaration for the resident ("" when none).
  std::string signed_here;
  for (const auto& rec : rv.records) {
    if (rec.kind != "pvt.ondertekend") continue;
    const std::string day = to_iso(local_day(std::chrono::system_clock::time_point(rec.created_at)));
    if (day > signed_here) signed_here = day;
  }

  // 1. Who I am and my status
  {
    Group g{GroupId::Identity, "dossier.identity.title", {}, {}};
    const std::string& shown = r.naam_eigen_schrift.empty() ? r.naam_latijns : r.naam_eigen_schrift;
    g.lines.push_back(Line{"dossier.identity.name", {untrusted("name", shown)}});
    if (!r.naam_latijns.empty() && r.naam_latijns != shown)
      g.lines.push_back(Line{"dossier.identity.name_latin", {untrusted("name", r.naam_latijns)}});
    if (!r.v_nummer.empty()) g.lines.push_back(Line{"dossier.identity.v_nummer", {text("number", mask_identifier(r.v_nummer))}});
    if (!r.bsn.empty()) g.lines.push_back(Line{"dossier.identity.bsn", {text("number", mask_identifier(r.bsn))}});
    if (r.doelgroep.present())
      g.lines.push_back(Line{"dossier.identity.doelgroep", {key("group", b.enum_key("doelgroep", r.doelgroep))}});
    if (r.regime.present())
      g.lines.push_back(Line{"dossier.identity.regime", {key("law", b.enum_key("regime", r.regime))}});
    if (!plicht_known(d)) {
      // DUO's notice is late (no data yet, or the indicator missing): "unknown", never "not obliged".
      if (d.inburgeringsplicht) add_provenance(sources, d.inburgeringsplicht->herkomst);
      if (!old_regime) g.lines.push_back(Line{"dossier.identity.obligation_unknown", {}});
    } else {
      const auto& p = *d.inburgeringsplicht;
      add_provenance(sources, p.herkomst);
      if (p.plichtig) {
        if (!p.begindatum.empty())
          g.lines.push_back(Line{"dossier.identity.obliged_since", {b.date_or_unknown("date", p.begindatum, "plicht.begindatum")}});
        else
          g.lines.push_back(Line{"dossier.identity.obliged", {}});
      } else if (p.reden_geen_plicht.present()) {
        g.lines.push_back(Line{"dossier.identity.obligation_ended", {key("reason", b.enum_key("reden_geen_plicht", p.reden_geen_plicht))}});
      } else {
        g.lines.push_back(Line{"dossier.identity.not_obliged", {}});
      }
    }
    if (!r.gemeentecode.empty())
      g.lines.push_back(Line{"dossier.identity.municipality", {text("municipality", gemeente_name(r.gemeentecode))}});
    else
      g.lines.push_back(Line{"dossier.identity.municipality_unknown", {}, true});
    out.groups.push_back(std::move(g));
  }

  // 2. My time limit
  if (d.inburgeringstermijn) {
    const auto& t = *d.inburgeringstermijn;
    add_provenance(sources, t.herkomst);
    Group g{GroupId::Term, "dossier.term.title", {}, {}};
    auto start = parse_iso_date(t.startdatum);
    auto end_excl = parse_iso_date(t.einddatum);
    b.note_bad_date("termijn.startdatum", t.startdatum);
    b.note_bad_date("termijn.einddatum", t.einddatum);
    if (start) g.lines.push_back(Line{"dossier.term.start", {date("date", t.startdatum)}});
    if (end_excl) {
      const Day last = *end_excl - days(1);  // DUO's einddatum is exclusive
      g.lines.push_back(Line{"dossier.term.last_day", {date("date", to_iso(last))}});
      const int left = std::max(0, static_cast<int>((last - today).count()) + 1);
      if (last >= today) {
        g.lines.push_back(Line{"dossier.term.days_left", {number("days", left)}, left <= 90});
      } else {
        g.lines.push_back(Line{"dossier.term.ended", {}, true});
      }
      if (start && *start < *end_excl) {
        Timeline tl;
        tl.start = *start;
        tl.last_day = last;
        tl.today = today;
        const float total = static_cast<float>((last - *start).count());
        tl.fraction = std::clamp(static_cast<float>((today - *start).count()) / std::max(1.0f, total), 0.0f, 1.0f);
        tl.days_left = left;
        g.timeline = tl;
      } else if (start) {
        b.unknown_.push_back("termijn=<dates out of order>");
      }
    }
    for (const auto& v : t.verlengingen) {
      auto nd = parse_iso_date(v.nieuwe_einddatum);
      Line l{"dossier.term.extension", {}};
      l.args.push_back(nd ? date("date", to_iso(*nd - days(1))) : key("date", "common.unknown"));
      l.args.push_back(v.verlengingsgrondomschrijving.empty() ? key("reason", "common.unknown")
                                                              : untrusted("reason", v.verlengingsgrondomschrijving));
      g.lines.push_back(std::move(l));
    }
    if (!g.lines.empty()) out.groups.push_back(std::move(g));
  }

  // 3. My plan (PIP) - Wi2021 only; Wi2013 residents never see Wi2021 steps.
  if (!old_regime && (d.pip || d.leerbaarheidstoets || d.brede_intake)) {
    Group g{GroupId::Plan, "dossier.plan.title", {}, {}};
    if (d.brede_intake) {
      add_provenance(sources, d.brede_intake->herkomst);
      Line l{"dossier.plan.intake", {key("status", b.enum_key("intake", d.brede_intake->status))}};
      if (!d.brede_intake->datum.empty()) {
        l.key = "dossier.plan.intake_on";
        l.args.push_back(b.date_or_unknown("date", d.brede_intake->datum, "intake.datum"));
      }
      g.lines.push_back(std::move(l));
    }
    if (d.leerbaarheidstoets) {
      add_provenance(sources, d.leerbaarheidstoets->herkomst);
      g.lines.push_back(Line{"dossier.plan.lbt", {key("result", b.enum_key("lbt", d.leerbaarheidstoets->resultaat))}});
    }
    if (d.pip) {
      const auto& p = *d.pip;
      add_provenance(sources, p.herkomst);
      if (p.leerroute.present())
        g.lines.push_back(Line{"dossier.plan.route", {key("route", b.enum_key("leerroute", p.leerroute))}});
      if (p.niveau.present()) g.lines.push_back(Line{"dossier.plan.level", {key("level", b.enum_key("niveau", p.niveau))}});
      if (p.geschatte_intensiteit)
        g.lines.push_back(Line{"dossier.plan.hours", {number("hours", *p.geschatte_intensiteit)}});
      if (p.alfabetisering.present())
        g.lines.push_back(Line{"dossier.plan.literacy", {key("literacy", b.enum_key("alfabetisering", p.alfabetisering))}});
      if (!p.dagtekening.empty())
        g.lines.push_back(Line{"dossier.plan.pip_date",
                               {b.date_or_unknown("date", p.dagtekening, "pip.dagtekening"),
                                text("municipality", gemeente_name(r.gemeentecode))}});
    }
    if (!g.lines.empty()) out.groups.push_back(std::move(g));
  }

  // 4. My course
  if (d.inburgeringsaanbod || d.gevolgde_uren) {
    Group g{GroupId::Course, "dossier.course.title", {}, {}};
    if (d.inburgeringsaanbod) {
      const auto& a = *d.inburgeringsaanbod;
      add_provenance(sources, a.herkomst);
      if (!a.instelling.empty()) g.lines.push_back(Line{"dossier.course.school", {untrusted("school", a.instelling)}});
      if (!a.verwachte_startdatum.empty() || !a.verwachte_einddatum.empty())
        g.lines.push_back(Line{"dossier.course.dates",
                               {b.date_or_unknown("start", a.verwachte_startdatum, "aanbod.start"),
                                b.date_or_unknown("end", a.verwachte_einddatum, "aanbod.eind")}});
    }
    if (d.gevolgde_uren) {
      const auto& u = *d.gevolgde_uren;
      add_provenance(sources, u.herkomst);
      // Two different counts for DUO: language lessons (Dutch and KNM, at the school and in the brede
      // intake) and participation activities; never one sum.
      const long long language = static_cast<long long>(std::max(0, u.participatie_als_taalles)) +
                                 std::max(0, u.taalles_en_knm_brede_intake);
      g.lines.push_back(Line{"dossier.course.hours_language", {number("hours", language)}});
      g.lines.push_back(Line{"dossier.course.hours_participation",
                             {number("hours", std::max(0, u.participatieactiviteiten_brede_intake))}});
    }
    if (!g.lines.empty()) out.groups.push_back(std::move(g));
  }

  // 5. Participation: PVT, MAP, Z-route
  {
    Group g{GroupId::Participation, "dossier.participation.title", {}, {}};
    const store::MapPvtZroute* m = d.map_pvt_zroute ? &*d.map_pvt_zroute : nullptr;
    if (m) add_provenance(sources, m->herkomst);
    const bool plichtig = plicht_known(d) && d.inburgeringsplicht->plichtig;
    if (m && !m->datum_ondertekening_pvt.empty()) {
      g.lines.push_back(Line{"dossier.participation.pvt_signed", {b.date_or_unknown("date", m->datum_ondertekening_pvt, "pvt.datum")}});
    } else if (!signed_here.empty()) {
      g.lines.push_back(Line{"dossier.participation.pvt_signed", {date("date", signed_here)}});
    } else if (plichtig && !old_regime) {
      out.pvt_open = true;
      if (d.inburgeringstermijn && parse_iso_date(d.inburgeringstermijn->einddatum))
        g.lines.push_back(Line{"dossier.participation.pvt_due",
                               {date("date", to_iso(*parse_iso_date(d.inburgeringstermijn->einddatum) - days(1)))}});
      else
        g.lines.push_back(Line{"dossier.participation.pvt_open", {}});
    } else if (plichtig && old_regime) {
      g.lines.push_back(Line{"dossier.participation.pvt_wi2013", {}});
    }
    if (!old_regime && m) {
      if (!m->datum_eindgesprek_map.empty())
        g.lines.push_back(Line{"dossier.participation.map_done", {b.date_or_unknown("date", m->datum_eindgesprek_map, "map.datum")}});
      if (!m->datum_afronding_zroute.empty())
        g.lines.push_back(Line{"dossier.participation.zroute_done", {b.date_or_unknown("date", m->datum_afronding_zroute, "zroute.datum")}});
    }
    if (!g.lines.empty()) out.groups.push_back(std::move(g));
  }

  // 6. Exams per part, with free attempts left
  if (!d.examens.empty() || !d.gratis_pogingen.empty()) {
    Group g{GroupId::Exams, "dossier.exams.title", {}, {}};
    for (const auto& e : d.examens) {
      add_provenance(sources, e.herkomst);
      Line l{"dossier.exams.result",
             {key("part", b.enum_key("onderdeel", e.onderdeel)), key("result", b.enum_key("examenresultaat", e.resultaat)),
              b.date_or_unknown("date", e.examendatum, "examen.datum")}};
      g.lines.push_back(std::move(l));
    }
    for (const auto& p : d.gratis_pogingen) {
      add_provenance(sources, p.herkomst);
      g.lines.push_back(Line{"dossier.exams.free_attempts",
                             {key("part", b.enum_key("onderdeel", p.onderdeel)), number("count", std::max(0, p.tegoed))}});
    }
    out.groups.push_back(std::move(g));
  }

  // 7. Exemptions and dispensations (medical ground only as "medical")
  if (!d.vrijstellingen.empty() || !d.ontheffingen.empty()) {
    Group g{GroupId::Exemptions, "dossier.exemptions.title", {}, {}};
    for (const auto& v : d.vrijstellingen) {
      add_provenance(sources, v.herkomst);
      g.lines.push_back(Line{"dossier.exemptions.vrijstelling",
                             {key("kind", b.enum_key("vrijstelling", v.soort)), key("decision", b.enum_key("oordeel", v.oordeel))}});
    }
    for (const auto& o : d.ontheffingen) {
      add_provenance(sources, o.herkomst);
      g.lines.push_back(Line{"dossier.exemptions.ontheffing",
                             {key("kind", b.enum_key("ontheffing", o.soort)), key("ground", b.enum_key("grond", o.grond)),
                              key("decision", b.enum_key("oordeel", o.oordeel))}});
    }
    out.groups.push_back(std::move(g));
  }

  // 8. Money and warnings
  if (!d.handhaving.empty() || d.financieel_ontzorgen) {
    Group g{GroupId::Money, "dossier.money.title", {}, {}};
    for (const auto& h : d.handhaving) {
      add_provenance(sources, h.herkomst);
      Line l{"dossier.money.measure", {key("kind", b.enum_key("handhaving", h.soort)), b.date_or_unknown("date", h.datum, "handhaving.datum")}, true};
      if (h.bedrag_eurocent) {
        l.key = "dossier.money.fine";
        const long long c = std::max<long long>(0, *h.bedrag_eurocent);
        char buf[32];
        std::snprintf(buf, sizeof buf, "%lld,%02lld", c / 100, c % 100);
        l.args.push_back(text("amount", buf));
      }
      g.lines.push_back(std::move(l));
    }
    if (d.financieel_ontzorgen) {
      add_provenance(sources, d.financieel_ontzorgen->herkomst);
      g.lines.push_back(Line{"dossier.money.ontzorgen",
                             {b.date_or_unknown("start", d.financieel_ontzorgen->startdatum, "ontzorgen.start"),
                              b.date_or_unknown("end", d.financieel_ontzorgen->einddatum, "ontzorgen.eind")}});
    }
    out.groups.push_back(std::move(g));
  }

  // 9. Help
  if (d.contactpersoon || d.maatschappelijke_begeleiding) {
    Group g{GroupId::Help, "dossier.help.title", {}, {}};
    if (d.contactpersoon) {
      const auto& c = *d.contactpersoon;
      add_provenance(sources, c.herkomst);
      if (!c.naam.empty()) g.lines.push_back(Line{"dossier.help.contact", {untrusted("name", c.naam)}});
      if (!c.telefoonnummer.empty()) g.lines.push_back(Line{"dossier.help.phone", {untrusted("phone", c.telefoonnummer)}});
      if (!c.email.empty()) g.lines.push_back(Line{"dossier.help.email", {untrusted("email", c.email)}});
    }
    if (d.maatschappelijke_begeleiding && !d.maatschappelijke_begeleiding->organisatie.empty()) {
      add_provenance(sources, d.maatschappelijke_begeleiding->herkomst);
      g.lines.push_back(Line{"dossier.help.guidance", {untrusted("organisation", d.maatschappelijke_begeleiding->organisatie)}});
    }
    if (!g.lines.empty()) out.groups.push_back(std::move(g));
  }

  // 10. About this screen: sources and freshness
  {
    Group g{GroupId::About, "dossier.about.title", {}, {}};
    for (const auto& [bron, until] : sources) {
      Line l{"dossier.about.source", {key("source", b.enum_key("bron", Coded<store::Bron>::parse(bron)))}};
      if (!until.empty()) {
        l.key = "dossier.about.source_until";
        l.args.push_back(b.date_or_unknown("date", until, "bekend_tot"));
      }
      g.lines.push_back(std::move(l));
    }
    g.lines.push_back(Line{"dossier.about.wrong", {}});
    out.groups.push_back(std::move(g));
  }

  // "What happens next": one step, most urgent first.
  const store::Afspraak* next = nullptr;
  for (const auto& a : d.afspraken) {
    auto day = a.moment.size() >= 10 ? parse_iso_date(std::string_view(a.moment).substr(0, 10)) : std::nullopt;
    if (!day || *day < today) continue;
    if (old_regime && (a.soort.value == store::AfspraakSoort::Map || a.soort.value == store::AfspraakSoort::PipGesprek)) continue;
    if (!next || a.moment < next->moment) next = &a;
  }
  if (next) {
    out.next_step = Line{"dossier.next.appointment",
                         {key("kind", b.enum_key("afspraak", next->soort)), date("date", next->moment.substr(0, 10)),
                          text("time", next->moment.size() >= 16 ? next->moment.substr(11, 5) : std::string())}};
    if (!next->locatie.empty()) {  // where to go: the municipality's own text
      out.next_step.key = "dossier.next.appointment_at";
      out.next_step.args.push_back(untrusted("place", next->locatie));
    }
  } else if (!signed_here.empty() && !(d.map_pvt_zroute && !d.map_pvt_zroute->datum_ondertekening_pvt.empty())) {
    // Signed on this terminal, not yet registered by DUO: the municipality registers it next.
    out.next_step = Line{"dossier.next.pvt_signed", {date("date", signed_here)}};
  } else if (out.pvt_open) {
    // Not "sign it" when the kiosk cannot offer it: the plain reason is the step (issue 16).
    out.next_step = Line{pvt_not_offered_key.empty() ? "dossier.next.sign_pvt" : std::string(pvt_not_offered_key), {}};
  } else if (!old_regime && d.brede_intake && d.brede_intake->status.value != store::IntakeStatus::Afgerond) {
    out.next_step = Line{"dossier.next.intake", {}};
  } else if (!old_regime && d.map_pvt_zroute && valid_iso(d.map_pvt_zroute->datum_ondertekening_pvt) &&
             d.map_pvt_zroute->datum_eindgesprek_map.empty()) {
    out.next_step = Line{"dossier.next.pvt_registered", {date("date", d.map_pvt_zroute->datum_ondertekening_pvt)}};
  } else if (!plicht_known(d)) {
    out.next_step = Line{"dossier.next.obligation_unknown", {}};
  } else if (!d.inburgeringsplicht->plichtig) {
    out.next_step = Line{"dossier.next.none_obligation_ended", {}};
  } else {
    out.next_step = Line{"dossier.next.none", {}};
  }

  // Flows that send data need a known gemeente link and a known regime.
  if (r.gemeentecode.empty()) {
    out.flows_blocked_key = "dossier.blocked.no_municipality";
  } else if (!r.regime.known()) {
    out.flows_blocked_key = "dossier.blocked.regime_unknown";
  } else {
    out.can_start_flows = true;
  }
  if (r.regime.present() && !r.regime.known()) b.enum_key("regime", r.regime);
  out.unknown_values = std::move(b.unknown_);
  std::sort(out.unknown_values.begin(), out.unknown_values.end());
  out.unknown_values.erase(std::unique(out.unknown_values.begin(), out.unknown_values.end()), out.unknown_values.end());
  return out;
}

void wipe(DossierView& v) {
  using balie::platform::secure_wipe;
  auto wipe_line = [](Line& l) {
    secure_wipe(l.key);
    for (auto& a : l.args) {
      secure_wipe(a.value);
      secure_wipe(a.name);
    }
    l.args.clear();
  };
  secure_wipe(v.name_own_script);
  secure_wipe(v.name_latin);
  wipe_line(v.next_step);
  for (auto& g : v.groups)
    for (auto& l : g.lines) wipe_line(l);
  v.groups.clear();
  for (auto& s : v.unknown_values) secure_wipe(s);
  v.unknown_values.clear();
}

}  // namespace balie::session
