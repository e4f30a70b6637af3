// Command-line options of balie-kiosk (kiosk core; parsing only, testable without a window).
// Unknown flags and bad values produce a clear message; the caller exits with code 2.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "balie/record/codec.h"

namespace balie::kiosk {

struct Options {
  bool windowed = false;
  int width = 1920, height = 1080;  // window size with --windowed
  std::string script;               // --script FILE
  std::string shots_dir;            // --shots DIR (screenshots)
  std::string clock_start;          // --clock-start ISO8601 UTC (scripted clock; implies scripted time)
  bool help = false;
  bool version = false;
  bool real_clock_script = false;   // set by main for the image self-test: the script runs on the system clock
};

struct ArgsResult {
  Options options;
  std::string error;  // empty on success
};

ArgsResult parse_args(const std::vector<std::string>& args);
std::string usage();

// Production mode (BALIE_MODE=production) runs only the real UI: --script, --shots and
// --clock-start (the scripted driver, screenshots, the scripted clock) are test and demo tools.
// Returns the refusal message naming the flags given, or "" when the options are allowed.
// The image self-test (tier B) boots with `balie.selftest=sign` on the kernel command line: then
// --script is accepted in production too (the script runs on the real system clock); --shots and
// --clock-start stay refused. `selftest` = selftest_requested(contents of /proc/cmdline), read once.
std::string production_refusal(const Options& o, bool production, bool selftest = false);
// True when `cmdline` (the text of /proc/cmdline) has the word `balie.selftest=sign`.
bool selftest_requested(std::string_view cmdline);

// Parses "YYYY-MM-DDTHH:MM:SSZ" into seconds since the epoch (record/'s one UTC parser).
using record::parse_utc;

}  // namespace balie::kiosk
