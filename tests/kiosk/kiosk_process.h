// Test helpers for end-to-end kiosk tests (tests/kiosk): an Xvfb display started on demand when
// there is no $DISPLAY, running balie-kiosk as a child process with a timeout, and reading PNGs.
#pragma once
#include <gtest/gtest.h>
#include <png.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace balie::kiosk::testing {

// Starts Xvfb on a free display number unless $DISPLAY is already set. The number is taken from a
// high range (not :0), because a compositor's Xwayland started by another test (the image's cage
// probe) takes the lowest free number and may treat a lock it cannot signal as stale.
class XvfbDisplay {
 public:
  XvfbDisplay() {
    if (const char* d = std::getenv("DISPLAY"); d && *d) {
      display_ = d;
      return;
    }
    const int first = 200 + static_cast<int>(getpid() % 500);
    for (int n = first; n < first + 40 && display_.empty(); ++n) try_start(n);
  }
  ~XvfbDisplay() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  const std::string& display() const { return display_; }
  bool ok() const { return !display_.empty(); }

 private:
  // Starts Xvfb on :n and waits until it is ready (-displayfd); leaves display_ empty on failure.
  void try_start(int n) {
    int fds[2];
    if (pipe(fds) != 0) return;
    pid_t pid = fork();
    if (pid == 0) {
      close(fds[0]);
      int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, 1);
      dup2(devnull, 2);
      const std::string disp = ":" + std::to_string(n), fd = std::to_string(fds[1]);
      execlp("Xvfb", "Xvfb", disp.c_str(), "-displayfd", fd.c_str(), "-screen", "0", "1920x1080x24", "-nolisten",
             "tcp", "-noreset", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[1]);
    // Read up to the newline: Xvfb writes the number and the newline in two writes and exits
    // ("Cannot write to fd") when the pipe is closed between them. EOF without one: display taken.
    std::string got;
    char c = 0;
    while (read(fds[0], &c, 1) == 1 && c != '\n') got += c;
    close(fds[0]);
    if (c == '\n' && !got.empty()) {
      pid_ = pid;
      display_ = ":" + std::to_string(n);
    } else if (pid > 0) {
      waitpid(pid, nullptr, 0);
    }
  }

  pid_t pid_ = -1;
  std::string display_;
};

struct RunResult {
  int exit_code = -1;  // -1: killed by timeout; 128+N: killed by signal N
  std::string output;  // stdout + stderr
};

// Runs `argv` with extra environment `env` ("K=V"; "K=" unsets K), capturing output.
inline RunResult run_process(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                             std::chrono::seconds timeout, pid_t* pid_out = nullptr) {
  RunResult r;
  char tmpl[] = "/tmp/balie-test-out-XXXXXX";
  int out = mkstemp(tmpl);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out, 1);
    dup2(out, 2);
    for (const auto& kv : env) {
      auto eq = kv.find('=');
      std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
      if (v.empty()) unsetenv(k.c_str());
      else setenv(k.c_str(), v.c_str(), 1);
    }
    std::vector<char*> a;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    execv(a[0], a.data());
    _exit(127);
  }
  if (pid_out) *pid_out = pid;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) {
      r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      r.exit_code = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::ifstream f(tmpl);
  std::stringstream ss;
  ss << f.rdbuf();
  r.output = ss.str();
  close(out);
  unlink(tmpl);
  return r;
}

// The state letter of /proc/PID/stat ('T' = stopped, e.g. by the script's `pause`); 0 when gone.
inline char process_state(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const auto close = s.rfind(')');
  return close != std::string::npos && close + 2 < s.size() ? s[close + 2] : 0;
}

struct Png {
  int w = 0, h = 0;
  std::vector<uint8_t> rgba;
  uint32_t at(int x, int y) const {
    const uint8_t* p = &rgba[(static_cast<size_t>(y) * w + x) * 4];
    return (uint32_t(p[0]) << 16) | (uint32_t(p[1]) << 8) | p[2];
  }
};

inline bool read_png(const std::string& path, Png* out) {
  png_image img;
  std::memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&img, path.c_str())) return false;
  img.format = PNG_FORMAT_RGBA;
  out->w = static_cast<int>(img.width);
  out->h = static_cast<int>(img.height);
  out->rgba.resize(PNG_IMAGE_SIZE(img));
  if (!png_image_finish_read(&img, nullptr, out->rgba.data(), 0, nullptr)) return false;
  return true;
}

// Distinct colours on a sampling grid: a blank (single-colour) screen gives 1.
inline size_t distinct_colours(const Png& p) {
  std::set<uint32_t> c;
  for (int y = 0; y < p.h; y += 4)
    for (int x = 0; x < p.w; x += 4) c.insert(p.at(x, y));
  return c.size();
}

// Base fixture for tests that run the real balie-kiosk: one Xvfb per test suite, a fresh folder per
// test (kept when the test fails, for its screenshots and logs), and the kiosk's environment with
// its state, configuration and demo keys inside that folder.
class KioskProcessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { xvfb_ = new XvfbDisplay(); }
  static void TearDownTestSuite() {
    delete xvfb_;
    xvfb_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(xvfb_->ok()) << "could not start Xvfb (apt-get install xvfb)";
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("balie-" + std::string(info->test_suite_name()) + "-" + std::to_string(getpid()) + "-" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) std::filesystem::remove_all(dir_);
  }
  // DISPLAY, state and config in the test folder, silent audio, demo key mode.
  std::vector<std::string> kiosk_env() const {
    return {"DISPLAY=" + xvfb_->display(), "BALIE_STATE_DIR=" + (dir_ / "state").string(),
            "BALIE_CONFIG_DIR=" + (dir_ / "config").string(), "SDL_AUDIODRIVER=dummy", "BALIE_MODE="};
  }
  static std::string kiosk_binary() { return std::string(BALIE_BINARY_DIR) + "/kiosk/balie-kiosk"; }
  static std::string scripts_dir() { return std::string(BALIE_SOURCE_DIR) + "/tests/kiosk/scripts"; }

  inline static XvfbDisplay* xvfb_ = nullptr;
  std::filesystem::path dir_;
};

}  // namespace balie::kiosk::testing
