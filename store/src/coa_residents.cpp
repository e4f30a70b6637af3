// parse_coa_residents_page (store/ layer): COA's residents feed page, checked page first (any problem
// refuses the whole page) and then item by item (a bad item is refused with the field and rule that
// failed, never the value, so the refusal can go into the audit log). Names use record/'s strict
// UTF-8 decoder; dates, gemeentecodes and ids record/'s codec checks.
#include "balie/store/coa_residents.h"

#include <set>
#include <tuple>

#include "balie/record/codec.h"
#include "balie/record/utf8.h"
#include "json_codec.h"

namespace balie::store {
namespace {

constexpr const char* kFormat = "balie-coa-residents";

// Text shown to staff: valid UTF-8, no C0/C1 control characters (tab and newline included). Bidi
// embeddings, overrides and isolates do not refuse the item (a resident is not left out over a stray
// RLO): the store removes them when it writes the row, audits the field and flags the resident
// (issue 18), so a name never reorders what is shown after it.
bool is_display_text(std::string_view s, std::size_t max_bytes) {
  if (s.size() > max_bytes || !record::is_valid_utf8(s)) return false;
  for (std::size_t i = 0; i < s.size();) {
    const char32_t cp = record::utf8_next(s, i);
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) return false;
  }
  return true;
}

bool is_v_nummer(std::string_view s) {
  if (s.size() != 10) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// issue 16: the item's "consent" array, [{"purpose","decision","decided_at","expires_at","record_id",
// "text_version","expired"}]: one entry per purpose; "expires_at" a UTC time for "given", else null.
std::string check_consents(const json& a, const std::string& resident_id, std::vector<ConsentState>* out) {
  const std::string bad = "coa-item-invalid: \"consent\" ";
  if (!a.is_array()) return bad + "must be an array";
  if (a.size() > kMaxCoaConsentsPerResident) return bad + "has more than 16 entries";
  static const std::set<std::string> kKnown = {"purpose", "decision", "decided_at", "expires_at", "record_id",
                                               "text_version", "expired"};
  std::set<std::string> purposes;
  for (const json& e : a) {
    if (!e.is_object()) return bad + "entries must be objects";
    for (auto it = e.begin(); it != e.end(); ++it)
      if (!kKnown.count(it.key())) return "coa-item-unknown-field: a consent entry has a field this terminal does not know";
    for (const char* k : {"purpose", "decision", "decided_at", "record_id", "text_version"})
      if (!e.contains(k) || !e.at(k).is_string()) return bad + "entries need \"" + k + "\" as a string";
    if (!e.contains("expires_at") || !(e.at("expires_at").is_null() || e.at("expires_at").is_string()))
      return bad + "entries need \"expires_at\" as a string or null";
    if (!e.contains("expired") || !e.at("expired").is_boolean()) return bad + "entries need \"expired\" as true or false";
    ConsentState c;
    c.resident_id = resident_id;
    c.source = "coa";
    c.purpose = e.at("purpose").get<std::string>();
    c.decision = e.at("decision").get<std::string>();
    c.record_id = e.at("record_id").get<std::string>();
    c.text_version_id = e.at("text_version").get<std::string>();
    if (!record::is_token(c.purpose, 48)) return bad + "purpose must match [A-Za-z0-9._-]{1,48}";
    if (!purposes.insert(c.purpose).second) return bad + "names a purpose twice";
    if (c.decision != "given" && c.decision != "refused" && c.decision != "withdrawn")
      return bad + "decision must be given, refused or withdrawn";
    if (!record::is_uuid(c.record_id)) return bad + "record_id must be a lowercase UUID";
    if (!record::is_token(c.text_version_id, 128)) return bad + "text_version must match [A-Za-z0-9._-]{1,128}";
    auto at = record::parse_utc(e.at("decided_at").get<std::string>());
    if (!at) return bad + "decided_at must be a UTC time YYYY-MM-DDTHH:MM:SSZ";
    c.decided_at = UtcTime(std::chrono::seconds(*at));
    if (e.at("expires_at").is_string()) {
      auto ex = record::parse_utc(e.at("expires_at").get<std::string>());
      if (!ex) return bad + "expires_at must be a UTC time YYYY-MM-DDTHH:MM:SSZ or null";
      c.expires_at = UtcTime(std::chrono::seconds(*ex));
      if (*c.expires_at <= c.decided_at) return bad + "expires_at must be after decided_at";
    }
    if ((c.decision == "given") != c.expires_at.has_value())
      return bad + "expires_at is set exactly when the decision is given";
    // "expired" is COA's view at the time it served the page; the terminal checks expires_at itself.
    if (e.at("expired").get<bool>() && c.decision != "given") return bad + "only a given consent can be expired";
    out->push_back(std::move(c));
  }
  return "";
}

// Checks one item; returns "" when it is usable (filling *out), else "<problem-type>: <detail>".
std::string check_item(const json& j, CoaResident* out) {
  if (!j.is_object()) return "coa-item-invalid: an item must be a JSON object";
  static const std::set<std::string> kKnown = {"id", "naam_latijns", "naam_eigen_schrift", "v_nummer", "geboortedatum",
                                               "kamer", "regime", "gemeentecode", "gekoppeld_sinds", "active",
                                               "withdrawal_reason", "consent"};
  auto str = [&](const char* k, std::string* v, bool nullable) -> std::string {
    if (!j.contains(k)) return std::string("coa-item-invalid: \"") + k + "\" is required";
    const json& x = j.at(k);
    if (x.is_null() && nullable) {
      v->clear();
      return "";
    }
    if (!x.is_string()) return std::string("coa-item-invalid: \"") + k + "\" must be a string" + (nullable ? " or null" : "");
    *v = x.get<std::string>();
    return "";
  };
  CoaResident r;
  if (auto e = str("id", &r.id, false); !e.empty()) return e;
  if (!record::is_token(r.id, 64)) return "coa-item-invalid: \"id\" must match [A-Za-z0-9._-]{1,64}";
  out->id = r.id;  // from here on a refusal can name the resident
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!kKnown.count(it.key())) return "coa-item-unknown-field: an item has a field this terminal does not know";
  if (!j.contains("active") || !j.at("active").is_boolean()) return "coa-item-invalid: \"active\" must be true or false";
  r.active = j.at("active").get<bool>();
  if (j.contains("withdrawal_reason")) {
    if (r.active) return "coa-item-invalid: \"withdrawal_reason\" is only allowed when \"active\" is false";
    const json& w = j.at("withdrawal_reason");
    if (!w.is_string() || !is_deletion_reason(w.get<std::string>()))
      return "coa-item-invalid: \"withdrawal_reason\" must be obligation_withdrawn or regime_corrected";
    r.withdrawal_reason = w.get<std::string>();
  }
  if (!r.active) {  // the resident left: only the id matters (what COA still sends about them is not kept)
    *out = std::move(r);
    return "";
  }
  std::string regime;
  for (auto [k, v, nullable] : {std::tuple{"naam_latijns", &r.naam_latijns, false},
                                std::tuple{"naam_eigen_schrift", &r.naam_eigen_schrift, false},
                                std::tuple{"v_nummer", &r.v_nummer, false},
                                std::tuple{"geboortedatum", &r.geboortedatum, false},
                                std::tuple{"kamer", &r.kamer, false}, std::tuple{"regime", &regime, false},
                                std::tuple{"gemeentecode", &r.gemeentecode, true},
                                std::tuple{"gekoppeld_sinds", &r.gekoppeld_sinds, true}})
    if (auto e = str(k, v, nullable); !e.empty()) return e;
  if (r.naam_latijns.empty() || !is_display_text(r.naam_latijns, 200))
    return "coa-item-invalid: \"naam_latijns\" must be 1-200 bytes of UTF-8 without control characters";
  if (!is_display_text(r.naam_eigen_schrift, 200))
    return "coa-item-invalid: \"naam_eigen_schrift\" must be at most 200 bytes of UTF-8 without control "
           "characters";
  if (!is_v_nummer(r.v_nummer)) return "coa-item-invalid: \"v_nummer\" must be exactly 10 digits";
  if (!record::is_date(r.geboortedatum)) return "coa-item-invalid: \"geboortedatum\" must be a date YYYY-MM-DD";
  if (!is_display_text(r.kamer, 32))
    return "coa-item-invalid: \"kamer\" must be at most 32 bytes of UTF-8 without control characters";
  r.regime = Coded<Regime>::parse(regime);
  if (!r.regime.known()) return "coa-item-invalid: \"regime\" must be Wi2021, Wi2013 or Wi2007";
  if (!r.gemeentecode.empty() && !record::is_gemeentecode(r.gemeentecode))
    return "coa-item-invalid: \"gemeentecode\" must look like GM0363 or be null";
  if (!r.gekoppeld_sinds.empty() && !record::is_date(r.gekoppeld_sinds))
    return "coa-item-invalid: \"gekoppeld_sinds\" must be a date YYYY-MM-DD or null";
  if (r.gemeentecode.empty() && !r.gekoppeld_sinds.empty())
    return "coa-item-invalid: \"gekoppeld_sinds\" must be null when \"gemeentecode\" is null";
  if (j.contains("consent")) {
    r.consents.emplace();
    if (auto e = check_consents(j.at("consent"), r.id, &*r.consents); !e.empty()) return e;
  }
  *out = std::move(r);
  return "";
}

StoreError malformed(const std::string& m) { return StoreError{StoreErrc::InvalidArgument, "COA residents page: " + m}; }

}  // namespace

Result<CoaResidentsPage> parse_coa_residents_page(std::string_view text) {
  auto parsed = parse_store_json(text, kMaxCoaResidentsPageBytes, "COA residents page");
  if (!parsed.ok()) return parsed.error();
  const json& j = parsed.value();
  if (auto st = record::check_fields(j,
                                     {{"format", record::JsonKind::string, true},
                                      {"format_version", record::JsonKind::integer, true, 0, 1000000},
                                      {"location_id", record::JsonKind::string, true},
                                      {"cursor", record::JsonKind::string, true},
                                      {"more", record::JsonKind::boolean, true},
                                      {"residents", record::JsonKind::array, true}},
                                     "COA residents page");
      !st)
    return StoreError{StoreErrc::InvalidArgument, st.error().message};
  if (j["format"].get<std::string>() != kFormat) return malformed("\"format\" must be \"balie-coa-residents\"");
  if (j["format_version"].get<long long>() != 1) return malformed("format_version " + j["format_version"].dump() + " is not known (1)");
  CoaResidentsPage page;
  page.location_id = j["location_id"].get<std::string>();
  page.cursor = j["cursor"].get<std::string>();
  page.more = j["more"].get<bool>();
  if (!record::is_token(page.location_id, 64)) return malformed("\"location_id\" must match [A-Za-z0-9._-]{1,64}");
  // The cursor goes back into a query string as it is: only URL-safe token characters.
  if (!page.cursor.empty() && !record::is_token(page.cursor, 256))
    return malformed("\"cursor\" must be empty or match [A-Za-z0-9._-]{1,256}");
  const json& items = j["residents"];
  if (items.size() > kMaxCoaResidentsPerPage)
    return StoreError{StoreErrc::LimitReached, "COA residents page: more than " + std::to_string(kMaxCoaResidentsPerPage) + " residents"};
  std::set<std::string> seen;
  for (std::size_t i = 0; i < items.size(); ++i) {
    CoaResident r;
    std::string why = check_item(items[i], &r);
    // An item whose id itself is unusable is named by its place in the page.
    const std::string id = r.id.empty() ? "#" + std::to_string(i) : r.id;
    if (why.empty() && !seen.insert(r.id).second) why = "coa-item-invalid: the id occurs twice in the page";
    if (!why.empty()) {
      page.refused.emplace_back(id, why);
      continue;
    }
    page.residents.push_back(std::move(r));
  }
  return page;
}

}  // namespace balie::store
