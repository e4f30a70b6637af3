// Helpers for the text engine tests (see test_support.h).
#include "test_support.h"

#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>

namespace balie::text::testing {

TextEngineConfig repo_config() { return default_config(BALIE_ASSETS_DIR, BALIE_GENERATED_DIR); }

TempDir::TempDir() {
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() /
          ("balie_text_" + std::to_string(getpid()) + "_" + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}
TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}
void TempDir::write(const std::string& name, const std::string& content) const {
  std::filesystem::create_directories((path_ / name).parent_path());
  std::ofstream(path_ / name, std::ios::binary) << content;
}
std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace balie::text::testing
