// Unicode conformance of the bidi layer: every line of Debian's BidiCharacterTest.txt (unicode-data)
// goes through bidi::resolve + bidi::line_levels (L1) + bidi::visual_order (L2), the same functions
// the layout uses, and must give the expected levels and visual order.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "balie/text/bidi.h"

namespace balie::text {
namespace {

constexpr const char* kTestFile = "/usr/share/unicode/BidiCharacterTest.txt";

struct Case {
  std::u32string text;
  int direction;  // 0 LTR, 1 RTL, 2 auto
  int paragraph_level;
  std::vector<int> levels;  // -1 = x (removed by X9)
  std::vector<uint32_t> order;
};

bool parse(const std::string& line, Case& c) {
  std::vector<std::string> f;
  std::stringstream ss(line);
  std::string part;
  while (std::getline(ss, part, ';')) f.push_back(part);
  if (f.size() != 5) return false;
  std::istringstream cps(f[0]);
  std::string tok;
  while (cps >> tok) c.text.push_back(static_cast<char32_t>(std::stoul(tok, nullptr, 16)));
  c.direction = std::stoi(f[1]);
  c.paragraph_level = std::stoi(f[2]);
  std::istringstream lv(f[3]);
  while (lv >> tok) c.levels.push_back(tok == "x" ? -1 : std::stoi(tok));
  std::istringstream ord(f[4]);
  while (ord >> tok) c.order.push_back(static_cast<uint32_t>(std::stoul(tok)));
  return c.levels.size() == c.text.size();
}

TEST(BidiConformance, EveryLineOfBidiCharacterTestPasses) {
  std::ifstream in(kTestFile);
  ASSERT_TRUE(in) << kTestFile << " missing: install unicode-data";
  std::string line;
  int line_no = 0, checked = 0, failed = 0;
  std::ostringstream report;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    Case c;
    ASSERT_TRUE(parse(line, c)) << "unparseable line " << line_no;
    const auto base = c.direction == 0   ? bidi::BaseDirection::kLtr
                      : c.direction == 1 ? bidi::BaseDirection::kRtl
                                         : bidi::BaseDirection::kAuto;
    const bidi::Paragraph p = bidi::resolve(c.text, base);
    const std::vector<uint8_t> levels = bidi::line_levels(p, 0, c.text.size());
    std::vector<uint32_t> order;
    for (uint32_t i : bidi::visual_order(levels))
      if (!bidi::removed_by_x9(p.types[i])) order.push_back(i);
    bool ok = p.paragraph_level == c.paragraph_level && order == c.order;
    for (size_t i = 0; ok && i < levels.size(); ++i)
      if (c.levels[i] >= 0 && levels[i] != c.levels[i]) ok = false;
    ++checked;
    if (!ok && ++failed <= 10) report << "line " << line_no << ": " << line << "\n";
  }
  EXPECT_GT(checked, 90000);  // the 15.0 file has 91,707 test lines; none is skipped
  EXPECT_EQ(failed, 0) << failed << " of " << checked << " lines fail, first ones:\n" << report.str();
}

// The harness must be able to fail: a wrong expectation is detected.
TEST(BidiConformance, VisualOrderReversesRtlRuns) {
  const std::u32string text = U"abc \u05D0\u05D1\u05D2 def";
  const auto p = bidi::resolve(text, bidi::BaseDirection::kLtr);
  const auto order = bidi::visual_order(bidi::line_levels(p, 0, text.size()));
  const std::vector<uint32_t> expected = {0, 1, 2, 3, 6, 5, 4, 7, 8, 9, 10};
  EXPECT_EQ(order, expected);
}

}  // namespace
}  // namespace balie::text
