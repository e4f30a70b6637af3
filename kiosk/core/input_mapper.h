// Touch-first input mapping (kiosk core, main thread; no SDL here: app/sdl_input.cpp translates
// SDL events into PointerEvent/KeyEvent). Turns raw pointer events into one pointer state per frame
// for Dear ImGui 1.86 (which samples input once per frame), so that:
//  - a tap becomes hover -> press -> release on separate frames and is never lost;
//  - after the finger lifts the pointer leaves the screen (no sticky hover/highlight);
//  - a vertical drag that starts outside a capture region becomes drag-scroll and cancels the press;
//  - only the first finger counts; a second finger is ignored until the first lifts;
//  - kiosk-escaping shortcuts are recognised so the app can swallow them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace balie::kiosk {

struct Vec2 {
  float x = 0, y = 0;
};

struct Rect {
  float x = 0, y = 0, w = 0, h = 0;
  bool contains(Vec2 p) const { return p.x >= x && p.y >= y && p.x < x + w && p.y < y + h; }
  Vec2 center() const { return {x + w / 2, y + h / 2}; }
};

struct PointerEvent {
  enum class Kind : uint8_t { Down, Move, Up };
  Kind kind = Kind::Down;
  Vec2 pos;            // pixels
  int64_t finger = 0;  // finger id; mouse uses -1
  float pressure = 1.0f;
  uint32_t time_ms = 0;
};

// The pointer as Dear ImGui should see it during one frame.
struct FrameInput {
  Vec2 pos{-1e30f, -1e30f};  // off-screen when no finger is down (no hover)
  bool down = false;
  bool dragging = false;      // a drag-scroll gesture is in progress
  float drag_dy = 0;          // vertical drag distance this frame (positive = finger moved down)
  Vec2 drag_origin;           // where the drag-scroll gesture started
  std::vector<PointerEvent> raw;  // every event of the active finger consumed this frame (signature pad)
};

class InputMapper {
 public:
  struct Config {
    float drag_threshold_px = 14.0f;  // movement before a press turns into a drag-scroll
    size_t max_queued = 4096;         // bound on queued events; the oldest moves are dropped first
  };
  InputMapper() : InputMapper(Config{}) {}
  explicit InputMapper(Config c) : cfg_(c) {}

  void push(const PointerEvent& e);
  // Regions (from the previous frame) where a drag is NOT a scroll, e.g. the signature pad.
  void set_capture_regions(std::vector<Rect> r) { capture_ = std::move(r); }
  // Consumes queued events up to the next frame boundary and returns the state for one frame.
  FrameInput next_frame();
  // True while more frames are needed to deliver queued input or to finish a tap.
  bool pending() const { return !queue_.empty() || phase_ == Phase::PressNext || phase_ == Phase::ReleaseNext; }
  // Forget everything (session end, screen blank).
  void reset();

 private:
  enum class Phase : uint8_t { Idle, PressNext, Down, Capture, Dragging, ReleaseNext };
  bool in_capture(Vec2 p) const;

  Config cfg_;
  std::deque<PointerEvent> queue_;
  std::vector<Rect> capture_;
  Phase phase_ = Phase::Idle;
  int64_t active_finger_ = 0;
  Vec2 pos_{-1e30f, -1e30f};
  Vec2 start_;
  Vec2 last_;
};

// Keys the kiosk cares about; everything else is Other.
enum class Key : uint8_t { Other, Escape, Tab, F4, F11, Q, W, Return, Backspace, Super };
struct KeyMods {
  bool ctrl = false, alt = false, shift = false, super = false;
};
// True for shortcuts that would end or leave a kiosk (Alt+F4, Alt+Tab, Ctrl+Q, Ctrl+W, Escape,
// F11, Super): the app swallows these and nothing happens.
bool is_blocked_shortcut(Key k, KeyMods m);

}  // namespace balie::kiosk
