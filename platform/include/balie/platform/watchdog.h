// Service manager integration (platform layer, main thread): readiness and watchdog pings.
// SystemdWatchdog talks sd_notify; when not run under systemd it does nothing. The kiosk's main
// loop wakes at ping_interval() even when idle, so a hung UI stops pinging and is restarted.
#pragma once
#include <chrono>
#include <memory>

namespace balie::platform {

class Watchdog {
 public:
  virtual ~Watchdog() = default;
  virtual void ready() = 0;     // READY=1 after the first frame
  virtual void ping() = 0;      // WATCHDOG=1
  virtual void stopping() = 0;  // STOPPING=1 on clean shutdown
  // How often to ping; zero when no watchdog is configured.
  virtual std::chrono::milliseconds ping_interval() const = 0;
};

// sd_notify-based implementation (reads $WATCHDOG_USEC); harmless outside systemd.
std::unique_ptr<Watchdog> make_systemd_watchdog();

}  // namespace balie::platform
