// ScriptedClock: a Clock that starts at a given UTC moment and only moves when told to (advance),
// so timeouts and dates in the kiosk's scripted runs (--script / --clock-start) are reproducible.
// Tests use it too (platform/fake/fake_clock.h). Reports itself as not NTP-synchronised, source
// "scripted". Thread-safe: advance() and the readers may run on different threads.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>

#include "balie/platform/clock.h"

namespace balie::platform {

class ScriptedClock final : public Clock {
 public:
  // Starts at `wall` (UTC) with an arbitrary monotonic origin.
  explicit ScriptedClock(WallTime wall);
  WallTime wall_now() const override;
  MonoTime mono_now() const override;
  bool wall_synchronised() const override { return false; }
  const char* source_name() const override { return "scripted"; }
  // Moves both clocks forward by `d`; a negative `d` is ignored (time never runs backwards).
  void advance(std::chrono::nanoseconds d);

 private:
  const WallTime wall_start_;
  const MonoTime mono_start_;
  std::atomic<std::int64_t> elapsed_ns_{0};
};

}  // namespace balie::platform
