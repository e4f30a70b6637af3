// The kiosk's widget toolkit over Dear ImGui (kiosk UI layer, main thread). Layout is by explicit
// rectangles in screen pixels; Ui::mirror() flips a rectangle horizontally for right-to-left
// languages so every scene lays out once and mirrors for free. Every interactive widget takes a
// stable ID, records its rectangle in the ItemRegistry (scripted driver, target-size checks) and
// returns true on the frame it is activated. Widgets never perform I/O.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/input_mapper.h"
#include "core/item_registry.h"
#include "ui/ink_layer.h"
#include "ui/text_renderer.h"
#include "ui/texts.h"
#include "ui/theme.h"

struct ImDrawList;

namespace balie::kiosk {

enum class ButtonStyle : uint8_t { Primary, Secondary, Danger, OnDark };

class Ui {
 public:
  Ui(ItemRegistry& items, TextRenderer& text, Texts& texts) : items_(items), text_(text), texts_(texts) {}

  // Frame plumbing (called by the app).
  void begin_frame(Vec2 screen, const FrameInput& input, bool rtl_layout);
  void end_frame();

  Vec2 screen() const { return screen_; }
  bool rtl() const { return rtl_; }
  // Large-text mode (issue 18): every text size passed to text(), text_height() and button() is
  // multiplied by `s` (set by the app each frame: theme::kLargeTextScale on resident screens when
  // the resident turned it on, else 1). Text in a fixed box that would not fit at the larger size
  // is drawn at its nominal size (or smaller, see text()), so large text never clips more than normal.
  void set_text_scale(float s) { text_scale_ = s; }
  float text_scale() const { return text_scale_; }
  // Texts cut this frame: a fixed box or a button too small for its text (layout checks).
  int clipped_texts() const { return clipped_texts_; }
  Rect mirror(Rect r) const;  // flips horizontally in RTL layouts
  std::string tr(std::string_view key, const std::vector<std::pair<std::string_view, std::string>>& args = {}) const {
    return texts_.tr(key, args);
  }
  std::string tr_in(std::string_view language, std::string_view key) const { return texts_.tr_in(language, key); }
  std::string format_date(std::string_view iso) const { return texts_.format_date(iso); }
  // The language tr(key) is shown in (the session language, its fallback, or Dutch), to lay the
  // text out by it: ui.text(box, ui.tr(key), size, color, Align::Start, ui.lang_of(key)).
  TextLang lang_of(std::string_view key) const { return TextLang::in(texts_.language_of(key)); }
  // The session language (staff screens: Dutch): for texts made in it, such as format_date().
  TextLang session_lang() const { return TextLang::in(texts_.language()); }
  // Text typed on a physical keyboard this frame (UTF-8), and whether Backspace was pressed.
  std::string typed_text() const;
  bool backspace_pressed() const;
  ItemRegistry& items() { return items_; }
  TextRenderer& text_renderer() { return text_; }

  // Drawing primitives.
  void fill(Rect r, uint32_t color, float rounding = 0);
  void circle(Vec2 center, float radius, uint32_t color);
  // Height of `utf8` wrapped at `width`, laid out in `lang` (at the large-text scale when it is on).
  float text_height(std::string_view utf8, float size, float width, TextLang lang = {}) {
    return text_.measure(utf8, size * text_scale_, width, lang).y;
  }
  // Text inside `box`; returns the height used. box.h == 0: the height grows as needed;
  // box.h > 0: text too tall is drawn smaller (down to 70% of `size`), and wrapped lines that still
  // do not fit are clipped and the cut marked with an ellipsis.
  // `lang` is what the text is written in (see TextLang): it sets the paragraph direction and what
  // Align::Start means. Default: each paragraph by its own first strong character.
  float text(Rect box, std::string_view utf8, float size, uint32_t color, Align align = Align::Start,
             TextLang lang = {});
  // A button with a label (centred; direction by its own first strong character, or `lang`);
  // min size kMinTarget is enforced by checks, not silently. A label too big for the button is drawn
  // smaller (down to 70% of text_size) before it is cut.
  bool button(std::string_view id, Rect r, std::string_view label, ButtonStyle style = ButtonStyle::Primary,
              float text_size = theme::kTextButton, TextLang lang = {});
  // A large speaker pictogram that asks for the screen's audio. `badge` (e.g. "NL") names the
  // language of a second button. When `can_play` is false (no clip and no voice for this text, or
  // the last tap played nothing) the speaker is struck through and a line under it says so in the
  // resident's language and asks staff to read aloud (issue 18).
  bool listen_button(std::string_view id, Rect r, bool can_play = true, std::string_view badge = {});
  // Height the "cannot play" line takes below a listen button (scenes leave this room for it).
  float listen_notice_height();
  // The large-text toggle: a small and a large "A" (no words, the same in every language); filled
  // when `on`. Returns true on the frame it is tapped.
  bool text_size_button(std::string_view id, Rect r, bool on);
  // A vertically scrolling region; drag anywhere inside it scrolls. Returns the content origin.
  // Content drawn between begin/end is clipped to `r`; call end_scroll with the content height.
  Vec2 begin_scroll(std::string_view id, Rect r, float* scroll_y);
  void end_scroll(float content_height);
  // Marks a region where dragging draws instead of scrolling (signature pad).
  void capture_region(Rect r) { captures_.push_back(r); }
  const std::vector<Rect>& capture_regions() const { return captures_; }
  ImDrawList* draw_list() const;
  // The app's ink layer for the signature pad (nullptr: scenes draw ink as geometry).
  void set_ink_layer(InkLayer* layer) { ink_layer_ = layer; }
  InkLayer* ink_layer() const { return ink_layer_; }

 private:
  ItemRegistry& items_;
  TextRenderer& text_;
  Texts& texts_;
  InkLayer* ink_layer_ = nullptr;
  Vec2 screen_;
  FrameInput input_;
  bool rtl_ = false;
  float text_scale_ = 1.0f;
  int clipped_texts_ = 0;
  float notice_width() const;
  std::vector<Rect> captures_;
  std::vector<std::pair<Rect, std::string>> notices_;  // listen buttons' "cannot play" lines
  struct ScrollFrame {
    Rect r;
    float* scroll_y;
    float scroll_before;
  };
  std::vector<ScrollFrame> scrolls_;
};

}  // namespace balie::kiosk
