// How frames reach the screen (see frame_presenter.h): the renderer choice, ImGui's draw data drawn
// whole or per damage rectangle (only the triangles that touch it), and the partial present.
#include "app/frame_presenter.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string_view>

namespace balie::kiosk {

namespace {

bool has_gpu_render_node() {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/dev/dri", ec))
    if (e.path().filename().string().rfind("renderD", 0) == 0) return true;
  return false;
}

int driver_index(const char* name) {
  for (int i = 0; i < SDL_GetNumRenderDrivers(); ++i) {
    SDL_RendererInfo info{};
    if (SDL_GetRenderDriverInfo(i, &info) == 0 && std::string_view(info.name) == name) return i;
  }
  return -1;
}

// A 64-bit hash of a triangle as drawn (wyhash-style multiply-xor mixing of 8-byte words).
inline uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h *= 0xff51afd7ed558ccdULL;
  return h ^ (h >> 32);
}

uint64_t hash_bytes(uint64_t h, const void* p, size_t n) {
  const auto* b = static_cast<const unsigned char*>(p);
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, b, 8);
    h = mix(h, v);
    b += 8;
    n -= 8;
  }
  uint64_t v = 0;
  std::memcpy(&v, b, n);
  return mix(h, v ^ n);
}

struct Clip {
  bool ok = false;
  SDL_Rect r{};
};

// The command's clip rect in framebuffer pixels, rounded as imgui_impl_sdlrenderer rounds it.
Clip project_clip(const ImDrawData* d, const ImDrawCmd& c, int fb_w, int fb_h) {
  const ImVec2 off = d->DisplayPos, sc = d->FramebufferScale;
  float x0 = (c.ClipRect.x - off.x) * sc.x, y0 = (c.ClipRect.y - off.y) * sc.y;
  float x1 = (c.ClipRect.z - off.x) * sc.x, y1 = (c.ClipRect.w - off.y) * sc.y;
  x0 = std::max(x0, 0.0f);
  y0 = std::max(y0, 0.0f);
  x1 = std::min(x1, static_cast<float>(fb_w));
  y1 = std::min(y1, static_cast<float>(fb_h));
  Clip out;
  if (x1 <= x0 || y1 <= y0) return out;
  out.ok = true;
  out.r = SDL_Rect{static_cast<int>(x0), static_cast<int>(y0), static_cast<int>(x1 - x0), static_cast<int>(y1 - y0)};
  return out;
}

}  // namespace

RendererChoice renderer_choice_from_environment() {
  RendererChoice c;
  const char* r = std::getenv("BALIE_RENDERER");
  const std::string_view v = r ? r : "";
  c.automatic = v.empty() || v == "auto";
  if (v == "gpu") {
    c.kind = RendererKind::Gpu;
  } else if (v == "software") {
    c.kind = RendererKind::Software;
  } else if (v.empty() || v == "auto") {
    c.kind = has_gpu_render_node() ? RendererKind::Gpu : RendererKind::Software;
  } else {
    c.error = "BALIE_RENDERER must be gpu, software or auto (got '" + std::string(v) + "')";
  }
  if (const char* d = std::getenv("BALIE_DAMAGE"); d && *d) c.damage = std::string_view(d) == "0" ? 0 : 1;
  const char* k = std::getenv("BALIE_DAMAGE_CHECK");
  c.check = k && std::string_view(k) == "1";
  return c;
}

SDL_Renderer* create_renderer(SDL_Window* window, RendererChoice& choice, std::string* note) {
  auto software = [&]() -> SDL_Renderer* {
    // Without this SDL presents the window surface through a GL texture on X11 (loading Mesa).
    SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    const int i = driver_index("software");
    return i < 0 ? nullptr : SDL_CreateRenderer(window, i, SDL_RENDERER_SOFTWARE);
  };
  SDL_Renderer* r = nullptr;
  // SDL 2.26 offers no window surface under Wayland (cage on the terminal): there "auto" means the
  // GPU renderer; "software" is tried and falls back with a note.
  const char* video = SDL_GetCurrentVideoDriver();
  if (choice.automatic && choice.kind == RendererKind::Software && !(video && std::string_view(video) == "x11"))
    choice.kind = RendererKind::Gpu;
  if (choice.kind == RendererKind::Software) {
    r = software();
    if (!r) {
      *note = std::string("software renderer unavailable (") + SDL_GetError() + "), using the GPU renderer";
      choice.kind = RendererKind::Gpu;
      r = SDL_CreateRenderer(window, -1, SDL_RENDERER_ACCELERATED);
    }
  } else {
    r = SDL_CreateRenderer(window, -1, SDL_RENDERER_ACCELERATED);
    if (!r) {
      *note = std::string("accelerated renderer unavailable (") + SDL_GetError() + "), using software";
      choice.kind = RendererKind::Software;
      r = software();
    }
  }
  return r;
}

FramePresenter::FramePresenter(SDL_Window* window, SDL_Renderer* renderer, const RendererChoice& choice)
    : window_(window),
      renderer_(renderer),
      software_(choice.kind == RendererKind::Software),
      partial_(software_ ? choice.damage != 0 : choice.damage == 1),
      check_(choice.check && partial_),
      tracker_(0, 0) {}

FramePresenter::~FramePresenter() {
  if (canvas_) SDL_DestroyTexture(canvas_);
}

void FramePresenter::texture_changed(void* texture, int x, int y, int w, int h) {
  if (!texture) {
    tracker_.invalidate_all();
    return;
  }
  int tw = 0, th = 0;
  if (SDL_QueryTexture(static_cast<SDL_Texture*>(texture), nullptr, nullptr, &tw, &th) != 0 || tw <= 0 || th <= 0) {
    tracker_.invalidate_all();
    return;
  }
  tracker_.texture_changed(texture, static_cast<float>(x) / tw, static_cast<float>(y) / th,
                           static_cast<float>(x + w) / tw, static_cast<float>(y + h) / th);
}

void FramePresenter::collect(ImDrawData* data, int fb_w, int fb_h) {
  prims_.clear();
  const ImVec2 off = data->DisplayPos, sc = data->FramebufferScale;
  for (int n = 0; n < data->CmdListsCount; ++n) {
    const ImDrawList* list = data->CmdLists[n];
    const ImDrawVert* vtx = list->VtxBuffer.Data;
    const ImDrawIdx* idx = list->IdxBuffer.Data;
    // One hash per vertex in a linear pass (fans and quads share vertices between triangles).
    vertex_hash_.resize(static_cast<size_t>(list->VtxBuffer.Size));
    for (int v = 0; v < list->VtxBuffer.Size; ++v) vertex_hash_[static_cast<size_t>(v)] = hash_bytes(0x243f6a8885a308d3ULL, &vtx[v], sizeof(ImDrawVert));
    for (const ImDrawCmd& c : list->CmdBuffer) {
      if (c.UserCallback) {  // not used by the kiosk; if it ever is, nothing can be compared
        tracker_.invalidate_all();
        continue;
      }
      const Clip clip = project_clip(data, c, fb_w, fb_h);
      if (!clip.ok) continue;
      uint64_t base = mix(reinterpret_cast<uintptr_t>(c.GetTexID()), 0x5bd1e995);
      base = hash_bytes(base, &clip.r, sizeof(clip.r));
      for (unsigned t = 0; t + 2 < c.ElemCount; t += 3) {
        Primitive p;
        p.texture = c.GetTexID();
        p.cx0 = static_cast<float>(clip.r.x);
        p.cy0 = static_cast<float>(clip.r.y);
        p.cx1 = static_cast<float>(clip.r.x + clip.r.w);
        p.cy1 = static_cast<float>(clip.r.y + clip.r.h);
        uint64_t h = base;
        for (int k = 0; k < 3; ++k) {
          const size_t vi = idx[c.IdxOffset + t + static_cast<unsigned>(k)] + c.VtxOffset;
          const ImDrawVert& v = vtx[vi];
          h = mix(h, vertex_hash_[vi]);
          const float x = (v.pos.x - off.x) * sc.x, y = (v.pos.y - off.y) * sc.y;
          if (k == 0) {
            p.x0 = p.x1 = x;
            p.y0 = p.y1 = y;
            p.u0 = p.u1 = v.uv.x;
            p.v0 = p.v1 = v.uv.y;
          } else {
            p.x0 = std::min(p.x0, x);
            p.x1 = std::max(p.x1, x);
            p.y0 = std::min(p.y0, y);
            p.y1 = std::max(p.y1, y);
            p.u0 = std::min(p.u0, v.uv.x);
            p.u1 = std::max(p.u1, v.uv.x);
            p.v0 = std::min(p.v0, v.uv.y);
            p.v1 = std::max(p.v1, v.uv.y);
          }
        }
        p.hash = h;
        prims_.push_back(p);
      }
    }
  }
}

namespace {
// Two triangles (six indices from `i`) that fill an axis-aligned rectangle with one colour and one
// texture coordinate (ImGui's solid fills use the font texture's white pixel): the rectangle and colour.
bool solid_rect(const ImDrawVert* v, const int* i, SDL_FRect* rect, ImU32* colour) {
  int u[4], n = 0;
  for (int k = 0; k < 6; ++k) {
    bool seen = false;
    for (int m = 0; m < n; ++m) seen = seen || u[m] == i[k];
    if (!seen) {
      if (n == 4) return false;
      u[n++] = i[k];
    }
  }
  if (n != 4) return false;
  const ImDrawVert& a = v[u[0]];
  float xs[2] = {a.pos.x, a.pos.x}, ys[2] = {a.pos.y, a.pos.y};
  for (int m = 1; m < 4; ++m) {
    const ImDrawVert& b = v[u[m]];
    if (b.col != a.col || b.uv.x != a.uv.x || b.uv.y != a.uv.y) return false;
    xs[0] = std::min(xs[0], b.pos.x);
    xs[1] = std::max(xs[1], b.pos.x);
    ys[0] = std::min(ys[0], b.pos.y);
    ys[1] = std::max(ys[1], b.pos.y);
  }
  for (int m = 0; m < 4; ++m) {  // every vertex on a corner, and the four corners distinct
    const ImDrawVert& b = v[u[m]];
    if ((b.pos.x != xs[0] && b.pos.x != xs[1]) || (b.pos.y != ys[0] && b.pos.y != ys[1])) return false;
  }
  if (xs[0] == xs[1] || ys[0] == ys[1]) return false;
  int corners = 0;
  for (int m = 0; m < 4; ++m) corners |= 1 << ((v[u[m]].pos.x == xs[1] ? 1 : 0) + (v[u[m]].pos.y == ys[1] ? 2 : 0));
  if (corners != 15) return false;
  *rect = SDL_FRect{xs[0], ys[0], xs[1] - xs[0], ys[1] - ys[0]};
  *colour = a.col;
  return true;
}
}  // namespace

void FramePresenter::submit(SDL_Texture* tex, const ImDrawVert* vtx, int nvtx) {
  const char* base = reinterpret_cast<const char*>(vtx);
  const auto* xy = reinterpret_cast<const float*>(base + IM_OFFSETOF(ImDrawVert, pos));
  const auto* uv = reinterpret_cast<const float*>(base + IM_OFFSETOF(ImDrawVert, uv));
  const auto* col = reinterpret_cast<const SDL_Color*>(base + IM_OFFSETOF(ImDrawVert, col));
  auto geometry = [&](const int* first, size_t n) {
    if (n > 0)
      SDL_RenderGeometryRaw(renderer_, tex, xy, sizeof(ImDrawVert), col, sizeof(ImDrawVert), uv, sizeof(ImDrawVert), nvtx,
                            first, static_cast<int>(n), sizeof(int));
  };
  if (!software_) {  // the GPU draws rectangles as fast as any triangles
    geometry(index_scratch_.data(), index_scratch_.size());
    return;
  }
  // Software: solid rectangles (ImGui samples the font texture's white pixel for them) go to SDL's
  // rectangle fill, a tight loop per row, instead of its triangle rasteriser, a texture lookup per
  // pixel. Everything keeps its order. (Untextured triangles were tried for the other solid shapes:
  // SDL 2.26 blends those per pixel and a whole welcome frame took twice as long.)
  const ImFontAtlas* fonts = ImGui::GetIO().Fonts;
  const bool font_tex = fonts && tex == static_cast<SDL_Texture*>(fonts->TexID);
  const ImVec2 white = fonts ? fonts->TexUvWhitePixel : ImVec2(-1, -1);
  auto solid = [&](const int* t) {
    for (int k = 0; k < 6; ++k)
      if (vtx[t[k]].uv.x != white.x || vtx[t[k]].uv.y != white.y) return false;
    return true;
  };
  const int* ix = index_scratch_.data();
  const size_t n = index_scratch_.size();
  size_t run = 0;  // start of the triangles not yet submitted
  for (size_t t = 0; t + 3 <= n;) {
    SDL_FRect rect;
    ImU32 c = 0;
    if (t + 6 <= n && font_tex && solid(ix + t) && solid_rect(vtx, ix + t, &rect, &c)) {
      geometry(ix + run, t - run);
      const Uint8 a = static_cast<Uint8>(c >> IM_COL32_A_SHIFT);
      SDL_SetRenderDrawBlendMode(renderer_, a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
      SDL_SetRenderDrawColor(renderer_, static_cast<Uint8>(c >> IM_COL32_R_SHIFT), static_cast<Uint8>(c >> IM_COL32_G_SHIFT),
                             static_cast<Uint8>(c >> IM_COL32_B_SHIFT), a);
      SDL_RenderFillRectF(renderer_, &rect);
      t += 6;
      run = t;
      continue;
    }
    t += 3;
  }
  geometry(ix + run, n - run);
}

void FramePresenter::draw(ImDrawData* data, const DamageRect* only) {
  SDL_RenderSetViewport(renderer_, nullptr);
  SDL_SetRenderDrawColor(renderer_, 0, 0, 0, 255);
  SDL_Rect area{};
  if (only) {
    area = SDL_Rect{only->x, only->y, only->w, only->h};
    SDL_RenderSetClipRect(renderer_, &area);
    SDL_SetRenderDrawBlendMode(renderer_, SDL_BLENDMODE_NONE);
    SDL_RenderFillRect(renderer_, &area);
  } else {
    SDL_RenderSetClipRect(renderer_, nullptr);
    SDL_RenderClear(renderer_);
  }
  size_t prim = 0;
  for (int n = 0; n < data->CmdListsCount; ++n) {
    const ImDrawList* list = data->CmdLists[n];
    const ImDrawVert* vtx = list->VtxBuffer.Data;
    const ImDrawIdx* idx = list->IdxBuffer.Data;
    for (const ImDrawCmd& c : list->CmdBuffer) {
      if (c.UserCallback) continue;
      const Clip clip = project_clip(data, c, fb_w_, fb_h_);
      if (!clip.ok) continue;
      const size_t first = prim, count = c.ElemCount / 3;
      prim += count;
      SDL_Rect r = clip.r;
      if (only && !SDL_IntersectRect(&clip.r, &area, &r)) continue;
      SDL_RenderSetClipRect(renderer_, &r);
      auto* tex = static_cast<SDL_Texture*>(c.GetTexID());
      // As imgui_impl_sdlrenderer: the command's vertices start at VtxOffset, its indices are relative.
      const char* base = reinterpret_cast<const char*>(vtx + c.VtxOffset);
      const int nvtx = list->VtxBuffer.Size - static_cast<int>(c.VtxOffset);
      // The triangles to draw: all of them, or only those that touch this rectangle (the rest
      // would be clipped away anyway).
      index_scratch_.clear();
      const float ax0 = static_cast<float>(r.x), ay0 = static_cast<float>(r.y);
      const float ax1 = static_cast<float>(r.x + r.w), ay1 = static_cast<float>(r.y + r.h);
      for (size_t t = 0; t < count; ++t) {
        if (only) {
          const Primitive& p = prims_[first + t];
          if (p.x1 < ax0 || p.x0 > ax1 || p.y1 < ay0 || p.y0 > ay1) continue;
        }
        for (unsigned k = 0; k < 3; ++k) index_scratch_.push_back(static_cast<int>(idx[c.IdxOffset + 3 * t + k]));
      }
      submit(tex, reinterpret_cast<const ImDrawVert*>(base), nvtx);
    }
  }
  SDL_RenderSetClipRect(renderer_, nullptr);
}

std::vector<uint32_t> FramePresenter::read_pixels(int w, int h) {
  std::vector<uint32_t> px(static_cast<size_t>(w) * h);
  if (SDL_RenderReadPixels(renderer_, nullptr, SDL_PIXELFORMAT_ARGB8888, px.data(), w * 4) != 0) px.clear();
  return px;
}

bool FramePresenter::render(ImDrawData* data, int fb_w, int fb_h, bool force) {
  if (fb_w != fb_w_ || fb_h != fb_h_) {
    fb_w_ = fb_w;
    fb_h_ = fb_h;
    tracker_.resize(fb_w, fb_h);
  }
  collect(data, fb_w, fb_h);
  rects_ = tracker_.next(prims_);
  if (rects_.empty() && !force) return false;
  if (!partial_) {
    draw(data, nullptr);
    rects_.assign(1, DamageRect{0, 0, fb_w, fb_h});
    return true;
  }
  if (!software_) {
    // The GPU's back buffer is not kept between frames: the frame lives in a canvas texture that
    // only the damaged rectangles are drawn into, and is copied whole to the screen.
    int cw = 0, ch = 0;
    if (canvas_ && (SDL_QueryTexture(canvas_, nullptr, nullptr, &cw, &ch) != 0 || cw != fb_w || ch != fb_h)) {
      SDL_DestroyTexture(canvas_);
      canvas_ = nullptr;
    }
    if (!canvas_) {
      canvas_ = SDL_CreateTexture(renderer_, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_TARGET, fb_w, fb_h);
      if (canvas_) SDL_SetTextureBlendMode(canvas_, SDL_BLENDMODE_NONE);
      rects_.assign(1, DamageRect{0, 0, fb_w, fb_h});
    }
    if (!canvas_ || SDL_SetRenderTarget(renderer_, canvas_) != 0) {  // no render targets: whole frames
      draw(data, nullptr);
      rects_.assign(1, DamageRect{0, 0, fb_w, fb_h});
      return true;
    }
  }
  for (const auto& r : rects_) draw(data, &r);
  if (check_ && !rects_.empty()) {
    const auto partial = read_pixels(fb_w, fb_h);
    draw(data, nullptr);
    const auto whole = read_pixels(fb_w, fb_h);
    long long differ = 0;
    for (size_t i = 0; i < partial.size() && i < whole.size(); ++i) differ += partial[i] != whole[i];
    ++checked_;
    if (differ > 0) {
      ++mismatched_;
      worst_ = std::max(worst_, differ);
    }
  }
  if (!software_) {
    SDL_SetRenderTarget(renderer_, nullptr);
    SDL_RenderSetClipRect(renderer_, nullptr);
    SDL_RenderCopy(renderer_, canvas_, nullptr, nullptr);
  }
  return true;
}

void FramePresenter::present() {
  if (!software_ || !partial_) {
    SDL_RenderPresent(renderer_);
    return;
  }
  SDL_RenderFlush(renderer_);
  if (rects_.empty()) return;
  std::vector<SDL_Rect> rs;
  rs.reserve(rects_.size());
  for (const auto& r : rects_) rs.push_back(SDL_Rect{r.x, r.y, r.w, r.h});
  SDL_UpdateWindowSurfaceRects(window_, rs.data(), static_cast<int>(rs.size()));
}

}  // namespace balie::kiosk
