// Panel power (platform layer, main thread): the kiosk asks to switch the panel off after a long
// idle time on the welcome scene (DPMS-like) and on again at the first touch.
// The Linux implementation writes the sysfs backlight (bl_power) when present; FakeDisplayPower
// records the calls for tests.
#pragma once
#include <memory>

namespace balie::platform {

class DisplayPower {
 public:
  virtual ~DisplayPower() = default;
  virtual void set_panel_on(bool on) = 0;
  virtual bool panel_on() const = 0;
};

// Uses /sys/class/backlight/*/bl_power when writable; otherwise only remembers the state (the
// kiosk then draws a black screen, which is the best it can do without a backlight control).
std::unique_ptr<DisplayPower> make_linux_display_power();

}  // namespace balie::platform
