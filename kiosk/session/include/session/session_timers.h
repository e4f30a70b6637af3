// Inactivity, attract and panel-power timing (kiosk session layer, headless, main thread).
// During a resident session: after `idle` without touch a full-screen warning counts down
// `warning` (at least 20 s, WCAG 2.2.1); "I am still here" restarts the idle period; at zero the
// session ends. On the welcome scene: dim after `dim_after`, panel off after `panel_off_after`;
// the first touch on a dimmed or dark screen only wakes it and activates nothing.
#pragma once
#include <chrono>
#include <optional>

namespace balie::session {

using Mono = std::chrono::steady_clock::time_point;

struct TimerConfig {
  std::chrono::seconds idle{60};
  std::chrono::seconds warning{30};
  std::chrono::seconds dim_after{120};
  std::chrono::seconds panel_off_after{600};
};

class SessionTimers {
 public:
  enum class Event { None, ShowWarning, EndSession, Dim, PanelOff };
  enum class Screen { Awake, Dimmed, PanelOff };

  explicit SessionTimers(TimerConfig c);

  // A touch at `now`. Returns true when the touch must be swallowed because it only woke the screen.
  bool on_touch(Mono now);
  // A resident session starts or ends (welcome scene timing applies outside sessions).
  void set_session(bool active, Mono now);
  void still_here(Mono now);
  // Advances to `now` and returns what became due (one event per call, most urgent first).
  Event update(Mono now);
  // When update() next needs to run (for the event loop's wait), or nullopt if never.
  std::optional<Mono> next_due() const;

  bool warning_shown() const { return warning_; }
  int warning_seconds_left(Mono now) const;
  Screen screen() const { return screen_; }
  const TimerConfig& config() const { return cfg_; }

 private:
  TimerConfig cfg_;
  bool session_ = false;
  bool warning_ = false;
  Screen screen_ = Screen::Awake;
  Mono last_touch_{};
  Mono warning_started_{};
};

}  // namespace balie::session
