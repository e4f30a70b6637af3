// balie_text_tool: build-time steps of the text engine (host tool, run by CMake custom commands).
//   check <i18n_dir>                         validate every catalog against nl.po; exit 1 on error
//                                            (a fuzzy entry is a warning: it shows Dutch)
//   pot <i18n_dir> <out.pot>                 write the translators' template from nl.po
//   audio <i18n_dir> <texts_dir> <recorded_dir> <out_dir> [espeak-ng]
//        for each key marked "#. spoken" and each declaration/consent series in <texts_dir>, in every
//        language: a recording (<recorded_dir>/<lang>/<file>, checked against manifest.tsv) wins, else
//        espeak-ng generates <out_dir>/<lang>/<file>.wav (only when its text changed; Arabic from the
//        vocalised msgctxt "spoken" variant). Writes <out_dir>/manifest.tsv (what the kiosk plays),
//        coverage.tsv (recorded/generated/none per language) and missing_audio.txt.
#include <spawn.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>
#include <algorithm>
#include <map>
#include <optional>

#include "balie/record/codec.h"
#include "balie/record/json_limits.h"
#include "balie/text/audio_manifest.h"
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
    for (const auto& i : validate_spoken_variants(*base, cat)) report(i);
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

// One text to be spoken: a catalog key marked "#. spoken", or a declaration/consent series.
struct SpokenItem {
  std::string key;          // "welcome.body" / "text:pvt-balie-1"
  std::string shown_sha;    // SHA-256 of the displayed text (series: the body = TextVersion.sha256)
  std::string speak;        // what espeak-ng reads (the vocalised variant when the catalog has one)
};

// Declaration and consent series (assets/texts/*.json): language -> items.
std::map<std::string, std::vector<SpokenItem>> series_items(const fs::path& texts_dir,
                                                            std::vector<std::string>* series_keys) {
  std::map<std::string, std::vector<SpokenItem>> out;
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(texts_dir, ec))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    auto j = balie::record::parse_json_limited(read_file(f), balie::record::JsonLimits{256 * 1024}, f.filename().string());
    if (!j || !j->is_object() || !j->contains("series") || !(*j)["series"].is_string() || !j->contains("texts") ||
        !(*j)["texts"].is_array()) {
      std::cerr << "warning: " << f.filename().string() << ": not a text series, no audio\n";
      continue;
    }
    const std::string key = std::string(kSpokenTextPrefix) + (*j)["series"].get<std::string>();
    series_keys->push_back(key);
    for (const auto& t : (*j)["texts"]) {
      if (!t.is_object() || !t.contains("language") || !t["language"].is_string() || !t.contains("body") ||
          !t["body"].is_string())
        continue;
      const std::string title = t.contains("title") && t["title"].is_string() ? t["title"].get<std::string>() : "";
      const std::string body = t["body"].get<std::string>();
      out[t["language"].get<std::string>()].push_back({key, balie::record::sha256_hex(body), title + "\n\n" + body});
    }
  }
  return out;
}

int audio(const fs::path& dir, const fs::path& texts_dir, const fs::path& recorded, const fs::path& out,
          std::string espeak) {
  auto base = load_po_file(dir / "nl.po");
  if (!base) {
    std::cerr << "error: " << base.error().message << "\n";
    return 1;
  }
  std::vector<std::string> spoken;
  for (const auto& e : base->entries)
    if (e.spoken) spoken.push_back(e.key);
  std::vector<std::string> series_keys;
  const auto series = series_items(texts_dir, &series_keys);

  std::vector<AudioManifestEntry> recorded_manifest;
  if (fs::exists(recorded / "manifest.tsv")) {
    auto m = load_audio_manifest(recorded / "manifest.tsv");
    if (!m) {
      std::cerr << "error: " << m.error().message << "\n";
      return 1;
    }
    recorded_manifest = std::move(m).value();
  }

  std::vector<AudioManifestEntry> manifest;
  std::ostringstream report, coverage;
  coverage << "# Spoken-text audio coverage per language (balie_text_tool audio)\n"
           << "# language\tspoken_texts\trecorded\tgenerated\tnone\n";
  std::ostringstream detail;
  int generated = 0, up_to_date = 0, lacking = 0;
  for (const auto& lang : languages()) {
    const std::string code(lang.code);
    auto cat = load_po_file(dir / (code + ".po"));
    std::optional<Catalog> parent;
    if (!lang.fallback.empty())
      if (auto p = load_po_file(dir / (std::string(lang.fallback) + ".po")); p) parent = std::move(p).value();
    // The items of this language: catalog keys (own text or the fallback's), then the series texts
    // written in it (a series the language lacks has nothing to speak: the kiosk blocks on it).
    std::vector<SpokenItem> items;
    std::vector<std::string> no_text;
    for (const auto& key : spoken) {
      const CatalogEntry* e = cat ? cat->find(key) : nullptr;
      const Catalog* from = cat ? &*cat : nullptr;
      if (e && e->fuzzy) e = nullptr;  // not reviewed: shows (and is spoken in) the fallback
      if (!e && parent) {
        e = parent->find(key);
        from = &*parent;
      }
      if (e && e->fuzzy) e = nullptr;
      if (!e) {
        no_text.push_back(key);
        continue;
      }
      const std::string* v = from ? from->spoken_variant(key) : nullptr;
      if (v && strip_harakat(*v) != strip_harakat(e->text)) v = nullptr;  // stale variant: check warned
      items.push_back({key, balie::record::sha256_hex(e->text), v ? *v : e->text});
    }
    if (auto it = series.find(code); it != series.end())
      for (const auto& item : it->second) {
        SpokenItem x = item;
        if (cat)
          if (const std::string* v = cat->spoken_variant(x.key)) {
            if (strip_harakat(*v) != strip_harakat(x.speak))
              std::cerr << "warning: " << code << ".po: spoken variant of " << x.key
                        << " differs from the text in assets/texts beyond its vowel marks: not used\n";
            else
              x.speak = *v;
          }
        items.push_back(std::move(x));
      }
    int n_rec = 0, n_gen = 0, n_none = 0;
    std::vector<std::string> missing = no_text;
    n_none += static_cast<int>(no_text.size());
    for (const auto& item : items) {
      const std::string file = audio_file_name(item.key);
      // 1. A recording of exactly this text wins.
      if (fs::exists(recorded / code / file)) {
        const AudioManifestEntry* m = find_manifest_entry(recorded_manifest, code, item.key);
        if (m && m->text_sha256 != item.shown_sha) {
          std::cerr << "warning: " << code << "/" << file
                    << " was recorded for another version of the text (manifest hash differs): not used\n";
        } else {
          if (!m)
            std::cerr << "warning: " << code << "/" << file
                      << " has no line in assets/audio/manifest.tsv: taken as a recording of the current text\n";
          manifest.push_back({code, item.key, item.shown_sha, "recorded", code + "/" + file});
          ++n_rec;
          detail << code << "\t" << item.key << "\trecorded\n";
          continue;
        }
      }
      // 2. espeak-ng, when it has a voice.
      if (lang.espeak_voice.empty() || espeak.empty()) {
        missing.push_back(item.key);
        ++n_none;
        detail << code << "\t" << item.key << "\tnone\n";
        continue;
      }
      const fs::path lang_dir = out / code;
      fs::create_directories(lang_dir);
      const fs::path wav = lang_dir / file;
      const fs::path txt = lang_dir / (file + ".txt");
      const std::string stamp = std::string(lang.espeak_voice) + "\n" + item.speak;
      bool ok = true;
      if (fs::exists(wav) && fs::exists(txt) && read_file(txt) == stamp) {
        ++up_to_date;
      } else {
        const fs::path input = lang_dir / (file + ".input");
        std::ofstream(input, std::ios::binary) << item.speak;
        const fs::path tmp = lang_dir / (file + ".tmp");
        std::error_code ec;
        if (run_espeak(espeak, std::string(lang.espeak_voice), input, tmp) != 0 || !fs::exists(tmp, ec)) {
          std::cerr << "warning: espeak-ng failed for " << code << "/" << item.key << "\n";
          ok = false;
        } else {
          fs::rename(tmp, wav, ec);
          fs::remove(input, ec);
          if (ec) {
            std::cerr << "warning: cannot write " << wav.string() << ": " << ec.message() << "\n";
            ok = false;
          } else {
            std::ofstream(txt, std::ios::binary) << stamp;
            ++generated;
          }
        }
      }
      if (!ok) {
        missing.push_back(item.key);
        ++n_none;
        detail << code << "\t" << item.key << "\tnone\n";
        continue;
      }
      manifest.push_back({code, item.key, item.shown_sha, "generated", code + "/" + file});
      ++n_gen;
      detail << code << "\t" << item.key << "\tgenerated\n";
    }
    coverage << code << "\t" << (n_rec + n_gen + n_none) << "\t" << n_rec << "\t" << n_gen << "\t" << n_none << "\n";
    if (!missing.empty()) {
      lacking += static_cast<int>(missing.size());
      report << code << " (" << lang.english_name << "): no audio for";
      for (const auto& k : missing) report << " " << k;
      report << "\n";
    }
  }
  fs::create_directories(out);
  std::ofstream(out / "missing_audio.txt") << report.str();
  std::ofstream(out / "coverage.tsv") << coverage.str() << "# per text: language\tkey\tsource\n" << detail.str();
  // The kiosk reads this manifest (paths relative to the recorded or the generated folder by source).
  const std::string m = format_audio_manifest(manifest);
  if (!fs::exists(out / "manifest.tsv") || read_file(out / "manifest.tsv") != m)
    std::ofstream(out / "manifest.tsv", std::ios::binary) << m;
  std::cout << "audio: " << generated << " generated, " << up_to_date << " up to date, " << lacking
            << " spoken text(s) lack audio (record them in assets/audio/<lang>/<key>.wav)\n"
            << coverage.str() << report.str();
  return 0;
}

}  // namespace

int main(int argc, char** argv) try {
  std::vector<std::string> a(argv + 1, argv + argc);
  if (a.size() == 2 && a[0] == "check") return check(a[1]);
  if (a.size() == 3 && a[0] == "pot") return pot(a[1], a[2]);
  if ((a.size() == 5 || a.size() == 6) && a[0] == "audio")
    return audio(a[1], a[2], a[3], a[4], a.size() == 6 ? a[5] : "");
  std::cerr << "usage: balie_text_tool check <i18n_dir>\n"
               "       balie_text_tool pot <i18n_dir> <out.pot>\n"
               "       balie_text_tool audio <i18n_dir> <texts_dir> <recorded_dir> <out_dir> [espeak-ng]\n";
  return 2;
}
 catch (const std::exception& e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
