// Versioned declaration and consent texts shipped with the device configuration (kiosk signing
// layer, headless). assets/texts/*.json each hold one series (e.g. "pvt-balie-1") of one kind in
// several languages; load_text_assets() stores every language as an immutable TextVersion with id
// "<series>-<language>" and returns which series is current per kind.
#pragma once
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "balie/store/store.h"

namespace balie::signing {

struct TextIndex {
  std::map<std::string, std::string> series_by_kind;  // "pvt_declaration" -> "pvt-balie-1"
};

inline constexpr std::size_t kMaxTextSeriesBytes = 256 * 1024;  // per file; nesting record::kMaxJsonDepth

// Loads every *.json in `dir` (at most 32 files of 256 KiB) into the store. Problems are appended
// to `errors` (operator log, no personal data); a bad file does not stop the others.
TextIndex load_text_assets(store::Store& st, const std::filesystem::path& dir, std::vector<std::string>* errors);

// The current text of `kind` in `language`, if the store has it.
std::optional<store::TextVersion> current_text(store::Store& st, const TextIndex& idx, const std::string& kind,
                                               const std::string& language);

}  // namespace balie::signing
