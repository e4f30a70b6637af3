// Texture backend of the glyph atlas (kiosk/text_imgui, main thread): the three operations
// the atlas needs from a renderer. A page handle is the ImTextureID ImGui's renderer backend draws
// with (for imgui_impl_sdlrenderer: an SDL_Texture*). MemoryTextureBackend keeps pages in RAM for
// tests, benchmarks and headless runs; SdlTextureBackend (sdl_texture_backend.h) uses SDL_Renderer.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

namespace balie::text {

class AtlasTextureBackend {
 public:
  virtual ~AtlasTextureBackend() = default;
  // A new width x height page of RGBA32 pixels, fully transparent. nullptr on failure.
  virtual void* create_page(int width, int height) = 0;
  // Copies a w x h block of RGBA32 pixels (row pitch `pitch_px` pixels) to (x, y) of the page.
  virtual void update_region(void* page, int x, int y, int w, int h, const uint32_t* rgba,
                             int pitch_px) = 0;
  virtual void destroy_page(void* page) = 0;
};

class MemoryTextureBackend final : public AtlasTextureBackend {
 public:
  struct Page {
    int width = 0, height = 0;
    std::vector<uint32_t> pixels;
  };
  void* create_page(int width, int height) override;
  void update_region(void* page, int x, int y, int w, int h, const uint32_t* rgba, int pitch_px) override;
  void destroy_page(void* page) override;
  size_t live_pages() const { return pages_.size(); }
  const Page* page(void* handle) const;

 private:
  std::vector<std::unique_ptr<Page>> pages_;
};

}  // namespace balie::text
