// AppState::end_session: returns the state to "no session", overwriting session strings.
#include "core/app_state.h"

#include "core/secure_wipe.h"

namespace balie::kiosk {

void AppState::end_session() {
  session_active = false;
  secure_wipe(staff_id);
  secure_wipe(staff_message);
  language = "nl";
  pin_attempts_left = -1;
  locked_minutes = 0;
  inactivity_warning = false;
  inactivity_seconds_left = 0;
}

}  // namespace balie::kiosk
