// The terminal's health document ("balie-health", format 1; schema store/schemas/health.schema.json):
// versions, outbox and sync state per municipality, clock, disk, TPM and data-unlock state, kiosk
// restarts, the last update result and the image's key set ("keys": test|production, issue 20), with NO personal data (counts, codes, times and reasons only).
// Written by balie-syncd after every pass (<config_dir>/health.json), printed by `balie-admin health`.
#pragma once
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "balie/store/result.h"
#include "balie/store/store.h"
#include "balie/store/trust.h"

namespace balie::store {

// What the caller knows or wants probed. The probe paths default to the terminal's; tests point them
// at files of their own. A missing or unreadable probe file gives "unknown"/null, never an error.
struct HealthInputs {
  std::chrono::sys_seconds now{};            // generated_at and the deadline rule's "today"
  std::filesystem::path state_dir;           // disk free and data-unlock state of this folder's file system
  std::optional<long long> bundle_version;   // the applied enrolment bundle (Store::applied_bundle() later)
  std::optional<int> kiosk_restarts;         // systemd's NRestarts of balie-kiosk.service, read by the caller
  std::filesystem::path image_version_file = "/usr/lib/balie/version";  // first line = image version
  std::filesystem::path os_release_file = "/etc/os-release";            // else IMAGE_VERSION= / BUILD_ID=
  std::filesystem::path tpm_version_file = "/sys/class/tpm/tpm0/tpm_version_major";
  std::filesystem::path mountinfo_file = "/proc/self/mountinfo";
  std::filesystem::path last_update_file = "/var/lib/balie-update/last-result";
  std::string data_mapper_device = "/dev/mapper/balie-data";  // the LUKS2 data volume (image/rootfs/etc/crypttab)
  std::filesystem::path trust_file = default_trust_file();   // the image's key set (trust.h; none = test)
};

// The document as compact JSON text (one line). Fails only when the store cannot be read.
Result<std::string> health_json(const HealthInputs& inputs, Store& store);

// The software version of this build (the CMake project version), as in the document.
const char* software_version();

}  // namespace balie::store
