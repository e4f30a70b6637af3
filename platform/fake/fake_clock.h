// FakeClock: the Clock tests use. It is the production ScriptedClock (the kiosk's scripted-run
// clock, balie/platform/scripted_clock.h): starts at a fixed moment and only moves when told to.
#pragma once
#include "balie/platform/scripted_clock.h"

namespace balie::platform {

using FakeClock = ScriptedClock;

}  // namespace balie::platform
