// Parsing and checking of syncd.json and routing files (see syncd_config.h): record's limited JSON
// parser, then record::check_fields for keys and types, then the values' own rules.
#include "balie/sync/syncd_config.h"

#include <algorithm>
#include <cstdio>
#include <type_traits>

#include "balie/record/json_limits.h"
#include "balie/sync/protocol.h"

namespace balie::sync {
namespace {

bool parse_hhmm(const std::string& s, int* out) {
  int h = 0, m = 0;
  char extra = 0;
  if (s.size() != 5 || std::sscanf(s.c_str(), "%2d:%2d%c", &h, &m, &extra) != 2 || h < 0 || h > 24 || m < 0 ||
      m > 59 || (h == 24 && m != 0))
    return false;
  *out = h * 60 + m;
  return true;
}

}  // namespace

Result<SyncdConfig> parse_syncd_config(std::string_view text, std::string_view where_) {
  const std::string where(where_);
  auto parsed = parse_json_limited(text, JsonLimits{kMaxSyncdConfigBytes}, where);
  if (!parsed) return parsed.error();
  const nlohmann::json& j = *parsed;
  if (auto st = check_fields(j,
                             {{"store", JsonKind::string, true},
                              {"store_kind", JsonKind::string},
                              {"device_id", JsonKind::string, true},
                              {"client_cert", JsonKind::string, true},
                              {"client_key", JsonKind::string, true},
                              {"locatiecode", JsonKind::string},
                              {"provisioning_keys", JsonKind::string},
                              {"window", JsonKind::string},
                              {"window_jitter_minutes", JsonKind::integer, false, 0, 24 * 60},
                              {"batch_max_records", JsonKind::integer, false, 1, kMaxBatchRecords},
                              {"batch_max_bytes", JsonKind::integer, false, 1024, kMaxBatchBodyBytes},
                              {"max_retries", JsonKind::integer, false, 0, 20},
                              {"backoff_base_ms", JsonKind::integer, false, 1, 60 * 1000},
                              {"connect_timeout_s", JsonKind::integer, false, 1, 600},
                              {"low_speed_time_s", JsonKind::integer, false, 1, 3600},
                              {"total_timeout_s", JsonKind::integer, false, 1, 24 * 3600}},
                             where);
      !st)
    return st.error();
  auto str = [&](const char* k) { return j.contains(k) ? j[k].get<std::string>() : std::string(); };
  auto bad = [&](const std::string& m) { return make_error(Errc::invalid_input, where + ": " + m); };
  SyncdConfig c;
  c.store_path = str("store");
  if (c.store_path.empty()) return bad("\"store\" must be a non-empty path");
  // "store_kind" named a development stand-in once; the terminal's store is the only one now.
  if (j.contains("store_kind") && str("store_kind") != "balie")
    return bad("store_kind \"" + str("store_kind").substr(0, 40) +
               "\" is not supported: balie-syncd opens only the terminal's store (\"balie\" or leave it out)");
  c.engine.device_id = str("device_id");
  if (!is_token(c.engine.device_id, 64)) return bad("\"device_id\" must match [A-Za-z0-9._-]{1,64}");
  c.engine.locatiecode = str("locatiecode");
  if (!c.engine.locatiecode.empty() && !is_token(c.engine.locatiecode, 64))
    return bad("\"locatiecode\" must match [A-Za-z0-9._-]{1,64}");
  c.provisioning_keys_path = str("provisioning_keys");
  if (j.contains("provisioning_keys") && c.provisioning_keys_path.empty())
    return bad("\"provisioning_keys\" must be a non-empty path (or leave it out for the image's keys)");
  c.client_cert_path = str("client_cert");
  c.client_key_path = str("client_key");
  if (c.client_cert_path.empty() || c.client_key_path.empty())
    return bad("\"client_cert\" and \"client_key\" must be non-empty paths");
  if (c.client_key_path.rfind("credential:", 0) == 0) {
    c.client_key_credential = c.client_key_path.substr(11);
    c.client_key_path.clear();
    if (c.client_key_credential != "balie-tls-key")
      return bad("\"client_key\": unknown credential \"" + c.client_key_credential.substr(0, 40) +
                 "\" (the only one is credential:balie-tls-key)");
  }
  auto num = [&](const char* k, auto* out) {
    if (j.contains(k)) *out = static_cast<std::remove_reference_t<decltype(*out)>>(j[k].get<long long>());
  };
  num("batch_max_records", &c.engine.batch_max_records);
  num("batch_max_bytes", &c.engine.batch_max_bytes);
  num("max_retries", &c.engine.max_retries);
  num("backoff_base_ms", &c.engine.backoff_base_ms);
  num("connect_timeout_s", &c.engine.connect_timeout_s);
  num("low_speed_time_s", &c.engine.low_speed_time_s);
  num("total_timeout_s", &c.engine.total_timeout_s);
  num("window_jitter_minutes", &c.jitter_max_min);
  if (j.contains("window")) {
    const std::string w = str("window");
    auto dash = w.find('-');
    if (dash == std::string::npos || !parse_hhmm(w.substr(0, dash), &c.window_start_min) ||
        !parse_hhmm(w.substr(dash + 1), &c.window_end_min))
      return bad("\"window\" must be a string like \"01:00-05:00\" (got \"" + w.substr(0, 40) + "\")");
  }
  return c;
}

Result<std::vector<Route>> parse_routing(std::string_view text, std::string_view where_) {
  const std::string where(where_);
  auto parsed = parse_json_limited(text, JsonLimits{kMaxRoutingBytes}, where);
  if (!parsed) return parsed.error();
  const nlohmann::json& j = *parsed;
  if (auto s = check_fields(j, {{"routes", JsonKind::array, true}}, where); !s) return s.error();
  if (j["routes"].size() > kMaxRoutes)
    return make_error(Errc::limit, where + ": more than " + std::to_string(kMaxRoutes) + " routes");
  std::vector<Route> routes;
  std::size_t n = 0;
  for (const auto& r : j["routes"]) {
    const std::string at = where + ": routes[" + std::to_string(n++) + "]";
    if (auto s = check_fields(r,
                              {{"gemeentecode", JsonKind::string, true},
                               {"base_url", JsonKind::string, true},
                               {"ca_pem", JsonKind::string, true},
                               {"pinned_key", JsonKind::string, true},
                               {"ed25519_pk", JsonKind::string, true},
                               {"x25519_pk", JsonKind::string, true}},
                              at);
        !s)
      return s.error();
    Route rt;
    rt.gemeentecode = r["gemeentecode"].get<std::string>();
    rt.base_url = r["base_url"].get<std::string>();
    rt.ca_pem = r["ca_pem"].get<std::string>();
    rt.pinned_key = r["pinned_key"].get<std::string>();
    if (!is_gemeentecode(rt.gemeentecode))
      return make_error(Errc::invalid_input, at + ": \"gemeentecode\" must look like GM0363");
    auto ed = from_hex(r["ed25519_pk"].get<std::string>());
    auto x = from_hex(r["x25519_pk"].get<std::string>());
    if (!ed || ed->size() != 32 || !x || x->size() != 32)
      return make_error(Errc::invalid_input, at + ": \"ed25519_pk\" and \"x25519_pk\" must be 64 hex characters");
    std::copy(ed->begin(), ed->end(), rt.ed25519_pk.begin());
    std::copy(x->begin(), x->end(), rt.x25519_pk.begin());
    routes.push_back(std::move(rt));
  }
  return routes;
}

}  // namespace balie::sync
