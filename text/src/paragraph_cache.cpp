// LRU cache of laid-out paragraphs with explicit limits and wiping (text/, main thread).
#include "balie/text/paragraph_cache.h"

#include <cstring>

#include "balie/text/utf8.h"

namespace balie::text {

ParagraphCache::ParagraphCache(LayoutEngine& engine, ParagraphCacheLimits limits)
    : engine_(engine), limits_(limits) {
  if (limits_.max_paragraphs == 0) limits_.max_paragraphs = 1;
}

ParagraphCache::~ParagraphCache() { wipe(); }

namespace {
void append_pod(std::string& s, const void* p, size_t n) { s.append(static_cast<const char*>(p), n); }
}  // namespace

std::shared_ptr<const ParagraphLayout> ParagraphCache::get(std::string_view utf8,
                                                           const TextStyle& style,
                                                           const Language& language) {
  // Wipe evicted layouts their holders have released.
  std::erase_if(retired_, [](std::shared_ptr<ParagraphLayout>& l) {
    if (l.use_count() > 1) return false;
    l->wipe();
    return true;
  });
  probe_.clear();
  append_pod(probe_, &style.size_px, sizeof style.size_px);
  append_pod(probe_, &style.max_width, sizeof style.max_width);
  append_pod(probe_, &style.line_spacing, sizeof style.line_spacing);
  probe_.push_back(static_cast<char>(style.align));
  probe_.push_back(static_cast<char>(style.direction));
  probe_.append(language.code);
  probe_.push_back('\0');
  probe_.append(utf8);
  auto it = entries_.find(probe_);
  if (it != entries_.end()) {
    ++hits_;
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->layout;
  }
  ++misses_;
  auto layout = std::make_shared<ParagraphLayout>(engine_.layout(utf8, style, language));
  glyphs_ += layout->glyphs.size();
  lru_.push_front(Entry{probe_, layout});
  entries_.emplace(std::string_view(lru_.front().key), lru_.begin());
  while ((entries_.size() > limits_.max_paragraphs || glyphs_ > limits_.max_glyphs) && lru_.size() > 1)
    evict_one();
  return layout;
}

void ParagraphCache::evict_one() {
  Entry& e = lru_.back();
  entries_.erase(std::string_view(e.key));
  glyphs_ -= e.layout->glyphs.size();
  if (e.layout.use_count() > 1) retired_.push_back(e.layout);  // wiped when released
  else e.layout->wipe();
  secure_wipe(e.key);
  lru_.pop_back();
}

void ParagraphCache::wipe() {
  entries_.clear();
  for (Entry& e : lru_) {
    e.layout->wipe();
    secure_wipe(e.key);
  }
  lru_.clear();
  for (auto& l : retired_) l->wipe();
  retired_.clear();
  secure_wipe(probe_);
  glyphs_ = 0;
  engine_.wipe_scratch();
}

}  // namespace balie::text
