// KioskApp: the SDL + Dear ImGui frame loop, lockdown, timers, intents and screenshots.
// [SECTION] init  [SECTION] loop  [SECTION] events  [SECTION] frame  [SECTION] intents
// The intent handlers are the only place where UI actions reach the store; draw code never does.
#include "app/kiosk_app.h"

#include "app/asset_dirs.h"
#include "app/frame_presenter.h"

#include <imgui.h>
#include <imgui_impl_sdlrenderer.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <cstdlib>
#include <filesystem>

#include "app/ink_cache.h"
#include "app/png_writer.h"
#include "app/script_runner.h"
#include "app/sdl_input.h"
#include "app/wiping_heap.h"
#include "balie/platform/key_provider.h"
#include "balie/platform/scripted_clock.h"
#include "balie/platform/sdl_audio_output.h"
#include "balie/record/codec.h"
#include "balie/record/utf8.h"
#include "balie/store/trust.h"
#include "balie/platform/speech_synth.h"
#include "balie/platform/secure_wipe.h"
#include "balie/text/languages.h"
#include "balie/text/text_engine.h"
#include "balie/text_imgui/glyph_atlas.h"
#include "balie/text_imgui/sdl_texture_backend.h"
#include "balie/text_imgui/text_renderer.h"
#include "scenes/scenes.h"
#include "session/dossier_view.h"
#include "balie/platform/dutch_calendar.h"
#include "session/sync_status.h"
#include "signing/texts.h"
#include "ui/engine_text.h"
#include "ui/imgui_font_renderer.h"

namespace balie::kiosk {

namespace {

template <class... Ts>
struct overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
overloaded(Ts...) -> overloaded<Ts...>;

void log(const std::string& s) { std::fprintf(stderr, "balie-kiosk: %s\n", s.c_str()); }

// BALIE_FRAME_LOG=<file> (benchmarks, bench/kiosk/signature_frames.sh): one line per frame is appended,
// "frame scene start_ms render_ms total_ms drawn fraction" (render = up to the present; total adds the
// intents; drawn = 0 when nothing changed, so nothing was drawn; fraction = share of the screen redrawn).
std::FILE* frame_log(SDL_Renderer* r) {
  static std::FILE* f = [r]() -> std::FILE* {
    const char* p = std::getenv("BALIE_FRAME_LOG");
    std::FILE* out = (p && *p) ? std::fopen(p, "a") : nullptr;
    if (!out) return nullptr;
    std::setvbuf(out, nullptr, _IOLBF, 0);
    SDL_RendererInfo info{};
    std::fprintf(out, "# renderer %s\n", SDL_GetRendererInfo(r, &info) == 0 ? info.name : "?");
    return out;
  }();
  return f;
}

// Staff "sync now": the kiosk has no network; the contract with balie-syncd is the file
// <state_dir>/sync-now (the store's directory, which both units may use): balie-syncd-request.path
// starts balie-syncd.service, and the daemon removes the file when its pass starts.
std::filesystem::path sync_request_file(const std::filesystem::path& state_dir) { return state_dir / "sync-now"; }

std::string request_sync_pass(const std::filesystem::path& state_dir) {
  const auto path = sync_request_file(state_dir);
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return path.string() + ": cannot create";
  return std::fclose(f) == 0 ? std::string() : "cannot write " + path.string();
}

// BALIE_FRAME_LOG also gets the start-up's steps: "# start STEP MS" (CLOCK_MONOTONIC milliseconds, the
// clock the benchmark reads when it starts the process; bench/kiosk/side_by_side.py).
void startup_mark(const char* step) {
  const char* p = std::getenv("BALIE_FRAME_LOG");
  if (!p || !*p) return;
  if (std::FILE* f = std::fopen(p, "a")) {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    std::fprintf(f, "# start %s %.3f\n", step, ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6);
    std::fclose(f);
  }
}

}  // namespace

// [SECTION] init

KioskApp::KioskApp(Options opts) : opts_(std::move(opts)) {}

KioskApp::~KioskApp() {
  if (presenter_ && presenter_->checked_frames() > 0)
    log("damage check: " + std::to_string(presenter_->checked_frames()) + " frames compared, " +
        std::to_string(presenter_->mismatched_frames()) + " with differing pixels (at most " +
        std::to_string(presenter_->worst_pixels()) + ")");
  if (nav_) nav_->scene().exit();
  state_.end_session();
  ink_cache_.reset();  // clears its texture while the renderer exists
  text_renderer_.reset();
  text_atlas_.reset();
  text_textures_.reset();
  text_engine_.reset();
  if (ImGui::GetCurrentContext()) {
    ImGui_ImplSDLRenderer_Shutdown();
    ImGui::DestroyContext();
  }
  speech_.reset();
  audio_.reset();
  store_.reset();
  if (renderer_) SDL_DestroyRenderer(renderer_);
  if (window_) SDL_DestroyWindow(window_);
  SDL_Quit();
}

std::string KioskApp::init_text() {
  text_engine_ = std::make_unique<text::TextEngine>(
      text::default_config(assets_dir(), generated_dir()));
  for (const auto& e : text_engine_->startup_errors()) log("text: " + e);
  text_textures_ = std::make_unique<text::SdlTextureBackend>(renderer_);
  text_textures_->set_change_observer([this](void* page, int x, int y, int w, int h) {
    if (presenter_) presenter_->texture_changed(page, x, y, w, h);
  });
  text_atlas_ = std::make_unique<text::GlyphAtlas>(text_engine_->fonts(), *text_textures_, text::AtlasLimits{});
  text_renderer_ = std::make_unique<text::TextRenderer>(*text_engine_, *text_atlas_);
  text_ = std::make_unique<EngineTextRenderer>(*text_renderer_);
  texts_ = std::make_unique<EngineTexts>(*text_engine_);
  return {};
}

void KioskApp::open_store(bool seed_demo) {
  store_.reset();
  auto keys = platform::KeyProvider::from_environment(paths_.state_dir);
  auto key = keys.db_key();
  if (!key) {
    state_.store_error = key.error().message;
    return;
  }
  store::OpenOptions o;
  o.clock = clock_.get();
  auto opened = store::Store::open(paths_.state_dir / "balie.db", key.value().bytes(), o);
  key.value().wipe();
  if (!opened) {
    state_.store_error = opened.error().message;
    return;
  }
  store_ = std::move(opened.value());
  if (seed_demo && keys.mode() == platform::KeyMode::Demo) {
    auto seeded = store::seed_demo_data(*store_);
    if (!seeded) {
      state_.store_error = seeded.error().message;
      store_.reset();
      return;
    }
  }
  load_signing_texts();
  state_.store_error.clear();
  if (auto cfg = store_->device_config(); cfg && cfg.value()) {
    location_id_ = cfg.value()->location_id;
    state_.location_name = cfg.value()->location_name;
  }
}

void KioskApp::load_staff_tiles() {
  state_.staff_tiles.clear();
  if (!store_) return;
  auto staff = store_->list_staff();
  if (!staff) {
    log("cannot list staff: " + staff.error().message);
    return;
  }
  for (const auto& a : staff.value())
    if (a.active) state_.staff_tiles.push_back(StaffTile{a.id, a.display_name});
}

std::string KioskApp::init() {
  // Clock: scripted for scripts and --clock-start (deterministic timeouts), system otherwise.
  if (!opts_.real_clock_script && (!opts_.clock_start.empty() || !opts_.script.empty())) {
    auto start = opts_.clock_start.empty()
                     ? std::chrono::system_clock::now()
                     : std::chrono::system_clock::time_point(std::chrono::seconds(*parse_utc(opts_.clock_start)));
    auto fc = std::make_unique<platform::ScriptedClock>(std::chrono::time_point_cast<std::chrono::system_clock::duration>(start));
    scripted_clock_ = fc.get();
    clock_ = std::move(fc);
  } else {
    clock_ = std::make_unique<platform::SystemClock>();
  }
  startup_mark("init");
  watchdog_ = platform::make_systemd_watchdog();
  display_power_ = platform::make_linux_display_power();
  timers_ = std::make_unique<session::SessionTimers>(session::TimerConfig{});

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

  auto env_set = [](const char* n) {
    const char* v = std::getenv(n);
    return v != nullptr && *v != '\0';
  };
  if (!env_set("DISPLAY") && !env_set("WAYLAND_DISPLAY") && !env_set("SDL_VIDEODRIVER"))
    return "no display: neither $WAYLAND_DISPLAY nor $DISPLAY is set.\n"
           "Run the kiosk under its compositor (cage), or on a server install Xvfb (apt-get install xvfb) and "
           "use scripts/demo.sh, which starts it for you.";
  SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");  // SIGTERM is handled by main.cpp
  SDL_SetHint(SDL_HINT_TOUCH_MOUSE_EVENTS, "0");  // no synthetic mouse from touch
  SDL_SetHint(SDL_HINT_MOUSE_TOUCH_EVENTS, "0");
  SDL_SetHint(SDL_HINT_VIDEO_MINIMIZE_ON_FOCUS_LOSS, "0");
  SDL_SetHint(SDL_HINT_GRAB_KEYBOARD, "1");
  startup_mark("sdl_init");
  if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0)
    return std::string("cannot open a display: ") + SDL_GetError() +
           "\n(run under a compositor, or install Xvfb: apt-get install xvfb)";
  // The audio subsystem starts after the first frame is on screen (run()): it took 15-25 ms.
  Uint32 flags = SDL_WINDOW_ALLOW_HIGHDPI | SDL_WINDOW_BORDERLESS;
  int wx = SDL_WINDOWPOS_CENTERED, wy = SDL_WINDOWPOS_CENTERED, ww = opts_.width, wh = opts_.height;
  if (!opts_.windowed) {
    // Under X11, SDL 2.26 waits up to ~100 ms for a window manager to grant fullscreen (none runs
    // under Xvfb): the window starts borderless at the screen's size and turns fullscreen after the
    // first frame (run()). Under Wayland (cage) the compositor answers at once.
    const char* video = SDL_GetCurrentVideoDriver();
    SDL_DisplayMode dm{};
    if (video && std::string_view(video) == "x11" && SDL_GetDesktopDisplayMode(0, &dm) == 0) {
      wx = wy = 0;
      ww = dm.w;
      wh = dm.h;
      fullscreen_after_first_frame_ = true;
    } else {
      flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
    }
  }
  window_ = SDL_CreateWindow("Balie", wx, wy, ww, wh, flags);
  if (!window_) return std::string("cannot create window: ") + SDL_GetError();
  display_link_ = DisplayLink(window_);
  RendererChoice choice = renderer_choice_from_environment();
  if (!choice.error.empty()) return choice.error;
  std::string note;
  renderer_ = create_renderer(window_, choice, &note);
  if (!note.empty()) log(note);
  if (!renderer_) return std::string("cannot create renderer: ") + SDL_GetError();
  presenter_ = std::make_unique<FramePresenter>(window_, renderer_, choice);
  if (!opts_.windowed) SDL_ShowCursor(SDL_DISABLE);
  SDL_StartTextInput();

  startup_mark("renderer");
  IMGUI_CHECKVERSION();
  ImGui::SetAllocatorFunctions(wiping_alloc, wiping_free);  // ImGui's buffers are zeroed when freed
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // the UI writes no files
  io.LogFilename = nullptr;
  io.ConfigFlags |= ImGuiConfigFlags_NoMouseCursorChange;
  io.KeyMap[ImGuiKey_Backspace] = SDL_SCANCODE_BACKSPACE;
  io.KeyMap[ImGuiKey_Enter] = SDL_SCANCODE_RETURN;
  ImGuiStyle& style = ImGui::GetStyle();
  style.WindowRounding = 0;
  style.WindowBorderSize = 0;
  style.ItemSpacing = ImVec2(0, 0);
  io.Fonts->AddFontDefault();
  ImGui_ImplSDLRenderer_Init(renderer_);

  startup_mark("imgui");
  audio_ = platform::make_sdl_audio_output();
  speech_ = std::make_unique<platform::SpeechSynthesizer>();
  startup_mark("speech");
  if (std::string e = init_text(); !e.empty()) return e;
  startup_mark("text");
  refresh_audio_state();
  ui_ = std::make_unique<Ui>(items_, *text_, *texts_);
  // BALIE_INK_CACHE=0 draws the pad's ink as geometry every frame (comparisons, benchmarks).
  if (const char* ic = std::getenv("BALIE_INK_CACHE"); !ic || std::string_view(ic) != "0") {
    ink_cache_ = std::make_unique<SdlInkCache>(renderer_);
    ink_cache_->set_change_observer([this](void* tex, int x, int y, int w, int h) {
      if (presenter_) presenter_->texture_changed(tex, x, y, w, h);
    });
    ui_->set_ink_layer(ink_cache_.get());
  }
  items_.set_record_texts(script_ != nullptr);

  // The encrypted store: a failure is a staff-facing error screen, never an empty store.
  startup_mark("ui");
  paths_ = platform::Paths::from_environment();
  std::string perr;
  if (!paths_.ensure(&perr)) {
    state_.store_error = perr;
  } else {
    open_store(/*seed_demo=*/true);
    load_staff_tiles();
    refresh_enrolment();
  }
  startup_mark("store");
  // Not enrolled (production, no applied bundle): the technician's enrolment screen, not the staff list.
  nav_ = std::make_unique<Navigator>(!state_.store_error.empty() ? SceneId::StoreError
                                     : state_.enrolment.required ? SceneId::Enrolment
                                                                 : SceneId::Welcome);
  if (!state_.store_error.empty()) log("store: " + state_.store_error);
  state_.now = clock_->wall_now();
  timers_->set_session(false, clock_->mono_now());
  nav_->scene().enter(state_);
  return {};
}

void KioskApp::advance_fake_time(double seconds) {
  if (scripted_clock_) scripted_clock_->advance(std::chrono::milliseconds(static_cast<long long>(seconds * 1000)));
  frames_to_render_ = std::max(frames_to_render_, 2);
}

// [SECTION] loop

int KioskApp::ms_until_next_timer() const {
  long long ms = 60 * 1000;  // nothing due: wake once a minute at most
  if (watchdog_->ping_interval().count() > 0) {
    auto d = std::chrono::duration_cast<std::chrono::milliseconds>(next_watchdog_ping_ - std::chrono::steady_clock::now()).count();
    ms = std::min<long long>(ms, std::max<long long>(0, d));
  }
  if (auto due = timers_->next_due()) {
    auto d = std::chrono::duration_cast<std::chrono::milliseconds>(*due - clock_->mono_now()).count();
    ms = std::min<long long>(ms, std::max<long long>(0, d));
  }
  if (state_.inactivity_warning) ms = std::min(ms, 250LL);  // the countdown ticks every second
  if (state_.enrolment.required || (state_.sync_requested_at && nav_->current() == SceneId::StaffStatus)) {
    auto d = std::chrono::duration_cast<std::chrono::milliseconds>(next_poll_ - clock_->mono_now()).count();
    ms = std::min<long long>(ms, std::max<long long>(0, d));
  }
  return static_cast<int>(ms);
}

void KioskApp::on_timers() {
  if (watchdog_->ping_interval().count() > 0) {
    auto now = std::chrono::steady_clock::now();
    if (now >= next_watchdog_ping_) {
      watchdog_->ping();
      next_watchdog_ping_ = now + watchdog_->ping_interval();
    }
  }
  const auto now = clock_->mono_now();
  poll_store(now);
  switch (timers_->update(now)) {
    case session::SessionTimers::Event::ShowWarning:
      state_.inactivity_warning = true;
      if (audio_) audio_->stop();
      frames_to_render_ = std::max(frames_to_render_, 2);
      break;
    case session::SessionTimers::Event::EndSession:
      end_session();
      break;
    case session::SessionTimers::Event::Dim:
      state_.dimmed = true;
      frames_to_render_ = std::max(frames_to_render_, 2);
      break;
    case session::SessionTimers::Event::PanelOff:
      state_.panel_off = true;
      display_power_->set_panel_on(false);
      frames_to_render_ = std::max(frames_to_render_, 2);
      break;
    case session::SessionTimers::Event::None:
      break;
  }
  if (state_.inactivity_warning) {
    const int left = timers_->warning_seconds_left(now);
    if (left != last_countdown_) {
      last_countdown_ = left;
      state_.inactivity_seconds_left = left;
      frames_to_render_ = std::max(frames_to_render_, 1);
    }
  }
}

void KioskApp::poll_store(std::chrono::steady_clock::time_point now) {
  // Every few seconds, in the loop (never in drawing): the status screen follows a "Nu versturen"
  // request; a terminal waiting for enrolment moves on once a bundle has been applied.
  if (now < next_poll_) return;
  next_poll_ = now + kPollInterval;
  if (nav_->current() == SceneId::StaffStatus && state_.sync_requested_at) {
    refresh_status();
    frames_to_render_ = std::max(frames_to_render_, 2);
  }
  if (state_.enrolment.required) {
    refresh_enrolment();
    if (!state_.enrolment.required) {
      log("enrolment bundle applied: showing the welcome screen");
      load_staff_tiles();
      if (auto cfg = store_->device_config(); cfg && cfg.value()) {
        location_id_ = cfg.value()->location_id;
        state_.location_name = cfg.value()->location_name;
      }
      nav_->home(state_);
    }
    frames_to_render_ = std::max(frames_to_render_, 2);
  }
}

int KioskApp::run() {
  startup_mark("run");
  render_frame();
  watchdog_->ready();
  // Audio on demand of the screen, not of the start: opened once the first frame is shown, before
  // any touch can ask for it. Without a device the listen controls say they cannot play.
  if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
    log(std::string("no audio device (") + SDL_GetError() + "); listen controls say they cannot play");
    state_.audio.device = false;
    frames_to_render_ = std::max(frames_to_render_, 2);
  }
  startup_mark("audio_init");
  if (fullscreen_after_first_frame_) {
    SDL_SetWindowFullscreen(window_, SDL_WINDOW_FULLSCREEN_DESKTOP);
    if (presenter_) presenter_->invalidate();
    frames_to_render_ = std::max(frames_to_render_, 2);
  }
  while (!quit_) {
    const bool busy = frames_to_render_ > 0 || mapper_.pending() || script_ != nullptr;
    SDL_Event e;
    int got = busy ? SDL_PollEvent(&e) : SDL_WaitEventTimeout(&e, ms_until_next_timer());
    while (got) {
      handle_event(e);
      got = SDL_PollEvent(&e);
    }
    // A kiosk ignores close requests, but it must not outlive its display: with the compositor
    // gone nothing is shown and no touch arrives; only a restart of the unit brings the screen
    // back. When cage dies, SDL 2.26 wakes the wait at once and reports it only as one SDL_QUIT
    // (ignored in handle_event), then polls every millisecond; so the connection itself is
    // checked at every wake-up. Under X11, Xlib's I/O error handler ends the process (status 1).
    if (auto why = display_link_.lost()) {
      log(*why + "; exiting");
      exit_code_ = kExitDisplayLost;
      break;
    }
    on_timers();
    if (std::exchange(scrub_stack_, false)) platform::scrub_stack();  // a timeout ended the session
    if (quit_) break;
    if (frames_to_render_ > 0 || mapper_.pending() || script_) {
      render_frame();
      if (std::exchange(scrub_stack_, false)) platform::scrub_stack();
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
  end_session();
  return exit_code_;
}

// [SECTION] events

void KioskApp::handle_event(const SDL_Event& e) {
  int w = 0, h = 0;
  SDL_GetWindowSize(window_, &w, &h);
  if (auto p = to_pointer_event(e, w, h)) {
    if (p->kind == PointerEvent::Kind::Down) {
      if (timers_->on_touch(clock_->mono_now())) {
        // This touch only wakes the screen: it activates nothing, to its very end.
        swallow_finger_ = p->finger;
        state_.dimmed = false;
        if (state_.panel_off) display_power_->set_panel_on(true);
        state_.panel_off = false;
        frames_to_render_ = std::max(frames_to_render_, 2);
        return;
      }
    }
    if (p->finger == swallow_finger_) {
      if (p->kind == PointerEvent::Kind::Up) swallow_finger_ = INT64_MIN;
      return;
    }
    mapper_.push(*p);
    frames_to_render_ = std::max(frames_to_render_, 2);
    return;
  }
  switch (e.type) {
    case SDL_QUIT:
      // A kiosk is not closed by window-manager requests. A lost Wayland connection also arrives
      // as SDL_QUIT; run() notices that through display_link_ right after this event.
      ++ignored_close_;
      return;
    case SDL_WINDOWEVENT:
      if (e.window.event == SDL_WINDOWEVENT_CLOSE) {
        ++ignored_close_;
        return;
      }
      frames_to_render_ = std::max(frames_to_render_, 2);  // exposed, resized, focus: redraw
      if (presenter_) presenter_->invalidate();
      return;
    case SDL_RENDER_TARGETS_RESET:
    case SDL_RENDER_DEVICE_RESET:
      if (ink_cache_) ink_cache_->wipe();  // its texture's contents are gone
      if (presenter_) presenter_->invalidate();
      frames_to_render_ = std::max(frames_to_render_, 2);
      return;
    case SDL_KEYDOWN:
    case SDL_KEYUP: {
      Key k = to_key(e.key.keysym.sym);
      KeyMods m = to_mods(e.key.keysym.mod);
      if (is_blocked_shortcut(k, m)) return;  // swallowed: nothing happens
      timers_->on_touch(clock_->mono_now());
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
  const auto frame_t0 = std::chrono::steady_clock::now();
  state_.now = clock_->wall_now();
  state_.scene = nav_->current();
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
  feed_signature(in);
  io.MousePos = ImVec2(in.pos.x, in.pos.y);
  io.MouseDown[0] = in.down;

  ImGui_ImplSDLRenderer_NewFrame();
  ImGui::NewFrame();
  if (frame_count_ == 1) startup_mark("newframe");
  items_.begin_frame();
  const bool resident_scene = scene_table()[static_cast<size_t>(nav_->current())].resident_facing;
  texts_->set_staff_mode(!resident_scene);
  if (auto* etr = dynamic_cast<EngineTextRenderer*>(text_.get())) etr->set_staff_mode(!resident_scene);
  ui_->begin_frame(Vec2{static_cast<float>(w), static_cast<float>(h)}, in, texts_->rtl());
  ui_->set_text_scale(resident_scene && state_.large_text ? theme::kLargeTextScale : 1.0f);
  poll_speech();
  if (state_.panel_off) {
    ui_->fill(Rect{0, 0, static_cast<float>(w), static_cast<float>(h)}, theme::rgba(0, 0, 0));
  } else if (state_.inactivity_warning) {
    draw_inactivity_overlay(state_, *ui_, intents_);
  } else {
    nav_->scene().draw(state_, *ui_, intents_);
  }
  // A text cut in its box on a resident screen is logged (scene and count only, no text).
  if (const int cut = resident_scene ? ui_->clipped_texts() : 0; cut != last_cut_texts_) {
    if (cut > 0) log("text cut on " + std::string(scene_name(nav_->current())) + ": " + std::to_string(cut));
    last_cut_texts_ = cut;
  }
  ui_->end_frame();
  items_.end_frame();
  ImGui::Render();
  if (frame_count_ == 1) startup_mark("scene_drawn");
  if (ink_cache_) ink_cache_->end_frame();

  // Drawn whole, or only where it differs from the frame on screen (software renderer); a frame
  // that changes nothing is neither drawn nor presented, unless a screenshot reads it.
  const bool drawn = presenter_->render(ImGui::GetDrawData(), pw, ph, !screenshot_path_.empty());
  if (!screenshot_path_.empty()) {
    std::vector<uint8_t> px(static_cast<size_t>(pw) * ph * 4);
    if (SDL_RenderReadPixels(renderer_, nullptr, SDL_PIXELFORMAT_RGBA32, px.data(), pw * 4) != 0) {
      screenshot_error_ = std::string("screenshot failed: ") + SDL_GetError();
    } else {
      screenshot_error_ = write_png_rgba(screenshot_path_, pw, ph, px);
    }
    platform::secure_wipe(px);
    screenshot_path_.clear();
  }
  if (drawn) presenter_->present();
  if (frame_count_ == 1) startup_mark("first_frame");
  const auto frame_t1 = std::chrono::steady_clock::now();
  const std::string_view frame_scene = scene_name(nav_->current());
  if (!intents_.empty()) {
    apply_intents();
    frames_to_render_ = std::max(frames_to_render_, 2);
  }
  if (std::FILE* fl = frame_log(renderer_)) {
    using ms = std::chrono::duration<double, std::milli>;
    static const auto first = frame_t0;
    std::fprintf(fl, "%llu %.*s %.3f %.3f %.3f %d %.4f\n", static_cast<unsigned long long>(frame_count_),
                 static_cast<int>(frame_scene.size()), frame_scene.data(), ms(frame_t0 - first).count(),
                 ms(frame_t1 - frame_t0).count(), ms(std::chrono::steady_clock::now() - frame_t0).count(),
                 drawn ? 1 : 0, drawn ? presenter_->last_fraction() : 0.0);
  }
  // Every scene but the welcome scene is a session for the inactivity timeout (staff screens
  // too); only the welcome scene dims and switches the panel off.
  const bool in_session = nav_->current() != SceneId::Welcome;
  if (in_session != session_timing_) {
    session_timing_ = in_session;
    timers_->set_session(in_session, clock_->mono_now());
  }
}

// [SECTION] intents

void KioskApp::staff_error(const std::string& what, const std::string& message) {
  state_.staff_message = what;
  log(what + ": " + message);
}

void KioskApp::end_session() {
  if (audio_) audio_->stop();
  if (speech_) speech_->wipe();  // queued dossier text and synthesised PCM
  if (nav_) nav_->scene().exit();
  state_.end_session();
  if (text_engine_) text_engine_->reset_language();
  refresh_audio_state();
  texts_->set_staff_mode(false);
  mapper_.reset();
  if (ink_cache_) ink_cache_->wipe();
  text_->clear_caches();
  items_.wipe();
  timers_->set_session(false, clock_->mono_now());
  session_timing_ = false;
  last_countdown_ = -1;
  // Characters typed on a physical keyboard wait in ImGui's input queue, which keeps them after use.
  if (ImGui::GetCurrentContext()) {
    auto& q = ImGui::GetIO().InputQueueCharacters;
    if (q.Capacity > 0) sodium_memzero(q.Data, static_cast<size_t>(q.Capacity) * sizeof(q.Data[0]));
    q.resize(0);
  }
  // Reopening the store drops SQLite's page cache, which holds decrypted pages of this session;
  // SQLite overwrites every block it frees (store::wipe_sqlite_memory_on_free, main.cpp). Nothing
  // personal is read on reopen.
  if (store_) open_store(/*seed_demo=*/false);
  if (nav_) nav_->home(state_);
  if (nav_ && state_.enrolment.required) nav_->go(SceneId::Enrolment, state_);
  scrub_stack_ = true;  // run() overwrites the stack the session's handlers used
}

void KioskApp::on_pin(const SubmitStaffPin& p) {
  if (!store_) return;
  auto verdict = store_->verify_pin(p.staff_id, p.pin);
  if (!verdict) return staff_error("De pincode kon niet worden gecontroleerd.", verdict.error().message);
  const auto& v = verdict.value();
  state_.pin_attempts_left = -1;
  state_.locked_minutes = 0;
  state_.staff_message.clear();
  using K = store::PinVerdict::Kind;
  if (v.kind == K::Ok) {
    auto acc = store_->staff(p.staff_id);
    if (!acc || !acc.value()) return staff_error("Dit account bestaat niet meer.", acc ? "unknown staff" : acc.error().message);
    if (acc.value()->must_change_pin) {  // first login: a new PIN before anything else
      state_.pending_pin_staff_id = acc.value()->id;
      state_.pending_pin_name = acc.value()->display_name;
      state_.new_pin_message_key.clear();
      nav_->go(SceneId::StaffNewPin, state_);
      return;
    }
    state_.staff_id = acc.value()->id;
    state_.staff_name = acc.value()->display_name;
    state_.staff_role = acc.value()->role;
    refresh_held();  // the home screen says when a link change holds records
    nav_->go(SceneId::StaffHome, state_);
  } else if (v.kind == K::Locked || (v.kind == K::Wrong && v.locked_until)) {
    const auto until = v.locked_until.value_or(std::chrono::floor<std::chrono::seconds>(clock_->wall_now()));
    const auto secs = (until - std::chrono::floor<std::chrono::seconds>(clock_->wall_now())).count();
    state_.locked_minutes = static_cast<int>(std::max<long long>(1, (secs + 59) / 60));
  } else if (v.kind == K::Wrong) {
    state_.pin_attempts_left = v.attempts_left;
  } else {
    state_.staff_message = "Onbekend account.";
  }
}

void KioskApp::on_change_pin(const ChangeOwnPin& c) {
  if (!store_ || state_.pending_pin_staff_id.empty()) return;
  state_.new_pin_message_key.clear();
  const auto verdict = session::check_new_pin(c.first, c.second);
  if (verdict != session::NewPinVerdict::Ok) {
    state_.new_pin_message_key = std::string(session::new_pin_message_key(verdict));
    return;
  }
  auto st = store_->change_pin(state_.pending_pin_staff_id, c.first);
  if (!st) {
    if (st.error().code == store::StoreErrc::Conflict) {
      state_.new_pin_message_key = "new_pin.same_as_before";
      return;
    }
    state_.new_pin_message_key = "new_pin.failed";
    return log("cannot change the PIN: " + st.error().message);
  }
  auto acc = store_->staff(state_.pending_pin_staff_id);
  if (!acc || !acc.value()) return staff_error("Dit account bestaat niet meer.", acc ? "unknown staff" : acc.error().message);
  state_.staff_id = acc.value()->id;
  state_.staff_name = acc.value()->display_name;
  state_.staff_role = acc.value()->role;
  platform::secure_wipe(state_.pending_pin_staff_id);
  platform::secure_wipe(state_.pending_pin_name);
  nav_->home(state_);  // no way "back" into the PIN screens
  nav_->go(SceneId::StaffHome, state_);
}

void KioskApp::on_search(const SearchResidents& q) {
  if (!store_) return;
  wipe(state_.search_hits);
  auto res = q.query.empty() ? store_->list_residents(location_id_) : store_->search_residents(q.query, 50);
  if (!res) return staff_error("Zoeken is mislukt.", res.error().message);
  for (auto& r : res.value()) {
    if (!location_id_.empty() && r.location_id != location_id_) {
      wipe(r);
      continue;  // residents at this location only
    }
    ResidentHit& h = platform::emplace_back_wiping(state_.search_hits);
    h.id = r.id;
    h.name_own = r.naam_eigen_schrift.empty() ? r.naam_latijns : r.naam_eigen_schrift;
    h.name_latin = r.naam_latijns;
    h.room = r.kamer;
    h.v_nummer_masked = session::mask_identifier(r.v_nummer);
    h.bidi_stripped = !r.bidi_stripped.empty();
    wipe(r);
  }
  platform::wipe_storage(res.value());
  // One person under two resident ids (same V-nummer or BSN): one conflict entry, never two people.
  auto conflicts = store_->identity_conflicts();
  if (!conflicts) return staff_error("Zoeken is mislukt.", conflicts.error().message);
  std::vector<bool> shown(conflicts.value().size(), false);
  std::vector<ResidentHit> kept;
  kept.reserve(state_.search_hits.size());  // no reallocation leaves copies behind
  for (auto& h : state_.search_hits) {
    const int c = session::conflict_of(conflicts.value(), h.id);
    if (c < 0) {
      kept.push_back(std::move(h));
      continue;
    }
    if (shown[c]) continue;
    shown[c] = true;
    ResidentHit e;
    e.conflict = true;
    for (const auto& id : conflicts.value()[c].resident_ids)
      e.conflict_ids_masked += (e.conflict_ids_masked.empty() ? "" : ", ") + session::mask_identifier(id);
    kept.push_back(std::move(e));
  }
  wipe(state_.search_hits);
  for (auto& h : kept) platform::emplace_back_wiping(state_.search_hits) = std::move(h);
  wipe(kept);
}

void KioskApp::on_select(const SelectResident& s) {
  if (!store_) return;
  if (auto c = store_->identity_conflicts(); !c || session::conflict_of(c.value(), s.resident_id) >= 0)
    return staff_error("Deze bewoner staat twee keer in het systeem (zelfde V-nummer of BSN). COA moet dit herstellen.",
                       c ? "identity conflict" : c.error().message);
  auto view = store_->load_dossier(s.resident_id);
  if (!view) return staff_error("Het dossier kon niet worden geladen.", view.error().message);
  auto& rv = view.value();
  prepare_signing(rv);  // first: the dossier's next step depends on the offer
  state_.dossier = session::build_dossier_view(rv, calendar::local_day(clock_->wall_now()),
                                               state_.flow.offer.offered ? "" : state_.flow.offer.reason_key);
  for (const auto& u : state_.dossier->unknown_values) log("dossier of " + rv.resident.id + ": unknown value " + u);
  state_.resident = rv.resident;
  wipe(rv.resident);
  state_.identity_checked = false;
  nav_->go(SceneId::IdentityCheck, state_);
}

void KioskApp::on_confirm_identity() {
  if (!store_ || !state_.resident) return;
  auto st = store_->append_audit(state_.staff_id, "identity.checked",
                                 "resident=" + state_.resident->id + " method=verblijfsdocument");
  if (!st) return staff_error("De controle kon niet worden vastgelegd.", st.error().message);
  state_.identity_checked = true;
  state_.resident_session = true;
  nav_->go(SceneId::Language, state_);
}

void KioskApp::on_language(const SetLanguage& l) {
  if (!texts_->set_language(l.code)) log("unknown or unusable language '" + l.code + "', staying Dutch");
  state_.language = std::string(texts_->language());
  refresh_audio_state();
  text_->clear_caches();  // layouts depend on the language's direction
  // Issue 18: what is offered depends on the texts that exist in the chosen language.
  if (state_.resident && state_.resident_session) refresh_signing_records();
  if (state_.resident_session && nav_->current() == SceneId::Language) nav_->go(SceneId::Dossier, state_);
}

void KioskApp::refresh_audio_state() {
  // What the listen buttons can play in the session language (issue 18): read once per language
  // change from the build's audio manifest (in memory), so drawing only looks it up.
  AppState::Audio& au = state_.audio;
  au.keys.clear();
  au.texts.clear();
  au.failed_button.clear();
  au.voice = false;
  if (!text_engine_) return;
  const text::Language& l = text_engine_->language();
  const std::string lang(l.code);
  for (const auto& key : text_engine_->spoken_keys())
    if (text_engine_->audio().has_clip(lang, key)) au.keys.insert(key);
  // Declaration and consent clips of every language: the Dutch declaration is read in any session.
  for (const auto& e : text_engine_->audio().manifest())
    if (e.key.rfind(text::kSpokenTextPrefix, 0) == 0) au.texts.insert(e.language + ":" + e.text_sha256);
  au.voice = speech_ && !l.espeak_voice.empty();
}

void KioskApp::on_audio(const PlayScreenAudio& a) {
  if (!text_engine_) return;
  state_.audio.failed_button.clear();
  auto failed = [&](const std::string& why) {
    state_.audio.failed_button = a.button;  // the button now says it cannot play
    log(why);
  };
  if (!audio_) return failed("no audio output");
  if (a.every_language) {
    // Issue 18: the prompt in each language in turn (screens shown before a language is chosen).
    // One clip: each language's clip (recorded or generated) with a short pause between; languages
    // without audio for the key are left out and named in the log.
    platform::PcmClip all;
    std::string without;
    for (const auto& l : text::languages()) {
      auto c = text_engine_->audio().clip(l.code, a.key);
      if (!c || (!all.samples.empty() && (*c)->sample_rate != all.sample_rate)) {
        without += (without.empty() ? "" : " ") + std::string(l.code);
        continue;
      }
      if (all.samples.empty()) all.sample_rate = (*c)->sample_rate;
      else all.samples.insert(all.samples.end(), static_cast<size_t>(all.sample_rate * 6 / 10), int16_t{0});
      all.samples.insert(all.samples.end(), (*c)->samples.begin(), (*c)->samples.end());
    }
    if (!without.empty()) log("no audio for " + a.key + " in: " + without);
    if (all.samples.empty()) return failed("no audio for " + a.key + " in any language");
    if (!audio_->play(all)) return failed("audio device unavailable");
    return;
  }
  const std::string lang(text_engine_->language().code);
  if (a.what == PlayScreenAudio::What::kDynamic) {
    const text::Language& l = text_engine_->language();
    if (l.espeak_voice.empty() || !speech_) return failed("no run-time voice for language " + lang);
    audio_->stop();
    std::string spoken = a.text;
    record::strip_bidi_formatting(spoken);  // isolation marks around names are not read
    speech_->submit(std::move(spoken), std::string(l.espeak_voice));
    speech_button_ = a.button;
    return;  // played by poll_speech() when ready (off the UI thread)
  }
  // The declaration or consent text on screen: the clip of exactly that text (by its SHA-256).
  const store::TextVersion* tv = nullptr;
  if (a.what == PlayScreenAudio::What::kDeclaration || a.what == PlayScreenAudio::What::kDeclarationNl) {
    if (!state_.flow.pvt) return failed("no declaration on screen");
    const signing::SigningSession& p = *state_.flow.pvt;
    tv = a.what == PlayScreenAudio::What::kDeclaration && p.text_own ? &*p.text_own : &p.text_nl;
  }
  if (a.what == PlayScreenAudio::What::kConsent) {
    if (!state_.flow.consent) return failed("no consent notice on screen");
    tv = &state_.flow.consent->text;
  }
  signing::AudioPlayed what;
  std::shared_ptr<const platform::PcmClip> clip;
  if (tv) {
    // Never another text instead (not the screen's instruction): the button says it cannot play.
    auto c = text_engine_->audio().text_clip(tv->language, tv->sha256);
    if (!c) return failed("no audio for " + tv->version_id + ": " + c.error().message);
    clip = c->clip;
    what = {c->entry.key, tv->version_id, tv->sha256, tv->language, 0, c->entry.source};
  } else {  // the screen's own text (catalog key)
    auto c = text_engine_->spoken_clip(a.key);
    if (!c) return failed("no audio for " + a.key + ": " + c.error().message);
    clip = *c;
    const auto src = text_engine_->audio().source(lang, a.key);
    what = {a.key, "", record::sha256_hex(text_engine_->tr(a.key)), lang, 0,
            src == text::AudioSource::kRecorded ? "recorded" : "generated"};
  }
  if (!audio_->play(*clip)) return failed("audio device unavailable");
  what.duration_ms = clip->sample_rate > 0 ? static_cast<std::int64_t>(clip->samples.size()) * 1000 / clip->sample_rate : 0;
  log("audio: played " + what.key + " (" + what.language + ", " + std::to_string(what.duration_ms) + " ms, " +
      what.source + ")");
  // Evidence: what played, only now that it started (issue 18): the declaration's events while it
  // is being signed, the consent notice's receipt.
  if (a.what == PlayScreenAudio::What::kConsent && state_.flow.consent) {
    if (state_.flow.consent->audio.size() < 32) state_.flow.consent->audio.push_back(what);
  } else if (state_.flow.pvt && !state_.flow.pvt->saved) {
    state_.flow.pvt->mark_audio(std::move(what), clock_->mono_now());
  }
}

void KioskApp::poll_speech() {
  if (!speech_) return;
  while (auto r = speech_->poll()) {
    if (!r->error.empty()) {
      state_.audio.failed_button = speech_button_;
      log("speech: " + r->error);
    } else if (audio_ && !audio_->play(r->clip)) {
      state_.audio.failed_button = speech_button_;
      log("audio device unavailable");
    } else if (audio_) {
      log("audio: synthesised " + std::to_string(r->duration_ms()) + " ms with voice " + r->voice);
    }
    platform::wipe_pcm(r->clip);  // the output copied it; the dossier's PCM is personal
    frames_to_render_ = std::max(frames_to_render_, 2);
  }
}

void KioskApp::refresh_status() {
  state_.status_rows.clear();
  state_.deletion_lines.clear();
  state_.held_without_route = 0;
  if (!store_) return;
  auto counts = store_->outbox_counts();
  auto states = store_->sync_states();
  auto routes = store_->routes();
  if (!counts || !states || !routes) return staff_error("De status kon niet worden gelezen.", !counts ? counts.error().message : !states ? states.error().message : routes.error().message);
  state_.status_rows = session::build_sync_status(counts.value(), states.value(), routes.value(),
                                                  clock_->wall_now());
  std::error_code ec;
  const bool request_present = std::filesystem::exists(sync_request_file(paths_.state_dir), ec);
  state_.sync_request = session::sync_request_view(state_.sync_requested_at, request_present, states.value(),
                                                   clock_->wall_now());
  state_.clock_synchronised = session::system_clock_synchronised();
  state_.test_keys = store::image_trust().keys == store::KeySet::Test;  // issue 20: /usr/lib/balie/trust
  if (auto dels = store_->deletion_status(); dels) state_.deletion_lines = session::build_deletion_lines(dels.value());
  // Issue 18: which texts are missing in which language, per municipality with a route.
  state_.missing_text_lines.clear();
  std::vector<std::pair<std::string, std::string>> kinds = {{"pvt_declaration", "verklaring"}};
  std::vector<store::BundleConsentPurpose> from_bundle;
  if (auto b = store_->applied_bundle(); b.ok() && b.value()) from_bundle = b.value()->consent_purposes;
  for (const auto& p : signing::consent_purposes(from_bundle)) kinds.emplace_back(p.text_kind, "toestemming " + p.id);
  for (const auto& route : routes.value()) {
    std::string line;
    for (const auto& [kind, name] : kinds) {
      std::string langs;
      for (const auto& l : text::languages()) {
        const auto c = signing::choose_texts(*store_, kind, std::string(l.code), route.gemeentecode);
        if (!c.complete()) langs += (langs.empty() ? "" : ", ") + std::string(l.code);
        if (c.missing_language == "nl") break;  // no Dutch text: every language is missing
      }
      if (!langs.empty()) line += (line.empty() ? "" : "; ") + name + ": " + langs;
    }
    if (!line.empty())
      state_.missing_text_lines.push_back("Teksten ontbreken voor " + session::gemeente_name(route.gemeentecode) + " (" +
                                          route.gemeentecode + ") in: " + line);
  }
  for (const auto& r : state_.status_rows)
    if (r.gemeentecode.empty() || !r.has_route) state_.held_without_route += r.held + r.waiting;
}

void KioskApp::refresh_held() {
  state_.held_rows.clear();
  state_.conflict_lines.clear();
  state_.link_changed_held = 0;
  if (!store_) return;
  auto held = store_->list_outbox(store::OutboxState::Held, 500);
  auto failed = store_->list_outbox(store::OutboxState::Failed, 500);
  auto conflicts = store_->identity_conflicts();
  if (!held || !failed || !conflicts)
    return staff_error("De vastgehouden records konden niet worden gelezen.",
                       !held ? held.error().message : !failed ? failed.error().message : conflicts.error().message);
  state_.held_rows = session::build_held_rows(held.value(), failed.value());
  state_.link_changed_held = session::count_link_changed(state_.held_rows);
  state_.conflict_lines = session::conflict_lines(conflicts.value());
}

void KioskApp::on_held_decision(const DecideHeldRecord& d) {
  if (!store_ || state_.staff_id.empty()) return;
  state_.staff_message.clear();
  state_.pin_attempts_left = -1;
  state_.locked_minutes = 0;
  const session::HeldRecordRow* row = nullptr;
  for (const auto& r : state_.held_rows)
    if (r.record_id == d.record_id) row = &r;
  if (!row) return staff_error("Dit record is niet meer vastgehouden.", "no held row " + d.record_id);
  auto verdict = store_->verify_pin(state_.staff_id, d.pin);
  if (!verdict) return staff_error("De pincode kon niet worden gecontroleerd.", verdict.error().message);
  using K = store::PinVerdict::Kind;
  const auto& v = verdict.value();
  if (v.kind == K::Locked || (v.kind == K::Wrong && v.locked_until)) {
    const auto until = v.locked_until.value_or(std::chrono::floor<std::chrono::seconds>(clock_->wall_now()));
    const auto secs = (until - std::chrono::floor<std::chrono::seconds>(clock_->wall_now())).count();
    state_.locked_minutes = static_cast<int>(std::max<long long>(1, (secs + 59) / 60));
    return;
  }
  if (v.kind != K::Ok) {
    state_.pin_attempts_left = v.kind == K::Wrong ? v.attempts_left : 0;
    return;
  }
  const std::string id = row->record_id;
  if (d.void_it) {
    auto keys = platform::KeyProvider::from_environment(paths_.state_dir);
    auto device = keys.device_signing_key();
    if (!device) return staff_error("De apparaatsleutel is niet beschikbaar.", device.error().message);
    auto out = store_->void_record(id, state_.staff_id, session::void_reason_for(*row), device.value());
    if (!out) return staff_error("Het record kon niet vervallen worden verklaard.", out.error().message);
    state_.staff_message = "Vervallen verklaard; de gemeente " + row->addressee + " krijgt een vervalbericht.";
  } else {
    const std::string why = row->link_changed ? "staff: deliver to " + row->addressee + " (signed under its link)"
                                              : "staff: retry (" + row->reason_type + ")";
    if (auto st = store_->release(id, state_.staff_id, why); !st)
      return staff_error("Het record kon niet worden vrijgegeven.", st.error().message);
    state_.staff_message = "Vrijgegeven; het record gaat bij de volgende ronde naar " + row->addressee + ".";
  }
  refresh_held();
}

void KioskApp::apply_intents() {
  // Moved out: handlers may change the scene, which must not touch the list being iterated. The
  // list is overwritten afterwards (it may hold a PIN or a search query).
  std::vector<Intent> list;
  list.reserve(Intents::kMax);
  intents_.take(list);
  for (const Intent& i : list) {
    std::visit(overloaded{
                   [&](const GoTo& g) {
                     if (audio_) audio_->stop();
                     if (g.scene == SceneId::StaffStatus) refresh_status();
                     if (g.scene == SceneId::StaffHeld || g.scene == SceneId::StaffHome) refresh_held();
                     if (g.scene == SceneId::Enrolment) refresh_enrolment();
                     nav_->go(g.scene, state_);
                   },
                   [&](const GoBack&) {
                     if (audio_) audio_->stop();
                     state_.pin_attempts_left = -1;
                     state_.locked_minutes = 0;
                     state_.staff_message.clear();
                     nav_->back(state_);
                   },
                   [&](const SetLanguage& l) { on_language(l); },
                   [&](const SetLargeText& t) { state_.large_text = t.on; },
                   [&](const SubmitStaffPin& p) { on_pin(p); },
                   [&](const SearchResidents& q) { on_search(q); },
                   [&](const SelectResident& s) { on_select(s); },
                   [&](const ConfirmIdentity&) { on_confirm_identity(); },
                   [&](const PlayScreenAudio& a) { on_audio(a); },
                   [&](const EndSession&) { end_session(); },
                   [&](const StillHere&) {
                     timers_->still_here(clock_->mono_now());
                     state_.inactivity_warning = false;
                     last_countdown_ = -1;
                   },
                   [&](const StartSigning&) { on_start_signing(); },
                   [&](const OpenSigningMoment& o) { on_open_signing(o); },
                   [&](const SigningMark& m) { on_signing_mark(m); },
                   [&](const ClearSignature&) { on_clear_signature(); },
                   [&](const SignatureDone&) { on_signature_done(); },
                   [&](const RedoSignature&) { on_redo_signature(); },
                   [&](const ConfirmSignature&) { on_confirm_signature(); },
                   [&](const OpenConsent& o) { on_open_consent(o); },
                   [&](const AnswerConsent& a) { on_answer_consent(a); },
                   [&](const ChangeOwnPin& c) { on_change_pin(c); },
                   [&](const SubmitEnrolmentCode& c) { on_enrolment_code(c); },
                   [&](const DecideHeldRecord& d) { on_held_decision(d); },
                   [&](const SyncNow&) {
                     state_.staff_message.clear();
                     if (auto e = request_sync_pass(paths_.state_dir); !e.empty())
                       return staff_error("Het verzoek om te versturen kon niet worden doorgegeven.", e);
                     if (store_ && !state_.staff_id.empty()) (void)store_->append_audit(state_.staff_id, "sync.requested", "");
                     state_.sync_requested_at = clock_->wall_now();
                     refresh_status();  // the screen says what the sync states prove, nothing more
                   },
                   [&](const StopKiosk&) {
                     if (store_ && !state_.staff_id.empty()) (void)store_->append_audit(state_.staff_id, "kiosk.stop", "");
                     quit_ = true;
                   },
               },
               i);
  }
  wipe(list);
}

}  // namespace balie::kiosk
