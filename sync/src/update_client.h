// Terminal side of COA updates (issue 15): one step per sync pass. Reports what the installer left in
// last-result (installed / blessed / rolled_back), asks COA which update is assigned (GET /v1/update),
// downloads it into <state>/update-partial resuming with HTTP Range, verifies size and SHA-256, moves
// it into the drop folder balie-update.path watches, and reports "downloaded". balie-syncd runs it
// after the COA round with the COA endpoint of the applied bundle (sync/syncd/syncd_main.cpp).
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "balie/record/result.h"

namespace balie::sync {

struct CoaUpdateEndpoint {
  std::string base_url;            // https://host:port of COA's terminal listener
  std::string ca_pem;              // CA of the listener's certificate
  std::vector<std::string> pins;   // "sha256//<base64>" (primary, backup)
  std::string cert_pem, key_pem;   // the terminal's mTLS certificate and key
  long connect_timeout_s = 10, low_speed_time_s = 30, total_timeout_s = 3600;
};

struct UpdateClientPaths {
  std::filesystem::path state_dir;                                       // update-partial and bookkeeping
  std::filesystem::path incoming = "/var/lib/balie-update/incoming";     // balie-update.path drop folder
  std::filesystem::path last_result = "/var/lib/balie-update/last-result";  // "version=V\nstate=S\ndetail=..."
  bool report_only = false;  // report last-result, but neither ask for nor download an update (outside the window)
  // Free space that must remain on the state directory's file system after the download (the store
  // and the journal share it); a download that would eat into it is not started.
  std::uint64_t reserve_bytes = 64ull << 20;
};

struct UpdateStep {
  enum class Kind { NothingAssigned, AlreadyDelivered, Delivered } kind = Kind::NothingAssigned;
  std::int64_t update_id = 0, version = 0;
  std::uint64_t bytes_downloaded = 0;   // in this step (a resumed download fetches only the rest)
  std::string reported;                 // the last-result state reported in this step, if any
  std::filesystem::path delivered;      // the bundle in the drop folder
};

// One update step. An error leaves update-partial for the next pass to resume, except after a
// failed verification (then it is deleted: the next pass starts again).
record::Result<UpdateStep> run_update_step(const CoaUpdateEndpoint& coa, const UpdateClientPaths& paths);

}  // namespace balie::sync
