// Read queries of the operators' rollout pages (declared in rollout_views.h). The detail view reuses
// show_rollout (updates.cpp) for the rollout and its devices; the list has its own query so that the
// counts come from one aggregate instead of every device row of every update. Only reads: the actions
// go through start_rollout / advance_rollout / halt_rollout, which audit them.
#include "rollout_views.h"

#include <regex>
#include <set>

#include "updates.h"

namespace balie::coa {

namespace {

constexpr const char* kTime = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'";

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  for (std::size_t b = 0, e; b < s.size(); b = e + 1) {
    e = s.find(',', b);
    if (e == std::string::npos) e = s.size();
    if (e > b) out.push_back(s.substr(b, e - b));
  }
  return out;
}

void add_count(RolloutCounts& c, const std::string& state, long n) {
  if (state == "downloaded") c.downloaded += n;
  else if (state == "installed") c.installed += n;
  else if (state == "blessed") c.blessed += n;
  else if (state == "rolled_back" || state == "failed") c.rolled_back += n;  // the version does not run there
}

}  // namespace

DbResult<std::vector<UpdateSummary>> list_update_summaries(Db& db, int limit) {
  auto r = db.exec(std::string("SELECT u.version, u.size, u.sha256, to_char(u.uploaded_at, ") + kTime +
                       "), u.uploaded_by, r.update_id IS NOT NULL, r.stage, r.percent, "
                       "array_to_string(r.canary_devices, ','), coalesce(r.stopped_in, ''), r.halt_reason, "
                       "to_char(r.stage_started_at, " + kTime + "), r.changed_by, "
                       "c.downloaded, c.installed, c.blessed, c.rolled_back "
                       "FROM updates u LEFT JOIN rollouts r ON r.update_id = u.id "
                       "LEFT JOIN LATERAL (SELECT count(*) FILTER (WHERE state = 'downloaded') AS downloaded, "
                       "  count(*) FILTER (WHERE state = 'installed') AS installed, "
                       "  count(*) FILTER (WHERE state = 'blessed') AS blessed, "
                       "  count(*) FILTER (WHERE state IN ('rolled_back', 'failed')) AS rolled_back "
                       "  FROM update_device_states s WHERE s.update_id = u.id) c ON true "
                       "ORDER BY u.version DESC LIMIT $1",
                   {std::to_string(limit)});
  if (!r) return r.error();
  std::vector<UpdateSummary> out;
  for (int i = 0; i < r->size(); ++i) {
    UpdateSummary u;
    u.version = r->int64(i, 0);
    u.size = r->int64(i, 1);
    u.sha256 = r->text(i, 2);
    u.uploaded_at = r->text(i, 3);
    u.uploaded_by = r->text(i, 4);
    if (r->boolean(i, 5)) {
      RolloutInfo ro;
      ro.stage = r->text(i, 6);
      ro.percent = static_cast<int>(r->int64(i, 7));
      ro.canary = split_commas(r->text(i, 8));
      ro.stopped_in = r->text(i, 9);
      ro.halt_reason = halt_reason_dutch(r->text(i, 10));
      ro.stage_started_at = r->text(i, 11);
      ro.changed_by = r->text(i, 12);
      ro.counts = {r->int64(i, 13), r->int64(i, 14), r->int64(i, 15), r->int64(i, 16)};
      u.rollout = std::move(ro);
    }
    out.push_back(std::move(u));
  }
  return out;
}

DbResult<std::optional<RolloutView>> rollout_view(Db& db, std::int64_t version) {
  auto u = db.exec(std::string("SELECT u.version, u.size, u.sha256, to_char(u.uploaded_at, ") + kTime +
                       "), u.uploaded_by, EXISTS (SELECT 1 FROM rollouts r WHERE r.update_id = u.id) "
                       "FROM updates u WHERE u.version = $1",
                   {std::to_string(version)});
  if (!u) return u.error();
  if (u->empty()) return std::optional<RolloutView>{};
  RolloutView v;
  v.update.version = u->int64(0, 0);
  v.update.size = u->int64(0, 1);
  v.update.sha256 = u->text(0, 2);
  v.update.uploaded_at = u->text(0, 3);
  v.update.uploaded_by = u->text(0, 4);
  if (!u->boolean(0, 5)) return std::optional<RolloutView>{std::move(v)};

  auto j = show_rollout(db, version);
  if (!j) return j.error();
  RolloutInfo ro;
  ro.stage = j->value("stage", "");
  ro.percent = j->value("percent", 0);
  for (const auto& c : j->value("canary", nlohmann::json::array())) ro.canary.push_back(c.get<std::string>());
  ro.stopped_in = j->value("stopped_in", "");
  ro.halt_reason = halt_reason_dutch(j->value("halt_reason", ""));
  ro.stage_started_at = j->value("stage_started_at", "");
  ro.changed_by = j->value("changed_by", "");
  std::set<std::string> reported;
  for (const auto& d : j->value("devices", nlohmann::json::array())) {
    RolloutDeviceRow row{d.value("device_id", ""), d.value("state", ""), d.value("at", ""), d.value("detail", "")};
    add_count(ro.counts, row.state, 1);
    reported.insert(row.device_id);
    v.devices.push_back(std::move(row));
  }
  for (const auto& c : ro.canary)
    if (!reported.count(c)) v.devices.push_back({c, "", "", ""});
  v.update.rollout = std::move(ro);
  return std::optional<RolloutView>{std::move(v)};
}

std::string halt_reason_dutch(const std::string& reason) {
  static const std::regex rule(
      "^([0-9]+) of ([0-9]+) reporting devices rolled back or failed in stage (canary|percent|all)$");
  std::smatch x;
  if (!std::regex_match(reason, x, rule)) return reason;
  const std::string stage = x[3].str() == "canary" ? "canary" : (x[3].str() == "percent" ? "percentage" : "alle terminals");
  return "Automatisch gestopt: " + x[1].str() + " van de " + x[2].str() + " meldende terminals teruggedraaid of niet geïnstalleerd in fase " +
         stage + ".";
}

std::string rollout_refusal_dutch(const std::string& m) {
  // Stage names inside a message, in Dutch.
  auto stage = [](const std::string& s) -> std::string {
    if (s == "halted") return "gestopt";
    if (s == "done") return "afgerond (vervangen door een nieuwere uitrol)";
    return s;
  };
  std::smatch x;
  static const std::regex no_update("^no update with version ([0-9]+).*");
  static const std::regex newer("^a rollout of version ([0-9]+) exists.*");
  static const std::regex canary("^canary device (.*) is not an enrolled, unrevoked device$");
  static const std::regex not_id("^not a device id: '(.*)'$");
  static const std::regex no_rollout("^no rollout of version ([0-9]+)$");
  static const std::regex larger("^the rollout is at ([0-9]+)%; a next stage must be larger$");
  static const std::regex at_all("^the rollout of version ([0-9]+) reaches all devices already$");
  static const std::regex stopped("^the rollout of version ([0-9]+) is ([a-z]+); it cannot go further.*");
  static const std::regex already("^the rollout of version ([0-9]+) is ([a-z]+) already$");
  if (m == "a rollout starts with at least one canary device") return "Geef ten minste één canary-terminal op.";
  if (m == "the percentage must be 1..100") return "Geef een percentage van 1 tot en met 100 op.";
  if (std::regex_match(m, x, no_update)) return "Er is geen update met versie " + x[1].str() + ".";
  if (std::regex_match(m, x, newer))
    return "Er bestaat al een uitrol van versie " + x[1].str() +
           "; een uitrol gaat alleen vooruit. Upload een nieuwere versie om die uit te rollen.";
  if (std::regex_match(m, x, canary))
    return "Canary-terminal " + x[1].str() + " is niet ingeschreven of is ingetrokken.";
  if (std::regex_match(m, x, not_id)) return "Geen geldige terminal-id: '" + x[1].str() + "'.";
  if (std::regex_match(m, x, no_rollout)) return "Versie " + x[1].str() + " wordt (nog) niet uitgerold.";
  if (std::regex_match(m, x, larger))
    return "De uitrol staat al op " + x[1].str() + "%; een volgende stap moet een groter percentage zijn.";
  if (std::regex_match(m, x, at_all)) return "De uitrol van versie " + x[1].str() + " bereikt al alle terminals.";
  if (std::regex_match(m, x, stopped))
    return "De uitrol van versie " + x[1].str() + " is " + stage(x[2].str()) +
           " en kan niet verder. Upload een nieuwere versie en rol die uit.";
  if (std::regex_match(m, x, already)) return "De uitrol van versie " + x[1].str() + " is al " + stage(x[2].str()) + ".";
  return "De actie is geweigerd: " + m;
}

}  // namespace balie::coa
