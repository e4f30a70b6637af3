// Where Balie keeps state, configuration and runtime files (platform layer, any thread).
// Follows the systemd/XDG conventions: $STATE_DIRECTORY (systemd StateDirectory=), else
// $XDG_STATE_HOME/balie, else ~/.local/state/balie; likewise for config and runtime.
// Every path can be overridden with BALIE_STATE_DIR / BALIE_CONFIG_DIR / BALIE_RUNTIME_DIR
// so tests and the demo run in a folder of their own.
#pragma once
#include <filesystem>

namespace balie::platform {

struct Paths {
  std::filesystem::path state_dir;    // encrypted database, demo key file, lockout state
  std::filesystem::path config_dir;   // device configuration (routing table, texts)
  std::filesystem::path runtime_dir;  // sockets and pid files; wiped at reboot

  // Resolves the paths from the environment (see the file comment). Does not create anything.
  static Paths from_environment();
  // Creates the directories that are missing (mode 0700). Returns false and sets `error` on failure.
  [[nodiscard]] bool ensure(std::string* error) const;
};

}  // namespace balie::platform
