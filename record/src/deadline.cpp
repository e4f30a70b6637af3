// registration_deadline(): the ten-working-day rule on Amsterdam days (see deadline.h).
#include "balie/record/deadline.h"

namespace balie::record {

RegistrationDeadline registration_deadline(std::chrono::system_clock::time_point made,
                                           std::chrono::system_clock::time_point now) {
  RegistrationDeadline d;
  d.made_on = calendar::local_day(made);
  d.last_day = calendar::add_working_days(d.made_on, kRegistrationWorkingDays);
  const calendar::Day today = calendar::local_day(now);
  d.working_days_waiting = calendar::working_days_between(d.made_on, today);
  d.overdue = today > d.last_day;
  d.working_days_left = d.overdue ? -calendar::working_days_between(d.last_day, today)
                                  : calendar::working_days_between(today, d.last_day);
  return d;
}

}  // namespace balie::record
