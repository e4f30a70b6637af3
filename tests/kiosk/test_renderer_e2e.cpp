// The renderer per terminal and the software renderer's damage regions (issue 19), on the real
// balie-kiosk under Xvfb: redrawing only what changed gives the same pixels as redrawing everything
// (every frame of a signing and a drag-scrolling session compared), the X display shows exactly the
// kiosk's own frame after partial presents, the software renderer loads no GL library, and a wrong
// BALIE_RENDERER is refused with a clear message.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "kiosk_process.h"

// Xlib last: its macros (None, Bool, Status) clash with names in the headers above.
#include <X11/Xlib.h>
#include <X11/Xutil.h>

using namespace balie::kiosk::testing;
namespace fs = std::filesystem;

namespace {

// "damage check: N frames compared, M with differing pixels (at most K)"
bool damage_check(const std::string& out, long* compared, long* mismatched) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex("damage check: (\\d+) frames compared, (\\d+) with differing pixels"))) return false;
  *compared = std::stol(m[1]);
  *mismatched = std::stol(m[2]);
  return true;
}


class RendererE2E : public KioskProcessTest {
 protected:
  std::vector<std::string> env(std::initializer_list<std::string> extra) const {
    auto e = kiosk_env();
    e.insert(e.end(), extra.begin(), extra.end());
    return e;
  }
  // A scripted session's steps without its screenshots, followed by `tail`.
  fs::path script_from(const std::string& name, const std::string& tail) {
    std::ifstream in(scripts_dir() + "/" + name);
    std::stringstream out;
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("screenshot", 0) != 0) out << line << "\n";
    out << tail;
    const fs::path p = dir_ / ("run-" + name);
    std::ofstream(p) << out.str();
    return p;
  }
  // Runs a scripted session with BALIE_DAMAGE_CHECK=1 and the frame log: it must pass, compare more
  // than 40 frames and find no differing pixel.
  void checked_run(const std::string& name, std::initializer_list<std::string> renderer, const fs::path& log) {
    auto e = env({"BALIE_DAMAGE_CHECK=1", "BALIE_FRAME_LOG=" + log.string()});
    e.insert(e.end(), renderer.begin(), renderer.end());
    auto r = run_process({kiosk_binary(), "--windowed", "1920x1080", "--clock-start", "2026-03-02T09:30:00Z", "--script",
                          script_from(name, "").string()},
                         e, std::chrono::seconds(300));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    long compared = 0, mismatched = -1;
    ASSERT_TRUE(damage_check(r.output, &compared, &mismatched)) << r.output;
    EXPECT_GT(compared, 40);
    EXPECT_EQ(mismatched, 0) << r.output;
  }
  struct FrameLog {
    std::string renderer;
    int drawn = 0, skipped = 0, partial = 0;  // partial: drawn with less than a quarter of the screen
  };
  static FrameLog read_frames(const fs::path& p) {
    FrameLog f;
    std::ifstream in(p);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("# renderer ", 0) == 0) f.renderer = line.substr(11);
      if (line.empty() || line[0] == '#') continue;
      std::istringstream w(line);
      std::string n, scene;
      double start = 0, render = 0, total = 0, fraction = 0;
      int drawn = 0;
      if (!(w >> n >> scene >> start >> render >> total >> drawn >> fraction)) continue;
      if (drawn) {
        ++f.drawn;
        if (fraction < 0.25) ++f.partial;
      } else {
        ++f.skipped;
      }
    }
    return f;
  }
};

}  // namespace

TEST_F(RendererE2E, PartialRedrawsGiveTheSamePixelsAsWholeOnes) {
  // Signing (ink on the pad, review, saved) and a Latin session (keyboard search, drag-scrolling,
  // the inactivity warning and its timeout): after every partial redraw the kiosk also redraws the
  // whole frame and counts differing pixels.
  for (const char* name : {"sign_pvt.balie", "session_latin.balie"}) {
    SCOPED_TRACE(name);
    const fs::path log = dir_ / (std::string(name) + ".frames");
    checked_run(name, {"BALIE_RENDERER=software"}, log);
    const FrameLog f = read_frames(log);
    EXPECT_EQ(f.renderer, "software");
    EXPECT_GT(f.partial, 20) << "most frames change a small part of the screen";
    EXPECT_GT(f.skipped, 0) << "frames that change nothing are not drawn";
  }
}

TEST_F(RendererE2E, TheDisplayShowsTheKiosksFrameAfterPartialPresents) {
  // Drag-scroll and type (many partial presents), take the kiosk's own screenshot (read from its
  // frame), stop, and compare with what the X server shows in the window.
  const fs::path shots = dir_ / "shots";
  const auto script = script_from("session_latin.balie", "");
  // session_latin ends on the welcome screen after a timeout; stop on the dossier instead.
  std::ifstream in(script);
  std::stringstream cut;
  std::string line;
  while (std::getline(in, line)) {
    cut << line << "\n";
    if (line.rfind("drag dossier.groups", 0) == 0) break;
  }
  cut << "wait-frames 30\nscreenshot final\npause\n";
  const fs::path s = dir_ / "cut.balie";
  std::ofstream(s) << cut.str();
  pid_t pid = -1;
  RunResult r;
  std::thread t([&] {
    r = run_process({kiosk_binary(), "--windowed", "1920x1080", "--clock-start", "2026-03-02T09:30:00Z", "--script",
                     s.string(), "--shots", shots.string()},
                    env({"BALIE_RENDERER=software"}), std::chrono::seconds(180), &pid);
  });
  while (pid <= 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  struct Resume {  // whatever fails below, the kiosk continues, ends and is waited for
    pid_t pid;
    std::thread& t;
    ~Resume() {
      kill(pid, SIGCONT);
      if (t.joinable()) t.join();
    }
  } resume{pid, t};
  char st = 0;
  for (int i = 0; i < 9000 && (st = process_state(pid)) != 'T' && st != 0 && st != 'Z'; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(st, 'T') << "the kiosk did not reach its pause";

  // The software renderer's process maps no GL driver (no Mesa, no LLVM).
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  const std::string m((std::istreambuf_iterator<char>(maps)), std::istreambuf_iterator<char>());
  EXPECT_EQ(m.find("libLLVM"), std::string::npos);
  EXPECT_EQ(m.find("_dri.so"), std::string::npos);
  EXPECT_EQ(m.find("libGLX"), std::string::npos);

  Display* d = nullptr;
  for (int i = 0; i < 50 && !d; ++i) {  // a busy X server may refuse a connection for a moment
    d = XOpenDisplay(xvfb_->display().c_str());
    if (!d) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_NE(d, nullptr) << "cannot connect to " << xvfb_->display();
  XImage* img = XGetImage(d, DefaultRootWindow(d), 0, 0, 1920, 1080, AllPlanes, ZPixmap);
  ASSERT_NE(img, nullptr);
  Png own;
  ASSERT_TRUE(read_png((shots / "final.png").string(), &own));
  long differ = 0;
  for (int y = 0; y < 1080; ++y)
    for (int x = 0; x < 1920; ++x) differ += (XGetPixel(img, x, y) & 0xFFFFFF) != own.at(x, y);
  XDestroyImage(img);
  XCloseDisplay(d);
  kill(pid, SIGCONT);
  t.join();
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(differ, 0) << "pixels on the display differ from the kiosk's frame";
}

TEST_F(RendererE2E, TheGpuRendererDrawsWholeOrDamagedFrames) {
  const fs::path log = dir_ / "gpu.frames";
  const fs::path shots = dir_ / "shots";
  auto r = run_process({kiosk_binary(), "--windowed", "1280x800", "--script", scripts_dir() + "/smoke.balie", "--shots",
                        shots.string()},
                       env({"BALIE_RENDERER=gpu", "BALIE_FRAME_LOG=" + log.string()}), std::chrono::seconds(180));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const FrameLog f = read_frames(log);
  EXPECT_NE(f.renderer, "software");  // Mesa's GL (llvmpipe) here
  EXPECT_GT(f.skipped, 0) << "an unchanged frame is not drawn on the GPU either";
  Png w;
  ASSERT_TRUE(read_png((shots / "01-welcome.png").string(), &w));
  EXPECT_EQ(w.at(8, 8), (18u << 16) | (59u << 8) | 92u);

  // With BALIE_DAMAGE=1 the GPU keeps the frame in a canvas texture and redraws only what changed,
  // the pad's ink cache reporting its texture changes: the same pixels as whole redraws.
  const fs::path log2 = dir_ / "gpu-damage.frames";
  checked_run("sign_pvt.balie", {"BALIE_RENDERER=gpu", "BALIE_DAMAGE=1"}, log2);
  EXPECT_GT(read_frames(log2).partial, 20);
}

TEST_F(RendererE2E, AnUnknownRendererIsRefusedClearly) {
  const fs::path s = dir_ / "s.balie";
  std::ofstream(s) << "wait-scene welcome\n";
  auto r = run_process({kiosk_binary(), "--windowed", "800x600", "--script", s.string()}, env({"BALIE_RENDERER=vulkan"}),
                       std::chrono::seconds(60));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("BALIE_RENDERER must be gpu, software or auto (got 'vulkan')"), std::string::npos) << r.output;
}
