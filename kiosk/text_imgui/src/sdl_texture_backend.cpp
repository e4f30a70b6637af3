// SDL_Renderer and in-memory texture backends of the glyph atlas (kiosk/text_imgui, main
// thread).
#include "balie/text_imgui/sdl_texture_backend.h"

#include <SDL.h>

#include <algorithm>
#include <cstring>

namespace balie::text {

void* SdlTextureBackend::create_page(int width, int height) {
  SDL_Texture* t = SDL_CreateTexture(renderer_, SDL_PIXELFORMAT_RGBA32, SDL_TEXTUREACCESS_STATIC,
                                     width, height);
  if (!t) return nullptr;
  SDL_SetTextureBlendMode(t, SDL_BLENDMODE_BLEND);
  std::vector<uint32_t> zero(static_cast<size_t>(width) * 64, 0);
  for (int y = 0; y < height; y += 64) {
    SDL_Rect r{0, y, width, std::min(64, height - y)};
    SDL_UpdateTexture(t, &r, zero.data(), width * 4);
  }
  if (observer_) observer_(nullptr, 0, 0, 0, 0);
  return t;
}

void SdlTextureBackend::update_region(void* page, int x, int y, int w, int h, const uint32_t* rgba,
                                      int pitch_px) {
  SDL_Rect r{x, y, w, h};
  SDL_UpdateTexture(static_cast<SDL_Texture*>(page), &r, rgba, pitch_px * 4);
  if (observer_) observer_(page, x, y, w, h);
}

void SdlTextureBackend::destroy_page(void* page) {
  SDL_DestroyTexture(static_cast<SDL_Texture*>(page));
  if (observer_) observer_(nullptr, 0, 0, 0, 0);
}

void* MemoryTextureBackend::create_page(int width, int height) {
  auto p = std::make_unique<Page>();
  p->width = width;
  p->height = height;
  p->pixels.assign(static_cast<size_t>(width) * height, 0);
  pages_.push_back(std::move(p));
  return pages_.back().get();
}

void MemoryTextureBackend::update_region(void* page, int x, int y, int w, int h, const uint32_t* rgba,
                                         int pitch_px) {
  auto* p = static_cast<Page*>(page);
  for (int row = 0; row < h; ++row)
    std::memcpy(&p->pixels[static_cast<size_t>(y + row) * p->width + x],
                rgba + static_cast<size_t>(row) * pitch_px, static_cast<size_t>(w) * 4);
}

void MemoryTextureBackend::destroy_page(void* page) {
  std::erase_if(pages_, [&](const std::unique_ptr<Page>& p) { return p.get() == page; });
}

const MemoryTextureBackend::Page* MemoryTextureBackend::page(void* handle) const {
  for (const auto& p : pages_)
    if (p.get() == handle) return p.get();
  return nullptr;
}

}  // namespace balie::text
