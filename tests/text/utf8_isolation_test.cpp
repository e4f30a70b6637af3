// Invalid UTF-8 becomes U+FFFD and never crashes; untrusted strings are bidi-isolated so the
// "Trojan Source" trick (bidi controls inside a name) cannot reorder the UI text around them.
#include <gtest/gtest.h>

#include <random>

#include "balie/text/bidi.h"
#include "balie/text/text_engine.h"
#include "balie/text/utf8.h"
#include "test_support.h"

namespace balie::text {
namespace {

TEST(Utf8, InvalidSequencesBecomeReplacementCharacters) {
  EXPECT_EQ(decode_utf8("a\xC0\xAF" "b"), U"a\uFFFD\uFFFDb");          // overlong
  EXPECT_EQ(decode_utf8("a\xE2\x82"), U"a\uFFFD");                   // truncated
  EXPECT_EQ(decode_utf8("\xED\xA0\x80"), U"\uFFFD\uFFFD\uFFFD");     // surrogate
  EXPECT_EQ(decode_utf8("\xF4\x90\x80\x80"), U"\uFFFD\uFFFD\uFFFD\uFFFD");  // > U+10FFFF
  EXPECT_EQ(decode_utf8("\xFF"), U"\uFFFD");
  EXPECT_EQ(decode_utf8("\xE2\x82\xAC"), U"\u20AC");                 // valid euro sign
  EXPECT_EQ(decode_utf8("\xF0\x9F\x98\x80"), U"\U0001F600");
  EXPECT_EQ(sanitize_utf8("x\x80y"), "x\xEF\xBF\xBDy");
  EXPECT_EQ(encode_utf8(U"\xD800"), "\xEF\xBF\xBD");
}

TEST(Utf8, RandomBytesNeverCrashTheLayout) {
  TextEngine engine(testing::repo_config());
  std::mt19937 rng(1234);
  TextStyle style;
  style.max_width = 200;
  for (int i = 0; i < 300; ++i) {
    std::string bytes(rng() % 64, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    const std::string valid = sanitize_utf8(bytes);
    EXPECT_EQ(sanitize_utf8(valid), valid);
    const ParagraphLayout p = engine.layout_engine().layout(bytes, style, *find_language(i % 2 ? "ar" : "nl"));
    for (const auto& l : p.lines) EXPECT_LE(l.glyph_count, p.glyphs.size());
  }
}

// Visual order of the characters of `prefix` and `suffix` (the trusted UI text) when `name` is
// inserted between them, in an LTR paragraph.
std::u32string surrounding_visual(const std::string& prefix, const std::string& inserted,
                                  const std::string& suffix) {
  const std::u32string text = decode_utf8(prefix + inserted + suffix);
  const size_t pre = decode_utf8(prefix).size();
  const size_t suf = decode_utf8(suffix).size();
  const auto p = bidi::resolve(text, bidi::BaseDirection::kLtr);
  std::u32string out;
  for (uint32_t i : bidi::visual_order(bidi::line_levels(p, 0, text.size())))
    if (i < pre || i >= text.size() - suf) out.push_back(text[i]);
  return out;
}

TEST(TrojanSource, IsolatedNameCannotReorderSurroundingText) {
  const std::string prefix = "Naam: ";
  const std::string suffix = " tekent voor akkoord op 12-03-2025";
  const std::u32string expected = decode_utf8(prefix + suffix);
  const std::vector<std::string> attacks = {
      "\u202EJan",                        // RLO, never closed
      "Jan\u2069\u202E",                  // stray PDI tries to close our isolate, then RLO
      "\u202B\u202EJan\u202C",            // nested, unbalanced
      "\u2067Jan",                        // RLI never closed
      "Jan\n\u202E",                      // newline would end the isolate
      "\u202C\u202C\u2069\u2069\u202EJan",  // many stray closers
  };
  for (const auto& name : attacks) {
    SCOPED_TRACE(name);
    EXPECT_EQ(surrounding_visual(prefix, isolate_untrusted(name), suffix), expected);
  }
  // Without isolation the attack works: the test can tell.
  EXPECT_NE(surrounding_visual(prefix, "\u202EJan", suffix), expected);
}

TEST(TrojanSource, PlaceholderValuesAreIsolatedByDefault) {
  TextEngine engine(testing::repo_config());
  const std::string s = engine.tr("staff_unlock.wrong", {{"attempts", "\u202E3"}});
  const std::u32string cps = decode_utf8(s);
  const size_t fsi = cps.find(U'\u2068');
  ASSERT_NE(fsi, std::u32string::npos);
  EXPECT_EQ(cps.substr(fsi, 4), U"\u2068\u202E3\u202C");
  EXPECT_EQ(cps[fsi + 4], U'\u2069');
  const std::string trusted = engine.tr("staff_unlock.wrong", {{"attempts", "3", false}});
  EXPECT_EQ(trusted, "Verkeerde pincode. U kunt het nog 3 keer proberen.");
}

}  // namespace
}  // namespace balie::text
