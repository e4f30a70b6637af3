// Where the UI gets its words (kiosk UI layer, main thread): catalog lookup by namespaced key in
// the session language. The production source is the gettext catalogs in assets/i18n via the text
// engine; tests may supply a map.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace balie::kiosk {

class Texts {
 public:
  virtual ~Texts() = default;
  // Catalog text for `key` in the current language with {placeholders} filled. Values are untrusted
  // and get bidi-isolated by the implementation.
  virtual std::string tr(std::string_view key,
                         const std::vector<std::pair<std::string_view, std::string>>& args = {}) const = 0;
  // Issue 18: catalog text for `key` in `language` (its fallback chain, then Dutch) whatever the
  // session language, for screens that speak all ten languages at once (welcome, language choice).
  virtual std::string tr_in(std::string_view language, std::string_view key) const {
    (void)language;
    return tr(key);
  }
  virtual bool rtl() const = 0;
  virtual std::string_view language() const = 0;
  // The language tr(key) comes out in: language(), or the catalog it falls back to (Dutch).
  virtual std::string_view language_of(std::string_view /*key*/) const { return language(); }
  // Switches the catalog; unknown codes fall back to Dutch and return false.
  virtual bool set_language(std::string_view code) = 0;
  // "YYYY-MM-DD" as the resident reads dates: day, month name in their language, year.
  // Invalid input gives the catalog's "unknown" text.
  virtual std::string format_date(std::string_view iso) const { return std::string(iso); }
  // Staff screens are Dutch whatever the session language (the app switches this per scene).
  virtual void set_staff_mode(bool) {}
};

}  // namespace balie::kiosk
