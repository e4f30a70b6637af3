// DUO export of the reference inbox: per signed participatieverklaring (kind "pvt.ondertekend"),
// the body DUO's MAP/PVT API expects for PUT /personen/{bsn}/pvt, after checking DUO's rules
// (../shared/specs/duo-m2m-inburgering README, section PVT). Records that break a rule are listed
// as blocked with the reason, never exported.
#include <nlohmann/json.hpp>

#include "balie/record/codec.h"
#include "balie/record/evidence.h"
#include "balie/record/json_limits.h"
#include "balie/record/sqlite_stmt.h"
#include "inbox_db.h"

namespace balie::inbox {
namespace {
using json = nlohmann::json;

bool bsn_valid(const std::string& b) {
  if (b.size() != 9) return false;
  int sum = 0;
  for (int i = 0; i < 9; ++i) {
    if (b[i] < '0' || b[i] > '9') return false;
    int w = i < 8 ? 9 - i : -1;
    sum += w * (b[i] - '0');
  }
  return sum % 11 == 0 && b != "000000000";
}

// YYYY-MM-DD plus n months (day clamped to the month's length).
std::string add_months(const std::string& d, int n) {
  int y = std::stoi(d.substr(0, 4)), m = std::stoi(d.substr(5, 2)), day = std::stoi(d.substr(8, 2));
  m += n;
  while (m > 12) { m -= 12; ++y; }
  static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  int maxd = dim[m - 1] + ((m == 2 && leap) ? 1 : 0);
  if (day > maxd) day = maxd;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, day);
  return buf;
}

std::string str(const json& j, const char* k) {
  auto it = j.find(k);
  return (it != j.end() && it->is_string()) ? it->get<std::string>() : std::string();
}
}  // namespace

// Pure rule check, exposed for unit tests through export_pvt.
// `feed_dossier` is the dossier object as served in the feed: either the kiosk store's shape
// {"resident":{...,"gemeentecode"},"dossier":{inburgeringstermijn, pip, map_pvt_zroute, ...}} or a flat
// dossier whose pip carries its own gemeentecode. Returns "" when DUO's rules allow the export.
static std::string check_pvt(const std::string& gemeente, const std::string& today, const std::string& datum,
                             const json& feed_dossier, std::string* verwijtbaar) {
  const json& d = feed_dossier.contains("dossier") && feed_dossier["dossier"].is_object() ? feed_dossier["dossier"]
                                                                                       : feed_dossier;
  const json resident = feed_dossier.value("resident", json::object());
  if (!record::is_date(datum)) return "datumOndertekeningPvt is not a valid date";
  if (datum > today) return "datumOndertekeningPvt lies in the future";
  const json term = d.value("inburgeringstermijn", json::object());
  std::string start = term.is_object() ? str(term, "startdatum") : "", eind = term.is_object() ? str(term, "einddatum") : "";
  if (!record::is_date(start) || !record::is_date(eind)) return "dossier lacks inburgeringstermijn start/einddatum";
  if (datum < start) return "datumOndertekeningPvt lies before the start of the inburgeringstermijn";
  const json pip = d.value("pip", json::object());
  std::string pip_gemeente = pip.is_object() ? str(pip, "gemeentecode") : "";
  if (pip_gemeente.empty() && resident.is_object()) pip_gemeente = str(resident, "gemeentecode");
  if (!pip.is_object() || pip.empty() || pip_gemeente != gemeente || !pip.value("actueel", true))
    return "no current PIP from this municipality";
  const json mpz = d.value("map_pvt_zroute", json::object());
  std::string z = mpz.is_object() ? str(mpz, "datum_afronding_zroute") : "";
  if (z.empty()) z = str(d, "datumAfrondingZroute");
  if (!z.empty() && datum > z) return "datumOndertekeningPvt lies after datum afronding Z-route";
  std::string v = str(d, "verwijtbaarPvt");  // the municipality's own decision, if any
  if (v.empty() && mpz.is_object()) v = str(mpz, "pvt_verwijtbaar");
  if (datum <= eind) {
    verwijtbaar->clear();  // DUO: not allowed when signed before the end of the term
    return "";
  }
  // Overschrijding of the term: DUO requires the municipality's verwijtbaar decision.
  if (v == "Ja") {
    *verwijtbaar = v;
    return "";
  }
  if (v == "Nee") {
    if (datum > add_months(eind, 2)) return "verwijtbaar=Nee only allowed within two months of the end of the term";
    *verwijtbaar = v;
    return "";
  }
  return "term exceeded: the municipality must decide verwijtbaar (Ja/Nee) before export";
}

Result<std::string> InboxDb::export_pvt(const std::string& today) {
  if (!record::is_date(today)) return record::make_error(record::Errc::invalid_input, "today must be YYYY-MM-DD");
  std::lock_guard l(mu_);
  record::sql::Stmt s(db_,
                     "SELECT r.record_id, r.sensitive_json, d.dossier_json FROM records r LEFT JOIN residents d "
                     "ON d.resident_id = json_extract(r.sensitive_json, '$.resident_id') "
                     "WHERE r.kind = ?1 AND r.record_id NOT IN (SELECT json_extract(v.public_json, '$.voided_record_id') "
                     "FROM records v WHERE v.kind = 'record.void') ORDER BY r.received_at, r.record_id");
  if (!s.ok()) return record::make_error(record::Errc::store, sqlite3_errmsg(db_));
  s.bind(1, record::kPvtRecordKind);
  json exports = json::array(), blocked = json::array();
  while (s.step() == SQLITE_ROW) {
    const std::string id = s.text(0);
    // Both were checked under their limits when stored; an unreadable one blocks the export below.
    auto sp = record::parse_json_limited(s.text(1), record::JsonLimits{record::kMaxSensitiveBytes}, "sensitive part");
    auto dp = s.is_null(2) ? record::Result<json>(json())
                           : record::parse_json_limited(s.text(2), record::JsonLimits{sync::kMaxDossierBytes}, "dossier");
    json sens = sp ? std::move(*sp) : json();
    json dossier = dp ? std::move(*dp) : json();
    std::string bsn = sens.is_object() ? str(sens, "bsn") : "";
    std::string datum = sens.is_object() ? str(sens, "datumOndertekeningPvt") : "";
    std::string reason, verwijtbaar;
    if (!bsn_valid(bsn)) reason = "BSN missing or fails the elfproef";
    else if (!dossier.is_object()) reason = "no dossier for this resident at the municipality";
    else reason = check_pvt(gemeentecode_, today, datum, dossier, &verwijtbaar);
    if (!reason.empty()) {
      blocked.push_back({{"record_id", id}, {"reason", reason}});
      continue;
    }
    json body = {{"datumOndertekeningPvt", datum}};
    if (!verwijtbaar.empty()) body["verwijtbaar"] = verwijtbaar;
    exports.push_back({{"record_id", id}, {"method", "PUT"}, {"path", "/personen/" + bsn + "/pvt"}, {"body", body}});
  }
  return json{{"exports", exports}, {"blocked", blocked}}.dump(1);
}

}  // namespace balie::inbox
