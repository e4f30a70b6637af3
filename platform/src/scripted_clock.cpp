// ScriptedClock: the scripted-run clock of the kiosk (see scripted_clock.h). Both time lines are
// the start moment plus one shared elapsed duration, so they move together and never backwards.
#include "balie/platform/scripted_clock.h"

namespace balie::platform {

ScriptedClock::ScriptedClock(WallTime wall) : wall_start_(wall), mono_start_(MonoTime{} + std::chrono::hours(1)) {}

Clock::WallTime ScriptedClock::wall_now() const {
  return wall_start_ + std::chrono::duration_cast<WallTime::duration>(
                           std::chrono::nanoseconds(elapsed_ns_.load(std::memory_order_acquire)));
}

Clock::MonoTime ScriptedClock::mono_now() const {
  return mono_start_ + std::chrono::duration_cast<MonoTime::duration>(
                           std::chrono::nanoseconds(elapsed_ns_.load(std::memory_order_acquire)));
}

void ScriptedClock::advance(std::chrono::nanoseconds d) {
  if (d.count() > 0) elapsed_ns_.fetch_add(d.count(), std::memory_order_acq_rel);
}

}  // namespace balie::platform
