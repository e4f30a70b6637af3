// Per-script size factor (issue 18; tests/text/): with the repository's Noto faces, Arabic-script and
// Ethiopic text drawn at a nominal size has glyph heights within 10% of Latin's at the same nominal
// size (Arabic core zone against Latin x-height, Ethiopic syllables against Latin cap height),
// measured on the HarfBuzz fonts the layout engine shapes with and on laid-out glyphs.
#include <gtest/gtest.h>
#include <hb.h>

#include <cmath>
#include <string>

#include "balie/text/languages.h"
#include "balie/text/layout.h"
#include "balie/text/text_engine.h"
#include "test_support.h"

namespace balie::text {
namespace {

// Mean ink top (px above the baseline) of `cps` drawn by the engine's font for their face at size_px.
float mean_top(FontSet& fonts, std::u32string_view cps, float size_px, bool nominal = false) {
  float sum = 0;
  for (char32_t c : cps) {
    const int face = fonts.face_for(c);
    EXPECT_GE(face, 0);
    hb_font_t* font = nominal ? hb_font_create(fonts.face(face).hb_face) : fonts.hb_font(face, size_px);
    if (nominal) hb_font_set_scale(font, int(size_px * 64), int(size_px * 64));
    hb_codepoint_t g = 0;
    EXPECT_TRUE(hb_font_get_nominal_glyph(font, c, &g));
    hb_glyph_extents_t e{};
    EXPECT_TRUE(hb_font_get_glyph_extents(font, g, &e));
    sum += static_cast<float>(e.y_bearing) / 64.0f;
    if (nominal) hb_font_destroy(font);
  }
  return sum / static_cast<float>(cps.size());
}

TEST(ScriptScale, ArabicAndEthiopicReadAsLargeAsLatin) {
  TextEngine engine(testing::repo_config());
  FontSet& fonts = engine.fonts();
  const float px = 100;
  const float latin_x = mean_top(fonts, U"xzv", px);
  const float latin_cap = mean_top(fonts, U"HEI", px);
  const float arabic = mean_top(fonts, U"\u0647\u062F", px);              // ه د
  const float ethiopic = mean_top(fonts, U"\u1200\u1208\u1218\u1230", px);  // ሀ ለ መ ሰ
  const float arabic_nominal = mean_top(fonts, U"\u0647\u062F", px, true);
  std::printf("[ measured ] at %.0f px: Latin x-height %.1f, cap %.1f; Arabic core %.1f (unscaled %.1f, factor %.3f); "
              "Ethiopic %.1f (factor %.3f)\n",
              px, latin_x, latin_cap, arabic, arabic_nominal, fonts.face(fonts.face_for(U'\u0647')).scale, ethiopic,
              fonts.face(fonts.face_for(U'\u1200')).scale);
  EXPECT_FLOAT_EQ(fonts.face(fonts.face_for(U'x')).scale, 1.0f);
  EXPECT_NEAR(arabic / latin_x, 1.0, 0.10);
  EXPECT_NEAR(ethiopic / latin_cap, 1.0, 0.10);
  // Without the factor Noto Naskh Arabic's body is a quarter smaller than Latin's x-height.
  EXPECT_LT(arabic_nominal / latin_x, 0.85);
}

// The layout engine uses the factor: an Arabic line is taller and wider than at the unscaled size,
// and glyph advances are those of the scaled font.
TEST(ScriptScale, LayoutShapesArabicAtTheScaledSize) {
  TextEngine engine(testing::repo_config());
  const Language* ar = find_language("ar");
  ASSERT_NE(ar, nullptr);
  TextStyle style;
  style.size_px = 40;
  const ParagraphLayout p = engine.layout_engine().layout("\u0647\u062F", style, *ar);
  ASSERT_FALSE(p.glyphs.empty());
  const FontFace& face = engine.fonts().face(p.glyphs[0].face);
  EXPECT_GT(face.scale, 1.2f);
  EXPECT_GT(p.line_height, 40.0f * face.scale * (face.ascender - face.descender) / face.upem - 1.0f);
}

}  // namespace
}  // namespace balie::text
