// TextEngine behaviour: language switching and reset, fallback to Dutch with a clear error for a
// missing catalog, unknown language, broken entry and missing font; paragraph cache limits and
// session wipe; dates per language; audio clip lookup (generated espeak-ng, recorded override).
#include <gtest/gtest.h>

#include <fstream>

#include "balie/text/text_engine.h"
#include "balie/text/utf8.h"
#include "test_support.h"

namespace balie::text {
namespace {

bool any_contains(const std::vector<std::string>& v, const std::string& frag) {
  for (const auto& s : v)
    if (s.find(frag) != std::string::npos) return true;
  return false;
}

TEST(Engine, RepositoryAssetsStartWithoutErrors) {
  TextEngine engine(testing::repo_config());
  for (const auto& e : engine.startup_errors()) ADD_FAILURE() << e;
  EXPECT_EQ(engine.language().code, "nl");
  EXPECT_EQ(engine.tr("welcome.title"), "Welkom");
}

TEST(Engine, SwitchesLanguageAndResetsToDutch) {
  TextEngine engine(testing::repo_config());
  ASSERT_TRUE(engine.set_language("ar"));
  EXPECT_TRUE(engine.language().is_rtl);
  EXPECT_EQ(engine.tr("common.yes"), "نعم");
  ASSERT_TRUE(engine.set_language("prs"));
  EXPECT_EQ(engine.tr("common.yes"), "بلی");            // Dari wording
  EXPECT_EQ(engine.tr("common.no"), "نه");              // from fa.po via X-Balie-Fallback
  engine.end_session();
  EXPECT_EQ(engine.language().code, "nl");
  EXPECT_EQ(engine.tr("common.yes"), "Ja");
}

TEST(Engine, UnknownLanguageIsAnErrorAndKeepsTheLanguage) {
  TextEngine engine(testing::repo_config());
  auto st = engine.set_language("xx");
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("unknown language code 'xx'"), std::string::npos);
  EXPECT_EQ(engine.language().code, "nl");
}

TEST(Engine, MissingKeyShowsTheKeyNeverBlank) {
  TextEngine engine(testing::repo_config());
  EXPECT_EQ(engine.tr("dossier.not_there"), "dossier.not_there");
  EXPECT_TRUE(any_contains(engine.runtime_errors(), "dossier.not_there"));
}

class BrokenAssets : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::filesystem::path i18n = std::filesystem::path(BALIE_ASSETS_DIR) / "i18n";
    for (const auto& entry : std::filesystem::directory_iterator(i18n))
      std::filesystem::copy(entry.path(), dir.path() / entry.path().filename());
    config = testing::repo_config();
    config.i18n_dir = dir.path();
  }
  testing::TempDir dir;
  TextEngineConfig config;
};

TEST_F(BrokenAssets, MissingCatalogFallsBackToDutchWithAClearError) {
  std::filesystem::remove(dir.path() / "ti.po");
  TextEngine engine(config);
  EXPECT_TRUE(any_contains(engine.startup_errors(), "catalog for Tigrinya unusable"));
  auto st = engine.set_language("ti");
  EXPECT_FALSE(st);
  EXPECT_EQ(engine.language().code, "nl");
  EXPECT_EQ(engine.tr_in(*find_language("ti"), "welcome.title"), "Welkom");
}

TEST_F(BrokenAssets, BrokenEntryFallsBackToDutchForThatKeyOnly) {
  std::string ar = testing::read_text(dir.path() / "ar.po");
  const auto pos = ar.find("{minutes}");
  ar.replace(pos, 9, "{دقائق}");
  // And an empty text for another key.
  const auto yes = ar.find("msgstr \"نعم\"");
  ar.replace(yes, std::string("msgstr \"نعم\"").size(), "msgstr \"\"");
  dir.write("ar.po", ar);
  TextEngine engine(config);
  EXPECT_TRUE(any_contains(engine.startup_errors(), "ar.po: staff_unlock.locked"));
  EXPECT_TRUE(any_contains(engine.startup_errors(), "ar.po: common.yes: empty msgstr"));
  ASSERT_TRUE(engine.set_language("ar"));
  EXPECT_EQ(engine.tr("staff_unlock.locked", {{"minutes", "5", false}}),
            "Te vaak een verkeerde pincode. Probeer het over 5 minuten opnieuw.");
  EXPECT_EQ(engine.tr("common.yes"), "Ja");
  EXPECT_EQ(engine.tr("common.no"), "لا");
}

TEST_F(BrokenAssets, UnparseableCatalogIsReportedAndDutchIsUsed) {
  dir.write("tr.po", "msgid \"common.yes\"\nmsgstr \"Evet\n");
  TextEngine engine(config);
  EXPECT_TRUE(any_contains(engine.startup_errors(), "tr.po:2"));
  EXPECT_FALSE(engine.set_language("tr"));
}

TEST_F(BrokenAssets, MissingFontIsReportedAndTextStillRenders) {
  dir.write("fonts.txt",
            "Balie Missing Arabic Font | /nonexistent/BalieMissing.ttf\n"
            "Noto Sans | /nonexistent/NotoSans.ttf\n");
  config.font_list = dir.path() / "fonts.txt";
  TextEngine engine(config);
  EXPECT_TRUE(any_contains(engine.startup_errors(), "font 'Balie Missing Arabic Font' not found"));
  // Arabic and Ethiopic come from fontconfig's coverage fallback.
  for (const char* code : {"ar", "ti", "ckb"}) {
    const Language& lang = *find_language(code);
    const auto p = engine.layout(engine.tr_in(lang, "welcome.body"), TextStyle{}, lang);
    EXPECT_EQ(p->missing_glyphs, 0) << code;
    for (const auto& g : p->glyphs) ASSERT_NE(g.glyph_id, 0u) << code;
  }
}

TEST_F(BrokenAssets, MissingFontListUsesBuiltInList) {
  config.font_list = dir.path() / "no_fonts.txt";
  TextEngine engine(config);
  EXPECT_TRUE(any_contains(engine.startup_errors(), "cannot open font list"));
  EXPECT_GE(engine.fonts().size(), 3u);
}

TEST(Engine, ParagraphCacheHitsRespectLimitsAndWipe) {
  auto config = testing::repo_config();
  config.cache.max_paragraphs = 3;
  config.cache.max_glyphs = 100000;
  TextEngine engine(config);
  TextStyle style;
  auto a = engine.layout("Eerste zin", style);
  auto a2 = engine.layout("Eerste zin", style);
  EXPECT_EQ(a.get(), a2.get());
  EXPECT_EQ(engine.paragraph_cache().hits(), 1u);
  for (int i = 0; i < 10; ++i) engine.layout("Zin " + std::to_string(i), style);
  EXPECT_EQ(engine.paragraph_cache().size(), 3u);
  EXPECT_FALSE(a->glyphs.empty()) << "an evicted layout stays intact while held";
  auto held = engine.layout("Mohammed Al-Hassan, V-nummer 123", style);
  ASSERT_FALSE(held->glyphs.empty());
  engine.clear_session_caches();
  EXPECT_EQ(engine.paragraph_cache().size(), 0u);
  EXPECT_TRUE(held->glyphs.empty());
  EXPECT_TRUE(held->lines.empty());
  EXPECT_TRUE(a->glyphs.empty()) << "retired layouts are wiped too";
  auto again = engine.layout("Mohammed Al-Hassan, V-nummer 123", style);
  EXPECT_FALSE(again->glyphs.empty());
}

TEST(Engine, ParagraphCacheGlyphLimit) {
  auto config = testing::repo_config();
  config.cache.max_glyphs = 50;
  TextEngine engine(config);
  for (int i = 0; i < 5; ++i) engine.layout("twintig tekens lang " + std::to_string(i), TextStyle{});
  EXPECT_LE(engine.paragraph_cache().glyphs(), 50u);
}

TEST(Dates, DayMonthNameYearPerLanguage) {
  const Date d{2025, 3, 7};
  EXPECT_EQ(format_date(*find_language("nl"), d).value(), "7 maart 2025");
  EXPECT_EQ(format_date(*find_language("en"), d).value(), "7 March 2025");
  EXPECT_EQ(format_date(*find_language("tr"), d).value(), "7 Mart 2025");
  EXPECT_EQ(format_date(*find_language("ar"), d).value(), "7 آذار 2025");
  EXPECT_EQ(format_date(*find_language("fa"), d).value(), "7 مارس 2025");
  EXPECT_EQ(format_date(*find_language("fa"), d, Digits::kNative).value(), "۷ مارس ۲۰۲۵");
  EXPECT_EQ(format_date(*find_language("prs"), d, Digits::kNative).value(), "۷ مارچ ۲۰۲۵");
  EXPECT_EQ(format_date(*find_language("nl"), d, Digits::kNative).value(), "7 maart 2025");
  EXPECT_EQ(format_date(*find_language("ti"), d).value(), "7 መጋቢት 2025");
  EXPECT_FALSE(format_date(*find_language("nl"), {2025, 2, 29}));
  EXPECT_TRUE(format_date(*find_language("nl"), {2024, 2, 29}));
  EXPECT_FALSE(format_date(*find_language("nl"), {2025, 13, 1}));
}

TEST(Dates, NumbersStayLeftToRightInsideRtlText) {
  TextEngine engine(testing::repo_config());
  const Language& ar = *find_language("ar");
  const std::string date = format_date(ar, {2025, 3, 17}).value();
  const std::u32string cps = decode_utf8(date);
  const auto p = engine.layout_engine().layout(date, TextStyle{}, ar);
  float x1 = -1, x7 = -1, x2 = -1;
  for (const auto& g : p.glyphs) {
    if (g.cluster == 0) x1 = g.x;
    if (g.cluster == 1) x7 = g.x;
    if (g.cluster == cps.find(U'2')) x2 = g.x;
  }
  EXPECT_LT(x1, x7);   // "17" reads 1 then 7, left to right
  EXPECT_GT(x1, x2);   // the day is at the right (start) of the RTL line, the year at the left
}

TEST(Audio, GeneratedClipsForEspeakLanguagesAndNoneForTigrinya) {
  TextEngine engine(testing::repo_config());
  for (const char* code : {"nl", "en", "ar", "fa", "tr", "ku"}) {
    ASSERT_TRUE(engine.set_language(code));
    auto clip = engine.spoken_clip("welcome.body");
    ASSERT_TRUE(clip) << code << ": " << clip.error().message;
    EXPECT_GT((*clip)->samples.size(), 5000u) << code;
    EXPECT_EQ((*clip)->sample_rate, 22050);
    EXPECT_TRUE(engine.has_audio(engine.language()));
  }
  ASSERT_TRUE(engine.set_language("ti"));
  auto none = engine.spoken_clip("welcome.body");
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("'ti'"), std::string::npos);
  EXPECT_FALSE(engine.has_audio(*find_language("ti")));
  EXPECT_FALSE(engine.spoken_clip("common.back")) << "not a spoken key: no clip";
}

std::string tiny_wav(int rate, int channels, const std::vector<int16_t>& samples) {
  std::string b = "RIFF____WAVEfmt ";
  auto u32 = [&](uint32_t v) { for (int i = 0; i < 4; ++i) b.push_back(static_cast<char>(v >> (8 * i))); };
  auto u16 = [&](uint16_t v) { b.push_back(static_cast<char>(v)); b.push_back(static_cast<char>(v >> 8)); };
  u32(16); u16(1); u16(static_cast<uint16_t>(channels)); u32(static_cast<uint32_t>(rate));
  u32(static_cast<uint32_t>(rate * channels * 2)); u16(static_cast<uint16_t>(channels * 2)); u16(16);
  b += "data";
  u32(static_cast<uint32_t>(samples.size() * 2));
  for (int16_t s : samples) u16(static_cast<uint16_t>(s));
  return b;
}

TEST(Audio, RecordedFileWinsAndStereoIsDownmixed) {
  testing::TempDir rec;
  rec.write("ti/welcome.body.wav", tiny_wav(16000, 2, {100, 300, -100, -300}));
  // Issue 18: the build's manifest decides; a recording it does not list (dropped in after the
  // build, or made for an older text) never plays.
  AudioLibrary built(rec.path(), std::filesystem::path(BALIE_GENERATED_DIR) / "audio");
  EXPECT_EQ(built.source("ti", "welcome.body"), AudioSource::kNone);
  EXPECT_FALSE(built.clip("ti", "welcome.body"));
  EXPECT_EQ(built.source("nl", "welcome.body"), AudioSource::kGenerated);
  // A manifest that lists the recording (as balie_text_tool audio writes it) plays it.
  testing::TempDir gen;
  gen.write("manifest.tsv", "# balie-audio-manifest/1\nti\twelcome.body\t" + std::string(64, 'c') +
                                "\trecorded\tti/welcome.body.wav\n");
  AudioLibrary lib(rec.path(), gen.path());
  EXPECT_EQ(lib.source("ti", "welcome.body"), AudioSource::kRecorded);
  EXPECT_TRUE(lib.has_clip("ti", "welcome.body"));
  EXPECT_EQ(lib.source("nl", "welcome.body"), AudioSource::kNone);
  EXPECT_EQ(lib.source("so", "welcome.body"), AudioSource::kNone);
  auto clip = lib.clip("ti", "welcome.body");
  ASSERT_TRUE(clip) << clip.error().message;
  EXPECT_EQ((*clip)->sample_rate, 16000);
  EXPECT_EQ((*clip)->samples, (std::vector<int16_t>{200, -200}));
  EXPECT_FALSE(parse_wav("RIFF\0\0\0\0WAVE"));
  EXPECT_FALSE(parse_wav("not a wav at all"));
}

}  // namespace
}  // namespace balie::text
