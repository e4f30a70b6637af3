// Command-line parsing for balie-kiosk (see args.h).
#include "core/args.h"

#include <cstdio>
#include <ctime>

namespace balie::kiosk {

std::string usage() {
  return "usage: balie-kiosk [--windowed WxH] [--script FILE] [--shots DIR] [--clock-start YYYY-MM-DDTHH:MM:SSZ]\n"
         "  --windowed WxH   a window of W x H pixels instead of fullscreen (development)\n"
         "  --script FILE    run the scripted UI driver's steps from FILE, then exit (0 = all steps passed)\n"
         "  --shots DIR      where 'screenshot NAME' steps write NAME.png (default: current directory)\n"
         "  --clock-start T  run on a scripted clock starting at T (UTC); scripts move it with advance-time\n"
         "  --version        print the version and exit\n"
         "  --help           this text\n"
         "Exit status 2: an unknown option or a malformed value (named in the message).\n";
}

ArgsResult parse_args(const std::vector<std::string>& args) {
  ArgsResult r;
  auto& o = r.options;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* name) -> const std::string* {
      if (i + 1 >= args.size() || args[i + 1].empty()) {
        r.error = std::string(name) + " needs a value";
        return nullptr;
      }
      return &args[++i];
    };
    if (a == "--help" || a == "-h") {
      o.help = true;
    } else if (a == "--version") {
      o.version = true;
    } else if (a == "--windowed") {
      const std::string* v = value("--windowed");
      if (!v) return r;
      int w = 0, h = 0;
      char x = 0, extra = 0;
      if (std::sscanf(v->c_str(), "%d%c%d%c", &w, &x, &h, &extra) != 3 || (x != 'x' && x != 'X') || w < 320 ||
          h < 240 || w > 16384 || h > 16384) {
        r.error = "--windowed needs WxH with W >= 320 and H >= 240, e.g. 1280x800 (got '" + *v + "')";
        return r;
      }
      o.windowed = true;
      o.width = w;
      o.height = h;
    } else if (a == "--script") {
      const std::string* v = value("--script");
      if (!v) return r;
      o.script = *v;
    } else if (a == "--shots") {
      const std::string* v = value("--shots");
      if (!v) return r;
      o.shots_dir = *v;
    } else if (a == "--clock-start") {
      const std::string* v = value("--clock-start");
      if (!v) return r;
      if (!parse_utc(*v)) {
        r.error = "--clock-start needs a UTC time like 2026-03-02T09:30:00Z (got '" + *v + "')";
        return r;
      }
      o.clock_start = *v;
    } else {
      r.error = "unknown option '" + a + "'";
      return r;
    }
  }
  return r;
}

std::string production_refusal(const Options& o, bool production, bool selftest) {
  if (!production) return {};
  std::string flags;
  for (const auto& [name, value] : {std::pair{"--script", &o.script}, {"--shots", &o.shots_dir}, {"--clock-start", &o.clock_start}}) {
    if (selftest && std::string_view(name) == "--script") continue;  // the image self-test signs through the real UI
    if (!value->empty()) flags += (flags.empty() ? "" : ", ") + std::string(name);
  }
  if (flags.empty()) return {};
  return flags + " refused in production mode (BALIE_MODE=production): the scripted driver, screenshots and the "
                 "scripted clock are for tests and demos only" +
         (selftest ? " (balie.selftest=sign allows --script only)" : "");
}

bool selftest_requested(std::string_view cmdline) {
  constexpr std::string_view kWord = "balie.selftest=sign";
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\0'; };
  for (size_t pos = cmdline.find(kWord); pos != std::string_view::npos; pos = cmdline.find(kWord, pos + 1)) {
    const bool start = pos == 0 || is_space(cmdline[pos - 1]);
    const size_t end = pos + kWord.size();
    if (start && (end == cmdline.size() || is_space(cmdline[end]))) return true;
  }
  return false;
}

}  // namespace balie::kiosk
