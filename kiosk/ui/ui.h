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
  Rect mirror(Rect r) const;  // flips horizontally in RTL layouts
  std::string tr(std::string_view key, const std::vector<std::pair<std::string_view, std::string>>& args = {}) const {
    return texts_.tr(key, args);
  }
  std::string format_date(std::string_view iso) const { return texts_.format_date(iso); }
  // Text typed on a physical keyboard this frame (UTF-8), and whether Backspace was pressed.
  std::string typed_text() const;
  bool backspace_pressed() const;
  ItemRegistry& items() { return items_; }
  TextRenderer& text_renderer() { return text_; }

  // Drawing primitives.
  void fill(Rect r, uint32_t color, float rounding = 0);
  void circle(Vec2 center, float radius, uint32_t color);
  // Height of `utf8` wrapped at `width`.
  float text_height(std::string_view utf8, float size, float width) { return text_.measure(utf8, size, width, rtl_).y; }
  // Text inside `box`; returns the height used. box.h == 0: the height grows as needed;
  // box.h > 0: text taller than that is clipped and the cut marked with an ellipsis.
  float text(Rect box, std::string_view utf8, float size, uint32_t color, Align align = Align::Start);
  // A button with a label; min size kMinTarget is enforced by checks, not silently.
  bool button(std::string_view id, Rect r, std::string_view label, ButtonStyle style = ButtonStyle::Primary,
              float text_size = theme::kTextButton);
  // A large speaker pictogram that asks for the screen's audio. `badge` (e.g. "NL") names the
  // language of a second button. When `can_play` is false (no clip and no voice for this text, or
  // the last tap played nothing) the speaker is struck through and a line under it says so in the
  // resident's language and asks staff to read aloud (issue 18).
  bool listen_button(std::string_view id, Rect r, bool can_play = true, std::string_view badge = {});
  // Height the "cannot play" line takes below a listen button (scenes leave this room for it).
  float listen_notice_height();
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
