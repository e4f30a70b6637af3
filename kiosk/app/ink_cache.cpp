// The signature pad's ink cache (kiosk app layer, main thread): see ink_cache.h. The settled dabs
// are drawn with the scenes' own geometry (scenes/ink_draw.h) into a scratch ImDrawList and sent to
// the texture with SDL_RenderGeometryRaw; the newest dab stays geometry in the frame's draw list.
#include "app/ink_cache.h"

#include <sodium.h>

#include <algorithm>
#include <cfloat>
#include <cmath>

#include "scenes/ink_draw.h"

namespace balie::kiosk {

namespace {

bool same_dab(const signing::InkDab& a, const signing::InkDab& b) {
  return a.x == b.x && a.y == b.y && a.r == b.r && a.stroke_start == b.stroke_start;
}

bool same_rect(Rect a, Rect b) { return a.x == b.x && a.y == b.y && a.w == b.w && a.h == b.h; }

template <typename T>
void zero(ImVector<T>& v) {
  if (v.Capacity > 0) sodium_memzero(v.Data, static_cast<size_t>(v.Capacity) * sizeof(T));
}

}  // namespace

SdlInkCache::SdlInkCache(SDL_Renderer* renderer)
    : renderer_(renderer),
      // Premultiplied "over": the texture already holds colour * alpha.
      premultiplied_(SDL_ComposeCustomBlendMode(SDL_BLENDFACTOR_ONE, SDL_BLENDFACTOR_ONE_MINUS_SRC_ALPHA,
                                                SDL_BLENDOPERATION_ADD, SDL_BLENDFACTOR_ONE,
                                                SDL_BLENDFACTOR_ONE_MINUS_SRC_ALPHA, SDL_BLENDOPERATION_ADD)) {
  usable_ = renderer_ != nullptr && SDL_RenderTargetSupported(renderer_) == SDL_TRUE;
}

SdlInkCache::~SdlInkCache() {
  wipe();
  if (scratch_) IM_DELETE(scratch_);
}

bool SdlInkCache::ensure_texture(int w, int h) {
  if (tex_ && tex_w_ == w && tex_h_ == h) return true;
  wipe();
  tex_ = SDL_CreateTexture(renderer_, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_TARGET, w, h);
  if (!tex_ || SDL_SetTextureBlendMode(tex_, premultiplied_) != 0 ||
      SDL_SetTextureScaleMode(tex_, SDL_ScaleModeNearest) != 0) {
    // No render targets or no custom blend modes (software renderer): draw ink as geometry.
    if (tex_) SDL_DestroyTexture(tex_);
    tex_ = nullptr;
    usable_ = false;
    return false;
  }
  tex_w_ = w;
  tex_h_ = h;
  if (observer_) observer_(nullptr, 0, 0, 0, 0);
  // A new texture starts transparent.
  SDL_Texture* prev = SDL_GetRenderTarget(renderer_);
  SDL_SetRenderTarget(renderer_, tex_);
  SDL_SetRenderDrawColor(renderer_, 0, 0, 0, 0);
  SDL_RenderClear(renderer_);
  SDL_SetRenderTarget(renderer_, prev);
  return true;
}

void SdlInkCache::render_settled(const signing::Ink& ink, size_t end) {
  if (!scratch_) scratch_ = IM_NEW(ImDrawList)(ImGui::GetDrawListSharedData());
  ImDrawList* dl = scratch_;
  dl->_ResetForNewFrame();
  dl->Flags = flags_;  // the frame's anti-aliasing settings, as in the window's draw list
  dl->_FringeScale = fringe_;
  dl->PushClipRectFullScreen();
  dl->PushTextureID(ImGui::GetIO().Fonts->TexID);
  draw_ink_range(dl, ink, target_, colour_, settled_, end, last_);
  settled_ = end;
  check_ = ink.dabs()[end - 1];

  // Drawn as ImGui's backend draws the window (same coordinates, same size of target, no scale,
  // the font texture's white pixel with its blend mode), so the rasteriser makes the same pixels.
  // (Untextured geometry here made the following review frames ~10 ms slower on llvmpipe, one run.)
  SDL_Texture* prev = SDL_GetRenderTarget(renderer_);
  SDL_SetRenderTarget(renderer_, tex_);  // viewport: the whole texture; no clip, scale 1
  const ImDrawVert* vtx = dl->VtxBuffer.Data;
  ImVec2 lo(FLT_MAX, FLT_MAX), hi(-FLT_MAX, -FLT_MAX);  // what this batch adds
  for (int i = 0; i < dl->VtxBuffer.Size; ++i) {  // where the texture has ink
    lo = ImVec2(std::min(lo.x, vtx[i].pos.x), std::min(lo.y, vtx[i].pos.y));
    hi = ImVec2(std::max(hi.x, vtx[i].pos.x), std::max(hi.y, vtx[i].pos.y));
  }
  ink_min_ = ImVec2(std::min(ink_min_.x, lo.x), std::min(ink_min_.y, lo.y));
  ink_max_ = ImVec2(std::max(ink_max_.x, hi.x), std::max(ink_max_.y, hi.y));
  if (observer_ && hi.x >= lo.x && hi.y >= lo.y) {
    const int x0 = static_cast<int>(std::floor(lo.x)) - 1, y0 = static_cast<int>(std::floor(lo.y)) - 1;
    observer_(tex_, x0, y0, static_cast<int>(std::ceil(hi.x)) + 1 - x0, static_cast<int>(std::ceil(hi.y)) + 1 - y0);
  }
  for (const ImDrawCmd& cmd : dl->CmdBuffer) {
    if (cmd.ElemCount == 0 || cmd.UserCallback) continue;
    const char* base = reinterpret_cast<const char*>(vtx + cmd.VtxOffset);
    SDL_RenderGeometryRaw(renderer_, static_cast<SDL_Texture*>(cmd.GetTexID()),
                          reinterpret_cast<const float*>(base + IM_OFFSETOF(ImDrawVert, pos)),
                          static_cast<int>(sizeof(ImDrawVert)),
                          reinterpret_cast<const SDL_Color*>(base + IM_OFFSETOF(ImDrawVert, col)),
                          static_cast<int>(sizeof(ImDrawVert)), reinterpret_cast<const float*>(base + IM_OFFSETOF(ImDrawVert, uv)),
                          static_cast<int>(sizeof(ImDrawVert)),
                          dl->VtxBuffer.Size - static_cast<int>(cmd.VtxOffset), dl->IdxBuffer.Data + cmd.IdxOffset,
                          static_cast<int>(cmd.ElemCount), static_cast<int>(sizeof(ImDrawIdx)));
  }
  SDL_SetRenderTarget(renderer_, prev);  // runs the queued geometry; restores the window's view
  // The scratch geometry traces the signature: overwrite it, keep the capacity for the next frame.
  zero(dl->VtxBuffer);
  zero(dl->IdxBuffer);
  zero(dl->_Path);
}

bool SdlInkCache::draw(ImDrawList* dl, const signing::Ink& ink, Rect target, uint32_t colour) {
  if (!usable_) return false;
  const signing::PadRect pad = ink.pad();
  const ImVec2 screen = ImGui::GetIO().DisplaySize;
  const int sw = static_cast<int>(screen.x), sh = static_cast<int>(screen.y);
  if (pad.w <= 0 || pad.h <= 0 || sw <= 0 || sh <= 0) return false;
  used_ = true;
  const auto& d = ink.dabs();
  if (d.empty()) {  // nothing to keep yet
    if (tex_) wipe();
    return true;
  }
  flags_ = dl->Flags;
  fringe_ = dl->_FringeScale;
  const bool same = tex_ && ink_ == &ink && same_rect(target_, target) && colour_ == colour && tex_w_ == sw &&
                    tex_h_ == sh && settled_ <= d.size() && (settled_ == 0 || same_dab(d[settled_ - 1], check_));
  if (!same) {
    wipe();
    if (!ensure_texture(sw, sh)) return false;
    ink_ = &ink;
    target_ = target;
    colour_ = colour;
  }
  // Dab i is final once dab i + 1 exists: everything but the newest dab goes into the texture.
  const size_t settle_end = d.size() - 1;
  if (settle_end > settled_) render_settled(ink, settle_end);
  // Only the part of the texture with ink is drawn (elsewhere it is transparent: no change).
  if (ink_max_.x > ink_min_.x && ink_max_.y > ink_min_.y) {
    const ImVec2 r0(std::max(0.0f, std::floor(ink_min_.x) - 1), std::max(0.0f, std::floor(ink_min_.y) - 1));
    const ImVec2 r1(std::min(screen.x, std::ceil(ink_max_.x) + 1), std::min(screen.y, std::ceil(ink_max_.y) + 1));
    if (r1.x > r0.x && r1.y > r0.y)
      dl->AddImage(reinterpret_cast<ImTextureID>(tex_), r0, r1, ImVec2(r0.x / sw, r0.y / sh), ImVec2(r1.x / sw, r1.y / sh));
  }
  size_t last = last_;
  draw_ink_range(dl, ink, target, colour, settled_, d.size(), last);
  return true;
}

void SdlInkCache::end_frame() {
  if (!used_ && (tex_ || settled_ > 0)) wipe();
  used_ = false;
}

void SdlInkCache::wipe() {
  if (tex_) {
    SDL_Texture* prev = SDL_GetRenderTarget(renderer_);
    if (prev == tex_) prev = nullptr;
    SDL_SetRenderTarget(renderer_, tex_);
    SDL_SetRenderDrawColor(renderer_, 0, 0, 0, 0);
    SDL_RenderClear(renderer_);
    SDL_SetRenderTarget(renderer_, prev);
    SDL_RenderFlush(renderer_);
    SDL_DestroyTexture(tex_);
    tex_ = nullptr;
    if (observer_) observer_(nullptr, 0, 0, 0, 0);
  }
  tex_w_ = tex_h_ = 0;
  if (scratch_) {
    zero(scratch_->VtxBuffer);
    zero(scratch_->IdxBuffer);
    zero(scratch_->_Path);
    scratch_->_ClearFreeMemory();
  }
  ink_ = nullptr;
  target_ = Rect{};
  colour_ = 0;
  settled_ = 0;
  last_ = SIZE_MAX;
  ink_min_ = ImVec2(FLT_MAX, FLT_MAX);
  ink_max_ = ImVec2(-FLT_MAX, -FLT_MAX);
  sodium_memzero(&check_, sizeof(check_));
}

}  // namespace balie::kiosk
