// Scripted UI driver: runs script steps by pushing real SDL events (see script_runner.h).
#include "app/script_runner.h"

#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <variant>

#include "app/kiosk_app.h"

namespace balie::kiosk {

namespace {
constexpr SDL_TouchID kScriptTouch = 4242;
constexpr int kSettleFrames = 3;
template <class... Ts>
struct overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
overloaded(Ts...) -> overloaded<Ts...>;
}  // namespace

bool ScriptRunner::fail(const std::string& msg) {
  failure_ = origin_ + ":" + script::describe(steps_[index_]) + ": " + msg;
  return false;
}

void ScriptRunner::push_finger(Uint32 type, float x, float y, KioskApp& app, SDL_FingerID finger) {
  int w = 1, h = 1;
  app.window_size(&w, &h);
  SDL_Event e{};
  e.type = type;
  e.tfinger.timestamp = SDL_GetTicks();
  e.tfinger.touchId = kScriptTouch;
  e.tfinger.fingerId = finger;
  e.tfinger.x = x / static_cast<float>(w);
  e.tfinger.y = y / static_cast<float>(h);
  e.tfinger.pressure = 1.0f;
  e.tfinger.windowID = SDL_GetWindowID(app.window());
  SDL_PushEvent(&e);
}

bool ScriptRunner::push_key(const std::string& name) {
  Uint16 mod = 0;
  std::string rest = name;
  for (;;) {
    auto plus = rest.find('+');
    if (plus == std::string::npos) break;
    std::string m = rest.substr(0, plus);
    rest = rest.substr(plus + 1);
    if (m == "ctrl") mod |= KMOD_LCTRL;
    else if (m == "alt") mod |= KMOD_LALT;
    else if (m == "shift") mod |= KMOD_LSHIFT;
    else if (m == "super") mod |= KMOD_LGUI;
    else return false;
  }
  SDL_Keycode k = SDL_GetKeyFromName(rest.c_str());
  if (k == SDLK_UNKNOWN) return false;
  SDL_Event e{};
  e.type = SDL_KEYDOWN;
  e.key.keysym.sym = k;
  e.key.keysym.scancode = SDL_GetScancodeFromKey(k);
  e.key.keysym.mod = mod;
  e.key.state = SDL_PRESSED;
  SDL_PushEvent(&e);
  e.type = SDL_KEYUP;
  e.key.state = SDL_RELEASED;
  SDL_PushEvent(&e);
  return true;
}

ScriptRunner::Status ScriptRunner::step(KioskApp& app) {
  if (!failure_.empty()) return Status::Failed;
  // Let input settle: queued pointer events delivered, intents applied, a fresh frame drawn.
  if (settle_frames_ > 0 || app.input_pending() || app.screenshot_pending()) {
    if (settle_frames_ > 0) --settle_frames_;
    std::string err = app.take_screenshot_error();
    if (!err.empty()) {
      fail(err);
      return Status::Failed;
    }
    return Status::Running;
  }
  if (index_ >= steps_.size()) return Status::Passed;
  const script::Step& s = steps_[index_];
  bool done = true;
  bool ok = std::visit(
      overloaded{
          [&](const script::Tap& t) {
            const ItemInfo* it = app.items().find(t.id);
            if (!it) return fail("no item '" + t.id + "' on screen (scene " + std::string(scene_name(app.scene())) + ")");
            Vec2 c = it->rect.center();
            push_finger(SDL_FINGERDOWN, c.x, c.y, app, 1);
            push_finger(SDL_FINGERUP, c.x, c.y, app, 1);
            settle_frames_ = kSettleFrames;
            return true;
          },
          [&](const script::TapAt& t) {
            push_finger(SDL_FINGERDOWN, t.pos.x, t.pos.y, app, 1);
            push_finger(SDL_FINGERUP, t.pos.x, t.pos.y, app, 1);
            settle_frames_ = kSettleFrames;
            return true;
          },
          [&](const script::Drag& d) {
            std::vector<Vec2> pts;
            if (d.pixels) {
              pts = d.path;
            } else {
              const ItemInfo* it = app.items().find(d.id);
              if (!it) return fail("no item '" + d.id + "' on screen");
              for (auto p : d.path) pts.push_back(Vec2{it->rect.x + p.x * it->rect.w, it->rect.y + p.y * it->rect.h});
            }
            push_finger(SDL_FINGERDOWN, pts[0].x, pts[0].y, app, 1);
            for (size_t i = 1; i < pts.size(); ++i) {
              const int n = 8;  // intermediate samples per segment, like a real finger
              for (int k = 1; k <= n; ++k) {
                float t = static_cast<float>(k) / n;
                push_finger(SDL_FINGERMOTION, pts[i - 1].x + (pts[i].x - pts[i - 1].x) * t,
                            pts[i - 1].y + (pts[i].y - pts[i - 1].y) * t, app, 1);
              }
            }
            push_finger(SDL_FINGERUP, pts.back().x, pts.back().y, app, 1);
            settle_frames_ = kSettleFrames;
            return true;
          },
          [&](const script::Type& t) {
            // SDL_TEXTINPUT carries at most 31 bytes; split on UTF-8 boundaries.
            size_t i = 0;
            while (i < t.text.size()) {
              size_t n = std::min<size_t>(28, t.text.size() - i);
              while (i + n < t.text.size() && (static_cast<unsigned char>(t.text[i + n]) & 0xC0) == 0x80) --n;
              SDL_Event e{};
              e.type = SDL_TEXTINPUT;
              std::memcpy(e.text.text, t.text.data() + i, n);
              e.text.text[n] = '\0';
              SDL_PushEvent(&e);
              i += n;
            }
            settle_frames_ = kSettleFrames;
            return true;
          },
          [&](const script::KeyPress& k) {
            if (!push_key(k.name)) return fail("unknown key '" + k.name + "'");
            settle_frames_ = kSettleFrames;
            return true;
          },
          [&](const script::CloseWindow&) {
            SDL_Event e{};
            e.type = SDL_WINDOWEVENT;
            e.window.event = SDL_WINDOWEVENT_CLOSE;
            e.window.windowID = SDL_GetWindowID(app.window());
            SDL_PushEvent(&e);
            SDL_Event q{};
            q.type = SDL_QUIT;
            SDL_PushEvent(&q);
            settle_frames_ = kSettleFrames;
            return true;
          },
          [&](const script::WaitFor& w) {
            if (app.items().find(w.id)) {
              waiting_ = false;
              return true;
            }
            if (!waiting_) {
              waiting_ = true;
              wait_started_ = SDL_GetTicks64();
            }
            if (SDL_GetTicks64() - wait_started_ > static_cast<Uint64>(w.seconds * 1000)) {
              waiting_ = false;
              return fail("timed out waiting for item '" + w.id + "' (scene " + std::string(scene_name(app.scene())) + ")");
            }
            done = false;
            return true;
          },
          [&](const script::WaitScene& w) {
            if (scene_name(app.scene()) == w.scene) {
              waiting_ = false;
              return true;
            }
            if (!scene_from_name(w.scene)) return fail("unknown scene '" + w.scene + "'");
            if (!waiting_) {
              waiting_ = true;
              wait_started_ = SDL_GetTicks64();
            }
            if (SDL_GetTicks64() - wait_started_ > static_cast<Uint64>(w.seconds * 1000)) {
              waiting_ = false;
              return fail("timed out waiting for scene '" + w.scene + "' (now " + std::string(scene_name(app.scene())) + ")");
            }
            done = false;
            return true;
          },
          [&](const script::WaitFrames& w) {
            if (frames_left_ == 0) frames_left_ = w.frames;
            if (--frames_left_ > 0) done = false;
            return true;
          },
          [&](const script::ExpectText& e) {
            bool has = app.items().has_text(e.text);
            if (has != e.present) return fail(e.present ? "text not on screen: '" + e.text + "'" : "text unexpectedly on screen: '" + e.text + "'");
            return true;
          },
          [&](const script::ExpectScene& e) {
            if (scene_name(app.scene()) != e.scene)
              return fail("expected scene '" + e.scene + "', but it is '" + std::string(scene_name(app.scene())) + "'");
            return true;
          },
          [&](const script::ExpectId& e) {
            bool has = app.items().find(e.id) != nullptr;
            if (has != e.present) return fail(e.present ? "item not on screen: '" + e.id + "'" : "item unexpectedly on screen: '" + e.id + "'");
            return true;
          },
          [&](const script::Screenshot& s) {
            std::filesystem::path p = std::filesystem::path(shots_dir_.empty() ? "." : shots_dir_) / (s.name + ".png");
            shots_.push_back(p.string());
            app.request_screenshot(p.string());
            return true;
          },
          [&](const script::AdvanceTime& a) {
            app.advance_fake_time(a.seconds);
            settle_frames_ = kSettleFrames;
            return true;
          },
          [&](const script::Quit&) {
            index_ = steps_.size();
            done = false;
            return true;
          },
          [&](const script::Repeat& r) {
            loops_.push_back(Loop{index_, r.count - 1});
            return true;
          },
          [&](const script::EndRepeat& e) {
            if (loops_.empty() || loops_.back().begin != e.begin) return fail("end-repeat outside its block");
            if (loops_.back().left > 0) {
              --loops_.back().left;
              index_ = e.begin + 1;
              done = false;
            } else {
              loops_.pop_back();
            }
            return true;
          },
          [&](const script::Pause&) {
            std::fflush(stdout);
            std::raise(SIGSTOP);  // returns after SIGCONT
            return true;
          },
      },
      s.action);
  if (!ok) return Status::Failed;
  if (done) ++index_;
  return index_ >= steps_.size() && settle_frames_ == 0 && !app.screenshot_pending() ? Status::Passed : Status::Running;
}

}  // namespace balie::kiosk
