// SDL -> neutral input translation (see sdl_input.h).
#include "app/sdl_input.h"

namespace balie::kiosk {

std::optional<PointerEvent> to_pointer_event(const SDL_Event& e, int win_w, int win_h) {
  PointerEvent p;
  switch (e.type) {
    case SDL_FINGERDOWN:
    case SDL_FINGERMOTION:
    case SDL_FINGERUP:
      p.kind = e.type == SDL_FINGERDOWN ? PointerEvent::Kind::Down
               : e.type == SDL_FINGERUP ? PointerEvent::Kind::Up
                                        : PointerEvent::Kind::Move;
      p.pos = Vec2{e.tfinger.x * static_cast<float>(win_w), e.tfinger.y * static_cast<float>(win_h)};
      p.finger = static_cast<int64_t>(e.tfinger.fingerId);
      p.pressure = e.tfinger.pressure;
      p.time_ms = e.tfinger.timestamp;
      return p;
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP:
      if (e.button.which == SDL_TOUCH_MOUSEID || e.button.button != SDL_BUTTON_LEFT) return std::nullopt;
      p.kind = e.type == SDL_MOUSEBUTTONDOWN ? PointerEvent::Kind::Down : PointerEvent::Kind::Up;
      p.pos = Vec2{static_cast<float>(e.button.x), static_cast<float>(e.button.y)};
      p.finger = -1;
      p.time_ms = e.button.timestamp;
      return p;
    case SDL_MOUSEMOTION:
      if (e.motion.which == SDL_TOUCH_MOUSEID || (e.motion.state & SDL_BUTTON_LMASK) == 0) return std::nullopt;
      p.kind = PointerEvent::Kind::Move;
      p.pos = Vec2{static_cast<float>(e.motion.x), static_cast<float>(e.motion.y)};
      p.finger = -1;
      p.time_ms = e.motion.timestamp;
      return p;
    default:
      return std::nullopt;
  }
}

Key to_key(SDL_Keycode k) {
  switch (k) {
    case SDLK_ESCAPE: return Key::Escape;
    case SDLK_TAB: return Key::Tab;
    case SDLK_F4: return Key::F4;
    case SDLK_F11: return Key::F11;
    case SDLK_q: return Key::Q;
    case SDLK_w: return Key::W;
    case SDLK_RETURN: return Key::Return;
    case SDLK_BACKSPACE: return Key::Backspace;
    case SDLK_LGUI:
    case SDLK_RGUI: return Key::Super;
    default: return Key::Other;
  }
}

KeyMods to_mods(Uint16 mod) {
  KeyMods m;
  m.ctrl = (mod & KMOD_CTRL) != 0;
  m.alt = (mod & KMOD_ALT) != 0;
  m.shift = (mod & KMOD_SHIFT) != 0;
  m.super = (mod & KMOD_GUI) != 0;
  return m;
}

}  // namespace balie::kiosk
