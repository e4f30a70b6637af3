// balie-coa's HTTPS listeners (coa/include/balie/coa/server.h). Terminal listener: optional client
// certificate at the TLS layer (a terminal that is not yet enrolled has none and may only POST
// /v1/enrol); every other endpoint finds the device by its certificate's public-key pin and refuses a
// revoked one at once. A database that is unavailable answers 503 with Retry-After; nothing is half
// written because each change is one transaction. Web listener: web_routes.cpp.
#include "balie/coa/server.h"

#include <httplib.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <signal.h>
#include <sodium.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "balie/coa/migrate.h"
#include "balie/coa/ops.h"
#include "balie/record/codec.h"
#include "balie/store/bundle.h"
#include "balie/store/tls_pin.h"
#include "connection_guard.h"
#include "server_util.h"
#include "update_routes.h"
#include "web_routes.h"

namespace balie::coa {

using json = nlohmann::json;
namespace fs = std::filesystem;

void send_error(httplib::Response& res, int status, const std::string& code, const std::string& message) {
  res.status = status;
  res.set_content(json{{"error", code}, {"message", message}}.dump(), "application/json");
}

// Maps a database failure: unavailable -> 503 (retry later), a refused value -> 400, else 500.
void send_db_error(httplib::Response& res, const DbError& e) {
  switch (e.kind) {
    case DbError::Kind::Unavailable:
      res.set_header("Retry-After", "30");
      return send_error(res, 503, "database_unavailable", "the database is unavailable; retry later");
    case DbError::Kind::Invalid: return send_error(res, 400, "invalid", e.message);
    case DbError::Kind::Conflict: return send_error(res, 409, "conflict", e.message);
    case DbError::Kind::Other: break;
  }
  std::fprintf(stderr, "balie-coa: database error: %s\n", e.message.c_str());
  send_error(res, 500, "internal", "internal error");
}

// "sha256//..." pin of the client certificate's public key, "" without one.
std::string peer_pin(const httplib::Request& req) {
  if (!req.ssl) return "";
  X509* cert = SSL_get1_peer_certificate(req.ssl);
  if (!cert) return "";
  BIO* b = BIO_new(BIO_s_mem());
  std::string pem;
  if (PEM_write_bio_X509(b, cert) == 1) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(b, &data);
    pem.assign(data, static_cast<size_t>(n));
  }
  BIO_free(b);
  X509_free(cert);
  auto pin = store::pin_of_certificate_pem(pem);
  return pin ? *pin : "";
}

bool is_json_request(const httplib::Request& req) {
  const std::string ct = req.get_header_value("Content-Type");
  return ct == "application/json" || ct.rfind("application/json;", 0) == 0;
}


std::optional<Device> device_of_request(Db& db, const httplib::Request& req, httplib::Response& res) {
  const std::string pin = peer_pin(req);
  if (pin.empty()) {
    send_error(res, 401, "no_client_certificate", "a device certificate is required");
    return std::nullopt;
  }
  auto d = device_by_pin(db, pin);
  if (!d) {
    send_db_error(res, d.error());
    return std::nullopt;
  }
  if (!d->has_value()) {
    send_error(res, 403, "unknown_device", "this certificate belongs to no enrolled device");
    return std::nullopt;
  }
  if ((*d)->revoked_at) {
    send_error(res, 403, "revoked", "this device was revoked");
    return std::nullopt;
  }
  return **d;
}

namespace {

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

void write_port_file(const std::string& path, int port) {
  if (path.empty()) return;
  const std::string tmp = path + ".tmp";
  { std::ofstream(tmp) << port << "\n"; }
  std::rename(tmp.c_str(), path.c_str());
}

// Refuses a declared body over the limit before it is read.
httplib::Server::HandlerResponse check_length(const CoaConfig& cfg, const httplib::Request& req,
                                              httplib::Response& res) {
  // Compressed bodies are refused: cpp-httplib would inflate them without a limit (a small gzip bomb
  // becomes gigabytes), and nothing a terminal or a browser sends here needs compression.
  if (req.has_header("Content-Encoding") && req.get_header_value("Content-Encoding") != "identity") {
    send_error(res, 415, "unsupported_encoding", "request bodies must not be compressed");
    res.set_header("Connection", "close");
    return httplib::Server::HandlerResponse::Handled;
  }
  if (req.has_header("Content-Length")) {
    const std::string cl = req.get_header_value("Content-Length");
    if (cl.size() > 12 || cl.find_first_not_of("0123456789") != std::string::npos || std::stoull(cl) > cfg.max_body_bytes) {
      send_error(res, 413, "body_too_large", "request body exceeds the limit");
      res.set_header("Connection", "close");
      return httplib::Server::HandlerResponse::Handled;
    }
  }
  return httplib::Server::HandlerResponse::Unhandled;
}

struct Terminal {
  const CoaConfig& cfg;
  Pool& pool;
  const Issuer& issuer;

  std::optional<Device> device(Db& db, const httplib::Request& req, httplib::Response& res) {
    return device_of_request(db, req, res);
  }

  void install(httplib::SSLServer& svr) {
    svr.Post("/v1/enrol", [this](const httplib::Request& req, httplib::Response& res) {
      if (!is_json_request(req)) return send_error(res, 415, "unsupported_media_type", "Content-Type must be application/json");
      auto body = json::parse(req.body, nullptr, false);
      if (body.is_discarded() || !body.is_object() || !body.contains("code") || !body["code"].is_string() ||
          !body.contains("request") || !body["request"].is_object() || body.size() != 2)
        return send_error(res, 400, "invalid_request", "body must be {\"code\": \"...\", \"request\": {...}}");
      auto lease = pool.acquire();
      if (!lease) return send_db_error(res, lease.error());
      auto out = enrol_device(**lease, issuer, body["code"].get<std::string>(), body["request"].dump());
      if (!out) return send_db_error(res, out.error());
      using K = EnrolOutcome::Kind;
      switch (out->kind) {
        case K::Enrolled:
          std::fprintf(stderr, "balie-coa: enrolled %s\n", out->device_id.c_str());
          return res.set_content(out->bundle, "application/json");
        case K::CodeUnknown:
        case K::CodeUsed:
        case K::CodeExpired: return send_error(res, 403, to_string(out->kind), out->message);
        case K::DeviceEnrolled:
        case K::LocationNotConfigured: return send_error(res, 409, to_string(out->kind), out->message);
        case K::BadRequest: return send_error(res, 400, to_string(out->kind), out->message);
      }
    });

    // COA's revocation list for the municipality receivers (public, like every CRL).
    svr.Get("/v1/crl", [this](const httplib::Request&, httplib::Response& res) {
      auto lease = pool.acquire();
      if (!lease) return send_db_error(res, lease.error());
      auto revoked = revoked_certificates(**lease);
      if (!revoked) return send_db_error(res, revoked.error());
      auto crl = issuer.ca->crl(*revoked, 7);
      if (!crl) return send_error(res, 500, "internal", crl.error().message);
      res.set_content(*crl, "application/pkix-crl");
    });

    svr.Get("/v1/bundle", [this](const httplib::Request& req, httplib::Response& res) {
      auto lease = pool.acquire();
      if (!lease) return send_db_error(res, lease.error());
      auto dev = device(**lease, req, res);
      if (!dev) return;
      std::int64_t have = 0;
      const std::string h = req.get_param_value("have");
      if (!h.empty()) {
        if (h.size() > 18 || h.find_first_not_of("0123456789") != std::string::npos)
          return send_error(res, 400, "bad_have", "have must be the applied bundle version");
        have = std::stoll(h);
      }
      auto b = bundle_for_device(**lease, issuer, dev->device_id, have);
      if (!b) return send_db_error(res, b.error());
      if (!b->has_value()) {
        res.status = 204;
        return;
      }
      res.set_content(**b, "application/json");
    });

    svr.Get("/v1/residents", [this](const httplib::Request& req, httplib::Response& res) {
      auto lease = pool.acquire();
      if (!lease) return send_db_error(res, lease.error());
      auto dev = device(**lease, req, res);
      if (!dev) return;
      int limit = 200;
      if (req.has_param("limit")) {
        const std::string l = req.get_param_value("limit");
        if (l.empty() || l.size() > 3 || l.find_first_not_of("0123456789") != std::string::npos || std::stoi(l) < 1 ||
            std::stoi(l) > 500)
          return send_error(res, 400, "bad_limit", "limit must be 1..500");
        limit = std::stoi(l);
      }
      // A device reads only the residents of the location it was enrolled at.
      // consent=1 (issue 16): each active item carries the resident's current consent per purpose.
      const std::string with = req.get_param_value("consent");
      if (!with.empty() && with != "1") return send_error(res, 400, "bad_consent", "consent must be 1 or absent");
      auto page = residents_page(**lease, dev->location_id, req.get_param_value("cursor"), limit, with == "1");
      if (!page) return send_db_error(res, page.error());
      res.set_content(page->dump(), "application/json");
    });

    // Residents' consent decisions (issue 16): acknowledged ids leave the terminal's queue.
    svr.Post("/v1/consent", [this](const httplib::Request& req, httplib::Response& res) {
      if (!is_json_request(req)) return send_error(res, 415, "unsupported_media_type", "Content-Type must be application/json");
      auto lease = pool.acquire();
      if (!lease) return send_db_error(res, lease.error());
      auto dev = device(**lease, req, res);
      if (!dev) return;
      auto body = json::parse(req.body, nullptr, false);
      if (body.is_discarded()) return send_error(res, 400, "invalid_consent", "not JSON");
      if (auto p = check_consent_post(body)) return send_error(res, 400, "invalid_consent", *p);
      auto out = ingest_consent_events(**lease, *dev, body);
      if (!out) return send_db_error(res, out.error());
      json refused = json::array();
      for (const auto& [id, why] : out->refused) refused.push_back({{"record_id", id}, {"reason", why}});
      res.set_content(json{{"acknowledged", out->acknowledged}, {"refused", refused}}.dump(), "application/json");
    });

    svr.Post("/v1/health", [this](const httplib::Request& req, httplib::Response& res) {
      if (!is_json_request(req)) return send_error(res, 415, "unsupported_media_type", "Content-Type must be application/json");
      auto lease = pool.acquire();
      if (!lease) return send_db_error(res, lease.error());
      auto dev = device(**lease, req, res);
      if (!dev) return;
      auto doc = json::parse(req.body, nullptr, false);
      if (doc.is_discarded()) return send_error(res, 400, "invalid_health", "not JSON");
      if (auto p = check_health_document(doc)) return send_error(res, 400, "invalid_health", *p);
      const auto& did = doc["device"]["device_id"];
      if (!did.is_string() || did.get<std::string>() != dev->device_id)
        return send_error(res, 403, "other_device", "the health document names another device than the certificate");
      auto open = ingest_health(**lease, dev->device_id, doc);
      if (!open) return send_db_error(res, open.error());
      res.status = 202;
      res.set_content(json{{"alerts", *open}}.dump(), "application/json");
    });
  }
};

}  // namespace

record::Result<CoaConfig> load_config(const std::string& path) {
  using record::Errc;
  const std::string text = read_file(path);
  if (text.empty()) return record::make_error(Errc::io, "cannot read " + path);
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return record::make_error(Errc::invalid_input, path + ": not a JSON object");
  const fs::path base = fs::absolute(path).parent_path();
  auto file = [&](const json& o, const char* key) -> std::string {
    if (!o.contains(key) || !o[key].is_string()) return "";
    fs::path p = o[key].get<std::string>();
    return (p.is_absolute() ? p : base / p).string();
  };
  CoaConfig c;
  try {
    c.database = j.at("database").get<std::string>();
    c.pool_size = j.value("pool_size", 8);
    for (auto [key, l] : {std::pair{"terminal", &c.terminal}, std::pair{"web", &c.web}}) {
      const json& o = j.at(key);
      l->host = o.value("host", "127.0.0.1");
      l->port = o.value("port", 0);
      l->port_file = file(o, "port_file");
      l->cert_file = file(o, "cert");
      l->key_file = file(o, "key");
      l->ca_file = file(o, "ca");
    }
    c.device_ca_cert_file = file(j.at("device_ca"), "cert");
    c.device_ca_key_file = file(j.at("device_ca"), "key");
    c.provisioning_key_file = file(j, "provisioning_key");
    c.keys = j.value("keys", c.keys);
    c.update_signer_cert_file = file(j, "update_signer_cert");
    c.public_endpoint = j.at("public_endpoint").get<std::string>();
    c.backup_pin = j.at("backup_pin").get<std::string>();
    c.code_minutes = j.value("code_minutes", c.code_minutes);
    c.session_hours = j.value("session_hours", c.session_hours);
    c.max_body_bytes = j.value("max_body_bytes", c.max_body_bytes);
    c.rate_per_minute = j.value("rate_per_minute", c.rate_per_minute);
    c.rate_burst = j.value("rate_burst", c.rate_burst);
  } catch (const std::exception& e) {
    return record::make_error(Errc::invalid_input, path + ": " + e.what());
  }
  if (c.keys != "test" && c.keys != "production")
    return record::make_error(Errc::invalid_input, path + ": keys must be \"test\" or \"production\"");
  if (c.public_endpoint.rfind("https://", 0) != 0)
    return record::make_error(Errc::invalid_input, path + ": public_endpoint must be an https:// URL");
  return c;
}

record::Result<Issuer> load_issuer(const CoaConfig& cfg) {
  using record::Errc;
  Issuer is;
  auto ca = DeviceCa::load(cfg.device_ca_cert_file, cfg.device_ca_key_file);
  if (!ca) return ca.error();
  is.ca = *ca;
  std::string seed = read_file(cfg.provisioning_key_file);
  while (!seed.empty() && (seed.back() == '\n' || seed.back() == ' ')) seed.pop_back();
  auto raw = record::from_hex(seed);
  sodium_memzero(seed.data(), seed.size());
  if (!raw || raw->size() != 32)
    return record::make_error(Errc::invalid_input, cfg.provisioning_key_file + ": must hold 64 hex characters");
  std::copy(raw->begin(), raw->end(), is.provisioning_seed.begin());
  sodium_memzero(raw->data(), raw->size());
  is.keys = cfg.keys;
  if (is.keys == "production") {  // issue 20: the TEST provisioning key's private half is public
    store::Ed25519PublicKey pk{};
    unsigned char sk[crypto_sign_SECRETKEYBYTES];
    crypto_sign_seed_keypair(pk.data(), sk, is.provisioning_seed.data());
    sodium_memzero(sk, sizeof sk);
    if (store::is_test_provisioning_key(pk))
      return record::make_error(Errc::invalid_input, cfg.provisioning_key_file +
                                                         ": is the TEST provisioning key; \"keys\": \"production\" needs COA's real key");
  }
  auto pin = store::pin_of_certificate_pem(read_file(cfg.terminal.cert_file));
  if (!pin) return record::make_error(Errc::invalid_input, cfg.terminal.cert_file + ": " + pin.error().message);
  is.coa.endpoint = cfg.public_endpoint;
  // Terminals verify the terminal listener with the CA that issued its certificate (and its pins).
  is.coa.ca_pem = read_file(cfg.terminal.ca_file);
  if (is.coa.ca_pem.find("BEGIN CERTIFICATE") == std::string::npos)
    return record::make_error(Errc::invalid_input, "terminal.ca: cannot read the listener's CA certificate");
  is.coa.pins = {*pin, cfg.backup_pin};
  return is;
}

int serve(const CoaConfig& cfg) {
  signal(SIGPIPE, SIG_IGN);  // a client that goes away must not end the service
  auto issuer = load_issuer(cfg);
  if (!issuer) {
    std::fprintf(stderr, "balie-coa: %s\n", issuer.error().message.c_str());
    return 2;
  }
  {
    auto db = Db::connect(cfg.database);
    if (!db) {
      std::fprintf(stderr, "balie-coa: %s\n", db.error().message.c_str());
      return 3;
    }
    auto v = migrate(**db);
    if (!v) {
      std::fprintf(stderr, "balie-coa: migrations: %s\n", v.error().message.c_str());
      return 3;
    }
    std::fprintf(stderr, "balie-coa: database at schema version %d\n", *v);
  }
  Pool pool(cfg.database, cfg.pool_size);

  httplib::SSLServer term(cfg.terminal.cert_file.c_str(), cfg.terminal.key_file.c_str(), cfg.device_ca_cert_file.c_str());
  httplib::SSLServer web(cfg.web.cert_file.c_str(), cfg.web.key_file.c_str());
  if (!term.is_valid() || !web.is_valid()) {
    std::fprintf(stderr, "balie-coa: cannot load a listener's certificate, key or the device CA\n");
    return 2;
  }
  // Client certificates are optional at the TLS layer (enrolment comes without one) and checked
  // against the device CA when given; the handlers require an enrolled device.
  SSL_CTX_set_verify(term.ssl_context(), SSL_VERIFY_PEER, nullptr);
  for (auto* s : {&term, &web}) {
    SSL_CTX_set_min_proto_version(s->ssl_context(), TLS1_2_VERSION);
    s->set_payload_max_length(cfg.max_body_bytes);
    s->set_tcp_nodelay(true);  // without it every response with a body waits ~40 ms for a delayed ACK
    s->set_read_timeout(15, 0);
    s->set_write_timeout(15, 0);
  }
  inbox::GuardConfig gc;
  gc.rate_per_minute = cfg.rate_per_minute;
  gc.rate_burst = cfg.rate_burst;
  inbox::ConnectionGuard term_guard(gc), web_guard(gc);
  term_guard.install(term);
  web_guard.install(web);
  auto guard_routing = [&cfg](inbox::ConnectionGuard& g, bool by_pin) {
    return [&cfg, &g, by_pin](const httplib::Request& req, httplib::Response& res) {
      const std::string who = by_pin ? peer_pin(req) : "";
      if (int wait = g.admit_request(who.empty() ? "addr:" + req.remote_addr : who); wait > 0) {
        send_error(res, 429, "too_many_requests", "rate limit reached; retry after " + std::to_string(wait) + " s");
        res.set_header("Retry-After", std::to_string(wait));
        res.set_header("Connection", "close");
        return httplib::Server::HandlerResponse::Handled;
      }
      return check_length(cfg, req, res);
    };
  };
  term.set_pre_routing_handler(guard_routing(term_guard, true));
  web.set_pre_routing_handler(guard_routing(web_guard, false));
  term.set_post_routing_handler([&](const httplib::Request&, httplib::Response&) { term_guard.response_ready(); });
  web.set_post_routing_handler([&](const httplib::Request&, httplib::Response& res) {
    web_guard.response_ready();
    res.set_header("Content-Security-Policy", "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "no-referrer");
    res.set_header("Cache-Control", "no-store");
  });
  for (auto* s : {&term, &web}) {
    s->set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
      send_error(res, 500, "internal", "unexpected server error");
    });
  }
  term.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) send_error(res, res.status, res.status == 404 ? "not_found" : "error", "");
  });

  Terminal terminal{cfg, pool, *issuer};
  terminal.install(term);
  WebRoutes web_routes(cfg, pool, *issuer);
  web_routes.install(web);
  install_update_routes(term, web, pool, cfg);

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&set, &sig);
    term.stop();
    web.stop();
  });
  auto bind = [](httplib::SSLServer& s, const ListenerConfig& l) {
    errno = 0;
    int port = l.port == 0 ? s.bind_to_any_port(l.host) : (s.bind_to_port(l.host, l.port) ? l.port : -1);
    if (port <= 0)
      std::fprintf(stderr, "balie-coa: cannot listen on %s:%d: %s\n", l.host.c_str(), l.port,
                   errno ? std::strerror(errno) : "bind failed");
    return port;
  };
  const int tp = bind(term, cfg.terminal), wp = bind(web, cfg.web);
  if (tp <= 0 || wp <= 0) {
    pthread_kill(waiter.native_handle(), SIGTERM);
    waiter.join();
    return 2;
  }
  write_port_file(cfg.terminal.port_file, tp);
  write_port_file(cfg.web.port_file, wp);
  std::fprintf(stderr, "balie-coa: terminals on https://%s:%d/v1, operators on https://%s:%d/\n",
               cfg.terminal.host.c_str(), tp, cfg.web.host.c_str(), wp);
  std::thread web_thread([&] { web.listen_after_bind(); });
  term.listen_after_bind();
  web.stop();
  web_thread.join();
  waiter.join();
  return 0;
}

}  // namespace balie::coa
