// How the UI draws and measures text (kiosk UI layer, main thread). The production renderer is the
// text engine in text/, drawn by kiosk/text_imgui (HarfBuzz + FriBidi + FreeType glyph atlas);
// ImGuiFontRenderer is the minimal fallback used when the engine cannot start (no fonts): Latin
// only, clearly degraded.
#pragma once
#include <cstdint>
#include <string_view>

#include "core/input_mapper.h"

struct ImDrawList;

namespace balie::kiosk {

// Start = the left edge of an LTR paragraph, the right edge of an RTL one: the direction of the text
// itself (see TextLang), not the screen's.
// ScreenStart (Ui only; renderers get Start or End): the screen's start edge (left in an LTR
// screen, right in an RTL one) whatever the text's own direction, for data shown in a form (a
// name, a place) that must line up with the labels around it; the text keeps its own direction.
enum class Align : uint8_t { Start, Center, End, ScreenStart };

enum class TextDir : uint8_t { Auto, Ltr, Rtl };

// What a drawn text is written in; its paragraph direction and alignment follow from it, never from
// the session language alone. A Dutch declaration inside an Arabic screen is {"nl"}: LTR, starting
// at its column's left edge. With no language and dir Auto, every paragraph takes the direction of
// its own first strong character (UAX #9 P2/P3); a text with none (digits, punctuation) follows the
// screen. Staff screens lay out such texts as Dutch (LTR).
struct TextLang {
  std::string_view code;        // catalog/BCP 47 code ("nl", "ar", "fa-AF"); empty: not known
  TextDir dir = TextDir::Auto;  // explicit direction; overrides what `code` implies
  static TextLang in(std::string_view language_code) { return TextLang{language_code, TextDir::Auto}; }
  static TextLang ltr() { return TextLang{{}, TextDir::Ltr}; }  // codes, numbers, references
  static TextLang rtl() { return TextLang{{}, TextDir::Rtl}; }
};

class TextRenderer {
 public:
  virtual ~TextRenderer() = default;
  // Size of `utf8` laid out at `size_px`, wrapped at `wrap_width` (<= 0: no wrapping), in `lang`.
  virtual Vec2 measure(std::string_view utf8, float size_px, float wrap_width, TextLang lang) = 0;
  // Draws inside the box [pos, pos + (width, *)] with the given alignment, laid out in `lang`.
  virtual void draw(ImDrawList* dl, Vec2 pos, float width, std::string_view utf8, float size_px, uint32_t color,
                    Align align, TextLang lang) = 0;
  // Resolved direction of the first paragraph of `utf8` in `lang` (for marks placed at its end).
  virtual bool is_rtl(std::string_view utf8, TextLang lang) = 0;
  // Drops and overwrites every cached string and shaped run (session end).
  virtual void clear_caches() = 0;
};

}  // namespace balie::kiosk
