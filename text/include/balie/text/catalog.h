// gettext .po catalogs (text/, any thread): parsing, validation against the Dutch base
// catalog, and filling of named placeholders ({name}). Used at run time by TextEngine and at build
// time by balie_text_tool (which fails the build on any validation error).
//
// Conventions (see text/README.md): msgid is the namespaced key ("welcome.title"), msgstr the
// text. An extracted comment "#. spoken" in nl.po marks a key whose text is read aloud (audio is
// generated for it). A header "X-Balie-Fallback: fa" lets a variant (prs) hold only the keys whose
// wording differs. "#, fuzzy" entries count as untranslated: they show the fallback (Dutch) and the
// build warns instead of failing.
//
// Plural forms (gettext): an entry with msgid_plural and msgstr[0..n-1] holds one text per plural
// form of its language; the header "Plural-Forms: nplurals=N; plural=EXPR;" (C syntax in n) picks
// the form. In Balie's key-based catalogs msgid_plural repeats the key, and the number that picks the
// form is the entry's {count} or {days} argument. A form may leave the number out ("one day").
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "balie/text/result.h"

namespace balie::text {

struct CatalogEntry {
  std::string key;
  std::string text;
  bool spoken = false;
  bool fuzzy = false;
  int line = 0;  // line of the msgid in the source file
  std::vector<std::string> plural_forms;  // msgstr[0..]: non-empty for a plural entry (text = form 0)
  bool plural() const { return !plural_forms.empty(); }
};

// A parsed "Plural-Forms" rule: evaluates the C expression in n (?:, ||, &&, ==, !=, <, <=, >, >=,
// +, -, *, /, %, !, parentheses, integers).
class PluralRule {
 public:
  static Result<PluralRule> parse(std::string_view header_value);  // "nplurals=2; plural=(n != 1);"
  int nplurals() const { return nplurals_; }
  // The form index for n, clamped to [0, nplurals).
  int index(unsigned long n) const;
  const std::string& expression() const { return expr_; }

 private:
  int nplurals_ = 2;
  std::string expr_ = "n != 1";
};

// The argument names that carry a plural entry's number.
inline constexpr std::string_view kPluralCountArgs[] = {"count", "days"};
// The number in an argument value: decimal digits, optionally negative (the form of |n| is used).
bool parse_plural_count(std::string_view value, unsigned long* n);
inline bool is_plural_count_arg(std::string_view name) {
  for (std::string_view a : kPluralCountArgs)
    if (a == name) return true;
  return false;
}

class Catalog {
 public:
  std::string language;                      // from the "Language:" header (or the file name)
  std::string source;                        // file name, for messages
  std::map<std::string, std::string> headers;
  std::vector<CatalogEntry> entries;         // in file order
  // msgctxt "spoken" entries: key -> the text read aloud instead of the displayed one (fully
  // vocalised Arabic, so espeak-ng does not drop vowels). Never displayed; not in `entries`.
  std::map<std::string, std::string, std::less<>> spoken_variants;
  const std::string* spoken_variant(std::string_view key) const {
    auto it = spoken_variants.find(key);
    return it == spoken_variants.end() ? nullptr : &it->second;
  }

  const CatalogEntry* find(std::string_view key) const;
  void reindex();
  std::string fallback() const;  // X-Balie-Fallback header, "" when none
  PluralRule plural_rule;        // from "Plural-Forms" (Dutch/English rule when absent)
  bool has_plural_header = false;

 private:
  std::unordered_map<std::string, size_t> index_;
};

// Largest catalog parse_po() accepts (the shipped ones are about 25 KB).
inline constexpr std::size_t kMaxCatalogBytes = 4u * 1024 * 1024;

// Parses .po text (at most kMaxCatalogBytes). Errors (syntax, duplicate key, bad escape, invalid UTF-8, plural forms) are
// returned with file:line. `source` names the file in messages.
Result<Catalog> parse_po(std::string_view content, std::string_view source);
Result<Catalog> load_po_file(const std::filesystem::path& path);

// Placeholder names used in a text, in order of appearance, with duplicates. Returns an error for a
// malformed brace ("{", "}", "{Name}", "{}"): placeholders are {lower_snake_case}.
Result<std::vector<std::string>> placeholders(std::string_view text);

struct ValidationIssue {
  std::string source;   // catalog file
  std::string key;
  std::string message;
  bool fatal = true;    // false: reported, does not fail the build (e.g. a key Dutch lacks)
};

// Checks the base catalog itself: key syntax, non-empty texts, placeholder syntax, spoken keys
// without placeholders.
std::vector<ValidationIssue> validate_base(const Catalog& base);
// Checks `catalog` against the base: every base key present (here or in `fallback`), non-empty,
// not fuzzy, same placeholder set as the Dutch text.
std::vector<ValidationIssue> validate_against_base(const Catalog& base, const Catalog& catalog,
                                                   const Catalog* fallback);
// Checks one entry against the base text (used at run time to drop broken entries). `nplurals` (when
// > 0) is the number of forms a plural entry must have in the entry's catalog.
Status check_entry(const CatalogEntry& base_entry, const CatalogEntry& entry, int nplurals = 0);
// The text of `e` for the number n (a plural entry's form by `rule`; else the text).
const std::string& select_form(const CatalogEntry& e, const PluralRule& rule, unsigned long n);

// Spoken variants (msgctxt "spoken"): a catalog may hold, next to the displayed text of a spoken
// key, the text that is read aloud (vocalised Arabic with harakat; the display stays unvocalised).
// The msgid is the catalog key, or "text:<series>" for a declaration/consent series in
// assets/texts (its title and body, separated by an empty line).
inline constexpr std::string_view kSpokenTextPrefix = "text:";
// `utf8` without Arabic vowel marks and Quranic annotation signs (U+064B-065F, U+0670, U+06D6-06ED).
std::string strip_harakat(std::string_view utf8);
// Every spoken variant belongs to a key marked spoken in nl.po (or is a "text:" series) and equals
// the displayed text once the vowel marks are removed.
std::vector<ValidationIssue> validate_spoken_variants(const Catalog& base, const Catalog& catalog);

// The .pot template (gettext) for translators, from the Dutch base catalog: every key as msgid
// (msgid_plural for plural entries) with empty msgstr, the Dutch text as an extracted comment.
std::string make_pot(const Catalog& base);

struct Arg {
  std::string_view name;
  std::string_view value;
  bool untrusted = true;  // isolate (isolate_value: LRI..PDI for LTR tokens, else FSI..PDI); default: every value
};
// Fills {name} placeholders. Unknown names in the text stay visible as "{name}" and are reported.
Result<std::string> fill_placeholders(std::string_view text, std::initializer_list<Arg> args);

}  // namespace balie::text
