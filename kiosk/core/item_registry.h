// Per-frame registry of interactive items and visible texts (kiosk core, main thread).
// Every widget with a stable ID records its screen rectangle here while drawing; the scripted UI
// driver and the target-size checks read the registry of the last completed frame. Text recording
// is only switched on for scripted runs (expect-text) and is cleared every frame.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "core/input_mapper.h"

namespace balie::kiosk {

struct ItemInfo {
  std::string id;
  Rect rect;
  bool interactive = true;
  bool clipped = false;  // partly scrolled out of view: `rect` is the visible part
};

class ItemRegistry {
 public:
  static constexpr size_t kMaxItems = 1024;
  static constexpr size_t kMaxTexts = 1024;

  void begin_frame();  // starts recording a new frame
  void end_frame();    // the recorded frame becomes the one lookups see
  void add_item(std::string_view id, Rect r, bool interactive = true, bool clipped = false);
  void add_text(std::string_view text);
  void set_record_texts(bool on) { record_texts_ = on; }

  // Lookups against the last completed frame (the one being drawn until end_frame()).
  const ItemInfo* find(std::string_view id) const;
  bool has_text(std::string_view needle) const;  // substring match
  const std::vector<ItemInfo>& items() const { return last_items_; }
  const std::vector<std::string>& texts() const { return last_texts_; }
  // Current (in-progress) frame, for checks right after drawing.
  const std::vector<ItemInfo>& current_items() const { return items_; }
  // Overwrites and drops every recorded text (session end).
  void wipe();

 private:
  std::vector<ItemInfo> items_, last_items_;
  std::vector<std::string> texts_, last_texts_;
  bool record_texts_ = false;
};

}  // namespace balie::kiosk
