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
  record::Key32 box_seed{};       // municipality X25519 seed (opens sealed payloads)
  std::size_t max_body_bytes = 8u * 1024 * 1024;  // compressed and decompressed request body limit
  long clock_skew_seconds = 600;                  // records dated further in the future are refused
  int read_timeout_seconds = 15;
  GuardConfig guard;  // connection cap, handshake/header/request deadlines, per-device rate limit
  // Test-only fault injection (balie-inbox --chaos-500-every N / --chaos-duplicate-acks): answer
  // every Nth record push with 500 AFTER storing it (a lost response), or repeat every ack entry.
  int chaos_500_every = 0;
  bool chaos_duplicate_acks = false;
};

// Runs until SIGTERM/SIGINT. Returns a process exit status; errors are printed to stderr.
int run_server(const ServerConfig& cfg);

}  // namespace balie::inbox
