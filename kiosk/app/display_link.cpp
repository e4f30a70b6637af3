// DisplayLink: detection of a lost Wayland connection (see display_link.h). Only reads state that
// libwayland-client and the kernel already have; it never reads from or writes to the socket, so
// SDL's own event handling on the same wl_display is not disturbed.
#include "app/display_link.h"

#include <SDL_syswm.h>
#include <poll.h>
#include <wayland-client-core.h>

#include <cstring>

namespace balie::kiosk {

DisplayLink::DisplayLink(SDL_Window* window) {
  const char* driver = SDL_GetCurrentVideoDriver();
  if (window == nullptr || driver == nullptr || std::strcmp(driver, "wayland") != 0) return;
  SDL_SysWMinfo info;
  SDL_VERSION(&info.version);
  if (SDL_GetWindowWMInfo(window, &info) == SDL_TRUE && info.subsystem == SDL_SYSWM_WAYLAND)
    display_ = info.info.wl.display;
}

std::optional<std::string> DisplayLink::lost() const {
  if (display_ == nullptr) return std::nullopt;
  // Set by libwayland once a read or write failed (EPIPE when the compositor closed the socket) or
  // the compositor sent a protocol error.
  if (const int err = wl_display_get_error(display_); err != 0)
    return "display connection lost (Wayland error " + std::to_string(err) + ": " + std::strerror(err) + ")";
  // The peer may be gone before libwayland has tried to read: the socket then reports a hang-up.
  pollfd p{wl_display_get_fd(display_), POLLIN, 0};
  if (poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0)
    return "display connection lost (Wayland socket hung up)";
  return std::nullopt;
}

}  // namespace balie::kiosk
