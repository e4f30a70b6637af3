// How frames reach the screen (kiosk app layer, main thread): the renderer chosen per terminal
// (BALIE_RENDERER: "gpu" = SDL's accelerated renderer, Mesa/llvmpipe without a GPU; "software" = SDL's
// software renderer on the window surface, no GL library loaded at all), and drawing ImGui's draw
// data either whole or only where it differs from the frame on screen (damage regions, software
// renderer; with BALIE_DAMAGE=1 also on the GPU, into a kept canvas texture copied to the screen),
// presenting just those rectangles. BALIE_DAMAGE=0 turns the partial redraw off;
// BALIE_DAMAGE_CHECK=1 redraws every frame whole as well and counts pixels that differ (tests).
#pragma once
#include <SDL.h>
#include <imgui.h>

#include <string>
#include <vector>

#include "core/damage.h"

namespace balie::kiosk {

enum class RendererKind { Gpu, Software };

struct RendererChoice {
  RendererKind kind = RendererKind::Gpu;
  bool automatic = true;  // BALIE_RENDERER unset or "auto"
  int damage = -1;      // BALIE_DAMAGE: -1 unset (software: on, GPU: off), 0 off, 1 on
  bool check = false;   // BALIE_DAMAGE_CHECK=1
  std::string error;    // an unknown BALIE_RENDERER value
};

// Reads BALIE_RENDERER (gpu | software | auto; default auto: software under X11 when the machine has no
// GPU render node, /dev/dri/renderD*; the GPU renderer otherwise), BALIE_DAMAGE and BALIE_DAMAGE_CHECK.
RendererChoice renderer_choice_from_environment();

// Creates the renderer for `window`. The software renderer draws into the window surface (SDL's
// X11 shared-memory image); SDL_FRAMEBUFFER_ACCELERATION=0 keeps SDL from putting a GL texture
// behind that surface. When the choice cannot be made (a Wayland compositor offers SDL 2.26 no
// window surface), the other renderer is used and `note` says why. nullptr when none works.
SDL_Renderer* create_renderer(SDL_Window* window, RendererChoice& choice, std::string* note);

class FramePresenter {
 public:
  FramePresenter(SDL_Window* window, SDL_Renderer* renderer, const RendererChoice& choice);

  // Texture contents changed (glyph atlas uploads); nullptr: a texture was created or destroyed.
  void texture_changed(void* texture, int x, int y, int w, int h);
  // The next frame is drawn whole (window exposed or resized, render targets reset).
  void invalidate() { tracker_.invalidate_all(); }

  // Draws `data`. Returns false when nothing differs from the frame on screen (nothing drawn, no
  // present needed), unless `force` (a screenshot reads this frame).
  bool render(ImDrawData* data, int fb_w, int fb_h, bool force);
  void present();

  bool partial() const { return partial_; }
  ~FramePresenter();
  double last_fraction() const { return tracker_.last_fraction(); }
  size_t last_rects() const { return rects_.size(); }
  // BALIE_DAMAGE_CHECK: frames compared, frames with differing pixels, the largest count of them.
  long long checked_frames() const { return checked_; }
  long long mismatched_frames() const { return mismatched_; }
  long long worst_pixels() const { return worst_; }

 private:
  void collect(ImDrawData* data, int fb_w, int fb_h);
  void draw(ImDrawData* data, const DamageRect* only);
  void submit(SDL_Texture* tex, const ImDrawVert* vtx, int nvtx);  // the triangles in index_scratch_
  std::vector<uint32_t> read_pixels(int w, int h);

  SDL_Window* window_;
  SDL_Renderer* renderer_;
  bool software_;  // SDL's software renderer (window surface)
  bool partial_;   // damage regions: on the window surface (software) or a canvas texture (GPU)
  bool check_;
  SDL_Texture* canvas_ = nullptr;  // GPU with damage regions: the frame, kept between frames
  DamageTracker tracker_;
  std::vector<Primitive> prims_;
  std::vector<DamageRect> rects_;
  std::vector<int> index_scratch_;
  std::vector<uint64_t> vertex_hash_;
  int fb_w_ = 0, fb_h_ = 0;
  long long checked_ = 0, mismatched_ = 0, worst_ = 0;
};

}  // namespace balie::kiosk
