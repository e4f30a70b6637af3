// The texts a resident signed, shared by the kiosk (which hashes what it shows) and the municipality's
// receiver and balie-verify (which check a record's texts): the canonical shown text "balie-shown-text/1",
// the receipt reference code, and the versioned text registry loaded from the shipped text packs
// (assets/texts/*.json). One implementation for both sides.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "balie/record/result.h"

namespace balie::record {

// One text as shown on the terminal.
struct ShownText {
  std::string version_id;  // "<series>-<gemeentecode>-<language>", e.g. pvt-balie-1-GM0363-ar
  std::string language;
  std::string title;
  std::string body;
};

// "balie-shown-text/1\n" then for each text shown (Dutch first, then the resident's language):
// "version_id:<id>\nlanguage:<lang>\ntitle:<title>\nbody_bytes:<n>\n<body>\n". SHA-256 of this is the
// record's canonical_text_sha256.
std::string canonical_shown_text(const ShownText& nl, const ShownText* own);

// Short receipt reference for a record id: "XXXX-XXXX" (Crockford base32 of SHA-256, 40 bits).
std::string reference_code(std::string_view record_id);

// The text packs a receiver knows, by series and language. A pack is {"series": "<name>-<n>", "kind",
// "texts": [{language, title, body}]}; the kiosk names each text "<series>-<gemeentecode>-<language>".
class TextRegistry {
 public:
  struct Entry {
    std::string series, kind, language, title, body, body_sha256;
  };
  // Loads every *.json pack in `dir` (at most 64, each at most 2 MiB). A pack that cannot be read is
  // an error (the registry must not silently miss a version).
  static Result<TextRegistry> load_dir(const std::filesystem::path& dir);
  // Adds one pack (JSON text); `name` for messages.
  Status add_pack(std::string_view json_text, std::string_view name);
  // The entry a record's version id names for this gemeentecode, or nullptr.
  const Entry* find(std::string_view version_id, std::string_view gemeentecode) const;
  std::size_t size() const { return entries_.size(); }

 private:
  std::map<std::pair<std::string, std::string>, Entry> entries_;  // (series, language)
};

// Result of checking a record's document texts against the registry.
struct TextCheck {
  bool ok = false;
  std::string failure;              // first problem, "" when ok
  std::vector<ShownText> texts;     // registry texts as signed, Dutch first (filled as far as found)
  std::vector<std::string> kinds;   // registry kind per text
};
// `document` is the sensitive payload's "document" object: {texts:[{version_id, language, title,
// body_sha256}], canonical_text_sha256, canonical_format}. Checks: every version known for this
// gemeentecode, language and title as recorded, SHA-256 of the registry body == body_sha256, and the
// canonical hash over the registry texts == canonical_text_sha256.
TextCheck check_signed_texts(const nlohmann::json& document, std::string_view gemeentecode,
                             const TextRegistry& registry);

}  // namespace balie::record
