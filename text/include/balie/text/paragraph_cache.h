// Cache of laid-out paragraphs (text/, main thread), keyed by (text, language, size, width,
// alignment, direction, line spacing), so a static screen does no shaping per frame. Least-recently-used
// eviction under two explicit limits: number of paragraphs and total glyphs. wipe() overwrites
// every cached string and glyph run (end of session).
#pragma once
#include <cstddef>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "balie/text/layout.h"

namespace balie::text {

struct ParagraphCacheLimits {
  size_t max_paragraphs = 512;
  size_t max_glyphs = 250000;
};

class ParagraphCache {
 public:
  ParagraphCache(LayoutEngine& engine, ParagraphCacheLimits limits);
  ~ParagraphCache();

  // The layout of `utf8`; shapes on a miss. The returned layout stays intact while held, also
  // after eviction (it is wiped once released); wipe() empties it even while held.
  std::shared_ptr<const ParagraphLayout> get(std::string_view utf8, const TextStyle& style,
                                             const Language& language);
  void wipe();

  size_t size() const { return entries_.size(); }
  size_t glyphs() const { return glyphs_; }
  size_t hits() const { return hits_; }
  size_t misses() const { return misses_; }
  const ParagraphCacheLimits& limits() const { return limits_; }

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<ParagraphLayout> layout;
  };
  void evict_one();

  LayoutEngine& engine_;
  ParagraphCacheLimits limits_;
  std::list<Entry> lru_;  // front = most recently used
  std::unordered_map<std::string_view, std::list<Entry>::iterator> entries_;
  std::vector<std::shared_ptr<ParagraphLayout>> retired_;  // evicted but still held by a caller
  std::string probe_;     // scratch for building keys
  size_t glyphs_ = 0, hits_ = 0, misses_ = 0;
};

}  // namespace balie::text
