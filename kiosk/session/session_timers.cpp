// SessionTimers: inactivity warning/timeout and attract/panel-off timing (see session_timers.h).
#include "session/session_timers.h"

#include <algorithm>

namespace balie::session {

SessionTimers::SessionTimers(TimerConfig c) : cfg_(c) {
  if (cfg_.warning < std::chrono::seconds(20)) cfg_.warning = std::chrono::seconds(20);  // WCAG 2.2.1
}

bool SessionTimers::on_touch(Mono now) {
  const bool was_asleep = screen_ != Screen::Awake;
  last_touch_ = now;
  screen_ = Screen::Awake;
  return was_asleep;
}

void SessionTimers::set_session(bool active, Mono now) {
  session_ = active;
  warning_ = false;
  last_touch_ = now;
  screen_ = Screen::Awake;
}

void SessionTimers::still_here(Mono now) {
  warning_ = false;
  last_touch_ = now;
}

SessionTimers::Event SessionTimers::update(Mono now) {
  if (session_) {
    if (warning_) {
      if (now >= warning_started_ + cfg_.warning) {
        warning_ = false;
        session_ = false;
        last_touch_ = now;
        return Event::EndSession;
      }
      return Event::None;
    }
    if (now >= last_touch_ + cfg_.idle) {
      warning_ = true;
      warning_started_ = now;
      return Event::ShowWarning;
    }
    return Event::None;
  }
  if (screen_ == Screen::Awake && now >= last_touch_ + cfg_.dim_after) {
    screen_ = Screen::Dimmed;
    return Event::Dim;
  }
  if (screen_ == Screen::Dimmed && now >= last_touch_ + cfg_.panel_off_after) {
    screen_ = Screen::PanelOff;
    return Event::PanelOff;
  }
  return Event::None;
}

std::optional<Mono> SessionTimers::next_due() const {
  if (session_) {
    // While the warning counts down the app also redraws once a second for the countdown.
    if (warning_) return warning_started_ + cfg_.warning;
    return last_touch_ + cfg_.idle;
  }
  if (screen_ == Screen::Awake) return last_touch_ + cfg_.dim_after;
  if (screen_ == Screen::Dimmed) return last_touch_ + cfg_.panel_off_after;
  return std::nullopt;
}

int SessionTimers::warning_seconds_left(Mono now) const {
  if (!warning_) return 0;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(warning_started_ + cfg_.warning - now).count();
  return static_cast<int>(std::max<long long>(0, (left + 999) / 1000));
}

}  // namespace balie::session
