// The balie-coa service (coa/): configuration file and the two HTTPS listeners. "terminal" serves the
// terminal protocol (contract in coa/README.md) with the device certificates COA issues (mutual TLS;
// only POST /v1/enrol works without one); "web" serves COA's operator pages behind an operator login.
// All state is in PostgreSQL, so several instances can serve behind one load balancer.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "balie/coa/db.h"
#include "balie/coa/enrol.h"
#include "balie/record/result.h"

namespace balie::coa {

struct ListenerConfig {
  std::string host = "127.0.0.1";
  int port = 0;            // 0: a free port, written to port_file
  std::string port_file;
  std::string cert_file, key_file;  // server certificate chain + key (PEM)
  std::string ca_file;              // terminal listener: the CA that issued cert_file (bundles carry it)
};

struct CoaConfig {
  std::string database;  // libpq conninfo or URI
  int pool_size = 8;
  ListenerConfig terminal, web;
  std::string device_ca_cert_file, device_ca_key_file;
  std::string provisioning_key_file;  // 64 hex characters: the Ed25519 seed that signs bundles
  // Issue 20: the key set of the terminal images this COA enrols ("keys" in every bundle it signs):
  // "production" for the real deployment, "test" (default) for tests, the demo and development fleets.
  // Production images refuse test bundles and test images production ones.
  std::string keys = "test";
  std::string public_endpoint;        // https://... the terminals reach the terminal listener at
  std::string backup_pin;             // pin of the terminal listener's next key (rotation)
  std::string update_signer_cert_file;  // Secure Boot db certificate update bundles' UKIs must verify with
  int code_minutes = 24 * 60;         // enrolment codes expire after this
  int session_hours = 8;              // operator sessions
  std::size_t max_body_bytes = 512 * 1024;  // every request body
  double rate_per_minute = 60;        // per device (certificate) or per address on the web listener
  double rate_burst = 60;
};

// Reads a JSON configuration file; relative paths are relative to the file's folder.
record::Result<CoaConfig> load_config(const std::string& path);
// Issuer (device CA, provisioning key, COA identity for bundles) from the configuration.
record::Result<Issuer> load_issuer(const CoaConfig& cfg);

// Applies migrations, then serves both listeners until SIGTERM/SIGINT. Returns an exit status.
int serve(const CoaConfig& cfg);

}  // namespace balie::coa
