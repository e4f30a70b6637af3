// Touch-first input mapping: see input_mapper.h for the behaviour contract.
#include "core/input_mapper.h"

#include <cmath>

namespace balie::kiosk {

namespace {
constexpr Vec2 kOffscreen{-1e30f, -1e30f};
}

void InputMapper::push(const PointerEvent& e) {
  if (queue_.size() >= cfg_.max_queued) {
    // Drop the oldest Move to keep Down/Up transitions; if none, drop the oldest event.
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
      if (it->kind == PointerEvent::Kind::Move) {
        queue_.erase(it);
        break;
      }
    }
    if (queue_.size() >= cfg_.max_queued) queue_.pop_front();
  }
  queue_.push_back(e);
}

bool InputMapper::in_capture(Vec2 p) const {
  for (const auto& r : capture_)
    if (r.contains(p)) return true;
  return false;
}

void InputMapper::reset() {
  queue_.clear();
  phase_ = Phase::Idle;
  pos_ = kOffscreen;
}

FrameInput InputMapper::next_frame() {
  FrameInput out;
  bool just_pressed = false;
  // Transitions scheduled by the previous frame.
  if (phase_ == Phase::PressNext) {
    phase_ = in_capture(start_) ? Phase::Capture : Phase::Down;
    just_pressed = true;
  } else if (phase_ == Phase::ReleaseNext) {
    phase_ = Phase::Idle;
    pos_ = kOffscreen;  // the finger lifted last frame: no hover now
  }

  bool boundary = false;
  while (!queue_.empty() && !boundary) {
    PointerEvent e = queue_.front();
    const bool active = phase_ != Phase::Idle && e.finger == active_finger_;
    switch (e.kind) {
      case PointerEvent::Kind::Down:
        if (phase_ != Phase::Idle) {
          queue_.pop_front();  // a second finger: ignored
          break;
        }
        active_finger_ = e.finger;
        pos_ = start_ = last_ = e.pos;
        phase_ = Phase::PressNext;  // hover this frame, press next frame
        out.raw.push_back(e);
        queue_.pop_front();
        boundary = true;
        break;
      case PointerEvent::Kind::Move:
        queue_.pop_front();
        if (!active) break;
        if (phase_ == Phase::PressNext) {
          // Still waiting for the press frame: keep the event for after it.
          queue_.push_front(e);
          boundary = true;
          break;
        }
        out.raw.push_back(e);
        if (phase_ == Phase::Down) {
          const float dx = e.pos.x - start_.x, dy = e.pos.y - start_.y;
          if (std::sqrt(dx * dx + dy * dy) > cfg_.drag_threshold_px) {
            phase_ = Phase::Dragging;
            out.drag_dy += e.pos.y - start_.y;
            pos_ = kOffscreen;  // release off any button: the press is cancelled
          } else {
            pos_ = e.pos;
          }
        } else if (phase_ == Phase::Dragging) {
          out.drag_dy += e.pos.y - last_.y;
        } else if (phase_ == Phase::Capture) {
          pos_ = e.pos;
        }
        last_ = e.pos;
        break;
      case PointerEvent::Kind::Up:
        if (!active) {
          queue_.pop_front();
          break;
        }
        if (phase_ == Phase::PressNext || just_pressed) {
          boundary = true;  // deliver the press on a frame of its own first
          break;
        }
        queue_.pop_front();
        out.raw.push_back(e);
        if (phase_ == Phase::Dragging) {
          out.drag_dy += e.pos.y - last_.y;
          phase_ = Phase::Idle;
          pos_ = kOffscreen;
        } else {
          pos_ = e.pos;
          phase_ = Phase::ReleaseNext;  // release here, leave the screen next frame
        }
        boundary = true;
        break;
    }
  }

  out.pos = pos_;
  out.down = phase_ == Phase::Down || phase_ == Phase::Capture;
  out.dragging = phase_ == Phase::Dragging || (out.drag_dy != 0.0f);
  out.drag_origin = start_;
  return out;
}

bool is_blocked_shortcut(Key k, KeyMods m) {
  switch (k) {
    case Key::Escape:
    case Key::F11:
    case Key::Super:
      return true;
    case Key::F4:
    case Key::Tab:
      return m.alt || m.super || (k == Key::F4 && m.ctrl);
    case Key::Q:
    case Key::W:
      return m.ctrl || m.super;
    default:
      return m.super;
  }
}

}  // namespace balie::kiosk
