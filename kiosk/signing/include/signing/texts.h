// Versioned declaration and consent texts shipped with the demo (kiosk signing layer, headless).
// assets/texts/*.json each hold one series (e.g. "pvt-balie-1") of one kind in several languages.
// In demo mode load_text_assets() stores every language of a series for every municipality that has
// a route, as an immutable TextVersion with id "<series>-<gemeentecode>-<language>" and numeric
// version = the series' suffix (pvt-balie-10 is newer than pvt-balie-2). In production texts come
// only from enrolment bundles. The text offered is Store::current_text (the gekoppelde gemeente's
// highest version).
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "balie/store/store.h"

namespace balie::signing {

struct TextIndex {
  std::map<std::string, std::string> series_by_kind;  // the newest series loaded: "pvt_declaration" -> "pvt-balie-1"
};

inline constexpr std::size_t kMaxTextSeriesBytes = 256 * 1024;  // per file; nesting record::kMaxJsonDepth

// The numeric version of a series name: its last '-'-separated part ("pvt-balie-10" -> 10); none -> 0.
std::int64_t series_version(const std::string& series);

// Loads every *.json in `dir` (at most 32 files of 256 KiB) into the store, once per municipality
// with a route. Problems are appended to `errors` (operator log, no personal data); a bad file does
// not stop the others.
TextIndex load_text_assets(store::Store& st, const std::filesystem::path& dir, std::vector<std::string>* errors);

// The text of `kind` in `language` to offer to a resident of `gemeentecode` (Store::current_text).
std::optional<store::TextVersion> current_text(store::Store& st, const std::string& kind, const std::string& language,
                                               const std::string& gemeentecode);

// Issue 18: the texts a resident reading `language` is shown for `kind`, never a fallback. The
// approved Dutch text is the current one; the resident's text must be the SAME version (series) in
// their language. When it is missing (or only an older series has it), nothing is offered:
// `missing_language` names the language ("nl" when even the Dutch text is missing) and the flow is
// blocked with staff told; no other language is put in its place.
struct TextChoice {
  std::optional<store::TextVersion> nl;   // the current Dutch text
  std::optional<store::TextVersion> own;  // the same version in `language` (the Dutch one for "nl")
  std::string missing_language;           // "" when both are there
  bool complete() const { return nl.has_value() && own.has_value(); }
};
TextChoice choose_texts(store::Store& st, const std::string& kind, const std::string& language,
                        const std::string& gemeentecode);

// Dutch name of a language for staff screens ("fa" -> "Perzisch (Farsi)"); the code for unknown ones.
std::string dutch_language_name(std::string_view code);

}  // namespace balie::signing
