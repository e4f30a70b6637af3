// SystemdWatchdog: sd_notify readiness and watchdog pings (see watchdog.h).
#include "balie/platform/watchdog.h"

#include <systemd/sd-daemon.h>

namespace balie::platform {
namespace {

class SystemdWatchdog final : public Watchdog {
 public:
  SystemdWatchdog() {
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
      interval_ = std::chrono::milliseconds(usec / 1000 / 2);  // ping at half the deadline
    }
  }
  void ready() override { sd_notify(0, "READY=1"); }
  void ping() override {
    if (interval_.count() > 0) sd_notify(0, "WATCHDOG=1");
  }
  void stopping() override { sd_notify(0, "STOPPING=1"); }
  std::chrono::milliseconds ping_interval() const override { return interval_; }

 private:
  std::chrono::milliseconds interval_{0};
};

}  // namespace

std::unique_ptr<Watchdog> make_systemd_watchdog() { return std::make_unique<SystemdWatchdog>(); }

}  // namespace balie::platform
