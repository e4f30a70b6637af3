// COA client of balie-syncd (see coa_client.h): health post, bundle update, consent events, residents feed, over the
// same libcurl session code the municipality routes use (detail/https_client.h: TLS 1.2+, COA's CA,
// both pins as "primary;backup", the terminal's client certificate, bounded bodies and timeouts).
// One attempt per request and pass: a failure is reported and the next pass tries again.
#include "balie/sync/coa_client.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "balie/record/codec.h"
#include "balie/record/json_limits.h"
#include "detail/https_client.h"

namespace balie::sync {
namespace {

constexpr std::size_t kMaxHealthBytes = 1024 * 1024;

bool stopped(const std::atomic<bool>* s) { return s && s->load(); }

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

// COA's error body {"error","message"} as one short line (bounded; it goes to the journal).
std::string coa_error(const detail::HttpResponse& r) {
  std::string s = "HTTP " + std::to_string(r.status);
  auto j = record::parse_json_limited(r.body, record::JsonLimits{64 * 1024}, "COA error");
  if (j && j->is_object()) {
    if (j->contains("error") && (*j)["error"].is_string()) s += " " + (*j)["error"].get<std::string>().substr(0, 64);
    if (j->contains("message") && (*j)["message"].is_string()) s += ": " + (*j)["message"].get<std::string>().substr(0, 200);
  }
  return s;
}

std::optional<std::string> read_small_file(const std::filesystem::path& p, std::size_t max, std::string* error) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::string data(max + 1, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<std::size_t>(in.gcount()));
  if (data.size() > max) {
    *error = p.string() + " is larger than " + std::to_string(max) + " bytes";
    return std::nullopt;
  }
  return data;
}

}  // namespace

std::string CoaPassResult::summary() const {
  if (!configured) return errors.empty() ? std::string() : "COA: " + join(errors, "; ") + "\n";
  std::string s = "COA " + endpoint + ": health " + (health_posted ? "posted" : "not posted");
  if (!alerts.empty()) s += " (alerts: " + join(alerts, ", ") + ")";
  s += ", bundle " + (bundle_installed ? "version " + std::to_string(*bundle_installed) + " installed"
                      : bundle_status == 204 ? std::string("up to date")
                                             : std::string("unchanged"));
  s += ", residents pages " + std::to_string(residents_pages) + " (+" + std::to_string(residents.inserted) + " ~" +
       std::to_string(residents.updated) + " links " + std::to_string(residents.link_changes) + " -" +
       std::to_string(residents.purged) + " refused " + std::to_string(residents.refused) + ")";
  if (consent_acknowledged || consent_refused)
    s += ", consent " + std::to_string(consent_acknowledged) + " acknowledged" +
         (consent_refused ? ", " + std::to_string(consent_refused) + " refused" : std::string());
  if (!errors.empty()) s += (transient ? ", TRANSIENT: " : ", ERROR: ") + join(errors, "; ");
  return s + "\n";
}

CoaPassResult run_coa_pass(store::Store& st, const CoaClientConfig& cfg, const std::atomic<bool>* stop) {
  CoaPassResult res;
  auto applied = st.applied_bundle();
  if (!applied.ok()) {
    res.errors.push_back("reading the applied bundle: " + applied.error().message);
    return res;
  }
  if (!applied.value() || applied.value()->coa_endpoint.empty()) return res;
  res.configured = true;

  detail::HttpLimits lim;
  lim.connect_timeout_s = cfg.connect_timeout_s;
  lim.low_speed_time_s = cfg.low_speed_time_s;
  lim.total_timeout_s = cfg.total_timeout_s;
  lim.max_response_bytes = std::max<std::size_t>(store::kMaxBundleBytes, store::kMaxCoaResidentsPageBytes) + 1;
  // The session for COA as the applied bundle names it (rebuilt after a new bundle changed it).
  std::unique_ptr<detail::HttpsSession> http;
  auto connect = [&](const store::AppliedBundle& b) {
    Route r;
    r.gemeentecode = "COA";
    r.base_url = b.coa_endpoint;
    while (!r.base_url.empty() && r.base_url.back() == '/') r.base_url.pop_back();
    r.ca_pem = b.coa_ca_pem;
    r.pinned_key = join(b.coa_pins, ";");  // CURLOPT_PINNEDPUBLICKEY: either pin is accepted
    res.endpoint = r.base_url;
    http = std::make_unique<detail::HttpsSession>(r, detail::TlsIdentity{cfg.client_cert_pem, cfg.client_key_pem}, lim);
  };
  connect(*applied.value());
  // A request that got no HTTP answer (network, TLS, limits): COA is unreachable for this pass.
  auto unreachable = [&](const char* what, const Error& e) {
    res.transient = true;
    res.errors.push_back(std::string(what) + ": " + e.message);
    return res;
  };

  // 1. The previous pass's health document, byte for byte.
  std::string herr;
  if (auto doc = read_small_file(cfg.health_file, kMaxHealthBytes, &herr)) {
    auto r = http->post_json("/v1/health", *doc, /*gzip=*/false);
    if (!r) return unreachable("health", r.error());
    if (r->status == 202 || r->status == 200) {
      res.health_posted = true;
      auto j = record::parse_json_limited(r->body, record::JsonLimits{64 * 1024}, "COA health answer");
      if (j && j->is_object() && j->contains("alerts") && (*j)["alerts"].is_array())
        for (const auto& a : (*j)["alerts"])
          if (a.is_string() && res.alerts.size() < 32) res.alerts.push_back(a.get<std::string>().substr(0, 64));
    } else {
      res.transient = res.transient || r->status >= 500 || r->status == 429;
      res.errors.push_back("health: " + coa_error(*r));
    }
  } else if (!herr.empty()) {
    res.errors.push_back("health: " + herr);
  }
  if (stopped(stop)) return res;

  // 2. A newer enrolment bundle.
  {
    auto r = http->get("/v1/bundle?have=" + std::to_string(applied.value()->version));
    if (!r) return unreachable("bundle", r.error());
    res.bundle_status = r->status;
    if (r->status == 200) {
      auto trusted = store::load_provisioning_keys(cfg.provisioning_keys_dir);
      if (!trusted.ok()) {
        res.errors.push_back("bundle: " + trusted.error());
      } else {
        auto inst = store::install_bundle(st, r->body, trusted.value(), cfg.identity, cfg.config_dir, cfg.store_path,
                                          "sync");
        using Kind = store::BundleInstall::Kind;
        if (inst.kind == Kind::Applied || inst.kind == Kind::AlreadyApplied) {
          if (inst.kind == Kind::Applied) res.bundle_installed = inst.bundle->version;
        } else if (inst.kind == Kind::Refused) {
          res.refused = true;
          res.errors.push_back(std::string("bundle refused [") + store::to_string(inst.refusal->why) +
                               "]: " + inst.refusal->message);
        } else {
          res.errors.push_back("bundle: " + inst.message);
        }
        if (inst.kind == Kind::Applied) {
          auto now = st.applied_bundle();
          if (now.ok() && now.value() && !now.value()->coa_endpoint.empty()) connect(*now.value());
        }
      }
    } else if (r->status != 204) {
      res.transient = res.transient || r->status >= 500 || r->status == 429;
      res.errors.push_back("bundle: " + coa_error(*r));
    }
  }

  // 3. Consent decisions queued with their records (issue 16): COA acts on them, so every one goes to
  // COA until COA acknowledges it; acknowledged ones leave the queue. Before the feed, so the feed
  // already carries them back.
  for (std::size_t n = 0; n < cfg.max_consent_posts && !stopped(stop); ++n) {
    auto q = st.pending_consent_events(store::kMaxConsentEventsPerPost);
    if (!q.ok()) {
      res.errors.push_back("consent: " + q.error().message);
      break;
    }
    if (q.value().empty()) break;
    nlohmann::json events = nlohmann::json::array();
    std::vector<std::string> ids;
    for (const auto& e : q.value()) {
      events.push_back({{"record_id", e.record_id}, {"resident_id", e.resident_id}, {"purpose", e.purpose},
                        {"decision", e.decision}, {"decided_at", record::format_utc(e.decided_at)},
                        {"expires_at", e.expires_at ? nlohmann::json(record::format_utc(*e.expires_at)) : nlohmann::json()},
                        {"text_version", e.text_version_id}});
      ids.push_back(e.record_id);
    }
    const nlohmann::json body = {{"format", "balie-coa-consent"}, {"format_version", 1}, {"events", events}};
    auto r = http->post_json("/v1/consent", body.dump(), /*gzip=*/false);
    if (!r) {
      (void)st.consent_events_failed(ids, r.error().message);
      return unreachable("consent", r.error());
    }
    if (r->status != 200) {
      res.transient = res.transient || r->status >= 500 || r->status == 429;
      const std::string why = coa_error(*r);
      (void)st.consent_events_failed(ids, why);
      res.errors.push_back("consent: " + why);
      break;
    }
    auto j = record::parse_json_limited(r->body, record::JsonLimits{1024 * 1024}, "COA consent answer");
    if (!j || !j->is_object() || !j->contains("acknowledged") || !(*j)["acknowledged"].is_array() ||
        !j->contains("refused") || !(*j)["refused"].is_array()) {
      (void)st.consent_events_failed(ids, "COA's answer is not {acknowledged, refused}");
      res.errors.push_back("consent: COA's answer is not {acknowledged, refused}");
      break;
    }
    // Only ids this post sent count; anything else in the answer is ignored.
    std::vector<std::string> acked, refused_ids;
    for (const auto& a : (*j)["acknowledged"])
      if (a.is_string() && std::find(ids.begin(), ids.end(), a.get<std::string>()) != ids.end())
        acked.push_back(a.get<std::string>());
    std::string first_reason;
    for (const auto& x : (*j)["refused"])
      if (x.is_object() && x.contains("record_id") && x["record_id"].is_string() &&
          std::find(ids.begin(), ids.end(), x["record_id"].get<std::string>()) != ids.end()) {
        refused_ids.push_back(x["record_id"].get<std::string>());
        if (first_reason.empty() && x.contains("reason") && x["reason"].is_string())
          first_reason = x["reason"].get<std::string>().substr(0, 200);
      }
    if (auto a = st.consent_events_acknowledged(acked); !a.ok()) {
      res.errors.push_back("consent: " + a.error().message);
      break;
    }
    res.consent_acknowledged += static_cast<int>(acked.size());
    if (!refused_ids.empty()) {  // kept and retried: a refusal needs an operator to look
      (void)st.consent_events_failed(refused_ids, "refused by COA: " + first_reason);
      res.refused = true;
      res.consent_refused += static_cast<int>(refused_ids.size());
      res.errors.push_back("consent: " + std::to_string(refused_ids.size()) + " event(s) refused by COA: " + first_reason);
      break;
    }
    if (acked.size() < ids.size()) {
      res.errors.push_back("consent: COA acknowledged " + std::to_string(acked.size()) + " of " +
                           std::to_string(ids.size()) + " events");
      break;
    }
  }
  if (stopped(stop)) return res;

  // 4. The residents feed, page by page, each page with its cursor in one transaction.
  for (std::size_t n = 0; n < cfg.max_residents_pages && !stopped(stop); ++n) {
    auto cur = st.coa_residents_cursor();
    if (!cur.ok()) {
      res.errors.push_back("residents: " + cur.error().message);
      break;
    }
    auto r = http->get("/v1/residents?cursor=" + cur.value() + "&limit=" + std::to_string(cfg.residents_limit) +
                       "&consent=1");
    if (!r) return unreachable("residents", r.error());
    if (r->status != 200) {
      res.transient = res.transient || r->status >= 500 || r->status == 429;
      res.errors.push_back("residents: " + coa_error(*r));
      break;
    }
    auto page = store::parse_coa_residents_page(r->body);
    if (!page.ok()) {  // nothing of a malformed page is applied; the cursor stays
      res.refused = true;
      res.errors.push_back("residents page refused: " + page.error().message.substr(0, 300));
      break;
    }
    auto out = st.apply_coa_residents(page.value());
    if (!out.ok()) {
      res.errors.push_back("residents page not applied: " + out.error().message);
      break;
    }
    ++res.residents_pages;
    const auto& o = out.value();
    res.residents.inserted += o.inserted;
    res.residents.updated += o.updated;
    res.residents.link_changes += o.link_changes;
    res.residents.purged += o.purged;
    res.residents.purged_waiting += o.purged_waiting;
    res.residents.absent += o.absent;
    res.residents.refused += o.refused;
    if (o.refused > 0) res.refused = true;
    if (!page.value().more) break;
    if (page.value().cursor == cur.value()) {  // "more" without moving on would loop: stop here
      res.errors.push_back("residents: COA said more but did not move the cursor");
      break;
    }
  }
  if (res.residents.refused > 0)
    res.errors.push_back(std::to_string(res.residents.refused) + " residents item(s) refused (audit coa.item_refused)");
  return res;
}

}  // namespace balie::sync
