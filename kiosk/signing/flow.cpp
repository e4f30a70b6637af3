// Flow rules (pvt_offer), consent purposes and state, the canonical shown text, reference codes
// and wiping. Canonical shown text, hashed with SHA-256 into the evidence package:
//   "balie-shown-text/1\n" then for each text shown (Dutch first, then the resident's language):
//   "version_id:<id>\nlanguage:<lang>\ntitle:<title>\nbody_bytes:<n>\n<body>\n"
#include "signing/flow.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <charconv>

#include "balie/platform/secure_wipe.h"
#include "balie/record/pvt_rule.h"

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
  if (!v.allowed)
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
  o.offered = true;
  o.reason_code = "ok";
  return o;
}

void SigningSession::mark(std::string_view name, std::chrono::steady_clock::time_point now) {
  if (events.size() >= kMaxEvents) return;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - started).count();
  events.push_back(FlowEvent{std::string(name), ms});
}

bool SigningSession::has(std::string_view name) const {
  return std::any_of(events.begin(), events.end(), [&](const FlowEvent& e) { return e.name == name; });
}

std::string canonical_shown_text(const store::TextVersion& nl, const store::TextVersion* own) {
  std::string out = "balie-shown-text/1\n";
  auto add = [&](const store::TextVersion& t) {
    out += "version_id:" + t.version_id + "\nlanguage:" + t.language + "\ntitle:" + t.title +
           "\nbody_bytes:" + std::to_string(t.body.size()) + "\n" + t.body + "\n";
  };
  add(nl);
  if (own) add(*own);
  return out;
}

namespace {
constexpr std::string_view kPidPii[] = {"education", "work_experience", "language_skills", "personal_documents",
                                        "contact_details"};
constexpr std::string_view kHealthPii[] = {"health"};
constexpr std::array<ConsentPurpose, 2> kPurposes{{
    {"pid_sharing", "consent:pid_sharing", "consent.pid_sharing", "consent.purpose.pid_sharing",
     "Inburgering: Brede Intake and PIP", kPidPii, false, "",
     "until the PIP is decided, at most 12 months after consent, or earlier withdrawal",
     "AVG art. 6(1)(a): consent", "COA discloses the klantprofiel and the PID (blauwe map) to the gekoppelde gemeente"},
    {"health", "consent:health", "consent.health", "consent.purpose.health",
     "Inburgering: learnability and suitable offer (health)", kHealthPii, true, "health",
     "until the PIP is decided, at most 12 months after consent, or earlier withdrawal",
     "AVG art. 9(2)(a): explicit consent", "COA discloses health information relevant to integration to the gekoppelde gemeente"},
}};
}  // namespace

std::span<const ConsentPurpose> consent_purposes() { return kPurposes; }

const ConsentPurpose* find_purpose(std::string_view id) {
  for (const auto& p : kPurposes)
    if (p.id == id) return &p;
  return nullptr;
}

std::vector<ConsentStatus> consent_states(const std::vector<store::RecordSummary>& records) {
  std::vector<ConsentStatus> out;
  for (const auto& p : kPurposes) {
    ConsentStatus s;
    s.purpose = std::string(p.id);
    const store::RecordSummary* newest = nullptr;
    for (const auto& r : records)
      if (r.kind == p.record_kind && (!newest || r.created_at > newest->created_at)) newest = &r;
    if (newest) {
      s.state = newest->decision;
      s.last_record_id = newest->record_id;
      s.at = newest->created_at;
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::string reference_code(std::string_view record_id) {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";  // Crockford base32
  const std::string msg = "balie-ref/1:" + std::string(record_id);
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, reinterpret_cast<const unsigned char*>(msg.data()), msg.size());
  uint64_t bits = 0;
  for (int i = 0; i < 5; ++i) bits = (bits << 8) | h[i];
  std::string out;
  for (int i = 7; i >= 0; --i) out += kAlphabet[(bits >> (5 * i)) & 31];
  return out.substr(0, 4) + "-" + out.substr(4);
}

void wipe(SigningSession& s) {
  for (std::string* p : {&s.host_id, &s.host_name, &s.canonical_sha256, &s.record_id, &s.reference, &s.error, &s.pad_message_key,
                         &s.text_nl.body, &s.text_nl.title})
    secure_wipe(*p);
  if (s.text_own) {
    secure_wipe(s.text_own->body);
    secure_wipe(s.text_own->title);
  }
  s.text_own.reset();
  for (auto& e : s.events) secure_wipe(e.name);
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
  for (auto& c : f.consents) {
    secure_wipe(c.purpose);
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
  f.host_pin_attempts_left = -1;
}

}  // namespace balie::signing
