// Issue 18 audio: the build-time generator (balie_text_tool audio, real espeak-ng) makes clips for the
// declaration in the languages espeak-ng has a voice for and none for ti/so/ckb, says so in its
// coverage file, honours recorded clips through the manifest, and speaks vocalised Arabic variants.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "balie/record/codec.h"
#include "balie/text/audio_clips.h"
#include "balie/text/audio_manifest.h"
#include "balie/text/catalog.h"

namespace fs = std::filesystem;
using namespace balie::text;

namespace {
std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
fs::path temp_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("balie_audio_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}
int run_tool(const fs::path& recorded, const fs::path& out) {
  const std::string cmd = std::string(BALIE_TEXT_TOOL) + " audio " + BALIE_ASSETS_DIR "/i18n " BALIE_ASSETS_DIR "/texts " +
                          recorded.string() + " " + out.string() + " espeak-ng > " + (out / "log.txt").string() + " 2>&1";
  return std::system(cmd.c_str());
}
}  // namespace

TEST(SpokenAudio, DeclarationClipsPerVoiceAndCoverage) {
  const fs::path rec = temp_dir("rec"), out = temp_dir("out");
  ASSERT_EQ(run_tool(rec, out), 0) << slurp(out / "log.txt");
  auto manifest = load_audio_manifest(out / "manifest.tsv");
  ASSERT_TRUE(manifest) << manifest.error().message;
  const std::string cov = slurp(out / "coverage.tsv");
  for (const char* l : {"nl", "en", "ar", "fa", "tr", "ku"}) {
    const AudioManifestEntry* e = find_manifest_entry(*manifest, l, "text:pvt-balie-1");
    ASSERT_NE(e, nullptr) << l;
    EXPECT_EQ(e->source, "generated");
    auto clip = load_wav(out / e->file);
    ASSERT_TRUE(clip) << l;
    // A declaration of ~1000-1400 characters takes well over 30 s to read.
    EXPECT_GT(clip->samples.size() / static_cast<size_t>(clip->sample_rate), 30u) << l;
    EXPECT_NE(cov.find(std::string(l) + "\ttext:pvt-balie-1\tgenerated"), std::string::npos) << l;
  }
  for (const char* l : {"ti", "so", "ckb"}) {
    EXPECT_EQ(find_manifest_entry(*manifest, l, "text:pvt-balie-1"), nullptr) << l;
    EXPECT_FALSE(fs::exists(out / l)) << "no clip at all for " << l;
    EXPECT_NE(cov.find(std::string(l) + "\ttext:pvt-balie-1\tnone"), std::string::npos) << l;
    // Summary row: language, total, recorded 0, generated 0, none = total.
    std::istringstream in(cov);
    for (std::string line; std::getline(in, line);)
      if (line.rfind(std::string(l) + "\t", 0) == 0 && line.size() > std::strlen(l) + 1 &&
          std::isdigit(static_cast<unsigned char>(line[std::strlen(l) + 1]))) {
        int total = 0, r = -1, g = -1, n = -1;
        std::istringstream ls(line.substr(line.find('\t') + 1));
        ls >> total >> r >> g >> n;
        EXPECT_GT(total, 0);
        EXPECT_EQ(r, 0);
        EXPECT_EQ(g, 0);
        EXPECT_EQ(n, total);
      }
  }
  // The hash in the manifest is the body's SHA-256 (TextVersion.sha256), so the kiosk plays only the
  // clip of exactly the text shown.
  AudioLibrary lib(rec, out);
  const AudioManifestEntry* nl = find_manifest_entry(*manifest, "nl", "text:pvt-balie-1");
  auto c = lib.text_clip("nl", nl->text_sha256);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->entry.key, "text:pvt-balie-1");
  EXPECT_FALSE(lib.text_clip("nl", std::string(64, 'a'))) << "a changed text never plays an old clip";
  // Dari uses the Farsi voice.
  EXPECT_NE(find_manifest_entry(*manifest, "prs", "welcome.body"), nullptr);
  // The Arabic declaration and consent notices are read from their vocalised variants in ar.po
  // (msgctxt "spoken"); the Farsi text (no variant) from the displayed text.
  EXPECT_NE(slurp(out / "ar" / "text.consent-pid-balie-2.wav.txt").find("مُشَارَكَةُ مَلَفِّي"), std::string::npos);
  EXPECT_NE(slurp(out / "ar" / "text.pvt-balie-1.wav.txt").find("إِعْلَانُ المُشَارَكَةِ"), std::string::npos);
  EXPECT_NE(slurp(out / "ar" / "text.consent-health-balie-1.wav.txt").find("صِحَّتِي"), std::string::npos);
  EXPECT_EQ(slurp(out / "fa" / "text.pvt-balie-1.wav.txt").find("\xD9\x8E"), std::string::npos);
  fs::remove_all(rec);
  fs::remove_all(out);
}

TEST(SpokenAudio, RecordedClipWinsOnlyForItsText) {
  const fs::path rec = temp_dir("rec2"), out = temp_dir("out2");
  fs::create_directories(rec / "ti");
  // A "recording": any valid WAV (espeak-ng makes one for the test).
  ASSERT_EQ(std::system(("espeak-ng -v en -w " + (rec / "ti" / "welcome.body.wav").string() + " test").c_str()), 0);
  fs::create_directories(rec / "ar");
  ASSERT_EQ(std::system(("espeak-ng -v en -w " + (rec / "ar" / "welcome.body.wav").string() + " test").c_str()), 0);
  // The ar recording was made for another version of the text: not used, generated instead.
  std::ofstream(rec / "manifest.tsv") << "ar\twelcome.body\t" << std::string(64, '0') << "\trecorded\n";
  ASSERT_EQ(run_tool(rec, out), 0);
  auto m = load_audio_manifest(out / "manifest.tsv");
  ASSERT_TRUE(m);
  const AudioManifestEntry* ti = find_manifest_entry(*m, "ti", "welcome.body");
  ASSERT_NE(ti, nullptr);
  EXPECT_EQ(ti->source, "recorded");
  const AudioManifestEntry* ar = find_manifest_entry(*m, "ar", "welcome.body");
  ASSERT_NE(ar, nullptr);
  EXPECT_EQ(ar->source, "generated");
  EXPECT_NE(slurp(out / "log.txt").find("another version"), std::string::npos);
  fs::remove_all(rec);
  fs::remove_all(out);
}

TEST(SpokenAudio, VocalisedArabicIsSpokenNotShown) {
  auto ar = load_po_file(fs::path(BALIE_ASSETS_DIR) / "i18n" / "ar.po");
  auto nl = load_po_file(fs::path(BALIE_ASSETS_DIR) / "i18n" / "nl.po");
  ASSERT_TRUE(ar);
  ASSERT_TRUE(nl);
  const std::string* v = ar->spoken_variant("welcome.body");
  ASSERT_NE(v, nullptr);
  EXPECT_NE(*v, ar->find("welcome.body")->text) << "the spoken text carries harakat";
  EXPECT_EQ(strip_harakat(*v), ar->find("welcome.body")->text) << "the displayed text stays unvocalised";
  for (const auto& e : nl->entries)
    if (e.spoken) {
      EXPECT_NE(ar->spoken_variant(e.key), nullptr) << e.key;
    }
  EXPECT_TRUE(validate_spoken_variants(*nl, *ar).empty());
  // A variant whose letters differ from the display is reported and not used.
  auto bad = parse_po("msgid \"welcome.body\"\nmsgstr \"مرحبا\"\n\nmsgctxt \"spoken\"\nmsgid \"welcome.body\"\nmsgstr \"مَرْحَبًا يا\"\n", "x.po");
  ASSERT_TRUE(bad) << bad.error().message;
  EXPECT_EQ(validate_spoken_variants(*nl, *bad).size(), 1u);
  EXPECT_FALSE(parse_po("msgctxt \"other\"\nmsgid \"a.b\"\nmsgstr \"x\"\n", "y.po")) << "only the context 'spoken'";
}
