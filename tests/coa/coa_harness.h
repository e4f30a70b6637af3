// Test harness for balie-coa (tests/coa): a private PostgreSQL cluster (pg_cluster.h), a throw-away
// PKI (sync/tools/make-pki.sh for the listeners' CA and certificates, plus COA's device CA), the test
// provisioning key of image/keys, and real balie-coa processes (`serve`, port files). A TestTerminal
// has its own device key and TLS key, builds a real enrolment request (sync/enrolment.h) and talks
// to the terminal listener over mutual TLS with cpp-httplib.
#pragma once
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <nlohmann/json.hpp>

#include "../sync/harness.h"
#include "balie/store/bundle.h"
#include "balie/sync/enrolment.h"
#include "pg_cluster.h"

namespace balie::coa::testing {

using namespace balie::test;
using json = nlohmann::json;

inline fs::path coa_bin() { return fs::path(BALIE_BINARY_DIR) / "coa" / "balie-coa"; }

// The listeners' CA + certificates (coa-terminal, coa-web, coa-backup for the backup pin) and the
// device CA COA issues terminal certificates with.
struct CoaPki {
  fs::path dir;
  explicit CoaPki(const fs::path& d) : dir(d) {
    std::string out;
    if (run({"/bin/bash", (fs::path(BALIE_SOURCE_DIR) / "sync/tools/make-pki.sh").string(), dir.string(), "unused",
             "coa-terminal", "coa-web", "coa-backup"},
            &out) != 0)
      throw std::runtime_error("make-pki.sh failed: " + out);
    if (!fs::exists(dir / "device-ca.pem")) {
      const std::string script =
          "set -e; cd '" + dir.string() +
          "'; openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out device-ca.key 2>/dev/null; "
          "openssl req -x509 -new -key device-ca.key -sha256 -days 3650 -subj '/O=COA test/CN=COA device CA' "
          "-out device-ca.pem 2>/dev/null";
      if (run({"/bin/sh", "-c", script}, &out) != 0) throw std::runtime_error("device CA: " + out);
    }
  }
  std::string pin(const std::string& name) const { return trim(slurp(dir / name / "pin")); }
};

inline fs::path provisioning_key() { return fs::path(BALIE_SOURCE_DIR) / "image/keys/provisioning-test.key"; }
inline store::Ed25519PublicKey provisioning_pub() {
  auto raw = record::from_hex(trim(slurp(fs::path(BALIE_SOURCE_DIR) / "image/keys/provisioning-test.pub")));
  store::Ed25519PublicKey k{};
  std::copy(raw->begin(), raw->end(), k.begin());
  return k;
}

// A loopback TCP port that was free a moment ago (bound to port 0, then closed).
inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t n = sizeof a;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n) == 0;
  ::close(fd);
  return ok ? ntohs(a.sin_port) : 0;
}

// One running balie-coa.
struct CoaService {
  fs::path dir, config;
  int terminal_port = 0, web_port = 0;
  Proc proc;

  static std::unique_ptr<CoaService> start(const CoaPki& pki, const PgCluster& pg, const fs::path& dir,
                                           const json& overrides = json::object()) {
    auto s = std::make_unique<CoaService>();
    s->dir = dir;
    fs::create_directories(dir);
    // The terminal listener's port is chosen here, so the endpoint in the bundles is the real one.
    const int port = free_port();
    json c = {{"database", pg.conninfo()},
              {"pool_size", 4},
              {"terminal",
               {{"host", "127.0.0.1"}, {"port", port}, {"port_file", "terminal.port"},
                {"cert", (pki.dir / "coa-terminal/cert.pem").string()},
                {"key", (pki.dir / "coa-terminal/key.pem").string()}, {"ca", (pki.dir / "ca.pem").string()}}},
              {"web",
               {{"host", "127.0.0.1"}, {"port", 0}, {"port_file", "web.port"},
                {"cert", (pki.dir / "coa-web/cert.pem").string()}, {"key", (pki.dir / "coa-web/key.pem").string()}}},
              {"device_ca", {{"cert", (pki.dir / "device-ca.pem").string()}, {"key", (pki.dir / "device-ca.key").string()}}},
              {"provisioning_key", provisioning_key().string()},
              {"public_endpoint", "https://127.0.0.1:" + std::to_string(port)},
              {"backup_pin", pki.pin("coa-backup")}};
    c.merge_patch(overrides);
    s->config = dir / "coa.json";
    spit(s->config, c.dump(2));
    s->restart();
    return s;
  }

  void restart() {
    fs::remove(dir / "terminal.port");
    fs::remove(dir / "web.port");
    proc = Proc({coa_bin().string(), "--config", config.string(), "serve"}, dir / "coa.log");
    for (int i = 0; i < 1500 && !(fs::exists(dir / "terminal.port") && fs::exists(dir / "web.port")); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!fs::exists(dir / "web.port")) throw std::runtime_error("balie-coa did not start: " + slurp(dir / "coa.log"));
    terminal_port = std::stoi(slurp(dir / "terminal.port"));
    web_port = std::stoi(slurp(dir / "web.port"));
  }
  void stop() {
    proc.signal(SIGTERM);
    proc.wait(std::chrono::seconds(10));
  }
  std::string log() const { return slurp(dir / "coa.log"); }

  // Runs a balie-coa administration command against this service's configuration.
  int admin(const std::vector<std::string>& args, std::string* out = nullptr, const std::string& stdin_text = "") const {
    std::vector<std::string> argv = {coa_bin().string(), "--config", config.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    if (stdin_text.empty()) return run(argv, out);
    // Feed stdin through a shell here-string file.
    const fs::path in = dir / "stdin.txt";
    spit(in, stdin_text + "\n");
    std::string cmd = "exec";
    for (const auto& a : argv) cmd += " '" + a + "'";
    cmd += " < '" + in.string() + "'";
    const int rc = run({"/bin/sh", "-c", cmd}, out);
    fs::remove(in);
    return rc;
  }
};

// A location configuration that passes the bundle checks (one route, one staff account, no texts).
inline json location_config(const CoaPki& pki, const std::string& staff_id = "coa-anna") {
  const std::string ca = slurp(pki.dir / "ca.pem");
  return json{{"ntp_servers", {"ntp.coa.test"}},
              {"sync_window", "01:00-05:00"},
              {"routes",
               {{{"gemeentecode", "GM0363"}, {"base_url", "https://127.0.0.1:9/"}, {"ca_pem", ca},
                 {"pins", {pki.pin("coa-terminal"), pki.pin("coa-backup")}},
                 {"ed25519_pk", std::string(64, 'a')}, {"x25519_pk", std::string(64, 'b')}}}},
              {"staff", {{{"id", staff_id}, {"display_name", "Anna de Vries"}, {"role", "coa_staff"},
                          {"first_login_pin", "482913"}}}},
              {"texts", json::array()}};
}

// A terminal with its own keys, before and after enrolment.
struct TestTerminal {
  fs::path dir;
  std::array<std::uint8_t, 32> device_pk{};
  std::string request_json, device_id, bundle_text;
  store::EnrolmentBundle bundle;

  explicit TestTerminal(const fs::path& d) : dir(d) {
    fs::create_directories(dir);
    std::array<std::uint8_t, 64> sk{};
    crypto_sign_keypair(device_pk.data(), sk.data());
    sodium_memzero(sk.data(), sk.size());
    auto key = sync::generate_tls_key_pem();
    if (!key) throw std::runtime_error("tls key: " + key.error().message);
    spit(dir / "tls-key.pem", std::string(reinterpret_cast<const char*>(key->data()), key->size()));
    auto req = sync::build_enrolment_request(device_pk, *key, std::time(nullptr));
    if (!req) throw std::runtime_error("request: " + req.error().message);
    request_json = sync::enrolment_request_json(*req);
  }

  static std::unique_ptr<httplib::SSLClient> anon_client(const CoaPki& pki, int port) {
    auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", port);
    c->set_ca_cert_path((pki.dir / "ca.pem").c_str());
    c->enable_server_certificate_verification(true);
    c->set_connection_timeout(5);
    c->set_read_timeout(20);
    return c;
  }
  std::unique_ptr<httplib::SSLClient> client(const CoaPki& pki, int port) const {
    auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", port, (dir / "cert.pem").string(),
                                                  (dir / "tls-key.pem").string());
    c->set_ca_cert_path((pki.dir / "ca.pem").c_str());
    c->enable_server_certificate_verification(true);
    c->set_connection_timeout(5);
    c->set_read_timeout(20);
    return c;
  }

  // POST /v1/enrol; on 200 keeps the bundle and writes the certificate for later requests.
  httplib::Result enrol(const CoaPki& pki, int port, const std::string& code) {
    auto c = anon_client(pki, port);
    json body = {{"code", code}, {"request", json::parse(request_json)}};
    auto r = c->Post("/v1/enrol", body.dump(), "application/json");
    if (r && r->status == 200) {
      bundle_text = r->body;
      const auto key = provisioning_pub();
      auto b = store::open_bundle(bundle_text, std::span<const store::Ed25519PublicKey>(&key, 1));
      if (b) {
        bundle = *b;
        device_id = b->device.kiosk_id;
        spit(dir / "cert.pem", b->tls_certificate_pem);
      }
    }
    return r;
  }
};

// A health document (balie-health format 1) for `device_id` with the given figures.
inline json health_doc(const std::string& device_id, const std::string& location, long long clock_offset_us = 1200,
                       long long free_bytes = 6'000'000'000LL, long waiting = 2) {
  char now[32];
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return json{{"format", "balie-health"},
              {"format_version", 1},
              {"generated_at", now},
              {"device", {{"device_id", device_id}, {"location_id", location}, {"location_name", "AZC Test"}}},
              {"versions", {{"image", "2026.12.1"}, {"software", "0.15.0"}, {"bundle", 1}}},
              {"store", {{"schema_version", 5}, {"sqlcipher_version", "3.4.1"}, {"records", 3}, {"residents", 12},
                         {"audit_entries", 40}, {"file_bytes", 100000}, {"wal_bytes", 0}}},
              {"outbox", {{"waiting", waiting}, {"held", 0}, {"failed", 0}, {"earliest_deadline", nullptr},
                          {"any_overdue", false}}},
              {"municipalities", json::array()},
              {"clock", {{"synchronised", true}, {"state", "ok"}, {"offset_us", clock_offset_us},
                         {"estimated_error_us", 100}, {"maximum_error_us", 2000}}},
              {"disk", {{"path", "/var/lib/balie"}, {"free_bytes", free_bytes}, {"total_bytes", 8'000'000'000LL}}},
              {"tpm", {{"present", true}, {"version_major", 2}}},
              {"data_unlock", {{"data_volume", "/dev/mapper/balie-data"}, {"unlocked", true},
                               {"mount_point", "/var/lib/balie"}, {"mount_source", "/dev/mapper/balie-data"}}},
              {"kiosk_restarts", 0},
              {"last_update", nullptr}};
}

}  // namespace balie::coa::testing
