// The audio manifest: parsing and writing the TSV that maps (language, key, text hash) to a clip.
#include "balie/text/audio_manifest.h"

#include <fstream>
#include <sstream>

namespace balie::text {
namespace {
bool is_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}
}  // namespace

std::string audio_file_name(std::string_view key) {
  std::string f(key);
  for (char& c : f)
    if (c == ':' || c == '/' || c == '\\') c = '.';
  return f + ".wav";
}

Result<std::vector<AudioManifestEntry>> parse_audio_manifest(std::string_view tsv, std::string_view source) {
  std::vector<AudioManifestEntry> out;
  std::istringstream in{std::string(tsv)};
  std::string line;
  int no = 0;
  while (std::getline(in, line)) {
    ++no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    std::istringstream ls(line);
    for (std::string x; std::getline(ls, x, '\t');) f.push_back(x);
    const std::string where = std::string(source) + ":" + std::to_string(no) + ": ";
    if (f.size() < 4 || f.size() > 5)
      return Error{where + "expected language<TAB>key<TAB>text_sha256<TAB>source[<TAB>file]"};
    AudioManifestEntry e{f[0], f[1], f[2], f[3], f.size() == 5 ? f[4] : ""};
    if (e.language.empty() || e.key.empty()) return Error{where + "empty language or key"};
    if (!is_hex64(e.text_sha256)) return Error{where + "text_sha256 must be 64 lower-case hex digits"};
    if (e.source != "recorded" && e.source != "generated")
      return Error{where + "source must be 'recorded' or 'generated'"};
    if (e.file.empty()) e.file = e.language + "/" + audio_file_name(e.key);
    if (e.file.find("..") != std::string::npos || e.file.front() == '/')
      return Error{where + "file must be a path inside the audio folder"};
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<AudioManifestEntry>> load_audio_manifest(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot open " + path.string()};
  std::ostringstream ss;
  ss << in.rdbuf();
  if (ss.str().size() > (4u << 20)) return Error{path.string() + " is larger than 4 MiB"};
  return parse_audio_manifest(ss.str(), path.filename().string());
}

std::string format_audio_manifest(const std::vector<AudioManifestEntry>& entries) {
  std::string s = "# " + std::string(kAudioManifestFormat) + "\n# language\tkey\ttext_sha256\tsource\tfile\n";
  for (const auto& e : entries)
    s += e.language + "\t" + e.key + "\t" + e.text_sha256 + "\t" + e.source + "\t" + e.file + "\n";
  return s;
}

const AudioManifestEntry* find_manifest_entry(const std::vector<AudioManifestEntry>& entries,
                                              std::string_view language, std::string_view key) {
  for (const auto& e : entries)
    if (e.language == language && e.key == key) return &e;
  return nullptr;
}

}  // namespace balie::text
