// Shared helpers of the text engine tests: engine configured on the repository's assets, temp dirs.
#pragma once
#include <filesystem>
#include <string>

#include "balie/text/text_engine.h"

namespace balie::text::testing {

TextEngineConfig repo_config();
// A fresh empty directory under the system temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  void write(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path path_;
};
std::string read_text(const std::filesystem::path& p);

}  // namespace balie::text::testing
