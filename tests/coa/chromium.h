// Real-browser test harness (header only): runs the system's Chromium headless against a URL on
// loopback HTTPS, returns the DOM it built (--dump-dom) and/or a 1280x800 screenshot. Each run gets a
// fresh profile and HOME in a temp dir, its own process group (killed whole after the run or at the
// timeout) and is skipped by BALIE_REQUIRE_CHROMIUM() only when Chromium is not installed.
// Trust: this Chromium build takes CAs only from an NSS database (certutil, libnss3-tools, is not a
// dependency), so the test server's certificate is trusted by its public-key pin alone:
// --ignore-certificate-errors-spki-list=<base64 SHA-256 of its SPKI> accepts exactly that key.
#pragma once
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace balie::test {

inline constexpr const char* kChromiumPath = "/usr/bin/chromium";

inline bool chromium_installed() { return ::access(kChromiumPath, X_OK) == 0; }

// Fails the calling test when Chromium is missing: scripts/packages.txt installs it, and the pages are
// tested in a real browser or not at all (a skip would pass unnoticed).
#define BALIE_REQUIRE_CHROMIUM()                                                                          \
  do {                                                                                                    \
    if (!::balie::test::chromium_installed())                                                             \
      FAIL() << "Chromium is not installed at " << ::balie::test::kChromiumPath                           \
                   << " (apt-get install --no-install-recommends chromium; listed in scripts/packages.txt)"; \
  } while (0)

struct BrowserResult {
  int exit_code = -1;  // Chromium's exit status; -1 = did not finish within the timeout (killed)
  std::string dom;     // the serialised DOM after load (--dump-dom), "" when not asked for
  std::string log;     // Chromium's stderr
};

namespace chromium_detail {

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Kills every process whose command line mentions `marker` (the run's unique profile directory):
// helpers that left the process group (a crash handler) are still ours and die with the run.
inline void kill_marked(const std::string& marker) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string cmd = slurp(e.path() / "cmdline");
    if (cmd.find(marker) != std::string::npos) ::kill(static_cast<pid_t>(std::stol(name)), SIGKILL);
  }
}

}  // namespace chromium_detail

// The pin as Chromium's --ignore-certificate-errors-spki-list takes it: accepts "sha256//<base64>"
// (store::pin_of_certificate_pem, curl's form) or the bare base64.
inline std::string chromium_spki(std::string pin) {
  if (pin.rfind("sha256//", 0) == 0) pin.erase(0, 8);
  return pin;
}

// One headless Chromium run. `dump_dom`: collect the DOM; `png_path` non-empty: write a screenshot of
// the viewport (1280 x window_height) there. The timeout defaults to BALIE_CHROMIUM_TIMEOUT_S or 90 s
// (2 shared cores).
inline BrowserResult chromium_run(const std::string& url, const std::string& spki_pin, bool dump_dom,
                                  const std::string& png_path, int timeout_s = 0, int window_height = 800) {
  namespace fs = std::filesystem;
  BrowserResult res;
  if (timeout_s <= 0) {
    const char* t = ::getenv("BALIE_CHROMIUM_TIMEOUT_S");
    timeout_s = (t && std::atoi(t) > 0) ? std::atoi(t) : 90;
  }
  std::string tmpl = (fs::temp_directory_path() / "balie-chromium-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    res.log = "mkdtemp failed";
    return res;
  }
  const fs::path dir = tmpl;
  const fs::path profile = dir / "profile", home = dir / "home";
  fs::create_directories(profile);
  fs::create_directories(home);
  const fs::path out = dir / "stdout", err = dir / "stderr";

  std::vector<std::string> args = {kChromiumPath, "--headless=new", "--disable-gpu", "--user-data-dir=" + profile.string(),
                                   "--window-size=1280," + std::to_string(window_height), "--force-device-scale-factor=1", "--hide-scrollbars",
                                   "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                                   "--disable-default-apps", "--disable-breakpad", "--lang=nl"};
  if (::geteuid() == 0) args.push_back("--no-sandbox");  // the setuid/namespace sandbox refuses root
  if (!spki_pin.empty()) args.push_back("--ignore-certificate-errors-spki-list=" + chromium_spki(spki_pin));
  if (dump_dom) args.push_back("--dump-dom");
  if (!png_path.empty()) args.push_back("--screenshot=" + png_path);
  args.push_back(url);

  std::vector<std::string> env_store = {"HOME=" + home.string(), "XDG_CONFIG_HOME=" + (home / ".config").string(),
                                        "XDG_CACHE_HOME=" + (home / ".cache").string(), "LANG=C.UTF-8",
                                        "DBUS_SESSION_BUS_ADDRESS=disabled:"};
  for (char** e = environ; *e; ++e) {
    const std::string kv = *e;
    if (kv.rfind("PATH=", 0) == 0 || kv.rfind("TZ=", 0) == 0) env_store.push_back(kv);
  }
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);  // its own group: the whole browser dies with one kill
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, argv[0], &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    res.log = std::string("posix_spawn ") + kChromiumPath + " failed: " + std::to_string(rc);
    fs::remove_all(dir);
    return res;
  }
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  for (;;) {
    int st = 0;
    const pid_t r = ::waitpid(pid, &st, WNOHANG);
    if (r == pid) {
      res.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      break;
    }
    if (std::chrono::steady_clock::now() > until) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      res.exit_code = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(-pid, SIGKILL);  // renderer, GPU and zygote helpers still in the group
  chromium_detail::kill_marked(profile.string());
  res.dom = dump_dom ? chromium_detail::slurp(out) : std::string();
  res.log = chromium_detail::slurp(err);
  if (res.exit_code == -1) res.log += "\n[harness] Chromium killed after " + std::to_string(timeout_s) + " s";
  std::error_code ec;
  for (int i = 0; i < 50; ++i) {  // helpers may still be exiting and writing into the profile
    fs::remove_all(dir, ec);
    if (!ec) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return res;
}

// The DOM Chromium built from `url` (scripts do not matter: the pages have none).
inline BrowserResult chromium_dump_dom(const std::string& url, const std::string& spki_pin) {
  return chromium_run(url, spki_pin, true, "");
}

// A PNG of the 1280x800 viewport; true when Chromium finished and the file is a PNG.
inline bool chromium_screenshot(const std::string& url, const std::string& png_path, const std::string& spki_pin) {
  std::filesystem::remove(png_path);
  const BrowserResult r = chromium_run(url, spki_pin, false, png_path);
  if (r.exit_code != 0) return false;
  const std::string head = chromium_detail::slurp(png_path).substr(0, 8);
  return head == std::string("\x89PNG\r\n\x1a\n", 8);
}

}  // namespace balie::test
