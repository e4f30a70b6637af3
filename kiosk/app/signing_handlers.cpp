// Intent handlers of the signing and consent flows (issue 6), part of KioskApp (kiosk app layer,
// main thread). The only place where these flows reach the store: host PIN and mandate check,
// text loading, feeding raw finger samples into the ink, building the evidence package, sealing and
// committing it durably, and the consent receipts. Rules live in kiosk/signing (headless).
#include <sys/timex.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "app/asset_dirs.h"
#include "app/ink_cache.h"
#include "app/kiosk_app.h"
#include "balie/text/languages.h"
#include "balie/platform/key_provider.h"
#include "balie/platform/secure_wipe.h"
#include "balie/record/codec.h"
#include "balie/platform/dutch_calendar.h"
#include "signing/evidence.h"
#include "signing/flow.h"

namespace balie::kiosk {

namespace {

void slog(const std::string& s) { std::fprintf(stderr, "balie-kiosk: signing: %s\n", s.c_str()); }

// The language the resident reads the texts in (issue 18: each language its own texts, Dari too).
// In the resident's session: the session language. Before it (identity check): the resident's
// voorkeurstaal when Balie speaks it, so staff see a missing text before handing over the terminal.
std::string reading_language(const AppState& s, const store::Resident& r) {
  if (s.resident_session) return s.language;
  if (!r.voorkeurstaal.empty() && text::find_language(r.voorkeurstaal)) return r.voorkeurstaal;
  return "nl";
}

bool clock_synchronised() {
  struct timex tx {};
  const int st = adjtimex(&tx);
  return st != -1 && st != TIME_ERROR && (tx.status & STA_UNSYNC) == 0;
}

std::int64_t unix_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

void KioskApp::load_signing_texts() {
  // Demo only: in production the texts come from enrolment bundles (balie-admin bundle apply).
  // Once per process; the store keeps them (reopening after a session does not load them again).
  if (!store_ || texts_loaded_) return;
  if (platform::KeyProvider::from_environment(paths_.state_dir).mode() != platform::KeyMode::Demo) return;
  texts_loaded_ = true;
  std::vector<std::string> errors;
  text_index_ = signing::load_text_assets(*store_, assets_dir() / "texts", &errors);
  for (const auto& e : errors) slog(e);
}

void KioskApp::prepare_signing(const store::ResidentView& rv) {
  signing::wipe(state_.flow);
  bool route_key = false;
  if (!rv.resident.gemeentecode.empty()) {
    auto route = store_->route(rv.resident.gemeentecode);
    if (route && route.value()) {
      const auto& k = route.value()->box_public_key;
      route_key = std::any_of(k.begin(), k.end(), [](uint8_t b) { return b != 0; });
    }
  }
  signing::OfferInput in;
  in.resident = &rv.resident;
  in.dossier = &rv.dossier;
  in.today = calendar::to_iso(calendar::local_day(clock_->wall_now()));
  if (!rv.resident.gemeentecode.empty()) {
    auto pip = store_->pip_required(rv.resident.gemeentecode);
    in.pip_required = !pip || pip.value();  // unreadable setting: the stricter default
  }
  in.route_key_present = route_key;
  const std::string lang = reading_language(state_, rv.resident);
  const auto decl = signing::choose_texts(*store_, "pvt_declaration", lang, rv.resident.gemeentecode);
  in.text_present = decl.nl.has_value();
  in.language = lang;
  in.own_text_present = !decl.nl || decl.complete();
  in.signed_on_this_device = std::any_of(rv.records.begin(), rv.records.end(),
                                         [](const store::RecordSummary& r) { return r.kind == signing::kPvtRecordKind; });
  state_.flow.offer = signing::pvt_offer(in);
  if (!state_.flow.offer.offered) slog("declaration not offered: " + state_.flow.offer.reason_code);
  const std::string in_lang = " in het " + signing::dutch_language_name(lang) + " (" + lang + ")";
  if (state_.flow.offer.reason_code == "no_text_language") {
    state_.flow.missing_texts.push_back("verklaring (pvt_declaration)" + in_lang);
    slog("declaration text missing in '" + lang + "' for " + rv.resident.gemeentecode + ": not offered");
  }
  // Issue 16: the purposes this terminal asks (built-in PID sharing + the applied bundle's), whether
  // this resident is asked at all, and the current state from the store (decided here or learnt from
  // COA's feed), with expiry applied as of now.
  std::vector<store::BundleConsentPurpose> from_bundle;
  if (auto b = store_->applied_bundle(); b.ok() && b.value()) from_bundle = b.value()->consent_purposes;
  state_.flow.purposes = signing::consent_purposes(from_bundle);
  state_.flow.consent_not_asked_key = signing::consent_not_asked_reason(rv.resident, rv.dossier);
  auto states = store_->consent_states(rv.resident.id);
  if (!states) slog("cannot read consent states: " + states.error().message);
  const auto now = std::chrono::time_point_cast<std::chrono::seconds>(clock_->wall_now());
  state_.flow.consents = signing::consent_states(state_.flow.purposes, states ? states.value() : std::vector<store::ConsentState>{}, now);
  // Issue 18: a notice missing in the resident's language is not asked (no other language instead).
  for (auto& c : state_.flow.consents) {
    const signing::ConsentPurpose* p = signing::find_purpose(state_.flow.purposes, c.purpose);
    if (!p) continue;
    const auto tc = signing::choose_texts(*store_, p->text_kind, lang, rv.resident.gemeentecode);
    if (!tc.complete()) {
      c.missing_language = tc.missing_language;
      if (state_.flow.consent_not_asked_key.empty()) {
        state_.flow.missing_texts.push_back("toestemmingsvraag " + p->id + " (" + p->text_kind + ")" +
                                            (tc.missing_language == "nl" ? " in het Nederlands (nl)" : in_lang));
        slog("consent text " + p->text_kind + " missing in '" + tc.missing_language + "' for " +
             rv.resident.gemeentecode + ": not asked");
      }
    }
    if (p->title_key.empty() && tc.own) c.title = tc.own->title;
  }
}

void KioskApp::refresh_signing_records() {
  if (!store_ || !state_.resident) return;
  auto view = store_->load_dossier(state_.resident->id);
  if (!view) return slog("cannot reload records: " + view.error().message);
  auto keep_pvt = std::move(state_.flow.pvt);
  auto saved_key = state_.flow.consent_saved_key;
  auto saved_ref = state_.flow.consent_reference;
  prepare_signing(view.value());
  // The dossier again from the store: after signing, its next step says when it was signed.
  if (state_.dossier) session::wipe(*state_.dossier);
  state_.dossier = session::build_dossier_view(view.value(), calendar::local_day(clock_->wall_now()),
                                               state_.flow.offer.offered ? "" : state_.flow.offer.reason_key);
  state_.flow.pvt = std::move(keep_pvt);
  state_.flow.consent_saved_key = saved_key;
  state_.flow.consent_reference = saved_ref;
  wipe(view.value().resident);
}

void KioskApp::feed_signature(const FrameInput& in) {
  if (nav_->current() != SceneId::SigningPad || !state_.flow.pvt) return;
  const ItemInfo* it = items_.find("signing.pad");
  if (!it) return;
  signing::SigningSession& p = *state_.flow.pvt;
  const signing::PadRect pad{it->rect.x, it->rect.y, it->rect.w, it->rect.h};
  const signing::PadRect cur = p.ink.pad();
  if (cur.x != pad.x || cur.y != pad.y || cur.w != pad.w || cur.h != pad.h) {
    p.ink.wipe();
    p.ink = signing::Ink(pad);
    if (ink_cache_) ink_cache_->wipe();
  }
  for (const PointerEvent& e : in.raw) {
    signing::InkSample s;
    s.kind = e.kind == PointerEvent::Kind::Down ? signing::InkSample::Kind::Down
             : e.kind == PointerEvent::Kind::Up ? signing::InkSample::Kind::Up
                                                : signing::InkSample::Kind::Move;
    s.x = e.pos.x;
    s.y = e.pos.y;
    s.pressure = e.pressure;
    s.t_ms = e.time_ms;
    s.finger = e.finger;
    const bool started = p.ink.samples().empty();
    if (p.ink.add(s) && started) p.mark("signature_started", clock_->mono_now());
    if (s.kind == signing::InkSample::Kind::Down) p.pad_message_key.clear();
  }
}

void KioskApp::on_start_signing() {
  if (!store_ || !state_.resident || !state_.flow.offer.offered) return;
  state_.flow.hosts.clear();
  state_.flow.staff_error.clear();
  auto staff = store_->list_staff();
  if (!staff) return staff_error("De medewerkers konden niet worden gelezen.", staff.error().message);
  for (const auto& a : staff.value()) {
    if (!a.active || a.role != store::StaffRole::MunicipalityHost) continue;
    if (std::find(a.gemeentecodes.begin(), a.gemeentecodes.end(), state_.resident->gemeentecode) == a.gemeentecodes.end())
      continue;
    if (state_.flow.hosts.size() < 12) state_.flow.hosts.push_back({a.id, a.display_name});
  }
  state_.pin_attempts_left = -1;
  state_.locked_minutes = 0;
  nav_->go(SceneId::SigningHost, state_);
}

void KioskApp::on_open_signing(const OpenSigningMoment& o) {
  if (!store_ || !state_.resident || !state_.flow.offer.offered) return;
  state_.flow.staff_error.clear();
  state_.pin_attempts_left = -1;
  state_.locked_minutes = 0;
  auto verdict = store_->verify_pin(o.host_id, o.pin);
  if (!verdict) {
    state_.flow.staff_error = "De pincode kon niet worden gecontroleerd.";
    return slog("pin check failed: " + verdict.error().message);
  }
  using K = store::PinVerdict::Kind;
  const auto& v = verdict.value();
  if (v.kind == K::Locked || (v.kind == K::Wrong && v.locked_until)) {
    const auto now = std::chrono::floor<std::chrono::seconds>(clock_->wall_now());
    const auto secs = (v.locked_until.value_or(now) - now).count();
    state_.locked_minutes = static_cast<int>(std::max<long long>(1, (secs + 59) / 60));
    return;
  }
  if (v.kind == K::Wrong) {
    state_.pin_attempts_left = v.attempts_left;
    return;
  }
  if (v.kind != K::Ok) {
    state_.flow.staff_error = "Onbekend account.";
    return;
  }
  auto acc = store_->staff(o.host_id);
  const std::string& g = state_.resident->gemeentecode;
  if (!acc || !acc.value() || acc.value()->role != store::StaffRole::MunicipalityHost ||
      std::find(acc.value()->gemeentecodes.begin(), acc.value()->gemeentecodes.end(), g) == acc.value()->gemeentecodes.end()) {
    state_.flow.staff_error = "Deze medewerker heeft geen mandaat voor " + session::gemeente_name(g) + ".";
    (void)store_->append_audit(o.host_id, "signing.refused", "reason=no_mandate gemeente=" + g);
    return;
  }
  const std::string lang = state_.language;
  const auto texts = signing::choose_texts(*store_, "pvt_declaration", lang, g);
  if (!texts.nl) {
    state_.flow.staff_error = "Er is geen verklaringstekst in het Nederlands voor " + session::gemeente_name(g) + " (" + g +
                              ") op dit apparaat. Er is niets vastgelegd; meld dit aan de beheerder.";
    return;
  }
  if (!texts.complete()) {  // issue 18: never the Dutch text alone, never another language
    state_.flow.staff_error = "Er is geen verklaringstekst in het " + signing::dutch_language_name(lang) + " (" + lang +
                              ") voor " + session::gemeente_name(g) + " (" + g +
                              ") op dit apparaat. Er is niets getoond of vastgelegd; meld dit aan de beheerder.";
    (void)store_->append_audit(o.host_id, "signing.refused", "reason=no_text_language language=" + lang + " gemeente=" + g);
    return slog("declaration text missing in '" + lang + "': signing refused");
  }
  signing::SigningSession p;
  p.host_id = acc.value()->id;
  p.host_name = acc.value()->display_name;
  p.text_nl = *texts.nl;
  if (lang != "nl") p.text_own = *texts.own;
  p.canonical_sha256 = record::sha256_hex(signing::canonical_shown_text(p.text_nl, p.text_own ? &*p.text_own : nullptr));
  p.started = clock_->mono_now();
  int w = 0, h = 0;
  SDL_GetWindowSize(window_, &w, &h);
  p.screen_w = w;
  p.screen_h = h;
  float ddpi = 0, hdpi = 0, vdpi = 0;
  if (SDL_GetDisplayDPI(SDL_GetWindowDisplayIndex(window_), &ddpi, &hdpi, &vdpi) == 0) p.dpi = ddpi;
  p.mark("shown", p.started);
  if (state_.flow.pvt) signing::wipe(*state_.flow.pvt);
  state_.flow.pvt = std::move(p);
  (void)store_->append_audit(o.host_id, "signing.opened", "resident=" + state_.resident->id);
  nav_->go(SceneId::SigningText, state_);
}

void KioskApp::on_signing_mark(const SigningMark& m) {
  if (state_.flow.pvt) state_.flow.pvt->mark(m.event, clock_->mono_now());
}

void KioskApp::on_clear_signature() {
  if (!state_.flow.pvt) return;
  auto& p = *state_.flow.pvt;
  const signing::PadRect pad = p.ink.pad();
  p.ink.wipe();
  p.ink = signing::Ink(pad);
  if (ink_cache_) ink_cache_->wipe();
  p.pad_message_key.clear();
  p.mark("cleared", clock_->mono_now());
}

void KioskApp::on_signature_done() {
  if (!state_.flow.pvt) return;
  auto& p = *state_.flow.pvt;
  const signing::InkVerdict v = signing::check_signature(p.ink);
  if (v != signing::InkVerdict::Ok) {
    p.pad_message_key = v == signing::InkVerdict::Empty ? "signing_pad.empty" : "signing_pad.too_simple";
    p.mark(std::string("refused_") + signing::to_string(v), clock_->mono_now());
    return;
  }
  p.pad_message_key.clear();
  p.mark("reviewed", clock_->mono_now());
  nav_->go(SceneId::SigningReview, state_);
}

void KioskApp::on_redo_signature() {
  if (!state_.flow.pvt || state_.flow.pvt->saved) return;
  auto& p = *state_.flow.pvt;
  const signing::PadRect pad = p.ink.pad();
  p.ink.wipe();
  p.ink = signing::Ink(pad);
  if (ink_cache_) ink_cache_->wipe();
  ++p.redo_count;
  p.error.clear();
  p.mark("redo", clock_->mono_now());
  nav_->go(SceneId::SigningPad, state_);
}

void KioskApp::on_confirm_signature() {
  if (!store_ || !state_.resident || !state_.flow.pvt) return;
  auto& p = *state_.flow.pvt;
  if (p.saved || signing::check_signature(p.ink) != signing::InkVerdict::Ok) return;
  const auto t0 = std::chrono::steady_clock::now();
  p.error.clear();
  p.mark("confirmed", clock_->mono_now());
  const store::Resident& r = *state_.resident;
  auto fail = [&](const std::string& staff_text, const std::string& detail) {
    p.error = staff_text;
    slog("not stored: " + detail);
    (void)store_->append_audit(state_.staff_id, "signing.store_failed", "resident=" + r.id);
  };
  auto route = store_->route(r.gemeentecode);
  if (!route || !route.value()) return fail("Geen route of sleutel voor de gemeente.", "no route");
  auto cfg = store_->device_config();
  if (!cfg || !cfg.value()) return fail("De apparaatconfiguratie ontbreekt.", "no device config");
  auto keys = platform::KeyProvider::from_environment(paths_.state_dir);
  auto device = keys.device_signing_key();
  if (!device) return fail("De apparaatsleutel is niet beschikbaar.", device.error().message);

  signing::EvidenceContext c;
  c.resident = &r;
  c.name_shown = r.naam_eigen_schrift.empty() ? r.naam_latijns : r.naam_eigen_schrift;
  c.identity_checked_by = state_.staff_id;
  c.kiosk_id = cfg.value()->kiosk_id;
  c.location_id = cfg.value()->location_id;
  c.location_name = cfg.value()->location_name;
  c.software_version = BALIE_VERSION;
  c.build_hash = BALIE_BUILD_HASH;
  c.clock_source = scripted_clock_ ? "scripted clock (scripted run)" : "system CLOCK_REALTIME";
  c.clock_synchronised = scripted_clock_ ? false : clock_synchronised();
  c.confirmed_unix_ms = unix_ms(clock_->wall_now());
  c.monotonic_offset_ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_->mono_now() - p.started).count();
  c.local_date = calendar::to_iso(calendar::local_day(clock_->wall_now()));
  c.gemeentecode = r.gemeentecode;
  store::RecordDraft d;
  d.record_id = signing::new_record_id();
  signing::EvidenceParts parts;
  std::string err;
  if (!signing::build_pvt_evidence(p, c, d.record_id, &parts, &err))
    return fail("Het bewijsstuk kon niet worden gemaakt.", err);
  d.kind = signing::kPvtRecordKind;
  d.resident_id = r.id;
  d.text_version_id = p.text_nl.version_id;
  d.decision = "signed";
  d.staff_id = p.host_id;
  auto committed = commit_record(std::move(d), std::move(parts), device.value(), c.kiosk_id, r.gemeentecode);
  if (!committed) return fail("Opslaan is mislukt: " + std::string(store::to_string(committed.error().code)) + ".",
                              committed.error().message);
  // Durable now: only from here on does the screen say "saved".
  p.saved = true;
  p.record_id = committed.value().record_id;
  p.reference = committed.value().reference;
  last_confirm_to_saved_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "balie-kiosk: signing: record %s stored (confirm to saved %.1f ms)\n", p.record_id.c_str(),
               last_confirm_to_saved_ms_);
  refresh_signing_records();
  nav_->go(SceneId::SigningSaved, state_);
}

store::Result<KioskApp::StoredRecord> KioskApp::commit_record(store::RecordDraft d, signing::EvidenceParts parts,
                                                             const platform::DeviceSigningKey& device,
                                                             const std::string& device_id,
                                                             const std::string& shown_gemeentecode) {
  // The one record path: the store seals the personal half to the gekoppelde gemeente, signs with the
  // device key in place, chains and enqueues in one durable transaction. Both halves are wiped here.
  d.device_id = device_id;
  d.expected_gemeentecode = shown_gemeentecode;
  d.public_json = std::move(parts.public_json);
  d.sensitive = std::move(parts.sensitive_json);
  auto committed = store_->commit_sealed(d, device);
  platform::secure_wipe(d.sensitive);
  platform::secure_wipe(parts.sensitive_json);
  if (!committed) return committed.error();
  return StoredRecord{committed.value().record_id, std::move(parts.reference)};
}

void KioskApp::on_open_consent(const OpenConsent& o) {
  if (!store_ || !state_.resident || !state_.dossier || !state_.dossier->can_start_flows) return;
  if (!state_.flow.consent_not_asked_key.empty()) return;  // not asked (issue 16): nothing to open
  const signing::ConsentPurpose* p = signing::find_purpose(state_.flow.purposes, o.purpose);
  if (!p) return;
  const std::string kind(p->text_kind);
  const std::string lang = state_.language;
  signing::ConsentScreen c;
  c.purpose = o.purpose;
  c.withdraw = o.withdraw;
  c.gemeente_name = session::gemeente_name(state_.resident->gemeentecode);
  const std::string& g = state_.resident->gemeentecode;
  auto texts = signing::choose_texts(*store_, kind, lang, g);
  if (!texts.nl)
    return staff_error("Er is geen toestemmingstekst in het Nederlands voor " + session::gemeente_name(g) + " (" + g +
                           ") op dit apparaat. Er is niets vastgelegd; meld dit aan de beheerder.",
                       "no consent text " + kind + " for " + g);
  if (!texts.complete()) {  // issue 18: not asked in another language; the list says staff will help
    state_.flow.consent_saved_key = "consent_list.no_text_language";
    slog("consent text " + kind + " missing in '" + lang + "': not asked");
    return;
  }
  c.text = *texts.own;
  if (lang != "nl") c.text_nl = *texts.nl;
  state_.flow.consent = std::move(c);
  state_.flow.consent_saved_key.clear();
  nav_->go(SceneId::ConsentQuestion, state_);
}

void KioskApp::on_answer_consent(const AnswerConsent& a) {
  if (!store_ || !state_.resident || !state_.flow.consent || state_.flow.consent->purpose != a.purpose) return;
  if (a.decision != "given" && a.decision != "refused" && a.decision != "withdrawn") return;
  if (!state_.flow.consent_not_asked_key.empty()) return;  // not asked (issue 16): nothing is recorded
  const signing::ConsentPurpose* p = signing::find_purpose(state_.flow.purposes, a.purpose);
  if (!p) return;
  const store::Resident& r = *state_.resident;
  std::string supersedes;
  for (const auto& c : state_.flow.consents)
    if (c.purpose == a.purpose) supersedes = c.last_record_id;
  auto route = store_->route(r.gemeentecode);
  auto cfg = store_->device_config();
  auto keys = platform::KeyProvider::from_environment(paths_.state_dir);
  auto device = keys.device_signing_key();
  if (!route || !route.value() || !cfg || !cfg.value() || !device) {
    state_.flow.consent_saved_key = "consent_list.failed";
    slog("consent not stored: route, configuration or device key missing");
    nav_->go(SceneId::ConsentList, state_);
    return;
  }
  // The notice recorded is the one the resident read (the text in their language).
  const store::TextVersion& notice = state_.flow.consent->text;
  signing::ConsentContext cc;
  cc.resident = &r;
  cc.witness_staff_id = state_.staff_id;
  cc.kiosk_id = cfg.value()->kiosk_id;
  cc.location_id = cfg.value()->location_id;
  cc.location_name = cfg.value()->location_name;
  cc.gemeentecode = r.gemeentecode;
  cc.gemeente_name = session::gemeente_name(r.gemeentecode);
  cc.language = notice.language;
  cc.unix_ms = unix_ms(clock_->wall_now());
  cc.device_public_key_hex = record::to_hex(device.value().public_key.data(), device.value().public_key.size());
  cc.audio_played = state_.flow.consent->audio;  // what the listen control played (issue 18)
  store::RecordDraft d;
  d.record_id = signing::new_record_id();
  signing::EvidenceParts parts;
  std::string err;
  std::string reference;
  bool ok = signing::build_consent_receipt(*p, notice, a.decision, supersedes, cc, d.record_id, &parts, &err);
  if (ok) {
    d.kind = std::string(p->record_kind);
    d.resident_id = r.id;
    d.text_version_id = notice.version_id;
    d.decision = a.decision;
    d.staff_id = state_.staff_id;
    d.consent = store::RecordDraft::Consent{p->id, p->valid_months};  // state + COA's event, same transaction
    auto committed = commit_record(std::move(d), std::move(parts), device.value(), cc.kiosk_id, r.gemeentecode);
    ok = committed.ok();
    if (ok) reference = committed.value().reference;
    else err = committed.error().message;
  }
  if (!ok) {
    slog("consent not stored: " + err);
    state_.flow.consent_saved_key = "consent_list.failed";
  } else {
    state_.flow.consent_saved_key = "consent_list.saved." + a.decision;
    state_.flow.consent_reference = reference;
  }
  refresh_signing_records();
  nav_->go(SceneId::ConsentList, state_);
}

}  // namespace balie::kiosk
