// Time sources for Balie (platform layer). Everything that needs "now" takes a Clock&, so tests
// and the scripted driver can use ScriptedClock (scripted_clock.h) and jump forward in time.
// SystemClock and ScriptedClock are thread-safe.
#pragma once
#include <chrono>

namespace balie::platform {

class Clock {
 public:
  using WallTime = std::chrono::system_clock::time_point;
  using MonoTime = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  // UTC wall clock (may jump when NTP corrects it).
  virtual WallTime wall_now() const = 0;
  // Monotonic clock for timeouts and durations.
  virtual MonoTime mono_now() const = 0;
  // True when the wall clock is known to be synchronised (NTP); recorded with evidence.
  virtual bool wall_synchronised() const = 0;
  // A short name of the clock source ("system", "scripted"), recorded with evidence.
  virtual const char* source_name() const = 0;
};

class SystemClock final : public Clock {
 public:
  WallTime wall_now() const override { return std::chrono::system_clock::now(); }
  MonoTime mono_now() const override { return std::chrono::steady_clock::now(); }
  bool wall_synchronised() const override;
  const char* source_name() const override { return "system"; }
};

}  // namespace balie::platform
