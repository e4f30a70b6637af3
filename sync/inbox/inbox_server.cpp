// balie-inbox HTTPS endpoints (/v1): health, identity proof, record push with per-record
// acknowledgements, dossier feed, deletion requests with signed receipts. Mutual TLS: kiosks must
// present a certificate from the configured client CA whose CN is an enrolled device id. Errors are
// problem+json.
#include "inbox_server.h"

#include <httplib.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <atomic>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "balie/record/codec.h"
#include "balie/record/evidence.h"
#include "balie/record/json_limits.h"
#include "balie/sync/protocol.h"
#include "balie/sync/reports.h"
#include "inbox_db.h"
#include "revocation.h"

namespace balie::inbox {
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
  const record::BoxKey box = record::BoxKey::from_seed(cfg.box_seed);

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
    res.set_header("API-Version", sync::kApiVersion);
    guard.response_ready();
  });
  svr.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) send_problem(res, res.status, res.status == 404 ? "not-found" : "error", "");
    res.set_header("API-Version", sync::kApiVersion);
  });
  svr.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    send_problem(res, 500, "internal-error", "unexpected server error");
  });

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
    // A device COA revoked is refused before anything else (its certificate still chains to the CA).
    if (crl && crl->revoked(req.ssl)) {
      send_problem(res, 403, "revoked-device", "this device's certificate was revoked by COA");
      res.set_header("Connection", "close");
      res.set_header("API-Version", sync::kApiVersion);
      return httplib::Server::HandlerResponse::Handled;
    }
    // Per device (certificate CN; the peer address if there is none), before any other work.
    const std::string cn = peer_cn(req);
    if (int wait = guard.admit_request(cn.empty() ? "addr:" + req.remote_addr : cn); wait > 0) {
      send_problem(res, 429, "too-many-requests", "rate limit reached; retry after " + std::to_string(wait) + " s");
      res.set_header("Retry-After", std::to_string(wait));
      res.set_header("Connection", "close");  // the body is not read: the client must not reuse the stream
      res.set_header("API-Version", sync::kApiVersion);
      const auto n = guard.stats().rate_limited;  // logged at 1, 2, 4, 8, ...: a flood cannot fill the log
      if ((n & (n - 1)) == 0)
        std::fprintf(stderr, "balie-inbox: rate limit: %s answered 429 (retry after %d s; %llu so far)\n",
                     cn.empty() ? req.remote_addr.c_str() : cn.c_str(), wait, static_cast<unsigned long long>(n));
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.has_header("Content-Length")) {
      std::string cl = req.get_header_value("Content-Length");
      if (cl.size() > 12 || cl.find_first_not_of("0123456789") != std::string::npos ||
          std::stoull(cl) > cfg.max_body_bytes) {
        send_problem(res, 413, "body-too-large", "request body exceeds the inbox limit");
        res.set_header("API-Version", sync::kApiVersion);
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
    // Version 2: the statement names and signs this inbox's X25519 sealing key (issue 20).
    const std::string box_pk = record::to_hex(box.public_key.data(), box.public_key.size());
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
      auto plain = record::open_sealed(*e, box);
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
      slot.push_back(static_cast<int>(i));
    }
    auto stored = db->store_batch(ok, signer, now);
    if (!stored) return send_problem(res, 503, "store-unavailable", stored.error().message);
    static std::atomic<long> pushes{0};
    if (cfg.chaos_500_every > 0 && ++pushes % cfg.chaos_500_every == 0)
      return send_problem(res, 500, "chaos", "test fault: stored, but answering 500");
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
    auto receipt = db->delete_records(cn, *q, signer, std::time(nullptr));
    if (!receipt) return send_problem(res, 503, "store-unavailable", receipt.error().message);
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
  std::fprintf(stderr, "balie-inbox: %s listening on https://%s:%d/v1\n", g.c_str(), cfg.host.c_str(), port);
  svr.listen_after_bind();
  waiter.join();
  return 0;
}

}  // namespace balie::inbox
