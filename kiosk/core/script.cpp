// Parser for the scripted UI driver's language: see script.h for the grammar.
#include "core/script.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

namespace balie::kiosk::script {
namespace {

constexpr size_t kMaxSteps = 10000;
constexpr size_t kMaxLine = 4096;
constexpr size_t kMaxPoints = 1000;
constexpr size_t kMaxRepeatDepth = 8;
constexpr long kMaxRepeat = 1000000;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_ws(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

bool parse_double(std::string_view s, double* out) {
  if (s.empty() || s.size() > 32) return false;
  std::string tmp(s);
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(tmp.c_str(), &end);
  if (errno != 0 || end != tmp.c_str() + tmp.size() || v != v) return false;
  *out = v;
  return true;
}

bool parse_point(std::string_view s, Vec2* p) {
  auto comma = s.find(',');
  if (comma == std::string_view::npos) return false;
  double x, y;
  if (!parse_double(s.substr(0, comma), &x) || !parse_double(s.substr(comma + 1), &y)) return false;
  p->x = static_cast<float>(x);
  p->y = static_cast<float>(y);
  return true;
}

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || (c >= 'A' && c <= 'Z');
  });
}

const char* kKnownSteps =
    "tap, tap-at, drag, drag-px, type, key, close-window, wait-for, wait-scene, wait-frames, expect-text, "
    "expect-no-text, expect-scene, expect-id, expect-no-id, screenshot, advance-time, quit, repeat, end-repeat, pause";

// Returns an error message, or empty on success.
std::string parse_line(std::string_view line, Action* out) {
  auto words = split_ws(line);
  std::string_view cmd = words[0];
  std::string_view rest = trim(line.substr(cmd.size()));
  auto need_args = [&](size_t min, size_t max) -> std::string {
    size_t n = words.size() - 1;
    if (n < min || n > max) {
      std::ostringstream m;
      m << "'" << cmd << "' takes ";
      if (min == max) m << min; else m << min << " to " << max;
      m << " argument(s), got " << n;
      return m.str();
    }
    return {};
  };
  auto id_arg = [&](std::string_view id, std::string* dst) -> std::string {
    if (!valid_id(id)) return "invalid item id '" + std::string(id) + "' (letters, digits, '.', '_', '-')";
    *dst = std::string(id);
    return {};
  };
  std::string err;
  if (cmd == "tap") {
    if (!(err = need_args(1, 1)).empty()) return err;
    Tap t;
    if (!(err = id_arg(words[1], &t.id)).empty()) return err;
    *out = t;
  } else if (cmd == "tap-at") {
    if (!(err = need_args(2, 2)).empty()) return err;
    double x, y;
    if (!parse_double(words[1], &x) || !parse_double(words[2], &y)) return "tap-at needs two numbers (pixels)";
    *out = TapAt{{static_cast<float>(x), static_cast<float>(y)}};
  } else if (cmd == "drag" || cmd == "drag-px") {
    Drag d;
    d.pixels = cmd == "drag-px";
    size_t first = 1;
    if (!d.pixels) {
      if (words.size() < 2) return "drag needs an item id and at least two points";
      if (!(err = id_arg(words[1], &d.id)).empty()) return err;
      first = 2;
    }
    if (words.size() - first < 2) return std::string(cmd) + " needs at least two points x,y";
    if (words.size() - first > kMaxPoints) return "too many points (limit 1000)";
    for (size_t i = first; i < words.size(); ++i) {
      Vec2 p;
      if (!parse_point(words[i], &p)) return "bad point '" + std::string(words[i]) + "' (expected x,y)";
      if (!d.pixels && (p.x < 0 || p.x > 1 || p.y < 0 || p.y > 1))
        return "point '" + std::string(words[i]) + "' is outside the item (use 0..1)";
      d.path.push_back(p);
    }
    *out = d;
  } else if (cmd == "type") {
    if (rest.empty()) return "type needs text";
    *out = Type{std::string(rest)};
  } else if (cmd == "key") {
    if (!(err = need_args(1, 1)).empty()) return err;
    std::string k(words[1]);
    std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
    *out = KeyPress{k};
  } else if (cmd == "close-window") {
    if (!(err = need_args(0, 0)).empty()) return err;
    *out = CloseWindow{};
  } else if (cmd == "wait-for" || cmd == "wait-scene") {
    if (!(err = need_args(1, 2)).empty()) return err;
    double secs = 10;
    if (words.size() == 3 && (!parse_double(words[2], &secs) || secs <= 0 || secs > 600))
      return "timeout must be a number of seconds between 0 and 600";
    if (cmd == "wait-for") {
      WaitFor w;
      if (!(err = id_arg(words[1], &w.id)).empty()) return err;
      w.seconds = secs;
      *out = w;
    } else {
      *out = WaitScene{std::string(words[1]), secs};
    }
  } else if (cmd == "wait-frames") {
    if (!(err = need_args(1, 1)).empty()) return err;
    double n;
    if (!parse_double(words[1], &n) || n < 1 || n > 10000) return "wait-frames needs a count from 1 to 10000";
    *out = WaitFrames{static_cast<int>(n)};
  } else if (cmd == "expect-text" || cmd == "expect-no-text") {
    if (rest.empty()) return std::string(cmd) + " needs text";
    *out = ExpectText{std::string(rest), cmd == "expect-text"};
  } else if (cmd == "expect-scene") {
    if (!(err = need_args(1, 1)).empty()) return err;
    *out = ExpectScene{std::string(words[1])};
  } else if (cmd == "expect-id" || cmd == "expect-no-id") {
    if (!(err = need_args(1, 1)).empty()) return err;
    ExpectId e;
    if (!(err = id_arg(words[1], &e.id)).empty()) return err;
    e.present = cmd == "expect-id";
    *out = e;
  } else if (cmd == "screenshot") {
    if (!(err = need_args(1, 1)).empty()) return err;
    std::string n(words[1]);
    if (!valid_id(n)) return "screenshot name may use letters, digits, '.', '_', '-' only";
    *out = Screenshot{n};
  } else if (cmd == "advance-time") {
    if (!(err = need_args(1, 1)).empty()) return err;
    double s;
    if (!parse_double(words[1], &s) || s < 0 || s > 86400 * 366) return "advance-time needs seconds (0 to one year)";
    *out = AdvanceTime{s};
  } else if (cmd == "quit") {
    if (!(err = need_args(0, 0)).empty()) return err;
    *out = Quit{};
  } else if (cmd == "repeat") {
    if (!(err = need_args(1, 1)).empty()) return err;
    long n = 0;
    auto [p, ec] = std::from_chars(words[1].data(), words[1].data() + words[1].size(), n);
    if (ec != std::errc() || p != words[1].data() + words[1].size() || n < 1 || n > kMaxRepeat)
      return "repeat needs a count from 1 to 1000000";
    *out = Repeat{n};
  } else if (cmd == "end-repeat") {
    if (!(err = need_args(0, 0)).empty()) return err;
    *out = EndRepeat{};
  } else if (cmd == "pause") {
    if (!(err = need_args(0, 0)).empty()) return err;
    *out = Pause{};
  } else {
    return "unknown step '" + std::string(cmd) + "' (known: " + kKnownSteps + ")";
  }
  return {};
}

}  // namespace

ParseResult parse(std::string_view text, std::string_view origin) {
  ParseResult r;
  std::vector<size_t> open_repeats;  // indexes of the repeat steps not yet closed
  int lineno = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view raw = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++lineno;
    auto fail = [&](const std::string& msg) {
      r.steps.clear();
      r.error = std::string(origin) + ":" + std::to_string(lineno) + ": " + msg;
    };
    if (raw.size() > kMaxLine) {
      fail("line longer than 4096 bytes");
      return r;
    }
    if (raw.find('\0') != std::string_view::npos) {
      fail("NUL byte in script");
      return r;
    }
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    Step s;
    s.line = lineno;
    s.source = std::string(line);
    std::string err = parse_line(line, &s.action);
    if (!err.empty()) {
      fail(err);
      return r;
    }
    if (r.steps.size() >= kMaxSteps) {
      fail("more than 10000 steps");
      return r;
    }
    if (std::holds_alternative<Repeat>(s.action)) {
      if (open_repeats.size() >= kMaxRepeatDepth) {
        fail("repeat blocks nest at most 8 deep");
        return r;
      }
      open_repeats.push_back(r.steps.size());
    } else if (auto* end = std::get_if<EndRepeat>(&s.action)) {
      if (open_repeats.empty()) {
        fail("end-repeat without a repeat");
        return r;
      }
      end->begin = open_repeats.back();
      open_repeats.pop_back();
    }
    r.steps.push_back(std::move(s));
  }
  if (!open_repeats.empty()) {
    const int open_line = r.steps[open_repeats.back()].line;
    r.steps.clear();
    r.error = std::string(origin) + ":" + std::to_string(open_line) + ": repeat without an end-repeat";
    return r;
  }
  if (r.steps.empty()) r.error = std::string(origin) + ": the script has no steps";
  return r;
}

ParseResult parse_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    ParseResult r;
    r.error = path + ": cannot read script file (" + std::strerror(errno) + ")";
    return r;
  }
  std::ostringstream ss;
  ss << f.rdbuf();
  if (f.bad()) {
    ParseResult r;
    r.error = path + ": read error";
    return r;
  }
  return parse(ss.str(), path);
}

std::string describe(const Step& s) { return "line " + std::to_string(s.line) + ": " + s.source; }

}  // namespace balie::kiosk::script
