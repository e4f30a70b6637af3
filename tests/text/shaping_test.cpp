// Shaping and layout: glyph ids and advances equal plain HarfBuzz for fixed Arabic, Farsi, Sorani
// and Tigrinya sentences; RTL lines come out in visual order; font fallback across faces; no
// .notdef glyph for any catalog string in any language; line breaking and alignment.
#include <gtest/gtest.h>
#include <hb.h>

#include <algorithm>
#include <set>

#include "balie/text/text_engine.h"
#include "balie/text/utf8.h"
#include "test_support.h"

namespace balie::text {
namespace {

class Shaping : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { engine_ = new TextEngine(testing::repo_config()); }
  static void TearDownTestSuite() {
    delete engine_;
    engine_ = nullptr;
  }
  static TextEngine* engine_;
};
TextEngine* Shaping::engine_ = nullptr;

struct HbGlyph {
  uint32_t id;
  int32_t x_advance;
};

// Plain HarfBuzz, independent of the engine: the font file, scale px*64, guessed properties.
std::vector<HbGlyph> plain_harfbuzz(const std::string& font_path, const std::string& utf8,
                                    const char* lang, float size_px) {
  hb_blob_t* blob = hb_blob_create_from_file(font_path.c_str());
  hb_face_t* face = hb_face_create(blob, 0);
  hb_font_t* font = hb_font_create(face);
  const int scale = static_cast<int>(size_px * 64);
  hb_font_set_scale(font, scale, scale);
  hb_buffer_t* buf = hb_buffer_create();
  hb_buffer_add_utf8(buf, utf8.c_str(), -1, 0, -1);
  hb_buffer_guess_segment_properties(buf);
  hb_buffer_set_language(buf, hb_language_from_string(lang, -1));
  hb_buffer_set_flags(buf, static_cast<hb_buffer_flags_t>(HB_BUFFER_FLAG_BOT | HB_BUFFER_FLAG_EOT));
  hb_shape(font, buf, nullptr, 0);
  unsigned n = 0;
  hb_glyph_info_t* info = hb_buffer_get_glyph_infos(buf, &n);
  hb_glyph_position_t* pos = hb_buffer_get_glyph_positions(buf, &n);
  std::vector<HbGlyph> out;
  for (unsigned i = 0; i < n; ++i) out.push_back({info[i].codepoint, pos[i].x_advance});
  hb_buffer_destroy(buf);
  hb_font_destroy(font);
  hb_face_destroy(face);
  hb_blob_destroy(blob);
  return out;
}

struct Sentence {
  const char* lang;
  const char* text;
  const char* family;
};

const Sentence kSentences[] = {
    {"ar", "مرحباً بك في مركز الاستقبال. من فضلك اختر لغتك.", "Noto Naskh Arabic"},
    {"ar", "وقّع على إعلان المشاركة بعد قراءته.", "Noto Naskh Arabic"},
    {"fa", "لطفاً زبان خود را انتخاب کنید و ادامه دهید.", "Noto Naskh Arabic"},
    {"fa", "می‌توانید بعداً زبان دیگری انتخاب کنید.", "Noto Naskh Arabic"},
    {"ckb", "بۆ دەستپێکردن دەست لە شاشەکە بدە.", "Noto Naskh Arabic"},
    {"ckb", "ئەگەر پرسیارت هەبێت، کارمەندێک یارمەتیت دەدات.", "Noto Naskh Arabic"},
    {"ti", "ንምጅማር ነቲ ስክሪን ተንከፉ።", "Noto Sans Ethiopic"},
    {"ti", "ሕቶ እንተሃልዩኩም ሓደ ሰራሕተኛ ክሕግዘኩም እዩ።", "Noto Sans Ethiopic"},
};

TEST_F(Shaping, GlyphIdsAndAdvancesEqualPlainHarfBuzz) {
  for (const Sentence& s : kSentences) {
    SCOPED_TRACE(std::string(s.lang) + ": " + s.text);
    const Language* lang = find_language(s.lang);
    ASSERT_NE(lang, nullptr);
    TextStyle style;
    style.size_px = 36;
    const ParagraphLayout p = engine_->layout_engine().layout(s.text, style, *lang);
    ASSERT_EQ(p.line_count(), 1u);
    ASSERT_FALSE(p.glyphs.empty());
    std::set<uint16_t> faces;
    for (const auto& g : p.glyphs) faces.insert(g.face);
    ASSERT_EQ(faces.size(), 1u) << "one script, one face";
    const FontFace& face = engine_->fonts().face(*faces.begin());
    EXPECT_EQ(face.family, s.family);
    // The engine shapes at the face's effective size (nominal size * per-script factor, FontFace::scale).
    const auto expected = plain_harfbuzz(face.path.string(), s.text, s.lang, style.size_px * face.scale);
    ASSERT_EQ(p.glyphs.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(p.glyphs[i].glyph_id, expected[i].id) << "glyph " << i;
      EXPECT_FLOAT_EQ(p.glyphs[i].advance, static_cast<float>(expected[i].x_advance) / 64.0f) << "glyph " << i;
      EXPECT_NE(p.glyphs[i].glyph_id, 0u) << "tofu at glyph " << i;
    }
  }
}

TEST_F(Shaping, RtlLinesAreInVisualOrder) {
  for (const char* code : {"ar", "fa", "ckb"}) {
    const Language* lang = find_language(code);
    const ParagraphLayout p = engine_->layout_engine().layout("سلام دنیا", TextStyle{}, *lang);
    ASSERT_GE(p.glyphs.size(), 2u);
    // Left to right on screen = logical end to logical start; x increases.
    for (size_t i = 1; i < p.glyphs.size(); ++i) {
      EXPECT_LE(p.glyphs[i].cluster, p.glyphs[i - 1].cluster);
      EXPECT_GT(p.glyphs[i].x, p.glyphs[i - 1].x - 1e-3f);
    }
    EXPECT_EQ(p.glyphs.back().cluster, 0u) << "first letter is rightmost";
  }
}

TEST_F(Shaping, LatinWordInsideArabicKeepsItsOrderAndDigitsStayLtr) {
  const std::string text = "أدخل رمز PIN 2025 الآن";
  const std::u32string cps = decode_utf8(text);
  const ParagraphLayout p = engine_->layout_engine().layout(text, TextStyle{}, *find_language("ar"));
  ASSERT_EQ(p.line_count(), 1u);
  auto x_of = [&](char32_t c) {
    const size_t idx = cps.find(c);
    for (const auto& g : p.glyphs)
      if (g.cluster == idx) return g.x;
    ADD_FAILURE() << "no glyph for U+" << std::hex << static_cast<uint32_t>(c);
    return 0.0f;
  };
  EXPECT_LT(x_of(U'P'), x_of(U'I'));
  EXPECT_LT(x_of(U'I'), x_of(U'N'));
  EXPECT_LT(x_of(U'2'), x_of(U'5'));          // 2025 reads left to right
  EXPECT_GT(x_of(U'أ'), x_of(U'P'));          // first Arabic word is right of PIN
  EXPECT_LT(x_of(U'ن'), x_of(U'2'));          // last word (الآن) is left of the number
}

TEST_F(Shaping, DutchSentenceWithArabicNameUsesBothFaces) {
  const std::string name = "محمد الحسن";
  const std::string text = "Welkom, " + isolate_untrusted(name) + ". Uw afspraak is morgen.";
  const ParagraphLayout p = engine_->layout_engine().layout(text, TextStyle{}, *find_language("nl"));
  std::set<std::string> families;
  for (const auto& g : p.glyphs) {
    EXPECT_NE(g.glyph_id, 0u);
    families.insert(engine_->fonts().face(g.face).family);
  }
  EXPECT_EQ(p.missing_glyphs, 0);
  EXPECT_TRUE(families.count("Noto Sans"));
  EXPECT_TRUE(families.count("Noto Naskh Arabic"));
  // The Arabic name is shown right-to-left in the middle of the LTR sentence.
  const std::u32string cps = decode_utf8(text);
  float x_m = 0, x_n = 0;
  for (const auto& g : p.glyphs) {
    if (g.cluster == cps.find(U'م')) x_m = g.x;
    if (g.cluster == cps.rfind(U'ن')) x_n = g.x;
  }
  EXPECT_GT(x_m, x_n);
}

TEST_F(Shaping, NoNotdefForAnyCatalogStringInAnyLanguage) {
  size_t strings = 0;
  for (const Language& lang : languages()) {
    std::vector<std::string> texts = {std::string(lang.native_name)};
    for (const auto& e : engine_->catalog(kBaseLanguage)->entries)
      texts.push_back(engine_->tr_in(lang, e.key, {{"seconds", "30"}, {"attempts", "2"}, {"minutes", "5"}}));
    for (int m = 1; m <= 12; ++m) {
      texts.push_back(format_date(lang, {2025, m, 28}).value());
      texts.push_back(format_date(lang, {2025, m, 28}, Digits::kNative).value());
    }
    for (const std::string& t : texts) {
      SCOPED_TRACE(std::string(lang.code) + ": " + t);
      TextStyle style;
      style.max_width = 600;
      const ParagraphLayout p = engine_->layout_engine().layout(t, style, lang);
      EXPECT_EQ(p.missing_glyphs, 0);
      EXPECT_FALSE(p.glyphs.empty());
      for (const auto& g : p.glyphs) ASSERT_NE(g.glyph_id, 0u);
      ++strings;
    }
  }
  EXPECT_GT(strings, 300u);
}

TEST_F(Shaping, LinesBreakAtWordsWithinTheWidth) {
  TextStyle style;
  style.size_px = 30;
  style.max_width = 300;
  const std::string text = engine_->tr_in(*find_language("nl"), "welcome.body");
  const ParagraphLayout p = engine_->layout_engine().layout(text, style, *find_language("nl"));
  ASSERT_GT(p.line_count(), 1u);
  const std::u32string cps = decode_utf8(text);
  for (const auto& l : p.lines) {
    EXPECT_LE(l.width, style.max_width + 0.01f);
    EXPECT_TRUE(l.text_end == cps.size() || cps[l.text_end] == U' ') << "broke inside a word";
  }
  EXPECT_FLOAT_EQ(p.width, 300.0f);
  EXPECT_FLOAT_EQ(p.height, p.line_height * static_cast<float>(p.line_count()));
}

TEST_F(Shaping, StartAlignmentIsMirroredForRtl) {
  TextStyle style;
  style.max_width = 800;
  const ParagraphLayout ltr = engine_->layout_engine().layout("Welkom", style, *find_language("nl"));
  const ParagraphLayout rtl = engine_->layout_engine().layout("أهلاً", style, *find_language("ar"));
  EXPECT_FLOAT_EQ(ltr.lines[0].x, 0.0f);
  EXPECT_NEAR(rtl.lines[0].x + rtl.lines[0].width, 800.0f, 1.0f);
  style.align = Align::kEnd;
  const ParagraphLayout rtl_end = engine_->layout_engine().layout("أهلاً", style, *find_language("ar"));
  EXPECT_FLOAT_EQ(rtl_end.lines[0].x, 0.0f);
  style.align = Align::kCenter;
  const ParagraphLayout c = engine_->layout_engine().layout("Welkom", style, *find_language("nl"));
  EXPECT_NEAR(c.lines[0].x, (800.0f - c.lines[0].width) / 2, 1.0f);
}

TEST_F(Shaping, OverlongWordIsSplitAndHardBreaksStartNewLines) {
  TextStyle style;
  style.size_px = 20;
  style.max_width = 100;
  const ParagraphLayout p = engine_->layout_engine().layout(
      "Inburgeringsplichtigenadministratie\nB1", style, *find_language("nl"));
  ASSERT_GE(p.line_count(), 3u);
  for (const auto& l : p.lines) EXPECT_LE(l.width, 100.01f);
  EXPECT_EQ(p.lines.back().text_end - p.lines.back().text_begin, 2u);
}

}  // namespace
}  // namespace balie::text
