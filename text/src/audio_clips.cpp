// WAV loading and the (language, key) -> clip lookup (text/, main thread).
#include "balie/text/audio_clips.h"

#include <cstring>
#include <fstream>
#include <sstream>

namespace balie::text {
namespace {
uint32_t le32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return u[0] | (u[1] << 8) | (u[2] << 16) | (static_cast<uint32_t>(u[3]) << 24);
}
uint16_t le16(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint16_t>(u[0] | (u[1] << 8));
}
}  // namespace

Result<platform::PcmClip> parse_wav(std::string_view b) {
  if (b.size() < 12 || b.substr(0, 4) != "RIFF" || b.substr(8, 4) != "WAVE")
    return Error{"not a RIFF/WAVE file"};
  size_t pos = 12;
  int channels = 0, bits = 0, rate = 0;
  bool have_fmt = false;
  while (pos + 8 <= b.size()) {
    std::string_view id = b.substr(pos, 4);
    size_t size = le32(b.data() + pos + 4);
    const size_t body = pos + 8;
    if (size > b.size() - body) size = b.size() - body;  // streamed files carry a bogus size
    if (id == "fmt ") {
      if (size < 16) return Error{"WAV fmt chunk too short"};
      const uint16_t format = le16(b.data() + body);
      channels = le16(b.data() + body + 2);
      rate = static_cast<int>(le32(b.data() + body + 4));
      bits = le16(b.data() + body + 14);
      if (format != 1) return Error{"WAV is not PCM (format " + std::to_string(format) + ")"};
      if (channels < 1 || channels > 2) return Error{"WAV must be mono or stereo"};
      if (bits != 16 && bits != 8) return Error{"WAV must be 8- or 16-bit"};
      if (rate < 4000 || rate > 192000) return Error{"WAV sample rate out of range"};
      have_fmt = true;
    } else if (id == "data") {
      if (!have_fmt) return Error{"WAV data before fmt chunk"};
      platform::PcmClip clip;
      clip.sample_rate = rate;
      const size_t frame = static_cast<size_t>(channels * bits / 8);
      const size_t frames = size / frame;
      clip.samples.resize(frames);
      for (size_t f = 0; f < frames; ++f) {
        int sum = 0;
        for (int c = 0; c < channels; ++c) {
          const char* p = b.data() + body + f * frame + static_cast<size_t>(c * bits / 8);
          sum += bits == 16 ? static_cast<int16_t>(le16(p))
                            : (static_cast<int>(static_cast<unsigned char>(*p)) - 128) * 256;
        }
        clip.samples[f] = static_cast<int16_t>(sum / channels);
      }
      return clip;
    }
    pos = body + size + (size & 1);
  }
  return Error{"WAV has no data chunk"};
}

Result<platform::PcmClip> load_wav(const std::filesystem::path& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot open " + path.string()};
  std::string bytes;
  bytes.resize(max_bytes + 1);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<size_t>(in.gcount()));
  if (bytes.size() > max_bytes) return Error{path.string() + " is larger than the clip limit"};
  auto clip = parse_wav(bytes);
  if (!clip) return Error{path.string() + ": " + clip.error().message};
  return clip;
}

AudioLibrary::AudioLibrary(std::filesystem::path recorded_dir, std::filesystem::path generated_dir,
                           size_t max_cached_clips)
    : recorded_(std::move(recorded_dir)), generated_(std::move(generated_dir)),
      max_cached_(max_cached_clips) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(generated_ / "manifest.tsv", ec))
    if (auto m = load_audio_manifest(generated_ / "manifest.tsv")) manifest_ = std::move(m).value();
}

Result<AudioLibrary::TextClip> AudioLibrary::text_clip(std::string_view language, std::string_view text_sha256) {
  for (const auto& e : manifest_) {
    if (e.language != language || e.text_sha256 != text_sha256 || e.key.rfind("text:", 0) != 0) continue;
    const auto p = (e.source == "recorded" ? recorded_ : generated_) / e.file;
    auto clip = load_wav(p);
    if (!clip) return Error{clip.error().message};
    return TextClip{std::make_shared<const platform::PcmClip>(std::move(clip).value()), e};
  }
  return Error{"no clip for this text in language '" + std::string(language) + "'"};
}

std::filesystem::path AudioLibrary::path(std::string_view language, std::string_view key) const {
  std::error_code ec;
  if (!manifest_.empty()) {
    // The build's manifest names the clip of the current text (recorded ones checked by hash).
    const AudioManifestEntry* e = find_manifest_entry(manifest_, language, key);
    if (!e) return {};
    auto p = (e->source == "recorded" ? recorded_ : generated_) / e->file;
    return std::filesystem::is_regular_file(p, ec) ? p : std::filesystem::path{};
  }
  const std::string file = std::string(key) + ".wav";
  auto rec = recorded_ / std::string(language) / file;
  if (std::filesystem::is_regular_file(rec, ec)) return rec;
  auto gen = generated_ / std::string(language) / file;
  if (std::filesystem::is_regular_file(gen, ec)) return gen;
  return {};
}

bool AudioLibrary::has_text_clip(std::string_view language, std::string_view text_sha256) const {
  for (const auto& e : manifest_)
    if (e.language == language && e.text_sha256 == text_sha256 && e.key.rfind("text:", 0) == 0) return true;
  return false;
}

AudioSource AudioLibrary::source(std::string_view language, std::string_view key) const {
  auto p = path(language, key);
  if (p.empty()) return AudioSource::kNone;
  if (const AudioManifestEntry* e = find_manifest_entry(manifest_, language, key))
    return e->source == "recorded" ? AudioSource::kRecorded : AudioSource::kGenerated;
  return p.parent_path().parent_path() == recorded_ ? AudioSource::kRecorded : AudioSource::kGenerated;
}

bool AudioLibrary::has_audio(std::string_view language) const {
  if (auto it = has_audio_.find(language); it != has_audio_.end()) return it->second;
  if (has_audio_.size() > 64) has_audio_.clear();
  bool& known = has_audio_[std::string(language)];
  known = false;
  for (const auto& dir : {recorded_, generated_}) {
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator(dir / std::string(language), ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
      if (it->path().extension() == ".wav") return known = true;
  }
  return false;
}

Result<std::shared_ptr<const platform::PcmClip>> AudioLibrary::clip(std::string_view language,
                                                                     std::string_view key) {
  const std::string id = std::string(language) + "/" + std::string(key);
  for (auto it = cache_.begin(); it != cache_.end(); ++it) {
    if (it->first == id) {
      cache_.splice(cache_.begin(), cache_, it);
      return cache_.front().second;
    }
  }
  auto p = path(language, key);
  if (p.empty()) return Error{"no audio for '" + std::string(key) + "' in language '" + std::string(language) + "'"};
  auto clip = load_wav(p);
  if (!clip) return Error{clip.error().message};
  auto shared = std::make_shared<const platform::PcmClip>(std::move(clip).value());
  cache_.emplace_front(id, shared);
  while (cache_.size() > max_cached_) cache_.pop_back();
  return shared;
}

}  // namespace balie::text
