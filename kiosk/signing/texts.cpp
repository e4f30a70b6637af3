// Loading the shipped text series into the store (see texts.h).
#include "signing/texts.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "balie/record/json_limits.h"

namespace balie::signing {

std::int64_t series_version(const std::string& series) {
  const auto dash = series.rfind('-');
  if (dash == std::string::npos || dash + 1 >= series.size()) return 0;
  std::int64_t v = 0;
  const char* b = series.data() + dash + 1;
  const char* e = series.data() + series.size();
  auto r = std::from_chars(b, e, v);
  return r.ec == std::errc() && r.ptr == e && v > 0 ? v : 0;
}

TextIndex load_text_assets(store::Store& st, const std::filesystem::path& dir, std::vector<std::string>* errors) {
  TextIndex idx;
  auto routes = st.routes();
  if (!routes) {
    errors->push_back("texts: cannot read the routes: " + routes.error().message);
    return idx;
  }
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
    if (std::filesystem::file_size(f, ec) > kMaxTextSeriesBytes) {
      errors->push_back("texts: " + f.filename().string() + " too large");
      continue;
    }
    std::ifstream in(f);
    std::stringstream ss;
    ss << in.rdbuf();
    auto parsed = record::parse_json_limited(ss.str(), record::JsonLimits{kMaxTextSeriesBytes}, f.filename().string());
    if (!parsed) {
      errors->push_back("texts: " + parsed.error().message);
      continue;
    }
    const nlohmann::json& j = *parsed;
    auto str = [](const nlohmann::json& o, const char* k) {
      auto it = o.find(k);
      return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    if (!j.is_object() || str(j, "series").empty() || str(j, "kind").empty() || !j.contains("texts") ||
        !j["texts"].is_array()) {
      errors->push_back("texts: " + f.filename().string() +
                        " is not a text series ({\"series\": string, \"kind\": string, \"texts\": array})");
      continue;
    }
    const std::string series = str(j, "series"), kind = str(j, "kind");
    const std::int64_t version = series_version(series);
    if (version <= 0) {
      errors->push_back("texts: " + f.filename().string() + ": series '" + series +
                        "' does not end in -<version number> (e.g. pvt-balie-2)");
      continue;
    }
    bool any = false;
    for (const auto& t : j["texts"]) {
      if (!t.is_object()) continue;
      for (const auto& route : routes.value()) {
        store::TextVersion v;
        v.language = str(t, "language");
        v.gemeentecode = route.gemeentecode;
        v.version = version;
        v.version_id = series + "-" + route.gemeentecode + "-" + v.language;
        v.kind = kind;
        v.title = str(t, "title");
        v.body = str(t, "body");
        if (v.language.empty() || v.body.empty()) continue;
        auto s = st.put_text_version(v);
        if (!s) errors->push_back("texts: " + v.version_id + ": " + s.error().message);
        else any = true;
      }
    }
    if (any) {
      auto& cur = idx.series_by_kind[kind];
      if (series_version(cur) < version) cur = series;
    }
  }
  return idx;
}

std::optional<store::TextVersion> current_text(store::Store& st, const std::string& kind, const std::string& language,
                                               const std::string& gemeentecode) {
  if (gemeentecode.empty()) return std::nullopt;
  auto t = st.current_text(kind, language, gemeentecode);
  if (!t || !t.value()) return std::nullopt;
  return *t.value();
}

TextChoice choose_texts(store::Store& st, const std::string& kind, const std::string& language,
                        const std::string& gemeentecode) {
  TextChoice c;
  c.nl = current_text(st, kind, "nl", gemeentecode);
  if (!c.nl) {
    c.missing_language = "nl";
    return c;
  }
  if (language == "nl" || language.empty()) {
    c.own = c.nl;
    return c;
  }
  auto own = current_text(st, kind, language, gemeentecode);
  // Only a translation of the Dutch text shown next to it counts: an older series in this language
  // is a different text.
  if (own && own->version == c.nl->version) c.own = std::move(own);
  else c.missing_language = language;
  return c;
}

std::string dutch_language_name(std::string_view code) {
  static constexpr std::pair<std::string_view, std::string_view> kNames[] = {
      {"nl", "Nederlands"}, {"en", "Engels"},  {"ar", "Arabisch"},   {"ti", "Tigrinya"},
      {"tr", "Turks"},      {"fa", "Perzisch (Farsi)"}, {"prs", "Dari"}, {"so", "Somalisch"},
      {"ku", "Koerdisch (Kurmanji)"}, {"ckb", "Koerdisch (Sorani)"}};
  for (const auto& [c, n] : kNames)
    if (c == code) return std::string(n);
  return std::string(code);
}

}  // namespace balie::signing
