// Loading the shipped text series into the store (see texts.h).
#include "signing/texts.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace balie::signing {

TextIndex load_text_assets(store::Store& st, const std::filesystem::path& dir, std::vector<std::string>* errors) {
  TextIndex idx;
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().extension() == ".json" && files.size() < 32) files.push_back(e.path());
  if (ec) {
    errors->push_back("texts: cannot list " + dir.string() + ": " + ec.message());
    return idx;
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    if (std::filesystem::file_size(f, ec) > 256 * 1024) {
      errors->push_back("texts: " + f.filename().string() + " too large");
      continue;
    }
    std::ifstream in(f);
    std::stringstream ss;
    ss << in.rdbuf();
    auto j = nlohmann::json::parse(ss.str(), nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("series") || !j.contains("kind") || !j["texts"].is_array()) {
      errors->push_back("texts: " + f.filename().string() + " is not a text series");
      continue;
    }
    const std::string series = j.value("series", ""), kind = j.value("kind", "");
    bool any = false;
    for (const auto& t : j["texts"]) {
      if (!t.is_object()) continue;
      store::TextVersion v;
      v.language = t.value("language", "");
      v.version_id = series + "-" + v.language;
      v.kind = kind;
      v.title = t.value("title", "");
      v.body = t.value("body", "");
      if (v.language.empty() || v.body.empty()) continue;
      auto s = st.put_text_version(v);
      if (!s) errors->push_back("texts: " + v.version_id + ": " + s.error().message);
      else any = true;
    }
    if (any) idx.series_by_kind[kind] = series;
  }
  return idx;
}

std::optional<store::TextVersion> current_text(store::Store& st, const TextIndex& idx, const std::string& kind,
                                               const std::string& language) {
  auto it = idx.series_by_kind.find(kind);
  if (it == idx.series_by_kind.end()) return std::nullopt;
  auto t = st.text_version(it->second + "-" + language);
  if (!t || !t.value()) return std::nullopt;
  return *t.value();
}

}  // namespace balie::signing
