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
std::string production_refusal(const Options& o, bool production);

// Parses "YYYY-MM-DDTHH:MM:SSZ" into seconds since the epoch (record/'s one UTC parser).
using record::parse_utc;

}  // namespace balie::kiosk
