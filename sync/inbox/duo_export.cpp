// DUO export of the reference inbox: per signed participatieverklaring (kind "pvt.ondertekend"),
// the body DUO's MAP/PVT API expects for PUT /personen/{bsn}/pvt, after checking DUO's rules with
// the one PVT rule table (record/pvt_rule.h, shared with the kiosk's offer). Records that break a
// rule are listed as blocked with the reason code and a staff text, never exported.
#include "duo_export.h"

#include "balie/record/codec.h"
#include "balie/record/evidence.h"
#include "balie/record/json_limits.h"
#include "balie/record/sqlite_stmt.h"
#include "inbox_db.h"

namespace balie::inbox {
namespace {
using json = nlohmann::json;

std::string str(const json& j, const char* k) {
  if (!j.is_object()) return {};
  auto it = j.find(k);
  return (it != j.end() && it->is_string()) ? it->get<std::string>() : std::string();
}
const json& obj(const json& j, const char* k) {
  static const json empty = json::object();
  if (!j.is_object()) return empty;
  auto it = j.find(k);
  return (it != j.end() && it->is_object()) ? *it : empty;
}
}  // namespace

record::PvtRuleInput pvt_export_input(const PvtExportContext& ctx, const json& sensitive, const json& feed_dossier,
                                      const std::string& purge_reason) {
  record::PvtRuleInput in;
  in.acting_gemeentecode = ctx.gemeentecode;
  in.today = ctx.today;
  in.pip_required = ctx.pip_required;
  in.bsn = str(sensitive, "bsn");
  in.datum = str(sensitive, "datumOndertekeningPvt");
  if (purge_reason == "obligation_withdrawn") {
    // The municipality withdrew the obligation as wrongly imposed: never export, whatever else holds.
    in.dossier_present = true;
    in.obligation_withdrawn = true;
    in.regime = "Wi2021";
    return in;
  }
  if (!feed_dossier.is_object() || feed_dossier.empty()) {
    in.dossier_present = false;
    return in;
  }
  // The kiosk store's shape {"resident":{...},"dossier":{...}}, or a flat dossier.
  const json& d = feed_dossier.contains("dossier") && feed_dossier["dossier"].is_object() ? feed_dossier["dossier"]
                                                                                       : feed_dossier;
  const json& resident = obj(feed_dossier, "resident");
  in.regime = purge_reason == "regime_corrected" ? "Wi2013" : str(resident, "regime");
  in.linked_gemeentecode = str(resident, "gemeentecode");
  const json& plicht = obj(d, "inburgeringsplicht");
  auto pl = plicht.find("plichtig");
  in.plicht_known = pl != plicht.end() && pl->is_boolean();
  in.plichtig = in.plicht_known && pl->get<bool>();
  auto wd = plicht.find("ingetrokken");
  in.obligation_withdrawn = wd != plicht.end() && wd->is_boolean() && wd->get<bool>();
  const json& term = obj(d, "inburgeringstermijn");
  in.termijn_startdatum = str(term, "startdatum");
  in.termijn_einddatum = str(term, "einddatum");
  const json& pip = obj(d, "pip");
  // A PIP is vastgesteld when it carries its dagtekening and is not marked as no longer current.
  in.pip_vastgesteld = !str(pip, "dagtekening").empty() && pip.value("actueel", true);
  in.pip_gemeentecode = str(pip, "gemeentecode");
  if (in.pip_gemeentecode.empty()) in.pip_gemeentecode = in.linked_gemeentecode;  // the feed's own municipality
  const json& mpz = obj(d, "map_pvt_zroute");
  in.datum_ondertekening_registered = str(mpz, "datum_ondertekening_pvt");
  in.datum_afronding_zroute = str(mpz, "datum_afronding_zroute");
  if (in.datum_afronding_zroute.empty()) in.datum_afronding_zroute = str(d, "datumAfrondingZroute");
  in.verwijtbaar_decision = str(d, "verwijtbaarPvt");  // the municipality's own decision, if any
  return in;
}

Result<std::string> InboxDb::export_pvt(const std::string& today, bool pip_required) {
  if (!record::is_date(today)) return record::make_error(record::Errc::invalid_input, "today must be YYYY-MM-DD");
  std::lock_guard l(mu_);
  record::sql::Stmt s(db_,
                     "SELECT r.record_id, r.sensitive_json, d.dossier_json, d.state, d.reason FROM records r "
                     "LEFT JOIN residents d ON d.resident_id = json_extract(r.sensitive_json, '$.resident_id') "
                     "WHERE r.kind = ?1 AND r.record_id NOT IN (SELECT json_extract(v.public_json, '$.voided_record_id') "
                     "FROM records v WHERE v.kind = 'record.void') ORDER BY r.received_at, r.record_id");
  if (!s.ok()) return record::make_error(record::Errc::store, sqlite3_errmsg(db_));
  s.bind(1, record::kPvtRecordKind);
  const PvtExportContext ctx{gemeentecode_, today, pip_required};
  json exports = json::array(), blocked = json::array();
  while (s.step() == SQLITE_ROW) {
    const std::string id = s.text(0);
    // Both were checked under their limits when stored; an unreadable one blocks the export below.
    auto sp = record::parse_json_limited(s.text(1), record::JsonLimits{record::kMaxSensitiveBytes}, "sensitive part");
    auto dp = s.is_null(2) ? record::Result<json>(json())
                           : record::parse_json_limited(s.text(2), record::JsonLimits{sync::kMaxDossierBytes}, "dossier");
    json sens = sp ? std::move(*sp) : json();
    json dossier = dp ? std::move(*dp) : json();
    const std::string purge_reason = !s.is_null(3) && s.text(3) == "purged" && !s.is_null(4) ? s.text(4) : "";
    const record::PvtVerdict v = record::pvt_rule(pvt_export_input(ctx, sens, dossier, purge_reason));
    if (!v.allowed) {
      blocked.push_back({{"record_id", id},
                         {"reason", std::string(record::pvt_reason_code(v.reason))},
                         {"text", std::string(record::pvt_reason_staff_text(v.reason))}});
      continue;
    }
    json body = {{"datumOndertekeningPvt", str(sens, "datumOndertekeningPvt")}};
    if (!v.verwijtbaar.empty()) body["verwijtbaar"] = v.verwijtbaar;
    exports.push_back({{"record_id", id}, {"method", "PUT"}, {"path", "/personen/" + str(sens, "bsn") + "/pvt"},
                       {"body", body}});
  }
  return json{{"exports", exports}, {"blocked", blocked}}.dump(1);
}

}  // namespace balie::inbox
