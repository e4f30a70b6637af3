// Evidence package, consent receipts and the sealed commit (see evidence.h for the contract).
#include "signing/evidence.h"

#include <sodium.h>

#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>

#include "balie/record/codec.h"
#include "balie/platform/secure_wipe.h"
#include "signing/signature_png.h"

namespace balie::signing {

using json = nlohmann::ordered_json;

namespace {

std::string utc_ms(std::int64_t unix_ms) {
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(unix_ms % 1000));
  return buf;
}

double round_to(double v, double step) { return std::round(v / step) * step; }

const char* kind_name(InkSample::Kind k) {
  switch (k) {
    case InkSample::Kind::Down: return "down";
    case InkSample::Kind::Move: return "move";
    case InkSample::Kind::Up: return "up";
  }
  return "?";
}

json text_entry(const store::TextVersion& t) {
  return json{{"version_id", t.version_id}, {"language", t.language}, {"title", t.title}, {"body_sha256", t.sha256}};
}

// What a listen tap played (issue 18), in the PVT events and the consent receipt.
json audio_json(const AudioPlayed& a) {
  return {{"key", a.key},           {"text_version_id", a.text_version_id}, {"text_sha256", a.text_sha256},
          {"language", a.language}, {"duration_ms", a.duration_ms},         {"source", a.source}};
}
}  // namespace

std::string new_record_id() { return record::new_uuid_v4(); }

bool build_pvt_evidence(const SigningSession& s, const EvidenceContext& c, const std::string& record_id,
                        EvidenceParts* out, std::string* error) {
  if (!c.resident) {
    *error = "no resident";
    return false;
  }
  const store::Resident& r = *c.resident;
  out->reference = reference_code(record_id);

  json texts = json::array();
  json languages = json::array();
  texts.push_back(text_entry(s.text_nl));
  languages.push_back(s.text_nl.language);
  if (s.text_own) {
    texts.push_back(text_entry(*s.text_own));
    languages.push_back(s.text_own->language);
  }

  json pub = {{"schema", kPvtSchema},
              {"kind", kPvtRecordKind},
              {"record_id", record_id},
              {"reference", out->reference},
              {"software", {{"name", "balie-kiosk"}, {"version", c.software_version}, {"build", c.build_hash}}},
              {"kiosk_id", c.kiosk_id},
              {"location_id", c.location_id},
              {"document", {{"kind", "pvt_declaration"}, {"texts", texts}, {"languages_shown", languages},
                            {"canonical_text_sha256", s.canonical_sha256}}},
              {"datumOndertekeningPvt", c.local_date},
              {"confirmed_at_utc", utc_ms(c.confirmed_unix_ms)}};

  // Signature dynamics: every raw sample; compact rows, fields named once.
  json samples = json::array();
  const PadRect pad = s.ink.pad();
  for (const InkSample& x : s.ink.samples()) {
    samples.push_back(json::array({kind_name(x.kind), x.finger, x.t_ms, round_to(x.x, 0.1), round_to(x.y, 0.1),
                                   s.screen_w > 0 ? round_to(x.x / s.screen_w, 0.00001) : 0.0,
                                   s.screen_h > 0 ? round_to(x.y / s.screen_h, 0.00001) : 0.0,
                                   round_to(x.pressure, 0.001)}));
  }
  PngImage png;
  const float scale = pad.w > 0 ? std::min(1.0f, 1000.0f / pad.w) : 1.0f;
  if (!render_signature_png(s.ink, scale, &png, error)) return false;
  const std::string png_b64 = record::to_base64(png.bytes);
  const std::string png_sha = record::sha256_hex(png.bytes);
  platform::secure_wipe(png.bytes);

  json events = json::array();
  for (const auto& e : s.events) {
    json ev = {{"event", e.name}, {"t_ms", e.t_ms}};
    // Issue 18: exactly what a listen tap played (only present when something played).
    if (e.audio) ev["audio"] = audio_json(*e.audio);
    events.push_back(std::move(ev));
  }
  const SmoothingParams& sp = s.ink.params();

  json sens = {
      {"schema", kPvtSchema},
      {"record_id", record_id},
      // Top-level fields the municipality's inbox reads for the DUO registration.
      {"resident_id", r.id},
      {"bsn", r.bsn},
      {"datumOndertekeningPvt", c.local_date},
      {"public", pub},
      {"subject",
       {{"resident_id", r.id}, {"v_nummer", r.v_nummer}, {"bsn", r.bsn}, {"gemeente_client_id", r.gemeente_client_id},
        {"geboortedatum", r.geboortedatum}, {"name_shown", c.name_shown}, {"name_latin", r.naam_latijns},
        {"gemeentecode", c.gemeentecode},
        {"identification", {{"method", c.identification_method}, {"checked_by_staff_id", c.identity_checked_by}}}}},
      {"host", {{"staff_id", s.host_id}, {"name", s.host_name}, {"role", "municipality_host"}}},
      {"document",
       {{"texts", texts}, {"languages_shown", languages}, {"canonical_text_sha256", s.canonical_sha256},
        {"canonical_format", "balie-shown-text/1"}, {"events", events}, {"redo_count", s.redo_count}}},
      {"signature",
       {{"format", "balie-ink/1"},
        {"sample_fields", {"kind", "finger_id", "t_ms", "x_px", "y_px", "x_norm", "y_norm", "pressure"}},
        {"samples", samples},
        {"pad_px", {{"x", pad.x}, {"y", pad.y}, {"w", pad.w}, {"h", pad.h}}},
        {"screen", {{"w_px", s.screen_w}, {"h_px", s.screen_h}, {"dpi", round_to(s.dpi, 0.1)}}},
        {"smoothing",
         {{"method", "signature_pad cubic Bezier, velocity-based width"}, {"min_width_px", sp.min_width},
          {"max_width_px", sp.max_width}, {"velocity_filter_weight", sp.velocity_filter_weight},
          {"min_distance_px", sp.min_distance}}},
        {"image", {{"type", "image/png"}, {"width", png.width}, {"height", png.height}, {"scale", scale},
                   {"sha256", png_sha}, {"base64", png_b64}}}}},
      {"time",
       {{"utc", utc_ms(c.confirmed_unix_ms)}, {"clock_source", c.clock_source},
        {"synchronised", c.clock_synchronised}, {"monotonic_offset_ms", c.monotonic_offset_ms}}},
      {"place", {{"location_id", c.location_id}, {"location_name", c.location_name}, {"kiosk_id", c.kiosk_id}}}};

  out->public_json = pub.dump();
  out->sensitive_json = sens.dump();
  if (out->public_json.size() > record::kMaxPublicBytes || out->sensitive_json.size() > record::kMaxSensitiveBytes) {
    platform::secure_wipe(out->sensitive_json);
    *error = "evidence package too large";
    return false;
  }
  return true;
}

bool build_consent_receipt(const ConsentPurpose& p, const store::TextVersion& notice, const std::string& state,
                           const std::string& supersedes, const ConsentContext& c, const std::string& record_id,
                           EvidenceParts* out, std::string* error) {
  if (!c.resident) {
    *error = "no resident";
    return false;
  }
  // Issue 16: consent is asked only under the Wet inburgering 2021 (the receipt names it); never a
  // receipt for a Wi2013/Wi2007 resident or one without an inburgeringsplicht.
  if (c.resident->regime.value != store::Regime::Wi2021) {
    *error = "consent is asked only of Wi2021 residents";
    return false;
  }
  const std::int64_t decided_s = c.unix_ms / 1000;
  std::string expires_utc;
  if (state == "given")
    expires_utc = record::format_utc(store::add_months(store::UtcTime(std::chrono::seconds(decided_s)), p.valid_months));
  out->reference = reference_code(record_id);
  json pii = json::array();
  for (auto v : p.pii_categories) pii.push_back(std::string(v));
  json purpose = {{"purpose", notice.title},
                  {"purposeCategory", json::array({std::string(p.category)})},
                  {"consentType", "EXPLICIT"},
                  {"piiCategory", pii},
                  {"primaryPurpose", false},
                  {"termination", "at most " + std::to_string(p.valid_months) +
                                      " months after the decision, or earlier withdrawal"},
                  {"thirdPartyDisclosure", true},
                  {"thirdPartyName", "Gemeente " + c.gemeente_name + " (" + p.recipient + ")"}};
  json receipt = {
      {"version", "KI-CR-v1.1.0"},
      {"jurisdiction", "NL"},
      {"consentTimestamp", c.unix_ms / 1000},
      {"collectionMethod", "in person on the Balie terminal at " + c.location_name + ", session opened by COA staff"},
      {"consentReceiptID", record_id},
      {"publicKey", c.device_public_key_hex},
      {"language", c.language},
      {"piiPrincipalId", c.resident->id},
      {"piiControllers", json::array({{{"piiController", p.controller}, {"onBehalf", false},
                                        {"contact", p.controller + " (" + c.location_name + ")"}}})},
      {"policyUrl", "notice text " + notice.version_id},
      {"services", json::array({{{"service", "Inburgering (Wet inburgering 2021)"}, {"purposes", json::array({purpose})}}})},
      {"sensitive", p.sensitive},
      {"spiCat", p.sensitive ? json::array({std::string(p.spi_category)}) : json::array()},
      // Balie extensions
      {"legalBasis", std::string(p.legal_basis)},
      {"noticeTextVersion", notice.version_id},
      {"noticeTextSha256", notice.sha256},
      {"state", state},
      {"validMonths", p.valid_months},
      {"expiresAtUtc", expires_utc.empty() ? json(nullptr) : json(expires_utc)},
      {"recipient", {{"gemeentecode", c.gemeentecode}, {"name", "Gemeente " + c.gemeente_name}}},
      {"witness", {{"staffId", c.witness_staff_id}, {"role", "coa_staff"}}},
      {"supersedes", supersedes.empty() ? json(nullptr) : json(supersedes)},
      {"purposeId", p.id},
      {"kioskId", c.kiosk_id},
      {"locationId", c.location_id},
      {"timestampUtc", utc_ms(c.unix_ms)}};
  // Issue 18: exactly what the listen control played before the answer (empty: nothing was heard).
  json heard = json::array();
  for (const auto& a : c.audio_played) heard.push_back(audio_json(a));
  receipt["audioPlayed"] = std::move(heard);
  json pub = {{"schema", kConsentSchema},
              {"kind", p.record_kind},
              {"record_id", record_id},
              {"reference", out->reference},
              {"purpose", p.id},
              {"state", state},
              {"expires_at", expires_utc.empty() ? json(nullptr) : json(expires_utc)},
              {"controller", p.controller},
              {"notice_text_version", notice.version_id},
              {"notice_text_sha256", notice.sha256},
              {"supersedes", supersedes.empty() ? json(nullptr) : json(supersedes)},
              {"kiosk_id", c.kiosk_id}};
  json sens = {{"schema", kConsentSchema}, {"resident_id", c.resident->id}, {"bsn", c.resident->bsn},
               {"receipt", receipt}};
  out->public_json = pub.dump();
  out->sensitive_json = sens.dump();
  return true;
}

}  // namespace balie::signing
