// The PVT registration deadline (seed 004, 4.4: the municipality registers the signing date with DUO
// within ten working days), the one rule behind the kiosk's staff status screen and balie-syncd's
// status (record/, any thread). A record counts from its Amsterdam day, never its UTC day; working
// days are those of balie/platform/dutch_calendar.h (Mon-Fri without the Algemene termijnenwet holidays).
#pragma once
#include <chrono>

#include "balie/platform/dutch_calendar.h"

namespace balie::record {

inline constexpr int kRegistrationWorkingDays = 10;

struct RegistrationDeadline {
  calendar::Day made_on;          // Amsterdam day the record was made
  calendar::Day last_day;         // the tenth working day after made_on
  int working_days_waiting = 0;   // working days after made_on up to and including today
  int working_days_left = 0;      // working days from today to last_day; negative once past it
  bool overdue = false;           // today (Amsterdam) is after last_day
};

RegistrationDeadline registration_deadline(std::chrono::system_clock::time_point made,
                                           std::chrono::system_clock::time_point now);

}  // namespace balie::record
