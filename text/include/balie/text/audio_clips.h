// Spoken texts (text/, main thread): finds and loads the WAV for (language, key) into a
// platform::PcmClip. When the build's manifest (<generated>/audio/manifest.tsv) exists it alone
// decides: a recording listed there for the current text, else the espeak-ng clip generated at
// build time, else nothing (a recording of an older text never plays). Without a manifest (tools,
// old build trees) a recorded file wins over a generated one. Loaded clips are cached (bounded).
#pragma once
#include <filesystem>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "balie/platform/audio_output.h"
#include "balie/text/audio_manifest.h"
#include "balie/text/result.h"

namespace balie::text {

// Reads a RIFF/WAVE file with 16-bit (or 8-bit) PCM, mono or stereo (downmixed to mono).
Result<platform::PcmClip> load_wav(const std::filesystem::path& path, size_t max_bytes = 16u << 20);
Result<platform::PcmClip> parse_wav(std::string_view bytes);

enum class AudioSource { kNone, kRecorded, kGenerated };

class AudioLibrary {
 public:
  AudioLibrary(std::filesystem::path recorded_dir, std::filesystem::path generated_dir,
               size_t max_cached_clips = 16);
  // Which file would play for (language, key); kNone when there is none.
  AudioSource source(std::string_view language, std::string_view key) const;
  std::filesystem::path path(std::string_view language, std::string_view key) const;
  // Loads the clip; an error names the language and key (the caller shows the control anyway and
  // stays silent).
  Result<std::shared_ptr<const platform::PcmClip>> clip(std::string_view language, std::string_view key);
  // True when any clip exists for the language (recorded or generated). Looked up once per
  // language, then remembered (cheap enough to call every frame).
  bool has_audio(std::string_view language) const;
  // True when a clip plays for this catalog key in this language (the listen button's state).
  bool has_clip(std::string_view language, std::string_view key) const { return !path(language, key).empty(); }
  // True when a clip reads the text with this SHA-256 in this language (from the manifest).
  bool has_text_clip(std::string_view language, std::string_view text_sha256) const;
  void clear_cache() { cache_.clear(); }

  // The clip that reads exactly the text with SHA-256 `text_sha256` in `language` (a declaration or
  // consent series: TextVersion.sha256), from the build's manifest (<generated>/manifest.tsv). An
  // error when there is none: a changed or bundle-supplied text never plays an older clip.
  struct TextClip {
    std::shared_ptr<const platform::PcmClip> clip;
    AudioManifestEntry entry;
  };
  Result<TextClip> text_clip(std::string_view language, std::string_view text_sha256);
  const std::vector<AudioManifestEntry>& manifest() const { return manifest_; }

 private:
  std::filesystem::path recorded_, generated_;
  std::vector<AudioManifestEntry> manifest_;
  size_t max_cached_;
  std::list<std::pair<std::string, std::shared_ptr<const platform::PcmClip>>> cache_;
  mutable std::map<std::string, bool, std::less<>> has_audio_;  // one entry per language code
};

}  // namespace balie::text
