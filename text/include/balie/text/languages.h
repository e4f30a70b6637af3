// The languages Balie speaks (text/, any thread): one constexpr table with code, names,
// direction, the espeak-ng voice (empty when espeak-ng has none) and the catalog fallback chain.
// Dutch ("nl") is the base language: every other catalog is checked against it.
#pragma once
#include <optional>
#include <span>
#include <string_view>

namespace balie::text {

struct Language {
  std::string_view code;          // catalog file name and BCP 47 tag: "nl", "ckb", ...
  std::string_view native_name;   // in its own script, shown on the language-choice screen
  std::string_view english_name;  // for staff screens and logs
  bool is_rtl = false;
  std::string_view script;        // ISO 15924: "Latn", "Arab", "Ethi"
  std::string_view espeak_voice;  // "" when espeak-ng has no voice for it
  std::string_view fallback;      // catalog consulted for keys this one lacks ("" = Dutch)
  std::string_view pictogram;     // flag-free pictogram id for the language button (asset name)
};

inline constexpr std::string_view kBaseLanguage = "nl";

// All languages in the order the language-choice screen shows them.
std::span<const Language> languages();
// nullptr when the code is unknown.
const Language* find_language(std::string_view code);
const Language& base_language();

}  // namespace balie::text
