// Paragraph layout (text/, main thread): UTF-8 text -> bidi levels (FriBidi) -> runs by
// level, script and font (with fallback across faces) -> HarfBuzz shaping -> greedy line breaking
// at word boundaries within a width -> runs of each line in visual order -> positioned glyphs.
// LayoutEngine::layout is cold (no cache); ParagraphCache (paragraph_cache.h) caches its results.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "balie/text/fonts.h"
#include "balie/text/languages.h"

typedef struct hb_buffer_t hb_buffer_t;

namespace balie::text {

// Alignment in reading direction: kStart is the left edge of an LTR paragraph and the right edge
// of an RTL one (the paragraph's own direction, not the screen's).
enum class Align : uint8_t { kStart, kCenter, kEnd };

// Paragraph direction. kLtr/kRtl: the caller knows it (a text in a known language: a Dutch
// declaration is kLtr inside an Arabic screen). kAuto: each paragraph (text between hard breaks)
// takes the direction of its own first strong character, skipping isolates (UAX #9 P2/P3); a
// paragraph without any strong character (digits, punctuation) takes the direction of the layout's
// language.
enum class Direction : uint8_t { kAuto, kLtr, kRtl };

struct TextStyle {
  float size_px = 32.0f;
  float max_width = 0.0f;    // wrap width in px; 0 = no wrapping
  Align align = Align::kStart;
  float line_spacing = 1.0f; // multiplies the natural line height of the faces used
  Direction direction = Direction::kAuto;
};

struct PositionedGlyph {
  uint16_t face = 0;        // index into the FontSet
  uint32_t glyph_id = 0;    // 0 = .notdef
  float x = 0, y = 0;       // glyph origin (on the baseline) relative to the paragraph box's top-left
  float advance = 0;
  uint32_t cluster = 0;     // index of the first code point of the glyph's cluster (in the paragraph)
};

struct LaidOutLine {
  float x = 0;              // left edge of the line's ink box inside the paragraph box
  float baseline = 0;
  float width = 0;
  uint32_t first_glyph = 0, glyph_count = 0;
  uint32_t text_begin = 0, text_end = 0;  // code point range (logical) shown on the line
  bool rtl = false;         // resolved direction of the paragraph the line belongs to
};

struct ParagraphLayout {
  std::vector<PositionedGlyph> glyphs;  // per line, in visual order (left to right)
  std::vector<LaidOutLine> lines;
  float width = 0;          // box width: max_width when wrapping, else the widest line
  float content_width = 0;  // widest line
  float height = 0;
  float size_px = 0;
  float line_height = 0;
  bool rtl = false;         // resolved direction of the first paragraph
  int missing_glyphs = 0;   // characters no installed font could show (tofu); 0 in practice
  size_t line_count() const { return lines.size(); }
  // Overwrites and releases everything (after a session nothing personal may stay in memory).
  void wipe();
};

class LayoutEngine {
 public:
  explicit LayoutEngine(FontSet& fonts);
  ~LayoutEngine();
  LayoutEngine(const LayoutEngine&) = delete;
  LayoutEngine& operator=(const LayoutEngine&) = delete;

  // Lays out sanitised UTF-8 (invalid bytes become U+FFFD). Hard line breaks: '\n', U+2029.
  // The paragraph direction comes from style.direction (kAuto: per paragraph from its first strong
  // character, falling back to `language`'s direction); HarfBuzz gets `language`'s tag.
  ParagraphLayout layout(std::string_view utf8, const TextStyle& style, const Language& language);

  // Overwrites the scratch buffers (shaping buffer, code points) that held text.
  void wipe_scratch();

  FontSet& fonts() { return fonts_; }

 private:
  struct Run;
  void layout_paragraph(std::u32string_view para, const TextStyle& style, const Language& lang,
                        ParagraphLayout& out, float& y);
  float shape_run(std::u32string_view para, const Run& run, const Language& lang, float size_px,
                  std::vector<PositionedGlyph>* out, std::vector<float>* char_advance,
                  std::vector<uint8_t>* cluster_start);

  FontSet& fonts_;
  hb_buffer_t* buffer_;
  std::u32string scratch_;
};

}  // namespace balie::text
