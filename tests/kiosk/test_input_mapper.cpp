// Unit tests of the touch-first input mapping: taps, no sticky hover, drag-scroll, second finger,
// capture regions, queue limits and blocked shortcuts (kiosk/core/input_mapper.h).
#include <gtest/gtest.h>

#include "core/input_mapper.h"

using namespace balie::kiosk;

namespace {
PointerEvent ev(PointerEvent::Kind k, float x, float y, int64_t finger = 1) {
  PointerEvent e;
  e.kind = k;
  e.pos = {x, y};
  e.finger = finger;
  return e;
}
constexpr auto Down = PointerEvent::Kind::Down;
constexpr auto Move = PointerEvent::Kind::Move;
constexpr auto Up = PointerEvent::Kind::Up;
bool offscreen(const FrameInput& f) { return f.pos.x < -1e20f && f.pos.y < -1e20f; }
}  // namespace

TEST(InputMapper, TapIsHoverThenPressThenReleaseThenLeavesScreen) {
  InputMapper m;
  m.push(ev(Down, 100, 200));
  m.push(ev(Up, 100, 200));
  FrameInput f1 = m.next_frame();
  EXPECT_FALSE(f1.down);
  EXPECT_EQ(f1.pos.x, 100);
  FrameInput f2 = m.next_frame();
  EXPECT_TRUE(f2.down) << "the press must get a frame of its own even when the finger already lifted";
  EXPECT_EQ(f2.pos.y, 200);
  FrameInput f3 = m.next_frame();
  EXPECT_FALSE(f3.down);
  EXPECT_EQ(f3.pos.x, 100) << "release happens over the button so it is a click";
  FrameInput f4 = m.next_frame();
  EXPECT_TRUE(offscreen(f4)) << "after the finger lifts nothing stays hovered";
  EXPECT_FALSE(m.pending());
}

TEST(InputMapper, IdleFramesShowNoPointer) {
  InputMapper m;
  FrameInput f = m.next_frame();
  EXPECT_TRUE(offscreen(f));
  EXPECT_FALSE(f.down);
  EXPECT_FALSE(m.pending());
}

TEST(InputMapper, VerticalDragScrollsAndCancelsThePress) {
  InputMapper m;
  m.push(ev(Down, 300, 500));
  m.next_frame();                 // hover
  FrameInput pressed = m.next_frame();
  EXPECT_TRUE(pressed.down);
  m.push(ev(Move, 300, 480));
  m.push(ev(Move, 300, 440));
  FrameInput f = m.next_frame();
  EXPECT_TRUE(f.dragging);
  EXPECT_FALSE(f.down);
  EXPECT_TRUE(offscreen(f)) << "the press is released away from any button, so no click";
  EXPECT_FLOAT_EQ(f.drag_dy, -60.0f);
  EXPECT_FLOAT_EQ(f.drag_origin.y, 500.0f);
  m.push(ev(Move, 300, 400));
  m.push(ev(Up, 300, 390));
  FrameInput g = m.next_frame();
  EXPECT_FLOAT_EQ(g.drag_dy, -50.0f);
  EXPECT_TRUE(offscreen(g));
}

TEST(InputMapper, SmallJitterStaysATap) {
  InputMapper m;
  m.push(ev(Down, 300, 500));
  m.next_frame();
  m.next_frame();
  m.push(ev(Move, 304, 503));
  FrameInput f = m.next_frame();
  EXPECT_TRUE(f.down);
  EXPECT_FALSE(f.dragging);
  EXPECT_FLOAT_EQ(f.pos.x, 304);
}

TEST(InputMapper, SecondFingerIsIgnoredWhileTheFirstIsDown) {
  InputMapper m;
  m.push(ev(Down, 10, 10, 1));
  m.next_frame();
  m.next_frame();
  m.push(ev(Down, 900, 900, 2));
  m.push(ev(Move, 950, 950, 2));
  m.push(ev(Up, 950, 950, 2));
  FrameInput f = m.next_frame();
  EXPECT_TRUE(f.down);
  EXPECT_FLOAT_EQ(f.pos.x, 10);
  EXPECT_TRUE(f.raw.empty()) << "no sample of the second finger may reach the scene";
  m.push(ev(Up, 10, 10, 1));
  m.next_frame();
  EXPECT_TRUE(offscreen(m.next_frame()));
}

TEST(InputMapper, CaptureRegionKeepsDragAsPointerMovement) {
  InputMapper m;
  m.set_capture_regions({Rect{0, 0, 1000, 1000}});
  m.push(ev(Down, 100, 100));
  m.next_frame();
  m.next_frame();
  for (int i = 1; i <= 10; ++i) m.push(ev(Move, 100 + i * 20.0f, 100 + i * 10.0f));
  FrameInput f = m.next_frame();
  EXPECT_TRUE(f.down);
  EXPECT_FALSE(f.dragging) << "a signature stroke is not a scroll";
  EXPECT_EQ(f.raw.size(), 10u) << "every raw sample is delivered for the signature pad";
  EXPECT_FLOAT_EQ(f.pos.x, 300);
}

TEST(InputMapper, QueueIsBoundedAndKeepsTransitions) {
  InputMapper::Config c;
  c.max_queued = 8;
  InputMapper m(c);
  m.push(ev(Down, 1, 1));
  for (int i = 0; i < 100; ++i) m.push(ev(Move, 1, 1 + i * 0.01f));
  m.push(ev(Up, 1, 2));
  int frames = 0;
  bool saw_down = false;
  while (m.pending() && frames < 20) {
    saw_down |= m.next_frame().down;
    ++frames;
  }
  EXPECT_TRUE(saw_down);
  EXPECT_FALSE(m.pending());
  EXPECT_LT(frames, 20);
}

TEST(InputMapper, ResetForgetsEverything) {
  InputMapper m;
  m.push(ev(Down, 1, 1));
  m.next_frame();
  m.reset();
  EXPECT_FALSE(m.pending());
  EXPECT_TRUE(offscreen(m.next_frame()));
}

TEST(Shortcuts, KioskEscapesAreBlocked) {
  KeyMods none, alt, ctrl;
  alt.alt = true;
  ctrl.ctrl = true;
  EXPECT_TRUE(is_blocked_shortcut(Key::F4, alt));
  EXPECT_TRUE(is_blocked_shortcut(Key::Tab, alt));
  EXPECT_TRUE(is_blocked_shortcut(Key::Q, ctrl));
  EXPECT_TRUE(is_blocked_shortcut(Key::W, ctrl));
  EXPECT_TRUE(is_blocked_shortcut(Key::Escape, none));
  EXPECT_TRUE(is_blocked_shortcut(Key::F11, none));
  EXPECT_TRUE(is_blocked_shortcut(Key::Super, none));
}

TEST(Shortcuts, OrdinaryKeysPass) {
  KeyMods none, shift;
  shift.shift = true;
  EXPECT_FALSE(is_blocked_shortcut(Key::Q, none));
  EXPECT_FALSE(is_blocked_shortcut(Key::Tab, none));
  EXPECT_FALSE(is_blocked_shortcut(Key::Return, none));
  EXPECT_FALSE(is_blocked_shortcut(Key::Backspace, shift));
  EXPECT_FALSE(is_blocked_shortcut(Key::Other, none));
}
