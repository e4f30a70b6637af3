// Per-frame registry of items and texts: see item_registry.h.
#include "core/item_registry.h"

#include <algorithm>

#include "balie/platform/secure_wipe.h"

namespace balie::kiosk {

using platform::secure_wipe;

// The texts are what a scripted run read off the screen (names and rooms included): each string and
// the vector's whole storage are zeroed, so no short string's bytes stay behind in it (the soak test
// found a room number there, kept in the storage of a cleared vector).
void ItemRegistry::begin_frame() {
  for (auto& t : texts_) secure_wipe(t);
  items_.clear();
  platform::wipe_storage(texts_);
}

void ItemRegistry::end_frame() {
  for (auto& t : last_texts_) secure_wipe(t);
  platform::wipe_storage(last_texts_);
  last_items_.swap(items_);
  last_texts_.swap(texts_);
  items_.clear();
  texts_.clear();
}

void ItemRegistry::add_item(std::string_view id, Rect r, bool interactive, bool clipped) {
  if (items_.size() >= kMaxItems) return;
  items_.push_back(ItemInfo{std::string(id), r, interactive, clipped});
}

void ItemRegistry::add_text(std::string_view text) {
  if (!record_texts_ || texts_.size() >= kMaxTexts) return;
  platform::emplace_back_wiping(texts_).assign(text.data(), text.size());
}

const ItemInfo* ItemRegistry::find(std::string_view id) const {
  auto it = std::find_if(last_items_.begin(), last_items_.end(), [&](const ItemInfo& i) { return i.id == id; });
  return it == last_items_.end() ? nullptr : &*it;
}

namespace {
// Drops bidi formatting characters (isolates, embeddings, marks) so scripts can match the visible
// words of a text whose placeholders were isolated.
std::string without_bidi_controls(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == 0xE2 && i + 2 < s.size()) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]), c2 = static_cast<unsigned char>(s[i + 2]);
      const bool marks = c1 == 0x80 && (c2 == 0x8E || c2 == 0x8F || (c2 >= 0xAA && c2 <= 0xAE));
      const bool isolates = c1 == 0x81 && c2 >= 0xA6 && c2 <= 0xA9;
      if (marks || isolates) {
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}
}  // namespace

bool ItemRegistry::has_text(std::string_view needle) const {
  return std::any_of(last_texts_.begin(), last_texts_.end(),
                     [&](const std::string& t) { return without_bidi_controls(t).find(needle) != std::string::npos; });
}

void ItemRegistry::wipe() {
  for (auto& t : texts_) secure_wipe(t);
  for (auto& t : last_texts_) secure_wipe(t);
  texts_.clear();
  last_texts_.clear();
  items_.clear();
  last_items_.clear();
}

}  // namespace balie::kiosk
