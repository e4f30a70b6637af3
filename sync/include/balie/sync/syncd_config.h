// balie-syncd's configuration file (syncd.json) and routing file (import-routing), parsed and checked
// key by key (sync/, any thread; no file access): used by balie-syncd, its tests and the fuzz targets.
// Limits: config 64 KiB, routing 8 MiB and 1000 routes, both record::kMaxJsonDepth levels. Every error
// names the file (`where`), the key and the expected type; unknown keys are errors.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "balie/sync/engine.h"
#include "balie/sync/store_port.h"

namespace balie::sync {

inline constexpr std::size_t kMaxSyncdConfigBytes = 64 * 1024;
inline constexpr std::size_t kMaxRoutingBytes = 8u * 1024 * 1024;
inline constexpr std::size_t kMaxRoutes = 1000;

struct SyncdConfig {
  std::string store_path;                         // as written; relative to the config file's folder
  std::string client_cert_path, client_key_path;  // as written; the PEMs are read by the caller
  // "client_key": "credential:balie-tls-key": the key comes from the key provider
  // (KeyProvider::tls_client_key_pem()), never from a file; then client_key_path is empty.
  std::string client_key_credential;
  // Folder of the trusted provisioning keys (*.pub) for bundles COA serves, as written ("" = the
  // image's, store::default_provisioning_keys_dir(), as balie-admin uses).
  std::string provisioning_keys_path;
  EngineConfig engine;                            // device_id, locatiecode and the limits (no PEMs)
  int window_start_min = 60, window_end_min = 300;  // local minutes after midnight
  int jitter_max_min = 60;
};

// syncd.json: keys in sync/README.md ("balie-syncd configuration").
Result<SyncdConfig> parse_syncd_config(std::string_view text, std::string_view where);

// {"routes":[{gemeentecode, base_url, ca_pem, pinned_key, ed25519_pk, x25519_pk}]}: all or nothing.
Result<std::vector<Route>> parse_routing(std::string_view text, std::string_view where);

}  // namespace balie::sync
