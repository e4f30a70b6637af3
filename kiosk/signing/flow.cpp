// Flow rules (pvt_offer), consent purposes and state, the canonical shown text, reference codes
// and wiping. Canonical shown text, hashed with SHA-256 into the evidence package:
//   "balie-shown-text/1\n" then for each text shown (Dutch first, then the resident's language):
//   "version_id:<id>\nlanguage:<lang>\ntitle:<title>\nbody_bytes:<n>\n<body>\n"
#include "signing/flow.h"
#include "signing/texts.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <charconv>

#include "balie/platform/secure_wipe.h"
#include "balie/record/pvt_rule.h"
#include "balie/record/shown_text.h"

namespace balie::signing {

using platform::secure_wipe;

int age_on(std::string_view b, std::string_view d) {
  auto num = [](std::string_view s, size_t pos, size_t n, int* out) {
    if (s.size() < pos + n) return false;
    auto r = std::from_chars(s.data() + pos, s.data() + pos + n, *out);
    return r.ec == std::errc() && r.ptr == s.data() + pos + n;
  };
  int by, bm, bd, y, m, dd;
  if (b.size() != 10 || d.size() != 10 || !num(b, 0, 4, &by) || !num(b, 5, 2, &bm) || !num(b, 8, 2, &bd) ||
      !num(d, 0, 4, &y) || !num(d, 5, 2, &m) || !num(d, 8, 2, &dd))
    return -1;
  int age = y - by;
  if (m < bm || (m == bm && dd < bd)) --age;
  return age < 0 ? -1 : age;
}

static record::PvtRuleInput pvt_rule_input(const store::Resident& r, const store::Dossier& d, const std::string& today,
                                    bool pip_required) {
  record::PvtRuleInput in;
  in.bsn = r.bsn;
  in.regime = r.regime.raw;
  in.plicht_known = d.inburgeringsplicht && !d.inburgeringsplicht->plichtig_onbekend;
  in.plichtig = in.plicht_known && d.inburgeringsplicht->plichtig;
  in.obligation_withdrawn = d.inburgeringsplicht && d.inburgeringsplicht->ingetrokken;
  // The host who opens the moment is mandated for the resident's gekoppelde gemeente (on_start_signing),
  // and the PIP in this dossier came from that municipality's feed.
  in.linked_gemeentecode = r.gemeentecode;
  in.acting_gemeentecode = r.gemeentecode;
  if (d.map_pvt_zroute) {
    in.datum_ondertekening_registered = d.map_pvt_zroute->datum_ondertekening_pvt;
    in.datum_afronding_zroute = d.map_pvt_zroute->datum_afronding_zroute;
  }
  if (d.inburgeringstermijn) {
    in.termijn_startdatum = d.inburgeringstermijn->startdatum;
    in.termijn_einddatum = d.inburgeringstermijn->einddatum;
  }
  in.pip_vastgesteld = d.pip && !d.pip->dagtekening.empty();
  in.pip_gemeentecode = r.gemeentecode;
  in.pip_required = pip_required;
  in.datum = today;
  in.today = today;
  return in;
}

PvtOffer pvt_offer(const OfferInput& in) {
  PvtOffer o;
  auto refuse = [&o](std::string code, std::string key, std::string staff) {
    o.reason_code = std::move(code);
    o.reason_key = std::move(key);
    o.staff_text = std::move(staff);
    return o;
  };
  if (!in.resident || !in.dossier) {
    const auto r = record::PvtReason::no_dossier;
    return refuse(std::string(record::pvt_reason_code(r)), std::string(record::pvt_reason_key(r)),
                  std::string(record::pvt_reason_staff_text(r)));
  }
  const store::Resident& r = *in.resident;
  const record::PvtVerdict v = record::pvt_rule(pvt_rule_input(r, *in.dossier, in.today, in.pip_required));
  // Signing after the term is still the resident's to do: it is offered, and only DUO's registration
  // waits for the municipality's verwijtbaar decision (the export refuses it until then). Staff see that.
  const bool after_term = !v.allowed && v.reason == record::PvtReason::verwijtbaar_needed;
  if (!v.allowed && !after_term)
    return refuse(std::string(record::pvt_reason_code(v.reason)), std::string(record::pvt_reason_key(v.reason)),
                  std::string(record::pvt_reason_staff_text(v.reason)));
  if (in.signed_on_this_device)
    return refuse("signed_here", "signing.blocked.signed_here",
                  "Al ondertekend op deze terminal; de gemeente krijgt het record bij de volgende synchronisatie.");
  const int age = age_on(r.geboortedatum, in.today);
  if (age < 0) return refuse("age_unknown", "signing.blocked.age_unknown", "Geboortedatum onbekend.");
  if (age < 18) return refuse("under_18", "signing.blocked.under_18", "Jonger dan 18 jaar.");
  if (!in.route_key_present) {
    o.staff_problem = true;
    return refuse("no_key", "signing.blocked.no_key", "De sleutel van de gemeente ontbreekt op deze terminal.");
  }
  if (!in.text_present) {
    o.staff_problem = true;
    return refuse("no_text", "signing.blocked.no_text", "De tekst van de verklaring ontbreekt op deze terminal.");
  }
  if (!in.own_text_present) {
    o.staff_problem = true;
    return refuse("no_text_language", "signing.blocked.no_text_language",
                  "De tekst van de verklaring ontbreekt in het " + dutch_language_name(in.language) + " (" + in.language +
                      ") op deze terminal. Er wordt niets in een andere taal getoond; meld dit aan de beheerder.");
  }
  o.offered = true;
  o.reason_code = after_term ? std::string(record::pvt_reason_code(v.reason)) : "ok";
  if (after_term)
    o.staff_text = "Na de einddatum van de inburgeringstermijn: tekenen kan; de gemeente beslist over verwijtbaar "
                   "(Ja/Nee) voordat zij de ondertekening bij DUO registreert.";
  return o;
}

void SigningSession::mark(std::string_view name, std::chrono::steady_clock::time_point now) {
  if (events.size() >= kMaxEvents) return;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - started).count();
  events.push_back(FlowEvent{std::string(name), ms});
}

void SigningSession::mark_audio(AudioPlayed what, std::chrono::steady_clock::time_point now) {
  if (events.size() >= kMaxEvents) return;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - started).count();
  events.push_back(FlowEvent{"audio_played", ms, std::move(what)});
}

bool SigningSession::has(std::string_view name) const {
  return std::any_of(events.begin(), events.end(), [&](const FlowEvent& e) { return e.name == name; });
}

std::string canonical_shown_text(const store::TextVersion& nl, const store::TextVersion* own) {
  // One implementation for the terminal and the receiver: record/shown_text.h.
  auto shown = [](const store::TextVersion& t) { return record::ShownText{t.version_id, t.language, t.title, t.body}; };
  const record::ShownText a = shown(nl);
  if (!own) return record::canonical_shown_text(a, nullptr);
  const record::ShownText b = shown(*own);
  return record::canonical_shown_text(a, &b);
}

std::vector<ConsentPurpose> consent_purposes(std::span<const store::BundleConsentPurpose> from_bundle) {
  std::vector<ConsentPurpose> out;
  ConsentPurpose pid;
  pid.id = "pid_sharing";
  pid.text_kind = "consent:pid_sharing";
  pid.record_kind = "consent.pid_sharing";
  pid.title_key = "consent.purpose.pid_map";
  pid.category = "Inburgering: Brede Intake and PIP";
  pid.pii_categories = {"education", "work_experience", "language_skills", "personal_documents"};
  pid.legal_basis = "AVG art. 6(1)(a): consent";
  pid.controller = "COA";
  pid.recipient = "gekoppelde gemeente";
  pid.valid_months = 12;
  out.push_back(std::move(pid));
  for (const auto& b : from_bundle) {
    if (b.id == "pid_sharing") continue;  // the bundle parser refuses it; never redefine the built-in
    ConsentPurpose p;
    p.id = b.id;
    p.text_kind = "consent:" + b.id;
    p.record_kind = "consent." + b.id;
    p.category = "Inburgering";
    p.pii_categories = {b.sensitive ? "special_category" : "personal_data"};
    p.sensitive = b.sensitive;
    p.spi_category = b.sensitive ? b.id : "";
    p.legal_basis = b.sensitive ? "AVG art. 9(2)(a): explicit consent" : "AVG art. 6(1)(a): consent";
    p.controller = b.controller;
    p.recipient = b.recipient;
    p.valid_months = std::clamp(b.valid_months, 1, 12);
    out.push_back(std::move(p));
  }
  return out;
}

const ConsentPurpose* find_purpose(const std::vector<ConsentPurpose>& purposes, std::string_view id) {
  for (const auto& p : purposes)
    if (p.id == id) return &p;
  return nullptr;
}

std::string consent_not_asked_reason(const store::Resident& r, const store::Dossier& d) {
  if (r.regime.value == store::Regime::Wi2013 || r.regime.value == store::Regime::Wi2007)
    return "consent_list.not_asked.old_regime";
  if (!r.regime.known()) return "consent_list.not_asked.regime_unknown";
  if (!(d.inburgeringsplicht && d.inburgeringsplicht->plichtig)) return "consent_list.not_asked.no_obligation";
  if (r.gemeentecode.empty()) return "consent_list.not_asked.no_municipality";
  return "";
}

std::vector<ConsentStatus> consent_states(const std::vector<ConsentPurpose>& purposes,
                                          const std::vector<store::ConsentState>& states, store::UtcTime now) {
  std::vector<ConsentStatus> out;
  for (const auto& p : purposes) {
    ConsentStatus s;
    s.purpose = p.id;
    for (const auto& c : states) {
      if (c.purpose != p.id) continue;
      s.state = c.expired(now) ? "expired" : c.decision;
      s.last_record_id = c.record_id;
      s.at = c.decided_at;
      s.until = c.expires_at;
      s.from_other_terminal = c.source == "coa";
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::string reference_code(std::string_view record_id) { return record::reference_code(record_id); }

void wipe(SigningSession& s) {
  for (std::string* p : {&s.host_id, &s.host_name, &s.canonical_sha256, &s.record_id, &s.reference, &s.error, &s.pad_message_key,
                         &s.text_nl.body, &s.text_nl.title})
    secure_wipe(*p);
  if (s.text_own) {
    secure_wipe(s.text_own->body);
    secure_wipe(s.text_own->title);
  }
  s.text_own.reset();
  for (auto& e : s.events) {
    secure_wipe(e.name);
    if (e.audio) for (std::string* p : {&e.audio->key, &e.audio->text_version_id, &e.audio->text_sha256, &e.audio->language})
      secure_wipe(*p);
  }
  s.events.clear();
  s.ink.wipe();
  s.saved = false;
  s.redo_count = 0;
}

void wipe(FlowState& f) {
  secure_wipe(f.offer.reason_key);
  f.offer = {};
  for (auto& h : f.hosts) {
    secure_wipe(h.id);
    secure_wipe(h.name);
  }
  f.hosts.clear();
  if (f.pvt) wipe(*f.pvt);
  f.pvt.reset();
  f.purposes.clear();
  secure_wipe(f.consent_not_asked_key);
  for (auto& c : f.consents) {
    secure_wipe(c.purpose);
    secure_wipe(c.title);
    secure_wipe(c.missing_language);
    secure_wipe(c.state);
    secure_wipe(c.last_record_id);
  }
  f.consents.clear();
  if (f.consent) {
    secure_wipe(f.consent->purpose);
    secure_wipe(f.consent->gemeente_name);
    secure_wipe(f.consent->text.body);
  }
  f.consent.reset();
  secure_wipe(f.consent_saved_key);
  secure_wipe(f.consent_reference);
  secure_wipe(f.staff_error);
  for (auto& m : f.missing_texts) secure_wipe(m);
  f.missing_texts.clear();
  f.host_pin_attempts_left = -1;
}

}  // namespace balie::signing
