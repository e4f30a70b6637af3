// balie-inbox HTTPS endpoints (/v1): health, identity proof, record push with per-record
// acknowledgements, dossier feed, deletion requests with signed receipts. Mutual TLS: kiosks must
// present a certificate from the configured client CA whose CN is an enrolled device id. Errors are
// problem+json. A second mTLS listener with its own client CA serves case systems (the change
// export, issue 17 item 5); both log one line per request without personal data (access_log.h), answer
// 405 with Allow for a wrong method on a known path and carry the API-Version header exactly once.
#include "inbox_server.h"

#include <httplib.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <signal.h>

#include <cerrno>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <atomic>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>
#include <chrono>
#include <optional>

#include "balie/record/codec.h"
#include "balie/record/evidence.h"
#include "balie/record/json_limits.h"
#include "balie/sync/protocol.h"
#include "balie/sync/reports.h"
#include "access_log.h"
#include "inbox_db.h"
#include "key_ring.h"
#include "revocation.h"
#include "webhook.h"

namespace balie::inbox {
extern const char* const kOpenApiJson;  // sync/openapi.yaml as JSON, generated at build time
namespace {

void send_problem(httplib::Response& res, int status, const std::string& title, const std::string& detail) {
  sync::Problem p{"https://balie.invalid/problems/" + title, title, status, detail};
  res.status = status;
  res.set_content(sync::problem_json(p), "application/problem+json");
}

std::string peer_cn(const httplib::Request& req) {
  if (!req.ssl) return "";
  X509* cert = SSL_get1_peer_certificate(req.ssl);
  if (!cert) return "";
  char buf[256] = {0};
  int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof buf);
  X509_free(cert);
  return n > 0 ? std::string(buf, n) : std::string();
}

// The header is added once, whichever of the handlers (pre-routing, route, post-routing, error) runs:
// cpp-httplib's set_header appends, so setting it in two of them sent it twice.
void api_version(httplib::Response& res) {
  if (!res.has_header("API-Version")) res.set_header("API-Version", sync::kApiVersion);
}

// Per request on the connection's thread: when it started and its id (access log, X-Request-Id).
thread_local std::chrono::steady_clock::time_point t_request_start;
thread_local bool t_request_started = false;

std::string new_request_id() {
  auto k = record::random_key32();
  return record::to_hex(k.data(), 12);
}

// First thing in every pre-routing handler: start the clock, give the request its id.
void begin_request(httplib::Response& res) {
  t_request_start = std::chrono::steady_clock::now();
  t_request_started = true;
  res.set_header("X-Request-Id", new_request_id());
}

// 405 + Allow when the path is known on this listener but the method is not one it answers.
bool method_not_allowed(const httplib::Request& req, httplib::Response& res, bool case_listener) {
  const std::string allow = allowed_methods(path_template(req.path), case_listener);
  if (allow.empty()) return false;
  std::size_t pos = 0;
  while (pos < allow.size()) {
    std::size_t end = allow.find(", ", pos);
    if (allow.substr(pos, end == std::string::npos ? std::string::npos : end - pos) == req.method) return false;
    if (end == std::string::npos) break;
    pos = end + 2;
  }
  send_problem(res, 405, "method-not-allowed", "this path answers " + allow);
  res.set_header("Allow", allow);
  res.set_header("Connection", "close");  // a body the request may carry is not read
  api_version(res);
  return true;
}

// The access log line of one request (stderr; the journal under systemd). No path, query, header or
// body content is logged: only the path's template, the status, sizes, time and the device id.
void log_request(const char* listener, const httplib::Request& req, const httplib::Response& res) {
  long ms = 0;
  if (t_request_started)
    ms = static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                                  t_request_start).count());
  t_request_started = false;
  std::string id = res.get_header_value("X-Request-Id");
  if (id.empty()) id = new_request_id();
  const std::string line = access_log_line(listener, id, req.method, path_template(req.path), res.status,
                                           res.body.size(), ms, peer_cn(req));
  std::fprintf(stderr, "%s\n", line.c_str());
}

void install_common(httplib::Server& svr, const char* listener, bool access_log) {
  svr.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) send_problem(res, res.status, res.status == 404 ? "not-found" : "error", "");
    api_version(res);
  });
  svr.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    send_problem(res, 500, "internal-error", "unexpected server error");
  });
  if (access_log)
    svr.set_logger([listener](const httplib::Request& req, const httplib::Response& res) { log_request(listener, req, res); });
  svr.Get("/v1/openapi.json", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(kOpenApiJson, "application/json");
  });
}

bool content_type_json(const httplib::Request& req) {
  std::string ct = req.get_header_value("Content-Type");
  return ct == "application/json" || ct.rfind("application/json;", 0) == 0;
}

}  // namespace

int run_server(const ServerConfig& cfg) {
  auto key = load_db_key(cfg.db_key_file);
  if (!key) {
    std::fprintf(stderr, "balie-inbox: %s\n", key.error().message.c_str());
    return 2;
  }
  auto dbr = InboxDb::open(StorageConfig{cfg.db_path, cfg.pg_conninfo}, key->bytes(), cfg.gemeentecode);
  key->wipe();
  if (!dbr) {
    std::fprintf(stderr, "balie-inbox: %s\n", dbr.error().message.c_str());
    return 2;
  }
  std::unique_ptr<InboxDb> db = std::move(*dbr);
  const record::SigningKey signer = record::SigningKey::from_seed(cfg.signing_seed);
  auto first_ring = KeyRing::load(cfg.keys_dir);
  if (!first_ring) {
    std::fprintf(stderr, "balie-inbox: %s\n", first_ring.error().message.c_str());
    return 2;
  }
  RingWatcher ring(cfg.keys_dir, std::move(*first_ring));  // a rotation while serving is picked up

  httplib::SSLServer svr(cfg.cert_file.c_str(), cfg.key_file.c_str(), cfg.client_ca_file.c_str());
  if (!svr.is_valid()) {
    std::fprintf(stderr, "balie-inbox: cannot load certificate, key or client CA\n");
    return 2;
  }
  svr.set_payload_max_length(cfg.max_body_bytes);
  svr.set_read_timeout(cfg.read_timeout_seconds, 0);
  svr.set_write_timeout(cfg.read_timeout_seconds, 0);
  svr.set_keep_alive_timeout(10);
  svr.set_keep_alive_max_count(1000);
  ConnectionGuard guard(cfg.guard);
  guard.install(svr);  // also the TLS policy: TLS 1.3, or TLS 1.2 with ECDHE AEAD suites only
  svr.set_post_routing_handler([&guard](const httplib::Request&, httplib::Response& res) {
    api_version(res);
    guard.response_ready();
  });
  install_common(svr, "inbox", cfg.access_log);

  std::unique_ptr<WebhookNotifier> webhook;
  if (!cfg.webhook_url.empty()) {
    WebhookConfig wc;
    wc.url = cfg.webhook_url;
    wc.secret = cfg.webhook_secret;
    wc.ca_file = cfg.webhook_ca_file;
    wc.gemeentecode = cfg.gemeentecode;
    if (const char* b = std::getenv("BALIE_INBOX_WEBHOOK_TEST_BACKOFF_MS")) wc.first_backoff_ms = std::atoi(b);
    if (const char* p = std::getenv("BALIE_INBOX_WEBHOOK_TEST_POLL_S")) wc.poll_interval_s = std::atoi(p);
    InboxDb* dbp = db.get();
    webhook = std::make_unique<WebhookNotifier>(wc, [dbp]() -> std::size_t {
      auto n = dbp->capture_duo_changes(std::time(nullptr));
      return n ? *n : 0;
    });
  }
  // After a write: tell the webhook the new cursor (never waits on the network).
  auto announce = [&](std::size_t records, std::size_t deletions) {
    if (!webhook || records + deletions == 0) return;
    if (auto lc = db->last_change(); lc) webhook->notify(*lc, records, deletions, 0);
  };

  std::unique_ptr<RevocationList> crl;
  if (!cfg.crl_file.empty()) {
    crl = std::make_unique<RevocationList>(cfg.crl_file, cfg.client_ca_file);
    if (std::string e = crl->refresh(); !e.empty()) {
      std::fprintf(stderr, "balie-inbox: %s\n", e.c_str());
      return 2;
    }
  }

  // Refuse oversized bodies from their Content-Length before reading them.
  svr.set_pre_routing_handler([&](const httplib::Request& req, httplib::Response& res) {
    begin_request(res);
    // A device COA revoked is refused before anything else (its certificate still chains to the CA).
    if (crl && crl->revoked(req.ssl)) {
      send_problem(res, 403, "revoked-device", "this device's certificate was revoked by COA");
      res.set_header("Connection", "close");
      api_version(res);
      return httplib::Server::HandlerResponse::Handled;
    }
    // Per device (certificate CN; the peer address if there is none), before any other work.
    const std::string cn = peer_cn(req);
    if (int wait = guard.admit_request(cn.empty() ? "addr:" + req.remote_addr : cn); wait > 0) {
      send_problem(res, 429, "too-many-requests", "rate limit reached; retry after " + std::to_string(wait) + " s");
      res.set_header("Retry-After", std::to_string(wait));
      res.set_header("Connection", "close");  // the body is not read: the client must not reuse the stream
      api_version(res);
      const auto n = guard.stats().rate_limited;  // logged at 1, 2, 4, 8, ...: a flood cannot fill the log
      if ((n & (n - 1)) == 0)
        std::fprintf(stderr, "balie-inbox: rate limit: %s answered 429 (retry after %d s; %llu so far)\n",
                     cn.empty() ? req.remote_addr.c_str() : cn.c_str(), wait, static_cast<unsigned long long>(n));
      return httplib::Server::HandlerResponse::Handled;
    }
    if (method_not_allowed(req, res, false)) return httplib::Server::HandlerResponse::Handled;
    if (req.has_header("Content-Length")) {
      std::string cl = req.get_header_value("Content-Length");
      if (cl.size() > 12 || cl.find_first_not_of("0123456789") != std::string::npos ||
          std::stoull(cl) > cfg.max_body_bytes) {
        send_problem(res, 413, "body-too-large", "request body exceeds the inbox limit");
        api_version(res);
        res.set_header("Connection", "close");
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  const std::string g = cfg.gemeentecode;

  svr.Get("/v1/health", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"status\":\"UP\",\"gemeentecode\":\"" + g + "\"}", "application/json");
  });

  svr.Get("/v1/identiteit", [&](const httplib::Request& req, httplib::Response& res) {
    std::string nonce = req.get_param_value("nonce");
    auto nb = record::from_hex(nonce);
    if (!nb || nb->size() != 32) return send_problem(res, 400, "bad-nonce", "nonce must be 64 hex characters");
    // Version 2: the statement names and signs this inbox's X25519 sealing key (issue 20). A terminal
    // names the key its route seals to (x25519_pk): while that key is in the ring and may be proven it
    // is the one named (records sealed to it open), so a rotation strands no terminal; otherwise the
    // current key is named and the terminal holds its records (sealing-key-mismatch).
    std::string asked;
    if (req.has_param("x25519_pk")) {
      asked = req.get_param_value("x25519_pk");
      if (asked.size() != 64 || asked.find_first_not_of("0123456789abcdef") != std::string::npos)
        return send_problem(res, 400, "bad-key", "x25519_pk must be 64 lowercase hex characters");
    }
    const auto keys = ring.get();
    const auto& proven = keys->key_to_prove(asked).key;
    const std::string box_pk = record::to_hex(proven.public_key.data(), proven.public_key.size());
    std::string sig = record::sign_detached_b64(record::identity_canonical(g, nonce, box_pk), signer);
    res.set_content("{\"version\":2,\"gemeentecode\":\"" + g + "\",\"nonce\":\"" + nonce + "\",\"x25519_pk\":\"" +
                        box_pk + "\",\"signature\":\"" + sig + "\"}",
                    "application/json");
  });

  svr.Post("/v1/records", [&](const httplib::Request& req, httplib::Response& res,
                              const httplib::ContentReader& reader) {
    const std::string cn = peer_cn(req);
    if (cn.empty()) return send_problem(res, 401, "no-client-certificate", "a device certificate is required");
    // Enrolment first: a certificate the CA issued is not enough to make this inbox read and parse a
    // body; only an enrolled device's body is read (and then parsed under the limits of protocol.h).
    auto dk = db->device_key(cn);
    if (!dk) return send_problem(res, 503, "store-unavailable", dk.error().message);
    if (!dk->has_value()) return send_problem(res, 403, "unknown-device", "device '" + cn + "' is not enrolled");
    if (!content_type_json(req))
      return send_problem(res, 415, "unsupported-media-type", "Content-Type must be application/json");
    std::string body;
    bool too_big = false;
    reader([&](const char* data, size_t n) {
      if (body.size() + n > cfg.max_body_bytes) {
        too_big = true;
        return false;
      }
      body.append(data, n);
      return true;
    });
    if (too_big) return send_problem(res, 413, "body-too-large", "request body exceeds the inbox limit");
    auto envs = sync::parse_push_request(body);
    if (!envs) {
      return send_problem(res, envs.error().code == record::Errc::limit ? 413 : 400, "malformed-batch",
                          envs.error().message);
    }

    std::vector<IncomingRecord> ok;
    std::vector<std::string> opened_by;  // the ring key that opened each accepted record
    const auto keys = ring.get();
    std::vector<sync::PushResult> results(envs->size());
    std::vector<int> slot;  // results index for each accepted record
    std::map<std::string, std::uint64_t> last_seq;
    const std::time_t now = std::time(nullptr);
    for (std::size_t i = 0; i < envs->size(); ++i) {
      auto e = record::parse_envelope((*envs)[i]);
      if (!e) return send_problem(res, 400, "malformed-envelope", "record " + std::to_string(i) + ": " + e.error().message);
      auto& ls = last_seq[e->device_id];
      if (e->seq <= ls)
        return send_problem(res, 409, "reordered-batch", "records of a device must be in increasing seq order");
      ls = e->seq;
      results[i].record_id = e->record_id;
      auto reject = [&](int st, const char* title, const std::string& d) {
        results[i].result = "rejected";
        results[i].problem = sync::Problem{std::string("https://balie.invalid/problems/") + title, title, st, d};
      };
      if (e->gemeentecode != g) {
        reject(421, "misdirected-record", "record is addressed to " + e->gemeentecode + ", this is " + g);
        continue;
      }
      if (e->device_id != cn) {
        reject(403, "device-mismatch", "record signed for another device than the client certificate");
        continue;
      }
      if (auto v = record::verify_envelope(*e, **dk); !v) {
        reject(422, "bad-signature", v.error().message);
        continue;
      }
      auto created = record::parse_utc(e->created_at);
      if (*created > now + cfg.clock_skew_seconds) {
        reject(422, "clock-skew", "created_at lies in the future beyond the allowed clock skew");
        continue;
      }
      std::string key_used;
      auto plain = keys->open(*e, &key_used);
      if (!plain) {
        reject(422, "cannot-open", plain.error().message);
        continue;
      }
      auto pj = record::parse_json_limited(*plain, record::JsonLimits{record::kMaxSensitiveBytes}, "sealed payload");
      if (!pj || !pj->is_object()) {
        reject(422, "bad-payload", pj ? "sealed payload is not a JSON object" : pj.error().message);
        continue;
      }
      if (e->kind == record::kVoidRecordKind) {  // a void names what it voids and why, and nothing personal
        auto vp = record::parse_json_limited(e->public_json, record::JsonLimits{record::kMaxPublicBytes}, "void");
        const bool void_ok =
            vp && vp->is_object() && vp->size() == 6 && vp->contains("voided_record_id") &&
            (*vp)["voided_record_id"].is_string() && record::is_uuid((*vp)["voided_record_id"].get<std::string>()) &&
            vp->contains("reason") && (*vp)["reason"].is_string() && sync::is_token((*vp)["reason"].get<std::string>(), 64) &&
            vp->contains("already_delivered") && (*vp)["already_delivered"].is_boolean() &&
            vp->contains("voided_kind") && (*vp)["voided_kind"].is_string() &&
            vp->contains("voided_payload_sha256") && (*vp)["voided_payload_sha256"].is_string() &&
            vp->contains("voided_package_sha256") && (*vp)["voided_package_sha256"].is_string();
        if (!void_ok) {
          reject(422, "bad-payload", "a record.void needs exactly voided_record_id, voided_kind, voided_payload_sha256, "
                                     "voided_package_sha256, reason and already_delivered");
          continue;
        }
      }
      ok.push_back({std::move(*e), std::move(*plain)});
      opened_by.push_back(key_used);
      slot.push_back(static_cast<int>(i));
    }
    auto stored = db->store_batch(ok, signer, now);
    if (!stored) return send_problem(res, 503, "store-unavailable", stored.error().message);
    {  // Which ring key opened each newly stored record (audit; the record itself is already stored).
      std::vector<std::pair<std::string, std::string>> used;
      for (std::size_t k = 0; k < ok.size(); ++k)
        if ((*stored)[k].result == "stored") used.emplace_back(ok[k].env.record_id, opened_by[k]);
      if (auto s = db->note_opening_keys(used, now); !s)
        std::fprintf(stderr, "balie-inbox: which key opened %zu record(s) not noted: %s\n", used.size(),
                     s.error().message.c_str());
    }
    static std::atomic<long> pushes{0};
    if (cfg.chaos_500_every > 0 && ++pushes % cfg.chaos_500_every == 0)
      return send_problem(res, 500, "chaos", "test fault: stored, but answering 500");
    std::size_t newly = 0;
    for (const auto& o : *stored) newly += o.result == "stored" ? 1 : 0;
    announce(newly, 0);
    for (std::size_t k = 0; k < slot.size(); ++k) {
      auto& r = results[slot[k]];
      auto& o = (*stored)[k];
      r.result = o.result;
      r.ack_json = o.ack_json;
      if (o.result == "rejected") r.problem = o.problem;
    }
    if (cfg.chaos_duplicate_acks) {
      auto copy = results;
      results.insert(results.end(), copy.begin(), copy.end());
      if (results.size() > sync::kMaxBatchRecords) results.resize(sync::kMaxBatchRecords);
    }
    res.set_content(sync::push_response_json(results), "application/json");
  });

  svr.Get(R"(/v1/locaties/([A-Za-z0-9._-]{1,64})/dossierupdates)", [&](const httplib::Request& req,
                                                                        httplib::Response& res) {
    const std::string cn = peer_cn(req);
    auto dk = db->device_key(cn);
    if (cn.empty() || !dk || !dk->has_value())
      return send_problem(res, 403, "unknown-device", "an enrolled device certificate is required");
    // A device reads only the residents of the location it was enrolled at.
    auto loc = db->device_location(cn);
    if (!loc) return send_problem(res, 503, "store-unavailable", loc.error().message);
    if (loc->empty() || *loc != req.matches[1].str())
      return send_problem(res, 403, "wrong-location",
                          loc->empty() ? "device '" + cn + "' was enrolled without a location; re-enrol it"
                                       : "device '" + cn + "' is enrolled at another location");
    std::size_t limit = 500;
    if (req.has_param("limit")) {
      std::string l = req.get_param_value("limit");
      if (l.empty() || l.size() > 4 || l.find_first_not_of("0123456789") != std::string::npos || std::stoul(l) == 0 ||
          std::stoul(l) > sync::kMaxFeedItems)
        return send_problem(res, 400, "bad-limit", "limit must be 1..1000");
      limit = std::stoul(l);
    }
    auto b = db->dossier_updates(req.matches[1], req.get_param_value("cursor"), limit);
    if (!b) return send_problem(res, 400, "bad-cursor", b.error().message);
    std::string body = sync::dossier_batch_json(*b);
    res.set_header("Balie-Signature", record::sign_detached_b64(body, signer));
    res.set_content(body, "application/json");
  });

  // The calling device's chain head here: a reinstalled terminal continues its chain after it.
  svr.Get("/v1/keten", [&](const httplib::Request& req, httplib::Response& res) {
    const std::string cn = peer_cn(req);
    auto dk = db->device_key(cn);
    if (cn.empty() || !dk || !dk->has_value())
      return send_problem(res, 403, "unknown-device", "an enrolled device certificate is required");
    auto h = db->chain_head(cn);
    if (!h) return send_problem(res, 503, "store-unavailable", h.error().message);
    std::string body = sync::chain_head_json({g, cn, *h});
    res.set_header("Balie-Signature", record::sign_detached_b64(body, signer));
    res.set_content(body, "application/json");
  });

  // A terminal's deletion request (obligation withdrawn / regime corrected): the records of this
  // device named in it are deleted; the answer is a receipt signed with the ack key.
  svr.Post("/v1/verwijderverzoeken", [&](const httplib::Request& req, httplib::Response& res) {
    const std::string cn = peer_cn(req);
    auto dk = db->device_key(cn);
    if (cn.empty() || !dk || !dk->has_value())
      return send_problem(res, 403, "unknown-device", "an enrolled device certificate is required");
    if (!content_type_json(req))
      return send_problem(res, 415, "unsupported-media-type", "Content-Type must be application/json");
    auto q = sync::parse_deletion_request(req.body);
    if (!q)
      return send_problem(res, q.error().code == record::Errc::limit ? 413 : 400, "bad-deletion-request", q.error().message);
    const auto before = db->last_change();
    auto receipt = db->delete_records(cn, *q, signer, std::time(nullptr));
    if (!receipt) return send_problem(res, 503, "store-unavailable", receipt.error().message);
    if (const auto after = db->last_change(); before && after && *after > *before)
      announce(0, static_cast<std::size_t>(*after - *before));
    std::fprintf(stderr, "balie-inbox: deletion %s from %s: %zu record(s) (%s)\n", q->deletion_id.c_str(), cn.c_str(),
                 q->records.size(), q->reason.c_str());
    res.set_content(*receipt, "application/json");
  });

  // Feed items a terminal refused (bad dossier, another location): stored for the municipality
  // (balie-inbox feed-problems), once per device, resident, problem and cursor.
  svr.Post(R"(/v1/locaties/([A-Za-z0-9._-]{1,64})/dossierproblemen)", [&](const httplib::Request& req,
                                                                           httplib::Response& res) {
    const std::string cn = peer_cn(req);
    auto dk = db->device_key(cn);
    if (cn.empty() || !dk || !dk->has_value())
      return send_problem(res, 403, "unknown-device", "an enrolled device certificate is required");
    auto loc = db->device_location(cn);
    if (!loc) return send_problem(res, 503, "store-unavailable", loc.error().message);
    if (*loc != req.matches[1].str())
      return send_problem(res, 403, "wrong-location", "device '" + cn + "' is enrolled at another location");
    if (!content_type_json(req))
      return send_problem(res, 415, "unsupported-media-type", "Content-Type must be application/json");
    auto rep = sync::parse_feed_report(req.body);
    if (!rep || rep->locatiecode != *loc)
      return send_problem(res, 400, "bad-feed-report", rep ? "report names another location" : rep.error().message);
    if (auto st = db->store_feed_problems(cn, *rep, std::time(nullptr)); !st)
      return send_problem(res, 503, "store-unavailable", st.error().message);
    res.set_content("{\"stored\":" + std::to_string(rep->problems.size()) + "}", "application/json");
  });

  // The case systems' listener: its own client CA (the municipality issues the case system's
  // certificate; a kiosk certificate does not open it, nor does a case certificate open the kiosk API).
  std::unique_ptr<httplib::SSLServer> csvr;
  std::unique_ptr<ConnectionGuard> cguard;
  int case_port = 0;
  if (!cfg.case_host.empty()) {
    csvr = std::make_unique<httplib::SSLServer>(cfg.cert_file.c_str(), cfg.key_file.c_str(),
                                                cfg.case_client_ca_file.c_str());
    if (!csvr->is_valid()) {
      std::fprintf(stderr, "balie-inbox: cannot load the certificate, key or case client CA (--case-client-ca)\n");
      return 2;
    }
    csvr->set_payload_max_length(64 * 1024);
    csvr->set_read_timeout(cfg.read_timeout_seconds, 0);
    csvr->set_write_timeout(cfg.read_timeout_seconds, 0);
    cguard = std::make_unique<ConnectionGuard>(cfg.guard);
    cguard->install(*csvr);
    ConnectionGuard* cg = cguard.get();
    csvr->set_pre_routing_handler([cg](const httplib::Request& req, httplib::Response& res) {
      begin_request(res);
      const std::string cn = peer_cn(req);
      if (int wait = cg->admit_request(cn.empty() ? "addr:" + req.remote_addr : cn); wait > 0) {
        send_problem(res, 429, "too-many-requests", "rate limit reached; retry after " + std::to_string(wait) + " s");
        res.set_header("Retry-After", std::to_string(wait));
        res.set_header("Connection", "close");
        api_version(res);
        return httplib::Server::HandlerResponse::Handled;
      }
      if (method_not_allowed(req, res, true)) return httplib::Server::HandlerResponse::Handled;
      return httplib::Server::HandlerResponse::Unhandled;
    });
    csvr->set_post_routing_handler([cg](const httplib::Request&, httplib::Response& res) {
      api_version(res);
      cg->response_ready();
    });
    install_common(*csvr, "case", cfg.access_log);
    csvr->Get("/v1/health", [&](const httplib::Request&, httplib::Response& res) {
      res.set_content("{\"status\":\"UP\",\"gemeentecode\":\"" + g + "\"}", "application/json");
    });
    // GET /v1/wijzigingen?cursor=C&limit=N[&includePersonal=true]: the export (inbox_db_api.cpp).
    csvr->Get("/v1/wijzigingen", [&](const httplib::Request& req, httplib::Response& res) {
      std::size_t limit = 1000;
      if (req.has_param("limit")) {
        const std::string l = req.get_param_value("limit");
        if (l.empty() || l.size() > 5 || l.find_first_not_of("0123456789") != std::string::npos || std::stoul(l) == 0 ||
            std::stoul(l) > 10000)
          return send_problem(res, 400, "bad-limit", "limit must be 1..10000");
        limit = std::stoul(l);
      }
      const std::string ip = req.get_param_value("includePersonal");
      if (!ip.empty() && ip != "true" && ip != "false")
        return send_problem(res, 400, "bad-parameter", "includePersonal must be true or false");
      const bool personal = ip == "true";
      if (personal && !cfg.case_allow_personal)
        return send_problem(res, 403, "personal-data-not-allowed",
                            "this receiver does not hand out personal fields (serve --case-allow-personal)");
      if (auto d = db->capture_duo_changes(std::time(nullptr)); !d)
        return send_problem(res, 503, "store-unavailable", d.error().message);
      auto r = db->export_changes(req.get_param_value("cursor"), limit, personal);
      if (!r)
        return send_problem(res, r.error().code == record::Errc::invalid_input ? 400 : 503,
                            r.error().code == record::Errc::invalid_input ? "bad-cursor" : "store-unavailable",
                            r.error().message);
      std::string body = "{\"changes\":[";
      for (std::size_t i = 0; i < r->lines.size(); ++i) body += (i ? "," : "") + r->lines[i];
      body += "],\"next_cursor\":\"" + std::to_string(r->next_cursor) + "\",\"more\":" + (r->more ? "true" : "false") +
              ",\"records\":" + std::to_string(r->records) + ",\"deletions\":" + std::to_string(r->deletions) +
              ",\"duo\":" + std::to_string(r->duo) + "}";
      if (personal) res.set_header("Cache-Control", "no-store");
      res.set_content(body, "application/json");
    });
    errno = 0;
    case_port = cfg.case_port == 0 ? csvr->bind_to_any_port(cfg.case_host)
                                   : (csvr->bind_to_port(cfg.case_host, cfg.case_port) ? cfg.case_port : -1);
    if (case_port <= 0) {
      std::fprintf(stderr, "balie-inbox: cannot listen on %s:%d (case systems): %s\n", cfg.case_host.c_str(),
                   cfg.case_port, errno != 0 ? std::strerror(errno) : "bind failed");
      return 2;
    }
  }

  // Stop cleanly on SIGTERM/SIGINT: the signals are blocked here and waited for in a thread.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&set, &sig);
    svr.stop();
    if (csvr) csvr->stop();
  });

  int port = cfg.port;
  errno = 0;
  if (port == 0) {
    port = svr.bind_to_any_port(cfg.host);
  } else if (!svr.bind_to_port(cfg.host, port)) {
    port = -1;
  }
  if (port <= 0) {
    int e = errno;
    std::fprintf(stderr, "balie-inbox: cannot listen on %s:%d: %s%s\n", cfg.host.c_str(), cfg.port,
                 e != 0 ? std::strerror(e) : "bind failed",
                 e == EADDRINUSE ? " (the port is in use, e.g. by another balie-inbox; nothing was started)" : "");
    pthread_kill(waiter.native_handle(), SIGTERM);
    waiter.join();
    return 2;
  }
  if (!cfg.port_file.empty()) {
    std::string tmp = cfg.port_file + ".tmp";
    { std::ofstream(tmp) << port << "\n"; }
    std::rename(tmp.c_str(), cfg.port_file.c_str());
  }
  std::thread case_thread;
  if (csvr) {
    if (!cfg.case_port_file.empty()) {
      std::string tmp = cfg.case_port_file + ".tmp";
      { std::ofstream(tmp) << case_port << "\n"; }
      std::rename(tmp.c_str(), cfg.case_port_file.c_str());
    }
    std::fprintf(stderr, "balie-inbox: %s case systems on https://%s:%d/v1\n", g.c_str(), cfg.case_host.c_str(), case_port);
    case_thread = std::thread([&] { csvr->listen_after_bind(); });
  }
  std::fprintf(stderr, "balie-inbox: %s listening on https://%s:%d/v1\n", g.c_str(), cfg.host.c_str(), port);
  svr.listen_after_bind();
  waiter.join();
  if (case_thread.joinable()) case_thread.join();
  return 0;
}

}  // namespace balie::inbox
