// Translation of SDL events into the kiosk's neutral input types (kiosk app layer, main thread).
// Real touches arrive as SDL finger events; SDL's synthetic mouse-from-touch events are ignored so a
// tap is not counted twice. A mouse is treated like a single finger (id -1).
#pragma once
#include <SDL.h>

#include <optional>

#include "core/input_mapper.h"

namespace balie::kiosk {

// Returns the pointer event for `e`, if it is one. `win_w/h` convert normalised finger positions.
std::optional<PointerEvent> to_pointer_event(const SDL_Event& e, int win_w, int win_h);
Key to_key(SDL_Keycode k);
KeyMods to_mods(Uint16 mod);

}  // namespace balie::kiosk
