// Update bundles and their rollouts in balie-coa (issue 15, "Updates"): reading and checking a signed
// A/B bundle (image/bundle.sh: a tar of manifest, balie-a.efi, balie-b.efi, root.squashfs,
// root.verity), storing it in 1 MiB chunks, rings (canary devices -> percent -> all), which update a
// device is assigned, its reports, and the roll-back rule that halts a rollout by itself.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "balie/coa/db.h"
#include "balie/record/result.h"

namespace balie::coa {

constexpr std::uint64_t kUpdateChunkBytes = 1024 * 1024;

// --- tar (POSIX ustar / GNU, regular files only) ----------------------------------------------------
struct TarEntry {
  std::string name;
  char type = '0';
  std::uint64_t size = 0;
  std::uint64_t offset = 0;  // of the entry's data in the file
};
// The entries of the tar file at `path`: every header's checksum is checked, every entry's data must
// lie within the file, and the archive must end with its zero blocks (a truncated file is refused).
record::Result<std::vector<TarEntry>> read_tar_index(const std::string& path);

// --- bundles ----------------------------------------------------------------------------------------
struct BundleManifest {
  std::int64_t version = 0;
  std::string roothash, commit;
  std::uint64_t squashfs_size = 0, verity_size = 0;
  nlohmann::json to_json() const;
};
// The manifest text ("key=value" lines, as bundle.sh writes it).
record::Result<BundleManifest> parse_bundle_manifest(std::string_view text);

struct CheckedBundle {
  BundleManifest manifest;
  std::uint64_t size = 0;
  std::string sha256;  // hex, of the whole file
};
// Everything that can be checked without the database: the tar parses, the manifest is present and
// first, its version is a number, the root sizes match the entries, and both UKIs verify with
// `sbverify --cert signer_cert` (Debian sbsigntool).
record::Result<CheckedBundle> check_update_bundle(const std::string& path, const std::string& signer_cert);

struct StoredUpdate {
  std::int64_t id = 0, version = 0;
};
// Stores a checked bundle (re-reading `path`; its SHA-256 must still match) in one transaction.
// Invalid when its version is not newer than every stored one.
DbResult<StoredUpdate> store_update(Db& db, const std::string& path, const CheckedBundle& b, const std::string& actor);

// --- rollouts ---------------------------------------------------------------------------------------
// Starts the rollout of VERSION in the canary stage with these devices (each must exist). Refused when
// a rollout of this or a newer version exists; older active rollouts become done.
DbStatus start_rollout(Db& db, std::int64_t version, const std::vector<std::string>& canary, const std::string& actor,
                       double halt_threshold = 0.2, int halt_min_count = 2);
// canary -> percent N (1..99) -> a larger percent -> all (percent omitted or 100). Returns the new stage text.
DbResult<std::string> advance_rollout(Db& db, std::int64_t version, std::optional<int> percent, const std::string& actor);
DbStatus halt_rollout(Db& db, std::int64_t version, const std::string& actor, const std::string& reason);
// The rollout and its devices' latest states, as JSON (rollout show).
DbResult<nlohmann::json> show_rollout(Db& db, std::int64_t version);

// 0..9999, stable per device: the percent stage assigns a device when bucket < percent * 100.
int rollout_bucket(const std::string& device_id);

struct Assignment {
  std::int64_t update_id = 0, version = 0, size = 0;
  std::string sha256;
};
// The update this device should have now (an active rollout whose stage includes it), or nullopt.
// `offer` false also counts a device that has finished (installed, blessed or rolled back).
DbResult<std::optional<Assignment>> assigned_update(Db& db, const std::string& device_id, bool offer);
// Whether update_id's rollout includes the device in its current stage or, for a halted one, in the
// stage it halted in (a device may still report what happened to it).
DbResult<bool> device_in_rollout(Db& db, const std::string& device_id, std::int64_t update_id, bool include_halted);

struct ReportOutcome {
  enum class Kind { Recorded, Duplicate, NotAssigned, UnknownUpdate, VersionMismatch } kind = Kind::Recorded;
  bool halted = false;  // this report halted the rollout
};
// Records a device's report and evaluates the halt rule in the same transaction; a rolled_back report
// raises the device's rolled_back alert.
DbResult<ReportOutcome> record_update_report(Db& db, const std::string& device_id, std::int64_t update_id,
                                             std::int64_t version, const std::string& state, const std::string& detail);

// One chunk of an update's bundle (raw bytes), nullopt when it does not exist.
DbResult<std::optional<std::string>> update_chunk(Db& db, std::int64_t update_id, std::int64_t idx);

// --- administration commands ------------------------------------------------------------------------
// `update upload FILE`, `rollout start VERSION DEV[,DEV..]`, `rollout advance VERSION [PERCENT]`,
// `rollout halt VERSION`, `rollout show VERSION`. nullopt when args is none of these; otherwise the
// exit status (0 ok, 2 usage or configuration, 3 database, 4 refused). signer_cert: "" without --config.
extern const char* const kUpdateUsage;
std::optional<int> run_update_command(Db& db, const std::string& signer_cert, const std::vector<std::string>& args,
                                      const std::string& actor);

}  // namespace balie::coa
