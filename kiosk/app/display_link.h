// DisplayLink (kiosk app layer, main thread): tells the frame loop when the connection to the
// display server is gone for good, so the kiosk exits instead of running on without a screen.
// Under Wayland it asks libwayland-client about SDL's wl_display (SDL 2.26 only sends one SDL_QUIT,
// which the kiosk ignores by design); under X11 Xlib's I/O error handler already ends the process.
#pragma once
#include <SDL.h>

#include <optional>
#include <string>

struct wl_display;

namespace balie::kiosk {

class DisplayLink {
 public:
  DisplayLink() = default;
  // Finds the window's Wayland connection when SDL's video driver is "wayland"; on any other
  // driver (x11 under Xvfb in tests) lost() always says the link is fine.
  explicit DisplayLink(SDL_Window* window);

  // Empty while the connection is usable; once it is lost, one line saying why, e.g.
  // "display connection lost (Wayland error 32: Broken pipe)". Cheap enough to call at every
  // wake-up of the loop: a mutex in libwayland and one poll() with a zero timeout, no reading.
  std::optional<std::string> lost() const;

  bool is_wayland() const { return display_ != nullptr; }

 private:
  wl_display* display_ = nullptr;
};

}  // namespace balie::kiosk
