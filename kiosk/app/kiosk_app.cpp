// KioskApp: the SDL + Dear ImGui frame loop, lockdown, timers, intents and screenshots.
// [SECTION] init  [SECTION] loop  [SECTION] events  [SECTION] frame  [SECTION] intents
#include "app/kiosk_app.h"

#include <imgui.h>
#include <imgui_impl_sdlrenderer.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "../platform/fake/fake_clock.h"
#include "app/png_writer.h"
#include "app/script_runner.h"
#include "app/sdl_input.h"
#include "sdl_audio_output.h"
#include "ui/imgui_font_renderer.h"

namespace balie::kiosk {

namespace {

// Interim catalog until the text engine is wired: returns the key itself so nothing is blank.
class KeyTexts final : public Texts {
 public:
  std::string tr(std::string_view key, const std::vector<std::pair<std::string_view, std::string>>&) const override {
    return std::string(key);
  }
  bool rtl() const override { return lang_ == "ar" || lang_ == "fa" || lang_ == "prs" || lang_ == "ckb"; }
  std::string_view language() const override { return lang_; }
  bool set_language(std::string_view code) override {
    lang_ = std::string(code);
    return true;
  }

 private:
  std::string lang_ = "nl";
};

const char* kFallbackFonts[] = {
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
};

template <class... Ts>
struct overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
overloaded(Ts...) -> overloaded<Ts...>;

}  // namespace

// [SECTION] init

KioskApp::KioskApp(Options opts) : opts_(std::move(opts)) {}

KioskApp::~KioskApp() {
  if (nav_) nav_->scene().exit();
  if (ImGui::GetCurrentContext()) {
    ImGui_ImplSDLRenderer_Shutdown();
    ImGui::DestroyContext();
  }
  audio_.reset();
  if (renderer_) SDL_DestroyRenderer(renderer_);
  if (window_) SDL_DestroyWindow(window_);
  SDL_Quit();
}

std::string KioskApp::init() {
  // Clock: fake for scripts (deterministic timeouts), system otherwise.
  if (!opts_.clock_start.empty() || !opts_.script.empty()) {
    auto start = opts_.clock_start.empty() ? std::chrono::system_clock::now()
                                           : std::chrono::system_clock::time_point(std::chrono::seconds(*parse_utc(opts_.clock_start)));
    auto fc = std::make_unique<platform::FakeClock>(std::chrono::time_point_cast<std::chrono::system_clock::duration>(start));
    fake_clock_ = fc.get();
    clock_ = std::move(fc);
  } else {
    clock_ = std::make_unique<platform::SystemClock>();
  }
  watchdog_ = platform::make_systemd_watchdog();

  if (!opts_.script.empty()) {
    auto parsed = script::parse_file(opts_.script);
    if (!parsed.ok()) return "script: " + parsed.error;
    script_ = std::make_unique<ScriptRunner>(std::move(parsed.steps), opts_.shots_dir, opts_.script);
    if (!opts_.shots_dir.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(opts_.shots_dir, ec);
      if (ec) return "cannot create screenshot folder " + opts_.shots_dir + ": " + ec.message();
    }
  }

  SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");          // SIGTERM is handled by main.cpp
  SDL_SetHint(SDL_HINT_TOUCH_MOUSE_EVENTS, "0");          // no synthetic mouse from touch
  SDL_SetHint(SDL_HINT_MOUSE_TOUCH_EVENTS, "0");
  SDL_SetHint(SDL_HINT_VIDEO_MINIMIZE_ON_FOCUS_LOSS, "0");
  SDL_SetHint(SDL_HINT_GRAB_KEYBOARD, "1");
  SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0");
  auto env_set = [](const char* n) {
    const char* v = std::getenv(n);
    return v != nullptr && *v != '\0';
  };
  if (!env_set("DISPLAY") && !env_set("WAYLAND_DISPLAY") && !env_set("SDL_VIDEODRIVER"))
    return "no display: neither $WAYLAND_DISPLAY nor $DISPLAY is set.\n"
           "Run the kiosk under its compositor (cage), or on a server install Xvfb (apt-get install xvfb) and "
           "use scripts/demo.sh, which starts it for you.";
  if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0)
    return std::string("cannot open a display: ") + SDL_GetError() +
           "\n(no $DISPLAY or $WAYLAND_DISPLAY? run under a compositor, or install Xvfb: apt-get install xvfb)";
  if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) std::fprintf(stderr, "balie-kiosk: no audio device (%s); listen controls stay silent\n", SDL_GetError());

  Uint32 flags = SDL_WINDOW_ALLOW_HIGHDPI;
  int w = opts_.width, h = opts_.height;
  if (opts_.windowed) {
    flags |= SDL_WINDOW_BORDERLESS;
  } else {
    flags |= SDL_WINDOW_FULLSCREEN_DESKTOP | SDL_WINDOW_BORDERLESS;
  }
  window_ = SDL_CreateWindow("Balie", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, w, h, flags);
  if (!window_) return std::string("cannot create window: ") + SDL_GetError();
  renderer_ = SDL_CreateRenderer(window_, -1, SDL_RENDERER_ACCELERATED);
  if (!renderer_) {
    std::fprintf(stderr, "balie-kiosk: accelerated renderer unavailable (%s), using software\n", SDL_GetError());
    renderer_ = SDL_CreateRenderer(window_, -1, SDL_RENDERER_SOFTWARE);
  }
  if (!renderer_) return std::string("cannot create renderer: ") + SDL_GetError();
  if (!opts_.windowed) SDL_ShowCursor(SDL_DISABLE);
  SDL_StartTextInput();

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // no files written by the UI
  io.LogFilename = nullptr;
  io.ConfigFlags |= ImGuiConfigFlags_NoMouseCursorChange;
  io.KeyMap[ImGuiKey_Backspace] = SDL_SCANCODE_BACKSPACE;
  io.KeyMap[ImGuiKey_Enter] = SDL_SCANCODE_RETURN;
  ImGuiStyle& style = ImGui::GetStyle();
  style.WindowRounding = 0;
  style.WindowBorderSize = 0;
  style.ItemSpacing = ImVec2(0, 0);
  ImFont* font = nullptr;
  for (const char* f : kFallbackFonts) {
    if (std::filesystem::exists(f) && (font = io.Fonts->AddFontFromFileTTF(f, 48.0f)) != nullptr) break;
  }
  if (!font) font = io.Fonts->AddFontDefault();
  ImGui_ImplSDLRenderer_Init(renderer_);

  audio_ = platform::make_sdl_audio_output();
  text_ = std::make_unique<ImGuiFontRenderer>(font);
  texts_ = std::make_unique<KeyTexts>();
  ui_ = std::make_unique<Ui>(items_, *text_, *texts_);
  items_.set_record_texts(script_ != nullptr);
  nav_ = std::make_unique<Navigator>(SceneId::Welcome);
  state_.now = clock_->wall_now();
  nav_->scene().enter(state_);
  return {};
}

void KioskApp::advance_fake_time(double seconds) {
  if (fake_clock_) fake_clock_->advance(std::chrono::milliseconds(static_cast<long long>(seconds * 1000)));
  frames_to_render_ = std::max(frames_to_render_, 2);
}

// [SECTION] loop

int KioskApp::ms_until_next_timer() const {
  int ms = 60 * 1000;  // nothing due: wake once a minute at most
  if (watchdog_->ping_interval().count() > 0) {
    auto now = std::chrono::steady_clock::now();
    auto d = std::chrono::duration_cast<std::chrono::milliseconds>(next_watchdog_ping_ - now).count();
    ms = std::min<int>(ms, static_cast<int>(std::max<long long>(0, d)));
  }
  return ms;
}

void KioskApp::on_timers() {
  if (watchdog_->ping_interval().count() > 0) {
    auto now = std::chrono::steady_clock::now();
    if (now >= next_watchdog_ping_) {
      watchdog_->ping();
      next_watchdog_ping_ = now + watchdog_->ping_interval();
    }
  }
}

int KioskApp::run() {
  render_frame();
  watchdog_->ready();
  while (!quit_) {
    const bool busy = frames_to_render_ > 0 || mapper_.pending() || script_ != nullptr;
    SDL_Event e;
    int got = busy ? SDL_PollEvent(&e) : SDL_WaitEventTimeout(&e, ms_until_next_timer());
    while (got) {
      handle_event(e);
      got = SDL_PollEvent(&e);
    }
    on_timers();
    if (quit_) break;
    if (frames_to_render_ > 0 || mapper_.pending() || script_) {
      render_frame();
      if (script_) {
        auto st = script_->step(*this);
        if (st == ScriptRunner::Status::Failed) {
          std::fprintf(stderr, "balie-kiosk: script failed at %s\n", script_->failure().c_str());
          exit_code_ = 1;
          quit_ = true;
        } else if (st == ScriptRunner::Status::Passed) {
          std::printf("balie-kiosk: script passed (%zu screenshots)\n", script_->screenshots().size());
          for (const auto& s : script_->screenshots()) std::printf("  %s\n", s.c_str());
          quit_ = true;
        }
      }
    }
  }
  watchdog_->stopping();
  if (audio_) audio_->stop();
  nav_->scene().exit();
  state_.end_session();
  items_.wipe();
  text_->clear_caches();
  return exit_code_;
}

// [SECTION] events

void KioskApp::handle_event(const SDL_Event& e) {
  int w = 0, h = 0;
  SDL_GetWindowSize(window_, &w, &h);
  if (auto p = to_pointer_event(e, w, h)) {
    mapper_.push(*p);
    frames_to_render_ = std::max(frames_to_render_, 2);
    return;
  }
  switch (e.type) {
    case SDL_QUIT:
      ++ignored_close_;  // a kiosk is not closed by window-manager requests
      return;
    case SDL_WINDOWEVENT:
      if (e.window.event == SDL_WINDOWEVENT_CLOSE) {
        ++ignored_close_;
        return;
      }
      frames_to_render_ = std::max(frames_to_render_, 2);  // exposed, resized, focus: redraw
      return;
    case SDL_KEYDOWN:
    case SDL_KEYUP: {
      Key k = to_key(e.key.keysym.sym);
      KeyMods m = to_mods(e.key.keysym.mod);
      if (is_blocked_shortcut(k, m)) return;  // swallowed: nothing happens
      ImGuiIO& io = ImGui::GetIO();
      if (k == Key::Backspace) io.KeysDown[io.KeyMap[ImGuiKey_Backspace]] = e.type == SDL_KEYDOWN;
      if (k == Key::Return) io.KeysDown[io.KeyMap[ImGuiKey_Enter]] = e.type == SDL_KEYDOWN;
      frames_to_render_ = std::max(frames_to_render_, 2);
      return;
    }
    case SDL_TEXTINPUT:
      ImGui::GetIO().AddInputCharactersUTF8(e.text.text);
      frames_to_render_ = std::max(frames_to_render_, 2);
      return;
    case SDL_USEREVENT:
      if (e.user.code == kUserEventTerminate) quit_ = true;  // SIGTERM: clean exit
      return;
    default:
      return;
  }
}

// [SECTION] frame

void KioskApp::render_frame() {
  if (frames_to_render_ > 0) --frames_to_render_;
  ++frame_count_;
  state_.now = clock_->wall_now();
  const Uint64 now_ticks = SDL_GetTicks64();
  ImGuiIO& io = ImGui::GetIO();
  io.DeltaTime = last_frame_ticks_ == 0 ? 1.0f / 60 : std::max(0.001f, (now_ticks - last_frame_ticks_) / 1000.0f);
  last_frame_ticks_ = now_ticks;
  int w = 0, h = 0, pw = 0, ph = 0;
  SDL_GetWindowSize(window_, &w, &h);
  SDL_GetRendererOutputSize(renderer_, &pw, &ph);
  io.DisplaySize = ImVec2(static_cast<float>(w), static_cast<float>(h));
  io.DisplayFramebufferScale = ImVec2(w > 0 ? static_cast<float>(pw) / w : 1.0f, h > 0 ? static_cast<float>(ph) / h : 1.0f);

  mapper_.set_capture_regions(ui_->capture_regions());
  FrameInput in = mapper_.next_frame();
  io.MousePos = ImVec2(in.pos.x, in.pos.y);
  io.MouseDown[0] = in.down;

  ImGui_ImplSDLRenderer_NewFrame();
  ImGui::NewFrame();
  items_.begin_frame();
  const bool resident_scene = scene_table()[static_cast<size_t>(nav_->current())].resident_facing;
  ui_->begin_frame(Vec2{static_cast<float>(w), static_cast<float>(h)}, in, resident_scene && texts_->rtl());
  nav_->scene().draw(state_, *ui_, intents_);
  ui_->end_frame();
  items_.end_frame();
  ImGui::Render();

  SDL_SetRenderDrawColor(renderer_, 0, 0, 0, 255);
  SDL_RenderClear(renderer_);
  ImGui_ImplSDLRenderer_RenderDrawData(ImGui::GetDrawData());
  if (!screenshot_path_.empty()) {
    std::vector<uint8_t> px(static_cast<size_t>(pw) * ph * 4);
    if (SDL_RenderReadPixels(renderer_, nullptr, SDL_PIXELFORMAT_RGBA32, px.data(), pw * 4) != 0) {
      screenshot_error_ = std::string("screenshot failed: ") + SDL_GetError();
    } else {
      screenshot_error_ = write_png_rgba(screenshot_path_, pw, ph, px);
    }
    screenshot_path_.clear();
  }
  SDL_RenderPresent(renderer_);
  if (!intents_.empty()) {
    apply_intents();
    frames_to_render_ = std::max(frames_to_render_, 2);
  }
}

// [SECTION] intents

void KioskApp::apply_intents() {
  // Copy: handlers may change the scene, which must not touch the list being iterated.
  std::vector<Intent> list = intents_.items();
  intents_.clear();
  for (const Intent& i : list) {
    std::visit(overloaded{
                   [&](const GoTo& g) { nav_->go(g.scene, state_); },
                   [&](const GoBack&) { nav_->back(state_); },
                   [&](const SetLanguage& l) {
                     if (!texts_->set_language(l.code)) texts_->set_language("nl");
                     state_.language = std::string(texts_->language());
                     state_.session_active = true;
                   },
                   [&](const SubmitStaffPin& p) {
                     // Placeholder until staff accounts exist (issue 5): any PIN of 6+ digits opens
                     // the language choice. Replaced by the store's verify_pin with lockout.
                     if (p.pin.size() >= 6) {
                       state_.pin_attempts_left = -1;
                       state_.session_active = true;
                       nav_->go(SceneId::Language, state_);
                     } else {
                       state_.pin_attempts_left = 4;
                     }
                   },
                   [&](const PlayScreenAudio&) {},
                   [&](const EndSession&) {
                     if (audio_) audio_->stop();
                     state_.end_session();
                     texts_->set_language("nl");
                     mapper_.reset();
                     text_->clear_caches();
                     nav_->home(state_);
                   },
                   [&](const StillHere&) { state_.inactivity_warning = false; },
               },
               i);
  }
}

}  // namespace balie::kiosk
