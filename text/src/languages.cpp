// The language table (text/, any thread). Adding a language: add a row here, a catalog
// assets/i18n/<code>.po, and (when espeak-ng has a voice) the voice name.
#include "balie/text/languages.h"

#include <array>

namespace balie::text {
namespace {
constexpr std::array kLanguages = {
    Language{"nl", "Nederlands", "Dutch", false, "Latn", "nl", "", "lang-nl"},
    Language{"en", "English", "English", false, "Latn", "en-gb", "", "lang-en"},
    Language{"ar", "العربية", "Arabic", true, "Arab", "ar", "", "lang-ar"},
    Language{"ti", "ትግርኛ", "Tigrinya", false, "Ethi", "", "", "lang-ti"},
    Language{"tr", "Türkçe", "Turkish", false, "Latn", "tr", "", "lang-tr"},
    Language{"fa", "فارسی", "Persian (Farsi)", true, "Arab", "fa", "", "lang-fa"},
    // espeak-ng has no Dari voice: Dari is spoken with the Farsi one (and falls back to Farsi texts).
    Language{"prs", "دری", "Dari", true, "Arab", "fa", "fa", "lang-prs"},
    Language{"so", "Soomaali", "Somali", false, "Latn", "", "", "lang-so"},
    Language{"ku", "Kurmancî", "Kurdish (Kurmanji)", false, "Latn", "ku", "", "lang-ku"},
    Language{"ckb", "کوردیی سۆرانی", "Kurdish (Sorani)", true, "Arab", "", "", "lang-ckb"},
};
}  // namespace

std::span<const Language> languages() { return kLanguages; }

const Language* find_language(std::string_view code) {
  for (const auto& l : kLanguages)
    if (l.code == code) return &l;
  return nullptr;
}

const Language& base_language() { return kLanguages[0]; }

}  // namespace balie::text
