// The signature pad's ink cache (kiosk app layer, main thread): keeps the settled ink in a
// screen-sized SDL render-target texture, so a pad frame adds one image (the part with ink) plus
// the newest dab instead of every dab. Same geometry, same raster: the texture holds premultiplied
// colour, composited with (ONE, ONE_MINUS_SRC_ALPHA); pixels match direct drawing up to one level of
// 8-bit rounding at a few edge pixels. Cleared and destroyed when a frame does not draw the pad,
// on clear/redo and at session end (wipe), so no ink outlives its screen.
#pragma once
#include <SDL.h>
#include <imgui.h>

#include <cfloat>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "signing/ink.h"
#include "ui/ink_layer.h"

namespace balie::kiosk {

class SdlInkCache final : public InkLayer {
 public:
  explicit SdlInkCache(SDL_Renderer* renderer);
  ~SdlInkCache() override;
  SdlInkCache(const SdlInkCache&) = delete;
  SdlInkCache& operator=(const SdlInkCache&) = delete;

  bool draw(ImDrawList* dl, const signing::Ink& ink, Rect target, uint32_t colour) override;
  // After ImGui::Render: drops the texture when no ink was drawn this frame.
  void end_frame();
  // Clears and destroys the texture and forgets every ink position (session end, clear, redo).
  void wipe();
  // Told when the texture's contents change (the frame's damage regions): (texture, x, y, w, h) for
  // newly settled ink; (nullptr, 0, 0, 0, 0) when the texture is created or destroyed.
  using ChangeObserver = std::function<void(void* texture, int x, int y, int w, int h)>;
  void set_change_observer(ChangeObserver o) { observer_ = std::move(o); }

 private:
  bool ensure_texture(int w, int h);
  void render_settled(const signing::Ink& ink, size_t end);

  SDL_Renderer* renderer_;
  SDL_BlendMode premultiplied_;
  bool usable_ = true;    // false once the renderer lacks targets or the blend mode
  bool used_ = false;     // draw() was called this frame
  SDL_Texture* tex_ = nullptr;
  int tex_w_ = 0, tex_h_ = 0;
  // What the texture holds: dabs [0, settled_) of `ink_` drawn into `target_`, in screen
  // coordinates (the texture is the size of the screen; only its inked part is drawn).
  const signing::Ink* ink_ = nullptr;
  Rect target_{};
  uint32_t colour_ = 0;
  size_t settled_ = 0;
  size_t last_ = SIZE_MAX;     // draw_ink_range's state after the settled dabs
  signing::InkDab check_{};     // copy of dab settled_ - 1, to notice a replaced ink
  ImVec2 ink_min_{FLT_MAX, FLT_MAX}, ink_max_{-FLT_MAX, -FLT_MAX};  // bounds of the texture's ink
  ImDrawList* scratch_ = nullptr;  // settled dabs on their way into the texture
  ImDrawListFlags flags_ = 0;
  float fringe_ = 1;
  ChangeObserver observer_;
};

}  // namespace balie::kiosk
