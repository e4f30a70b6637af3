// Linux DisplayPower: sysfs backlight bl_power (0 = on, 4 = powerdown), see display_power.h.
#include "balie/platform/display_power.h"

#include <filesystem>
#include <fstream>

namespace balie::platform {
namespace {

class LinuxDisplayPower final : public DisplayPower {
 public:
  void set_panel_on(bool on) override {
    on_ = on;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/sys/class/backlight", ec)) {
      std::ofstream f(e.path() / "bl_power");
      if (f) f << (on ? 0 : 4);
    }
  }
  bool panel_on() const override { return on_; }

 private:
  bool on_ = true;
};

}  // namespace

std::unique_ptr<DisplayPower> make_linux_display_power() { return std::make_unique<LinuxDisplayPower>(); }

}  // namespace balie::platform
