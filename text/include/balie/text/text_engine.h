// TextEngine: the one object screens use for text (text/, main thread). Owns the fonts, the
// catalogs of every language, the session language, the paragraph cache and the audio lookup.
// Construction never fails: problems (missing font, missing or broken catalog) are collected in
// startup_errors() for the operator and the engine falls back to Dutch. See text/README.md.
#pragma once
#include <filesystem>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "balie/text/audio_clips.h"
#include "balie/text/catalog.h"
#include "balie/text/date_format.h"
#include "balie/text/fonts.h"
#include "balie/text/languages.h"
#include "balie/text/layout.h"
#include "balie/text/paragraph_cache.h"
#include "balie/text/result.h"

namespace balie::text {

struct TextEngineConfig {
  std::filesystem::path i18n_dir;        // <lang>.po files (assets/i18n)
  std::filesystem::path font_list;       // fonts.txt (assets/fonts.txt)
  std::filesystem::path recorded_audio;  // assets/audio
  std::filesystem::path generated_audio; // <build>/generated/audio
  ParagraphCacheLimits cache;
  size_t max_font_faces = 12;
  size_t max_cached_clips = 16;
  size_t max_logged_errors = 64;         // runtime errors kept for the operator log
};

// Conventional layout: assets_dir/{i18n,fonts.txt,audio}, generated_dir/audio.
TextEngineConfig default_config(const std::filesystem::path& assets_dir,
                                const std::filesystem::path& generated_dir);

class TextEngine {
 public:
  explicit TextEngine(const TextEngineConfig& config);
  ~TextEngine();
  TextEngine(const TextEngine&) = delete;
  TextEngine& operator=(const TextEngine&) = delete;

  // Problems found at start-up, one sentence each, for the operator (log + staff screen).
  const std::vector<std::string>& startup_errors() const { return startup_errors_; }
  // Problems found while running (missing key, missing placeholder value); bounded.
  const std::vector<std::string>& runtime_errors() const { return runtime_errors_; }

  // --- language -------------------------------------------------------------------------------
  // Switches the session language. Unknown code or no usable catalog: error, language unchanged.
  Status set_language(std::string_view code);
  void reset_language();  // back to Dutch (session end, staff screens)
  const Language& language() const { return *language_; }
  bool has_catalog(std::string_view code) const { return catalogs_.count(std::string(code)) > 0; }

  // --- strings --------------------------------------------------------------------------------
  // Text for `key` in the session language with {placeholders} filled; values are bidi-isolated
  // unless marked trusted. Falls back to the prs->fa chain, then Dutch, then the key itself
  // (never blank). Problems go to runtime_errors().
  std::string tr(std::string_view key, std::initializer_list<Arg> args = {});
  std::string tr_in(const Language& lang, std::string_view key, std::initializer_list<Arg> args = {});
  const Catalog* catalog(std::string_view code) const;
  std::vector<std::string> spoken_keys() const;  // keys marked "#. spoken" in nl.po

  // --- layout ---------------------------------------------------------------------------------
  // Cached layout in the session language (or `lang`). Cheap on a hit: one hash lookup.
  std::shared_ptr<const ParagraphLayout> layout(std::string_view utf8, const TextStyle& style);
  std::shared_ptr<const ParagraphLayout> layout(std::string_view utf8, const TextStyle& style,
                                                const Language& lang);
  Result<std::string> format_date(Date date, Digits digits = Digits::kLatin) const;

  // --- audio ----------------------------------------------------------------------------------
  // Clip for a spoken key in the session language (recorded file first, then espeak-ng).
  Result<std::shared_ptr<const platform::PcmClip>> spoken_clip(std::string_view key);
  bool has_audio(const Language& lang) const { return audio_.has_audio(lang.code); }
  AudioLibrary& audio() { return audio_; }

  // --- session end ----------------------------------------------------------------------------
  // Drops and overwrites every cached string and shaped run, and the layout scratch buffers.
  void clear_session_caches();
  // clear_session_caches() + reset_language().
  void end_session();

  FontSet& fonts() { return *fonts_; }
  LayoutEngine& layout_engine() { return *layout_engine_; }
  ParagraphCache& paragraph_cache() { return *cache_; }

 private:
  void load_catalogs(const std::filesystem::path& dir);
  void log_runtime(std::string message);
  // The entry for `key` in `lang` (its fallbacks, then Dutch); *from = the catalog it came from.
  const CatalogEntry* lookup(const Language& lang, std::string_view key, const Catalog** from = nullptr) const;

  TextEngineConfig config_;
  std::vector<std::string> startup_errors_, runtime_errors_;
  std::unique_ptr<FontSet> fonts_;
  std::unique_ptr<LayoutEngine> layout_engine_;
  std::unique_ptr<ParagraphCache> cache_;
  std::map<std::string, Catalog, std::less<>> catalogs_;
  const Language* language_;
  AudioLibrary audio_;
};

}  // namespace balie::text
