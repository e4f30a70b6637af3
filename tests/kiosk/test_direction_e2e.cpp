// Direction per paragraph, not per session (issue 18; Xvfb, the real kiosk and text engine): in an
// Arabic session the binding Dutch participatieverklaring is laid out left to right, every line's ink
// starting at its column's left edge, while the Arabic text next to it is right-aligned in its
// column. Checked on the pixels of a real frame (scripts/direction_ar.balie). With the old
// per-session direction the Dutch lines ended at the column's right edge and this test fails.
// BALIE_TEST_KEEP_SHOTS=DIR keeps the screenshots there.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "kiosk_process.h"

using namespace balie::kiosk::testing;
namespace fs = std::filesystem;

namespace {

// One text line's ink in a column: rows [y0, y1), leftmost and rightmost ink pixel.
struct Band {
  int y0 = 0, y1 = 0, min_x = 0, max_x = 0;
};

bool ink(uint32_t rgb) {  // text (dark or the primary blue) on the white panel, anti-aliased edges excluded
  const int r = (rgb >> 16) & 0xFF, g = (rgb >> 8) & 0xFF, b = rgb & 0xFF;
  return r + g + b < 400;
}

// Text lines inside [x0, x1) x [y0, y1): runs of rows holding ink.
std::vector<Band> bands(const Png& p, int x0, int x1, int y0, int y1) {
  std::vector<Band> out;
  bool in = false;
  for (int y = y0; y < y1; ++y) {
    int lo = x1, hi = -1;
    for (int x = x0; x < x1; ++x)
      if (ink(p.at(x, y))) {
        lo = std::min(lo, x);
        hi = std::max(hi, x);
      }
    if (hi >= 0) {
      if (!in) out.push_back(Band{y, y + 1, lo, hi});
      Band& b = out.back();
      b.y1 = y + 1;
      b.min_x = std::min(b.min_x, lo);
      b.max_x = std::max(b.max_x, hi);
      in = true;
    } else {
      in = false;
    }
  }
  // Dots and diacritics above/below a line can form thin bands of their own; keep real lines.
  out.erase(std::remove_if(out.begin(), out.end(), [](const Band& b) { return b.y1 - b.y0 < 8; }), out.end());
  return out;
}

class DirectionE2E : public KioskProcessTest {};

TEST_F(DirectionE2E, DutchDeclarationIsLtrFromTheLeftEdgeInAnArabicSession) {
  const char* keep = std::getenv("BALIE_TEST_KEEP_SHOTS");
  const fs::path shots = keep && *keep ? fs::path(keep) : dir_ / "shots";
  const char* bin = std::getenv("BALIE_KIOSK_BINARY");  // to run the same check on another build
  auto r = run_process({bin && *bin ? bin : kiosk_binary(), "--windowed", "1920x1080", "--clock-start",
                        "2026-03-02T09:30:00Z", "--script", scripts_dir() + "/direction_ar.balie", "--shots",
                        shots.string()},
                       kiosk_env(), std::chrono::seconds(240));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  Png png;
  ASSERT_TRUE(read_png((shots / "d01-signing-text-ar.png").string(), &png));
  ASSERT_EQ(png.w, 1920);
  ASSERT_EQ(png.h, 1080);

  // Columns of kiosk/scenes/signing_text.cpp at 1920x1080 (margin 48, listen button 96): the white
  // panel's inner area is x 72..1848; two columns of 852 px with a 48 px gap, mirrored in RTL:
  // Dutch on the right [996, 1848), Arabic on the left [96, 948). The panel's top depends on how
  // many lines the instruction above it takes (text size, language): found on the pixels, the
  // white panel's first row under the top bar; the text starts 6 px below it.
  int panel_top = 0;
  for (int y = 150; y < 500 && !panel_top; ++y)
    if (png.at(996 + 2, y) == 0xFFFFFFu && png.at(96 + 2, y) == 0xFFFFFFu) panel_top = y;
  ASSERT_GT(panel_top, 0) << "the white text panel is on screen";
  const int nl_x0 = 996, nl_x1 = 1848, ar_x0 = 96, ar_x1 = 948, y0 = panel_top + 6, y1 = 1080 - 48 - 100 - 40;

  const std::vector<Band> nl = bands(png, nl_x0 - 20, nl_x1, y0, y1);
  ASSERT_GE(nl.size(), 6u) << "the Dutch column shows its title and body lines";
  // Title and the first body lines: ink begins within a side bearing of the column's left edge,
  // and no line touches the right edge as a right-aligned line would.
  int ragged_right = 0;
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_GE(nl[i].min_x, nl_x0 - 2) << "line " << i << " y=" << nl[i].y0;
    EXPECT_LE(nl[i].min_x, nl_x0 + 8) << "line " << i << " y=" << nl[i].y0 << ": Dutch ink must begin at the left edge";
    if (nl[i].max_x < nl_x1 - 12) ++ragged_right;
  }
  EXPECT_GE(ragged_right, 3) << "LTR lines end raggedly, before the right edge";
  // The title (a short line) ends far before the right edge.
  EXPECT_LT(nl[0].max_x, nl_x1 - 150);

  // The Arabic column: right-aligned (RTL), every line's ink ends at the column's right edge
  // (Naskh's tall letters may join neighbouring lines into one band: that changes nothing here).
  // Bands only a few pixels high are the dots and vowel marks below a line, not a line.
  std::vector<Band> ar;
  for (const Band& b : bands(png, ar_x0, ar_x1 + 20, y0, y1))
    if (b.y1 - b.y0 >= 14) ar.push_back(b);
  ASSERT_GE(ar.size(), 2u);
  for (size_t i = 0; i < std::min<size_t>(ar.size(), 6); ++i) {
    EXPECT_GE(ar[i].max_x, ar_x1 - 10) << "Arabic line " << i << " y=" << ar[i].y0;
    EXPECT_LE(ar[i].max_x, ar_x1 + 2) << "Arabic line " << i;
  }
  EXPECT_GT(ar[0].min_x, ar_x0 + 150) << "the Arabic title is short and right-aligned";

  for (const char* s : {"d02-consent-question-ar", "d03-consent-saved-ar"}) {
    Png other;
    ASSERT_TRUE(read_png((shots / (std::string(s) + ".png")).string(), &other)) << s;
    EXPECT_GT(distinct_colours(other), 20u) << s;
  }
}

}  // namespace
