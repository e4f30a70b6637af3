// The kiosk's asset folders (see asset_dirs.h): environment, build tree, installed location.
#include "app/asset_dirs.h"

#include <cstdlib>
#include <system_error>

namespace balie::kiosk {
namespace {

std::filesystem::path env_or(const char* name, const char* build_tree, const char* installed) {
  const char* v = std::getenv(name);
  if (v && *v) return std::filesystem::path(v);
  std::error_code ec;
  if (std::filesystem::is_directory(build_tree, ec)) return std::filesystem::path(build_tree);
  return std::filesystem::path(installed);
}

}  // namespace

std::filesystem::path assets_dir() {
  return env_or("BALIE_ASSETS_DIR", BALIE_DEFAULT_ASSETS_DIR, "/usr/share/balie/assets");
}

std::filesystem::path generated_dir() {
  return env_or("BALIE_GENERATED_DIR", BALIE_DEFAULT_GENERATED_DIR, "/usr/share/balie");
}

}  // namespace balie::kiosk
