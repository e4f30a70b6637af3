// Bidi layer of the text engine (text/, any thread): the Unicode Bidirectional Algorithm.
// Paragraph levels (rules P2-P3, X1-X10, W1-W7, N0-N2, I1-I2) come from FriBidi; line rules L1
// (reset of trailing whitespace and separators) and L2 (reordering) are done here, on a line range,
// and are the same code that orders the shaped runs of each laid-out line.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace balie::text::bidi {

// kAuto, kAutoLtr, kAutoRtl: rules P2/P3 (first strong character, skipping isolates); without a
// strong character kAuto and kAutoLtr give LTR, kAutoRtl gives RTL.
enum class BaseDirection { kLtr, kRtl, kAuto, kAutoLtr, kAutoRtl };

struct Paragraph {
  int paragraph_level = 0;            // 0 = LTR, 1 = RTL
  std::vector<uint8_t> levels;        // resolved embedding level per code point (before L1)
  std::vector<uint32_t> types;        // FriBidi character type per code point
};

// Resolves the embedding levels of one paragraph of text (rules up to I2).
Paragraph resolve(std::u32string_view text, BaseDirection base);

// True for characters removed by rule X9 (embedding controls and boundary neutrals); they have no
// level of their own and take no place in the visual order.
bool removed_by_x9(uint32_t fribidi_type);

// Rule L1 for the line [begin, end): returns the levels of the line with segment separators,
// paragraph separators and trailing whitespace/isolate controls reset to the paragraph level.
std::vector<uint8_t> line_levels(const Paragraph& p, size_t begin, size_t end);

// Rule L2: visual order of items with the given levels; result[i] is the logical index of the item
// shown at visual position i (left to right). Works for characters and for runs of characters.
std::vector<uint32_t> visual_order(std::span<const uint8_t> levels);

}  // namespace balie::text::bidi
