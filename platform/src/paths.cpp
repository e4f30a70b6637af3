// Resolution of Balie's state/config/runtime directories from the environment (see paths.h).
#include "balie/platform/paths.h"

#include <cstdlib>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace balie::platform {
namespace {

std::filesystem::path env_path(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return {};
  std::string s(v);
  // systemd may pass several directories separated by ':'; the first one is ours.
  if (auto colon = s.find(':'); colon != std::string::npos) s.resize(colon);
  return std::filesystem::path(s);
}

std::filesystem::path home() {
  if (auto h = env_path("HOME"); !h.empty()) return h;
  return std::filesystem::path("/var/lib/balie");
}

std::filesystem::path pick(const char* override_var, const char* systemd_var, const char* xdg_var,
                           const std::filesystem::path& xdg_default_rel, bool append_balie_to_systemd) {
  if (auto p = env_path(override_var); !p.empty()) return p;
  if (auto p = env_path(systemd_var); !p.empty()) return append_balie_to_systemd ? p / "balie" : p;
  if (auto p = env_path(xdg_var); !p.empty()) return p / "balie";
  return home() / xdg_default_rel / "balie";
}

}  // namespace

Paths Paths::from_environment() {
  Paths p;
  p.state_dir = pick("BALIE_STATE_DIR", "STATE_DIRECTORY", "XDG_STATE_HOME", ".local/state", false);
  p.config_dir = pick("BALIE_CONFIG_DIR", "CONFIGURATION_DIRECTORY", "XDG_CONFIG_HOME", ".config", false);
  if (auto r = env_path("BALIE_RUNTIME_DIR"); !r.empty()) {
    p.runtime_dir = r;
  } else if (auto r2 = env_path("RUNTIME_DIRECTORY"); !r2.empty()) {
    p.runtime_dir = r2;
  } else if (auto x = env_path("XDG_RUNTIME_DIR"); !x.empty()) {
    p.runtime_dir = x / "balie";
  } else {
    p.runtime_dir = p.state_dir / "run";
  }
  return p;
}

bool Paths::ensure(std::string* error) const {
  for (const auto& d : {state_dir, config_dir, runtime_dir}) {
    std::error_code ec;
    std::filesystem::create_directories(d, ec);
    if (ec) {
      if (error) *error = "cannot create directory " + d.string() + ": " + ec.message();
      return false;
    }
    ::chmod(d.c_str(), 0700);
  }
  return true;
}

}  // namespace balie::platform
