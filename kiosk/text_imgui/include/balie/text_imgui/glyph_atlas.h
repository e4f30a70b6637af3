// Glyph atlas (kiosk/text_imgui, main thread): glyphs rasterised with FreeType (8-bit
// coverage stored as white RGBA with alpha) and packed on shelves into texture pages of at most
// 2048x2048. A new page is created when the current ones are full, up to max_pages; when all are
// full the atlas starts over (pages zeroed and reused, generation() increments).
#pragma once
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "balie/text/fonts.h"
#include "balie/text_imgui/atlas_texture_backend.h"

namespace balie::text {

struct AtlasLimits {
  int page_size = 1024;    // width and height of each page; clamped to [64, kMaxPageSize]
  int max_pages = 8;
  size_t max_glyphs = 20000;
  static constexpr int kMaxPageSize = 2048;
};

struct AtlasGlyph {
  void* texture = nullptr;     // page handle (ImTextureID); nullptr for blank glyphs (space)
  float u0 = 0, v0 = 0, u1 = 0, v1 = 0;
  int16_t left = 0, top = 0;   // bitmap offset from the glyph origin (top is up, FreeType style)
  uint16_t width = 0, height = 0;
};

class GlyphAtlas {
 public:
  GlyphAtlas(FontSet& fonts, AtlasTextureBackend& backend, AtlasLimits limits = {});
  ~GlyphAtlas();
  GlyphAtlas(const GlyphAtlas&) = delete;
  GlyphAtlas& operator=(const GlyphAtlas&) = delete;

  // The glyph, rasterised on first use. Never null (a glyph that fails to rasterise is blank).
  const AtlasGlyph& get(uint16_t face, uint32_t glyph_id, float size_px);

  // Overwrites every page with transparent pixels and forgets all glyphs (session end).
  void clear();

  size_t page_count() const { return pages_.size(); }
  int page_size() const { return limits_.page_size; }
  size_t glyph_count() const { return glyphs_.size(); }
  size_t texture_bytes() const { return pages_.size() * static_cast<size_t>(limits_.page_size) * limits_.page_size * 4; }
  uint32_t generation() const { return generation_; }
  size_t rasterised() const { return rasterised_; }
  void* page_handle(size_t i) const { return pages_[i].handle; }

 private:
  struct Shelf {
    int y, height, x;
  };
  struct Page {
    void* handle = nullptr;
    std::vector<Shelf> shelves;
    int bottom = 0;  // first free row
  };
  bool place(int w, int h, size_t* page, int* x, int* y);
  bool place_in(Page& p, int w, int h, int* x, int* y);
  void start_over();

  FontSet& fonts_;
  AtlasTextureBackend& backend_;
  AtlasLimits limits_;
  std::vector<Page> pages_;
  std::unordered_map<uint64_t, AtlasGlyph> glyphs_;
  std::vector<uint32_t> scratch_;
  uint32_t generation_ = 0;
  size_t rasterised_ = 0;
};

}  // namespace balie::text
