// Glyph atlas: FreeType rasterisation and shelf packing into texture pages (kiosk/text_imgui, main
// thread). See glyph_atlas.h.
#include "balie/text_imgui/glyph_atlas.h"

#include <ft2build.h>
#include FT_FREETYPE_H

#include <algorithm>
#include <cmath>

#include "balie/text/utf8.h"

namespace balie::text {

namespace {
constexpr int kPad = 1;  // transparent border around each glyph against bleeding
}

GlyphAtlas::GlyphAtlas(FontSet& fonts, AtlasTextureBackend& backend, AtlasLimits limits)
    : fonts_(fonts), backend_(backend), limits_(limits) {
  limits_.page_size = std::clamp(limits_.page_size, 64, AtlasLimits::kMaxPageSize);
  limits_.max_pages = std::max(1, limits_.max_pages);
}

GlyphAtlas::~GlyphAtlas() {
  for (auto& p : pages_) backend_.destroy_page(p.handle);
}

bool GlyphAtlas::place_in(Page& p, int w, int h, int* x, int* y) {
  const int size = limits_.page_size;
  for (Shelf& s : p.shelves) {
    // Reuse a shelf whose height fits without wasting more than a third of it.
    if (h <= s.height && h * 3 >= s.height * 2 - 3 && s.x + w <= size) {
      *x = s.x;
      *y = s.y;
      s.x += w;
      return true;
    }
  }
  if (p.bottom + h <= size && w <= size) {
    p.shelves.push_back({p.bottom, h, w});
    *x = 0;
    *y = p.bottom;
    p.bottom += h;
    return true;
  }
  return false;
}

bool GlyphAtlas::place(int w, int h, size_t* page, int* x, int* y) {
  for (size_t i = 0; i < pages_.size(); ++i)
    if (place_in(pages_[i], w, h, x, y)) {
      *page = i;
      return true;
    }
  if (static_cast<int>(pages_.size()) >= limits_.max_pages) return false;
  void* handle = backend_.create_page(limits_.page_size, limits_.page_size);
  if (!handle) return false;
  pages_.push_back(Page{handle, {}, 0});
  *page = pages_.size() - 1;
  return place_in(pages_.back(), w, h, x, y);
}

void GlyphAtlas::start_over() {
  // Zero the used part of every page and reuse the pages (textures stay valid for the frame).
  for (Page& p : pages_) {
    if (p.bottom > 0) {
      scratch_.assign(static_cast<size_t>(limits_.page_size) * p.bottom, 0);
      backend_.update_region(p.handle, 0, 0, limits_.page_size, p.bottom, scratch_.data(), limits_.page_size);
    }
    p.shelves.clear();
    p.bottom = 0;
  }
  glyphs_.clear();
  scratch_.clear();
  scratch_.shrink_to_fit();
  ++generation_;
}

void GlyphAtlas::clear() { start_over(); }

const AtlasGlyph& GlyphAtlas::get(uint16_t face, uint32_t glyph_id, float size_px) {
  const uint32_t size64 = static_cast<uint32_t>(std::lround(size_px * 64.0f)) & 0xFFFF;
  const uint64_t key = (static_cast<uint64_t>(face) << 48) | (static_cast<uint64_t>(size64) << 32) | glyph_id;
  auto it = glyphs_.find(key);
  if (it != glyphs_.end()) return it->second;
  if (glyphs_.size() >= limits_.max_glyphs) start_over();

  AtlasGlyph g;
  ++rasterised_;
  if (face < fonts_.size()) {
    FT_Face ft = fonts_.face(face).ft;
    // Rasterised at the size the layout shaped it at (the face's per-script factor, FontFace::scale).
    const auto scaled64 = static_cast<FT_F26Dot6>(std::lround(size_px * fonts_.face(face).scale * 64.0f));
    if (FT_Set_Char_Size(ft, 0, scaled64, 72, 72) == 0 &&
        FT_Load_Glyph(ft, glyph_id, FT_LOAD_DEFAULT | FT_LOAD_TARGET_LIGHT) == 0 &&
        FT_Render_Glyph(ft->glyph, FT_RENDER_MODE_NORMAL) == 0) {
      const FT_Bitmap& bm = ft->glyph->bitmap;
      const int w = static_cast<int>(bm.width), h = static_cast<int>(bm.rows);
      g.left = static_cast<int16_t>(ft->glyph->bitmap_left);
      g.top = static_cast<int16_t>(ft->glyph->bitmap_top);
      if (w > 0 && h > 0 && bm.pixel_mode == FT_PIXEL_MODE_GRAY) {
        size_t page = 0;
        int x = 0, y = 0;
        bool ok = place(w + 2 * kPad, h + 2 * kPad, &page, &x, &y);
        if (!ok) {  // every page full: start over once
          start_over();
          ok = place(w + 2 * kPad, h + 2 * kPad, &page, &x, &y);
        }
        if (ok) {
          scratch_.assign(static_cast<size_t>(w) * h, 0);
          for (int r = 0; r < h; ++r)
            for (int c = 0; c < w; ++c) {
              const uint32_t a = bm.buffer[r * bm.pitch + c];
              scratch_[static_cast<size_t>(r) * w + c] = (a << 24) | 0x00FFFFFFu;
            }
          backend_.update_region(pages_[page].handle, x + kPad, y + kPad, w, h, scratch_.data(), w);
          const float inv = 1.0f / static_cast<float>(limits_.page_size);
          g.texture = pages_[page].handle;
          g.width = static_cast<uint16_t>(w);
          g.height = static_cast<uint16_t>(h);
          g.u0 = static_cast<float>(x + kPad) * inv;
          g.v0 = static_cast<float>(y + kPad) * inv;
          g.u1 = static_cast<float>(x + kPad + w) * inv;
          g.v1 = static_cast<float>(y + kPad + h) * inv;
        }
      }
    }
  }
  return glyphs_.emplace(key, g).first->second;
}

}  // namespace balie::text
