// balie_text_tool: build-time steps of the text engine (host tool, run by CMake custom commands).
//   check <i18n_dir>                         validate every catalog against nl.po; exit 1 on error
//                                            (a fuzzy entry is a warning: it shows Dutch)
//   pot <i18n_dir> <out.pot>                 write the translators' template from nl.po
//   audio <i18n_dir> <recorded_dir> <out_dir> [espeak-ng]
//        generate <out_dir>/<lang>/<key>.wav with espeak-ng for each key marked "#. spoken", only
//        when its text changed (incremental), and report which texts lack audio.
#include <spawn.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "balie/text/catalog.h"
#include "balie/text/languages.h"

extern char** environ;
namespace fs = std::filesystem;
using namespace balie::text;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int check(const fs::path& dir) {
  auto base = load_po_file(dir / "nl.po");
  if (!base) {
    std::cerr << "error: " << base.error().message << "\n";
    return 1;
  }
  int fatal = 0;
  auto report = [&](const ValidationIssue& i) {
    std::cerr << (i.fatal ? "error: " : "warning: ") << i.source << ": " << i.key << ": " << i.message << "\n";
    if (i.fatal) ++fatal;
  };
  for (const auto& i : validate_base(*base)) report(i);
  // Every language in the table needs a catalog; any extra .po must be a known language.
  std::vector<Catalog> cats;
  for (const auto& lang : languages()) {
    if (lang.code == kBaseLanguage) continue;
    auto cat = load_po_file(dir / (std::string(lang.code) + ".po"));
    if (!cat) {
      std::cerr << "error: " << cat.error().message << "\n";
      ++fatal;
      continue;
    }
    cats.push_back(std::move(cat).value());
  }
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".po" && !find_language(entry.path().stem().string())) {
      std::cerr << "error: " << entry.path().filename().string() << ": not a language in languages.cpp\n";
      ++fatal;
    }
  }
  for (const auto& cat : cats) {
    const Language* lang = find_language(fs::path(cat.source).stem().string());
    const Catalog* parent = nullptr;
    if (lang && !lang->fallback.empty())
      for (const auto& c : cats)
        if (fs::path(c.source).stem().string() == lang->fallback) parent = &c;
    for (const auto& i : validate_against_base(*base, cat, parent)) report(i);
  }
  if (fatal) {
    std::cerr << fatal << " catalog error(s); fix the .po files in " << dir.filename().string() << "\n";
    return 1;
  }
  std::cout << "catalogs ok: " << base->entries.size() << " keys, " << cats.size() + 1 << " languages\n";
  return 0;
}

int pot(const fs::path& dir, const fs::path& out) {
  auto base = load_po_file(dir / "nl.po");
  if (!base) {
    std::cerr << "error: " << base.error().message << "\n";
    return 1;
  }
  const std::string text = make_pot(*base);
  if (fs::exists(out) && read_file(out) == text) return 0;  // unchanged: keep the timestamp
  if (out.has_parent_path()) fs::create_directories(out.parent_path());
  const fs::path tmp = out.string() + ".tmp";
  std::ofstream(tmp, std::ios::binary) << text;
  fs::rename(tmp, out);
  std::cout << "template: " << out.filename().string() << " (" << base->entries.size() << " keys)\n";
  return 0;
}

int run_espeak(const std::string& espeak, const std::string& voice, const fs::path& text_file,
               const fs::path& wav) {
  std::vector<std::string> args = {espeak, "-v", voice, "-w", wav.string(), "-f", text_file.string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid;
  if (posix_spawnp(&pid, espeak.c_str(), nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int audio(const fs::path& dir, const fs::path& recorded, const fs::path& out, std::string espeak) {
  auto base = load_po_file(dir / "nl.po");
  if (!base) {
    std::cerr << "error: " << base.error().message << "\n";
    return 1;
  }
  std::vector<std::string> spoken;
  for (const auto& e : base->entries)
    if (e.spoken) spoken.push_back(e.key);
  std::ostringstream report;
  int generated = 0, up_to_date = 0, lacking = 0;
  for (const auto& lang : languages()) {
    auto cat = load_po_file(dir / (std::string(lang.code) + ".po"));
    std::optional<Catalog> parent;
    if (!lang.fallback.empty())
      if (auto p = load_po_file(dir / (std::string(lang.fallback) + ".po")); p) parent = std::move(p).value();
    std::vector<std::string> missing;
    for (const auto& key : spoken) {
      if (fs::exists(recorded / std::string(lang.code) / (key + ".wav"))) continue;
      const CatalogEntry* e = cat ? cat->find(key) : nullptr;
      if (e && e->fuzzy) e = nullptr;  // not reviewed: shows (and is spoken in) the fallback
      if (!e && parent) e = parent->find(key);
      if (e && e->fuzzy) e = nullptr;
      if (lang.espeak_voice.empty() || espeak.empty() || !e) {
        missing.push_back(key);
        continue;
      }
      const fs::path lang_dir = out / std::string(lang.code);
      fs::create_directories(lang_dir);
      const fs::path wav = lang_dir / (key + ".wav");
      const fs::path txt = lang_dir / (key + ".txt");
      const std::string stamp = std::string(lang.espeak_voice) + "\n" + e->text;
      if (fs::exists(wav) && fs::exists(txt) && read_file(txt) == stamp) {
        ++up_to_date;
        continue;
      }
      const fs::path input = lang_dir / (key + ".input");
      std::ofstream(input, std::ios::binary) << e->text;
      const fs::path tmp = lang_dir / (key + ".wav.tmp");
      std::error_code ec;
      if (run_espeak(espeak, std::string(lang.espeak_voice), input, tmp) != 0 || !fs::exists(tmp, ec)) {
        std::cerr << "warning: espeak-ng failed for " << lang.code << "/" << key << "\n";
        missing.push_back(key);
        continue;
      }
      fs::rename(tmp, wav, ec);
      fs::remove(input, ec);
      if (ec) {
        std::cerr << "warning: cannot write " << wav.string() << ": " << ec.message() << "\n";
        missing.push_back(key);
        continue;
      }
      std::ofstream(txt, std::ios::binary) << stamp;
      ++generated;
    }
    if (!missing.empty()) {
      lacking += static_cast<int>(missing.size());
      report << lang.code << " (" << lang.english_name << "): no audio for";
      for (const auto& k : missing) report << " " << k;
      report << "\n";
    }
  }
  fs::create_directories(out);
  std::ofstream(out / "missing_audio.txt") << report.str();
  std::cout << "audio: " << generated << " generated, " << up_to_date << " up to date, " << lacking
            << " spoken text(s) lack audio (record them in assets/audio/<lang>/<key>.wav)\n"
            << report.str();
  return 0;
}

}  // namespace

int main(int argc, char** argv) try {
  std::vector<std::string> a(argv + 1, argv + argc);
  if (a.size() == 2 && a[0] == "check") return check(a[1]);
  if (a.size() == 3 && a[0] == "pot") return pot(a[1], a[2]);
  if ((a.size() == 4 || a.size() == 5) && a[0] == "audio")
    return audio(a[1], a[2], a[3], a.size() == 5 ? a[4] : "");
  std::cerr << "usage: balie_text_tool check <i18n_dir>\n"
               "       balie_text_tool pot <i18n_dir> <out.pot>\n"
               "       balie_text_tool audio <i18n_dir> <recorded_dir> <out_dir> [espeak-ng]\n";
  return 2;
}
 catch (const std::exception& e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
