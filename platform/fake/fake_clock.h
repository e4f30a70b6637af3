// FakeClock: a Clock for tests and the scripted UI driver. Starts at a fixed moment and only
// moves when told to (advance), so timeouts and dates are reproducible. Not thread-safe.
#pragma once
#include "balie/platform/clock.h"

namespace balie::platform {

class FakeClock final : public Clock {
 public:
  // Starts at `wall` (UTC) with an arbitrary monotonic origin.
  explicit FakeClock(WallTime wall) : wall_(wall), mono_(MonoTime{} + std::chrono::hours(1)) {}
  WallTime wall_now() const override { return wall_; }
  MonoTime mono_now() const override { return mono_; }
  bool wall_synchronised() const override { return false; }
  const char* source_name() const override { return "fake"; }
  void advance(std::chrono::milliseconds d) {
    wall_ += d;
    mono_ += d;
  }

 private:
  WallTime wall_;
  MonoTime mono_;
};

}  // namespace balie::platform
