// Direction per paragraph, not per session (issue 18): each paragraph is laid out in its own
// direction (explicit, or from its first strong character, UAX #9 P2/P3), a Dutch paragraph in an
// Arabic session starts at the left edge, and LTR tokens substituted into RTL sentences (reference
// codes, V-nummers, times) are LRI..PDI isolated and keep their order. Real fonts, HarfBuzz, FriBidi.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "balie/text/catalog.h"
#include "balie/text/text_engine.h"
#include "balie/text/utf8.h"
#include "test_support.h"

namespace balie::text {
namespace {

const std::string kLri = "\xE2\x81\xA6", kFsi = "\xE2\x81\xA8", kPdi = "\xE2\x81\xA9";

// The Dutch participatieverklaring's kind of text: sentences ending in periods and commas.
const char* kDutch =
    "Ik verklaar dat ik de kernwaarden van de Nederlandse samenleving ken en respecteer. Iedereen mag "
    "zijn eigen mening geven, ook als anderen het daar niet mee eens zijn (vrijheid van meningsuiting). "
    "Ik respecteer deze waarden.";

class ParagraphDirection : public ::testing::Test {
 protected:
  void SetUp() override { engine_ = std::make_unique<TextEngine>(testing::repo_config()); }
  ParagraphLayout lay(std::string_view s, TextStyle st, const char* lang) {
    return engine_->layout_engine().layout(s, st, *find_language(lang));
  }
  // The characters of [begin, end) (code point indices) in visual order, left to right.
  static std::u32string visual(const ParagraphLayout& p, const std::u32string& cps, size_t begin, size_t end) {
    std::vector<std::pair<float, char32_t>> v;
    for (const auto& g : p.glyphs)
      if (g.cluster >= begin && g.cluster < end) v.emplace_back(g.x, cps[g.cluster]);
    std::sort(v.begin(), v.end());
    std::u32string out;
    for (const auto& [x, c] : v) out.push_back(c);
    return out;
  }
  std::unique_ptr<TextEngine> engine_;
};

TEST_F(ParagraphDirection, DutchParagraphInAnArabicSessionIsLtrAndStartsAtTheLeftEdge) {
  const TextStyle st{.size_px = 29, .max_width = 600};
  const ParagraphLayout p = lay(kDutch, st, "ar");  // session Arabic, no explicit direction
  ASSERT_GE(p.line_count(), 3u);
  EXPECT_FALSE(p.rtl);
  const std::u32string cps = decode_utf8(kDutch);
  for (const LaidOutLine& l : p.lines) {
    EXPECT_FALSE(l.rtl);
    EXPECT_FLOAT_EQ(l.x, 0.0f);  // Align::kStart of an LTR paragraph: the left edge
    // The line's last character (a period, a comma, a letter) is its rightmost glyph: no
    // ".respecteer" with the period at the start of the line.
    uint32_t last = l.text_end - 1;
    float last_x = -1, max_x = -1;
    for (uint32_t g = l.first_glyph; g < l.first_glyph + l.glyph_count; ++g) {
      max_x = std::max(max_x, p.glyphs[g].x);
      if (p.glyphs[g].cluster == last) last_x = p.glyphs[g].x;
    }
    EXPECT_FLOAT_EQ(last_x, max_x) << "line ending at " << l.text_end;
  }
  // The parenthesis stays in one piece, "(" before "vrijheid" and ")" after "meningsuiting".
  const uint32_t open = static_cast<uint32_t>(cps.find(U'(')), close = static_cast<uint32_t>(cps.find(U')'));
  std::map<uint32_t, float> x;  // cluster -> x of its first glyph
  for (const auto& g : p.glyphs) x.try_emplace(g.cluster, g.x);
  EXPECT_LT(x[open], x[open + 1]);    // "(vrijheid", not "vrijheid("
  EXPECT_LT(x[close - 1], x[close]);  // "meningsuiting)"

  // The old behaviour (direction from the session) is what kRtl still does on request: the same
  // text then ends at the right edge with its period moved to the start of the line.
  TextStyle forced = st;
  forced.direction = text::Direction::kRtl;
  const ParagraphLayout old = lay(kDutch, forced, "ar");
  EXPECT_TRUE(old.lines[0].rtl);
  EXPECT_NEAR(old.lines[0].x + old.lines[0].width, 600.0f, 1.0f);
  EXPECT_GT(old.lines[0].x, 10.0f);
}

TEST_F(ParagraphDirection, ArabicParagraphInADutchSessionIsRtlAndRightAligned) {
  const char* ar = "أقر بأنني أعرف القيم الأساسية للمجتمع الهولندي وأحترمها.";
  const ParagraphLayout p = lay(ar, {.size_px = 29, .max_width = 900}, "nl");
  ASSERT_EQ(p.line_count(), 1u);
  EXPECT_TRUE(p.rtl);
  EXPECT_TRUE(p.lines[0].rtl);
  EXPECT_NEAR(p.lines[0].x + p.lines[0].width, 900.0f, 1.0f);
}

TEST_F(ParagraphDirection, MixedParagraphRunsArePlacedInTheParagraphsOwnOrder) {
  // LTR paragraph (first strong character Latin) holding an Arabic phrase: runs left to right
  // "Naam:", then the Arabic run (its letters right to left), then "is bekend".
  const std::string s = "Naam: محمد علي is bekend";
  const std::u32string cps = decode_utf8(s);
  const ParagraphLayout p = lay(s, {.size_px = 30}, "ar");
  ASSERT_EQ(p.line_count(), 1u);
  EXPECT_FALSE(p.lines[0].rtl);
  std::map<uint32_t, float> x;  // cluster -> leftmost glyph x
  for (const auto& g : p.glyphs) x.try_emplace(g.cluster, g.x);
  const uint32_t n = 0, colon = 4, mim = 6, lam = 11 /* ain */, is = static_cast<uint32_t>(cps.find(U"is"));
  ASSERT_TRUE(x.count(n) && x.count(colon) && x.count(mim) && x.count(lam) && x.count(is));
  EXPECT_LT(x[n], x[colon]);
  EXPECT_LT(x[colon], x[lam]);   // the Arabic run comes after "Naam:"
  EXPECT_LT(x[lam], x[mim]);     // ... and reads right to left: "علي" left of "محمد"
  EXPECT_LT(x[mim], x[is]);      // "is bekend" after the Arabic run

  // The same characters as an RTL paragraph (Arabic first): the Arabic run is at the right.
  const std::string r = "محمد علي: Naam";
  const std::u32string rc = decode_utf8(r);
  const ParagraphLayout q = lay(r, {.size_px = 30}, "nl");
  EXPECT_TRUE(q.lines[0].rtl);
  std::map<uint32_t, float> y;
  for (const auto& g : q.glyphs) y.try_emplace(g.cluster, g.x);
  EXPECT_GT(y[0], y[static_cast<uint32_t>(rc.find(U'N'))]);
}

TEST_F(ParagraphDirection, EachParagraphBetweenHardBreaksHasItsOwnDirection) {
  const ParagraphLayout p = lay("Participatieverklaring\nإعلان المشاركة\n12:30", {.size_px = 30, .max_width = 800}, "nl");
  ASSERT_EQ(p.line_count(), 3u);
  EXPECT_FALSE(p.lines[0].rtl);
  EXPECT_FLOAT_EQ(p.lines[0].x, 0.0f);
  EXPECT_TRUE(p.lines[1].rtl);
  EXPECT_NEAR(p.lines[1].x + p.lines[1].width, 800.0f, 1.0f);
  EXPECT_FALSE(p.lines[2].rtl);  // no strong character: the layout language's direction (nl)
  // In an Arabic session a paragraph without strong characters follows the session (right).
  const ParagraphLayout q = lay("12:30", {.size_px = 30, .max_width = 800}, "ar");
  EXPECT_TRUE(q.lines[0].rtl);
}

TEST_F(ParagraphDirection, ExplicitDirectionWinsOverTheText) {
  TextStyle st{.size_px = 30, .max_width = 700};
  st.direction = text::Direction::kLtr;
  EXPECT_FALSE(lay("مرحبا", st, "ar").lines[0].rtl);
  st.direction = text::Direction::kRtl;
  EXPECT_TRUE(lay("Welkom", st, "nl").lines[0].rtl);
}

TEST_F(ParagraphDirection, CacheKeepsDirectionsApart) {
  TextStyle ltr{.size_px = 30, .max_width = 700};
  ltr.direction = text::Direction::kLtr;
  TextStyle rtl = ltr;
  rtl.direction = text::Direction::kRtl;
  EXPECT_FALSE(engine_->layout("Welkom", ltr, *find_language("nl"))->rtl);
  EXPECT_TRUE(engine_->layout("Welkom", rtl, *find_language("nl"))->rtl);
}

TEST(IsolateValue, LtrTokensGetLriOthersFsi) {
  EXPECT_EQ(isolate_value("1234-A6AB"), kLri + "1234-A6AB" + kPdi);
  EXPECT_EQ(isolate_value("V-1234567"), kLri + "V-1234567" + kPdi);
  EXPECT_EQ(isolate_value("12:30"), kLri + "12:30" + kPdi);
  EXPECT_EQ(isolate_value("07-03-2025"), kLri + "07-03-2025" + kPdi);
  EXPECT_EQ(isolate_value("Amsterdam"), kLri + "Amsterdam" + kPdi);
  EXPECT_EQ(isolate_value("محمد"), kFsi + "محمد" + kPdi);
  EXPECT_EQ(isolate_value("7 آذار 2025"), kFsi + "7 آذار 2025" + kPdi);
  EXPECT_EQ(isolate_value("١٢٣"), kFsi + "١٢٣" + kPdi);  // Arabic-Indic digits: FSI decides
  EXPECT_EQ(isolate_value(""), kFsi + kPdi);
  // A bidi control inside is never passed through an LRI: the untrusted path closes it.
  EXPECT_EQ(isolate_value("AB\xE2\x80\xAE" "CD"), kFsi + "AB\xE2\x80\xAE" "CD\xE2\x80\xAC" + kPdi);
  EXPECT_FALSE(is_ltr_token("a\nb"));
}

TEST_F(ParagraphDirection, ReferenceCodeKeepsItsOrderInsideAnArabicSentence) {
  // Catalog filling (the same rule the kiosk's tr() uses): the value is LRI..PDI isolated.
  auto filled = fill_placeholders("تم حفظ موافقتك. الرقم المرجعي: {reference}.", {{"reference", "1234-A6AB"}});
  ASSERT_TRUE(filled.ok());
  const std::string& s = filled.value();
  EXPECT_NE(s.find(kLri + "1234-A6AB" + kPdi), std::string::npos);
  const std::u32string cps = decode_utf8(s);
  const size_t b = cps.find(U'1'), e = cps.find(U'B', b) + 1;
  const ParagraphLayout p = lay(s, {.size_px = 30}, "ar");
  EXPECT_TRUE(p.lines[0].rtl);
  EXPECT_EQ(visual(p, cps, b, e), U"1234-A6AB");
  // ... and it sits at the left end (the end) of the Arabic sentence, before the final period.
  float code_x = 1e9f, arabic_min_x = 1e9f;
  for (const auto& g : p.glyphs) {
    if (g.cluster >= b && g.cluster < e) code_x = std::min(code_x, g.x);
    else if (g.cluster < b && cps[g.cluster] >= 0x600) arabic_min_x = std::min(arabic_min_x, g.x);
  }
  EXPECT_LT(code_x, arabic_min_x);

  // One face for the whole code: its leading digits do not take the Arabic face (and its larger
  // per-script size) from the sentence before the isolate.
  std::set<uint16_t> code_faces;
  for (const auto& g : p.glyphs)
    if (g.cluster >= b && g.cluster < e) code_faces.insert(g.face);
  EXPECT_EQ(code_faces.size(), 1u) << "digits and letters of 1234-A6AB in one face";
  // A date with an Arabic month (FSI isolated): its leading day number stays in the month's face.
  auto dated = fill_placeholders("شما در {date} بله گفتید.", {{"date", "2 مارس 2026"}});
  ASSERT_TRUE(dated.ok());
  const std::u32string dc = decode_utf8(dated.value());
  const ParagraphLayout dp = lay(dated.value(), {.size_px = 30}, "fa");
  const size_t day = dc.find(U'2'), month = dc.find(U'\u0645', day);
  int day_face = -1, month_face = -2;
  for (const auto& g : dp.glyphs) {
    if (g.cluster == day) day_face = g.face;
    if (g.cluster == month) month_face = g.face;
  }
  EXPECT_EQ(day_face, month_face) << "the 2 of '2 مارس' in the month's face";

  // The reported bug: the bare code laid out as an RTL paragraph reads "A6AB-1234".
  const std::u32string code = U"1234-A6AB";
  TextStyle rtl{.size_px = 30};
  rtl.direction = text::Direction::kRtl;
  EXPECT_EQ(visual(lay("1234-A6AB", rtl, "ar"), code, 0, code.size()), U"A6AB-1234");
  // By its own first strong character (no explicit direction) it is LTR in an Arabic session.
  EXPECT_EQ(visual(lay("1234-A6AB", {.size_px = 30}, "ar"), code, 0, code.size()), U"1234-A6AB");
}

TEST_F(ParagraphDirection, VNummerAndTimeKeepTheirOrderInRtlSentences) {
  auto filled = fill_placeholders("رقم V: {number} — {time}", {{"number", "V-0012-345"}, {"time", "09:30"}});
  ASSERT_TRUE(filled.ok());
  const std::u32string cps = decode_utf8(filled.value());
  const ParagraphLayout p = lay(filled.value(), {.size_px = 30}, "fa");
  EXPECT_TRUE(p.lines[0].rtl);
  const size_t vb = cps.find(U"V-"), ve = cps.find(U'5', vb) + 1;
  EXPECT_EQ(visual(p, cps, vb, ve), U"V-0012-345");
  const size_t tb = cps.find(U"09"), te = tb + 5;
  EXPECT_EQ(visual(p, cps, tb, te), U"09:30");
}

}  // namespace
}  // namespace balie::text
