// Inactivity and attract timing tests: warning after the idle time, a countdown of at least 20 s,
// "still here" restarts the idle time, timeout ends the session; dim and panel-off on the welcome
// scene; a touch that wakes a dark screen is swallowed.
#include <gtest/gtest.h>

#include "session/session_timers.h"

using namespace balie::session;
using namespace std::chrono;
using E = SessionTimers::Event;

TEST(SessionTimers, WarnsThenEndsTheSession) {
  SessionTimers t(TimerConfig{});
  Mono t0{};
  t.set_session(true, t0);
  EXPECT_EQ(t.update(t0 + seconds(59)), E::None);
  EXPECT_EQ(t.update(t0 + seconds(60)), E::ShowWarning);
  EXPECT_TRUE(t.warning_shown());
  EXPECT_EQ(t.warning_seconds_left(t0 + seconds(60)), 30);
  EXPECT_EQ(t.update(t0 + seconds(89)), E::None);
  EXPECT_EQ(t.update(t0 + seconds(90)), E::EndSession);
  EXPECT_FALSE(t.warning_shown());
}

TEST(SessionTimers, StillHereRestartsTheIdlePeriod) {
  SessionTimers t(TimerConfig{});
  Mono t0{};
  t.set_session(true, t0);
  EXPECT_EQ(t.update(t0 + seconds(60)), E::ShowWarning);
  t.still_here(t0 + seconds(70));
  EXPECT_FALSE(t.warning_shown());
  EXPECT_EQ(t.update(t0 + seconds(129)), E::None);
  EXPECT_EQ(t.update(t0 + seconds(130)), E::ShowWarning);
}

TEST(SessionTimers, TouchesDuringTheSessionPostponeTheWarning) {
  SessionTimers t(TimerConfig{});
  Mono t0{};
  t.set_session(true, t0);
  EXPECT_FALSE(t.on_touch(t0 + seconds(50)));
  EXPECT_EQ(t.update(t0 + seconds(100)), E::None);
  EXPECT_EQ(*t.next_due(), t0 + seconds(110));
}

TEST(SessionTimers, CountdownIsNeverShorterThanTwentySeconds) {
  TimerConfig c;
  c.warning = seconds(5);
  SessionTimers t(c);
  EXPECT_EQ(t.config().warning, seconds(20));
}

TEST(SessionTimers, WelcomeDimsThenSwitchesThePanelOffAndTheWakingTouchIsSwallowed) {
  SessionTimers t(TimerConfig{});
  Mono t0{};
  t.set_session(false, t0);
  EXPECT_EQ(t.update(t0 + seconds(119)), E::None);
  EXPECT_EQ(t.update(t0 + seconds(120)), E::Dim);
  EXPECT_EQ(t.update(t0 + seconds(599)), E::None);
  EXPECT_EQ(t.update(t0 + seconds(600)), E::PanelOff);
  EXPECT_EQ(t.screen(), SessionTimers::Screen::PanelOff);
  EXPECT_FALSE(t.next_due().has_value()) << "nothing is due while the panel is off: no wake-ups";
  EXPECT_TRUE(t.on_touch(t0 + seconds(700))) << "the waking touch must not activate anything";
  EXPECT_FALSE(t.on_touch(t0 + seconds(701)));
  EXPECT_EQ(t.screen(), SessionTimers::Screen::Awake);
}
