// SystemClock: asks the kernel whether the wall clock is NTP-synchronised (adjtimex).
#include "balie/platform/clock.h"

#include <sys/timex.h>

namespace balie::platform {

bool SystemClock::wall_synchronised() const {
  struct timex tx {};
  int state = ::adjtimex(&tx);
  return state != TIME_ERROR && (tx.status & STA_UNSYNC) == 0;
}

}  // namespace balie::platform
