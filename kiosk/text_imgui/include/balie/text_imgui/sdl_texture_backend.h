// SDL_Renderer implementation of the glyph atlas texture backend (kiosk/text_imgui, main
// thread). Pages are SDL_Textures (RGBA32, alpha blending), the ImTextureID that
// imgui_impl_sdlrenderer expects. The kiosk passes its SDL_Renderer*.
#pragma once
#include "balie/text_imgui/atlas_texture_backend.h"

struct SDL_Renderer;

namespace balie::text {

class SdlTextureBackend final : public AtlasTextureBackend {
 public:
  explicit SdlTextureBackend(SDL_Renderer* renderer) : renderer_(renderer) {}
  void* create_page(int width, int height) override;
  void update_region(void* page, int x, int y, int w, int h, const uint32_t* rgba, int pitch_px) override;
  void destroy_page(void* page) override;

 private:
  SDL_Renderer* renderer_;
};

}  // namespace balie::text
