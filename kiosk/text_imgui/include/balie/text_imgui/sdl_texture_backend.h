// SDL_Renderer implementation of the glyph atlas texture backend (kiosk/text_imgui, main
// thread). Pages are SDL_Textures (RGBA32, alpha blending), the ImTextureID that
// imgui_impl_sdlrenderer expects. The kiosk passes its SDL_Renderer*.
#pragma once
#include <functional>

#include "balie/text_imgui/atlas_texture_backend.h"

struct SDL_Renderer;

namespace balie::text {

class SdlTextureBackend final : public AtlasTextureBackend {
 public:
  explicit SdlTextureBackend(SDL_Renderer* renderer) : renderer_(renderer) {}
  void* create_page(int width, int height) override;
  void update_region(void* page, int x, int y, int w, int h, const uint32_t* rgba, int pitch_px) override;
  void destroy_page(void* page) override;

  // Told of every change of page contents (the kiosk's damage tracking): (page, x, y, w, h) for an
  // update; (nullptr, 0, 0, 0, 0) when a page was created or destroyed (a new page may reuse an old
  // one's address, so everything is redrawn).
  using ChangeObserver = std::function<void(void* page, int x, int y, int w, int h)>;
  void set_change_observer(ChangeObserver o) { observer_ = std::move(o); }

 private:
  SDL_Renderer* renderer_;
  ChangeObserver observer_;
};

}  // namespace balie::text
