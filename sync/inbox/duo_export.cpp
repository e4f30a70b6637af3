// DUO export of the reference inbox: per signed participatieverklaring (kind "pvt.ondertekend"),
// the body DUO's MAP/PVT API expects for PUT /personen/{bsn}/pvt, after checking DUO's rules with
// the one PVT rule table (record/pvt_rule.h, shared with the kiosk's offer). Records that break a
// rule are listed as blocked with the reason code and a staff text, never exported.
#include "duo_export.h"

#include <set>

#include "balie/record/codec.h"
#include "balie/record/evidence.h"
#include "balie/record/json_limits.h"
#include "inbox_db.h"

namespace balie::inbox {
namespace {
using json = nlohmann::json;

json stored_json_value(const std::string& text) {
  auto j = record::parse_json_limited(text, record::JsonLimits{record::kMaxPublicBytes}, "stored JSON");
  return j ? std::move(*j) : json();
}

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
  // The sensitive part and the dossier are sealed columns: the join on resident_id and the void check
  // happen here, after opening them, not in SQL.
  auto voids = sql_->query("SELECT public_json FROM records WHERE kind = ?", {std::string(record::kVoidRecordKind)});
  if (!voids) return voids.error();
  std::set<std::string> voided;
  for (const auto& v : *voids) voided.insert(str(stored_json_value(v.text(0)), "voided_record_id"));
  auto rows = sql_->query("SELECT record_id, sensitive_json FROM records WHERE kind = ? ORDER BY received_at, record_id",
                          {std::string(record::kPvtRecordKind)});
  if (!rows) return rows.error();
  const PvtExportContext ctx{gemeentecode_, today, pip_required};
  json exports = json::array(), blocked = json::array();
  for (const auto& s : *rows) {
    const std::string id = s.text(0);
    if (voided.count(id)) continue;
    auto plain = open_sensitive(id, s.text(1));
    if (!plain) return plain.error();
    // Both were checked under their limits when stored; an unreadable one blocks the export below.
    auto sp = record::parse_json_limited(*plain, record::JsonLimits{record::kMaxSensitiveBytes}, "sensitive part");
    json sens = sp ? std::move(*sp) : json();
    json dossier;
    std::string purge_reason;
    if (const std::string resident = str(sens, "resident_id"); !resident.empty()) {
      auto d = sql_->query("SELECT dossier_json, state, reason FROM residents WHERE resident_id = ?", {resident});
      if (!d) return d.error();
      if (!d->empty()) {
        const auto& row = d->front();
        if (!row.is_null(0)) {
          auto dtext = open_dossier(resident, row.text(0));
          if (!dtext) return dtext.error();
          auto dp = record::parse_json_limited(*dtext, record::JsonLimits{sync::kMaxDossierBytes}, "dossier");
          dossier = dp ? std::move(*dp) : json();
        }
        if (row.text(1) == "purged" && !row.is_null(2)) purge_reason = row.text(2);
      }
    }
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
