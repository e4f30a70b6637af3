// balie-kiosk: the UI process of the Balie terminal (no network; the sync daemon is separate).
//
// The frame loop in brief (app/kiosk_app.cpp):
//   init: parse flags -> SDL window (fullscreen, borderless) -> SDL_Renderer -> Dear ImGui
//         (SDL_Renderer backend) -> scene table -> Welcome scene
//   loop:
//     busy = frames still to draw || queued input || a script runs
//     wait: busy ? SDL_PollEvent : SDL_WaitEventTimeout(until the next timer is due)
//     events: finger/mouse -> InputMapper queue; keys -> shortcut filter (Alt+F4, Ctrl+Q, Escape
//             ... are swallowed); SDL_QUIT / window close -> ignored; SIGTERM -> clean exit
//     display: Wayland connection lost (compositor gone) -> log one line, exit 4 (app/display_link.h)
//     timers: watchdog ping (sd_notify) when due
//     frame: InputMapper yields one pointer state -> ImGui::NewFrame -> scene.draw(state, ui,
//            intents) -> render (+ screenshot) -> present -> apply intents (navigation, I/O)
//     script: after each frame the scripted driver runs its next step
//   After input stops and nothing animates, no frames are drawn and the process sleeps.
// SIGTERM is taken by a dedicated thread (sigwait) and turned into an SDL user event.
#include <execinfo.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <pthread.h>
#include <string>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

#include "app/kiosk_app.h"

namespace {

void signal_thread(sigset_t set) {
  int sig = 0;
  while (sigwait(&set, &sig) == 0) {
    SDL_Event e{};
    e.type = SDL_USEREVENT;
    e.user.code = balie::kiosk::kUserEventTerminate;
    SDL_PushEvent(&e);
  }
}

// A crash leaves one line and the call stack on stderr (the journal on the terminal): which library
// and offset, so a crash seen on a terminal can be found (addr2line) without a core dump. Only
// async-signal-safe calls; then the default action runs (the unit restarts the kiosk).
void crash_handler(int sig) {
  char head[64];
  const int n = std::snprintf(head, sizeof head, "balie-kiosk: fatal signal %d; stack:\n", sig);
  if (n > 0) (void)!write(STDERR_FILENO, head, static_cast<size_t>(n));
  void* frames[48];
  const int depth = backtrace(frames, 48);
  backtrace_symbols_fd(frames, depth, STDERR_FILENO);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void install_crash_handler() {
  void* warm[1];
  backtrace(warm, 1);  // loads libgcc's unwinder now, not inside the handler
  for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) std::signal(sig, crash_handler);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace balie::kiosk;
  install_crash_handler();
  // SQLite overwrites every block it frees (page cache, decrypted pages, row values): closing the
  // store at session end leaves no resident's row behind. Must run before SQLite starts. The
  // session's own buffers are wiped where they live (AppState::end_session, KioskApp::end_session).
  if (auto w = balie::store::wipe_sqlite_memory_on_free(); !w.ok()) {
    std::fprintf(stderr, "balie-kiosk: %s\n", w.error().message.c_str());
    return 3;
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  ArgsResult a = parse_args(args);
  if (!a.error.empty()) {
    std::fprintf(stderr, "balie-kiosk: %s\n%s", a.error.c_str(), usage().c_str());
    return 2;
  }
  if (a.options.help) {
    std::printf("%s", usage().c_str());
    return 0;
  }
  if (a.options.version) {
    std::printf("balie-kiosk %s (%s)\n", BALIE_VERSION, BALIE_BUILD_HASH);
    return 0;
  }
  // BALIE_MODE is read where the keys are chosen (platform::KeyProvider), so both agree on the mode.
  const bool production = balie::platform::KeyProvider::from_environment({}).mode() == balie::platform::KeyMode::Production;
  // The kernel command line is read once, here; only the real /proc/cmdline counts (no override).
  bool selftest = false;
  if (production) {
    std::ifstream cl("/proc/cmdline");
    std::string text((std::istreambuf_iterator<char>(cl)), std::istreambuf_iterator<char>());
    selftest = selftest_requested(text);
  }
  if (std::string refusal = production_refusal(a.options, production, selftest); !refusal.empty()) {
    std::fprintf(stderr, "balie-kiosk: %s\n", refusal.c_str());
    return 2;
  }

  // Block SIGTERM/SIGINT in every thread (SDL's too); one thread waits for them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread(signal_thread, set).detach();

  if (production && selftest && !a.options.script.empty()) {
    a.options.real_clock_script = true;
    std::fprintf(stderr, "balie-kiosk: image self-test (balie.selftest=sign): running %s on the system clock\n",
                 a.options.script.c_str());
  }
  KioskApp app(a.options);
  std::string err = app.init();
  if (!err.empty()) {
    std::fprintf(stderr, "balie-kiosk: %s\n", err.c_str());
    return err.rfind("script:", 0) == 0 ? 2 : 3;
  }
  return app.run();
}
