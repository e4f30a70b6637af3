// The balie-inbox HTTPS server (reference municipality receiver): configuration and entry point.
// Only inbox_server.cpp includes cpp-httplib (it is heavy to compile).
#pragma once
#include <string>

#include "balie/record/envelope.h"
#include "connection_guard.h"

namespace balie::inbox {

struct ServerConfig {
  std::string gemeentecode;
  std::string host = "127.0.0.1";
  int port = 0;                 // 0: pick a free port (written to port_file)
  std::string port_file;        // optional: the bound port is written here once listening
  std::string cert_file, key_file, client_ca_file;
  std::string crl_file;  // optional: COA's revocation list (PEM CRL of the client CA), re-read on change
  std::string db_path;      // SQLCipher file, or
  std::string pg_conninfo;  // PostgreSQL (exactly one of the two)
  std::string db_key_file;  // the 0600 key file; empty: $CREDENTIALS_DIRECTORY/inbox-db-key
  record::Key32 signing_seed{};   // municipality Ed25519 seed (acks, identity, feed signatures)
  std::string keys_dir;           // --keys D: the sealing key ring (key_ring.h), re-read when it changes
  std::size_t max_body_bytes = 8u * 1024 * 1024;  // compressed and decompressed request body limit
  long clock_skew_seconds = 600;                  // records dated further in the future are refused
  int read_timeout_seconds = 15;
  GuardConfig guard;  // connection cap, handshake/header/request deadlines, per-device rate limit
  // Case systems (issue 17 item 5; sync/README.md "Integration for case systems"): a second mTLS
  // listener with its own client CA serving the change export; optional webhook.
  std::string case_host;          // empty: no case listener
  int case_port = 0;
  std::string case_client_ca_file, case_port_file;
  bool case_allow_personal = false;  // the case listener may hand out personal fields when asked
  std::string webhook_url, webhook_secret, webhook_ca_file;
  bool access_log = true;  // one line per request on stderr (access_log.h)
  // Test-only fault injection (balie-inbox --chaos-500-every N / --chaos-duplicate-acks): answer
  // every Nth record push with 500 AFTER storing it (a lost response), or repeat every ack entry.
  int chaos_500_every = 0;
  bool chaos_duplicate_acks = false;
};

// Runs until SIGTERM/SIGINT. Returns a process exit status; errors are printed to stderr.
int run_server(const ServerConfig& cfg);

}  // namespace balie::inbox
