// The scripted UI driver's language (kiosk core; parsing only, no SDL). A script is a text file
// with one step per line; '#' starts a comment. The runner (app/script_runner.cpp) executes the
// steps by injecting real SDL events. Steps:
//   tap ID | tap-at X Y | drag ID x,y x,y ... (0..1 within the item) | drag-px x,y x,y ...
//   type TEXT | key NAME (e.g. escape, alt+f4, ctrl+q, return) | close-window
//   wait-for ID [SECONDS] | wait-scene NAME [SECONDS] | wait-frames N
//   expect-text TEXT | expect-no-text TEXT | expect-scene NAME | expect-id ID | expect-no-id ID
//   screenshot NAME | advance-time SECONDS | quit
//   repeat N ... end-repeat   (the steps between run N times, 1..1,000,000; blocks nest up to 8 deep)
//   pause                     (the kiosk stops itself with SIGSTOP until a SIGCONT: a test inspects
//                              the process at a known point, e.g. the soak test's memory scan)
#pragma once
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/input_mapper.h"

namespace balie::kiosk::script {

struct Tap { std::string id; };
struct TapAt { Vec2 pos; };
struct Drag { std::string id; std::vector<Vec2> path; bool pixels = false; };
struct Type { std::string text; };
struct KeyPress { std::string name; };  // normalised lowercase, e.g. "alt+f4"
struct CloseWindow {};
struct WaitFor { std::string id; double seconds = 10; };
struct WaitScene { std::string scene; double seconds = 10; };
struct WaitFrames { int frames = 1; };
struct ExpectText { std::string text; bool present = true; };
struct ExpectScene { std::string scene; };
struct ExpectId { std::string id; bool present = true; };
struct Screenshot { std::string name; };
struct AdvanceTime { double seconds = 0; };
struct Quit {};
struct Repeat { long count = 1; };        // start of a block; its end-repeat is found by the runner
struct EndRepeat { size_t begin = 0; };   // index of the block's repeat step
struct Pause {};

using Action = std::variant<Tap, TapAt, Drag, Type, KeyPress, CloseWindow, WaitFor, WaitScene, WaitFrames,
                            ExpectText, ExpectScene, ExpectId, Screenshot, AdvanceTime, Quit, Repeat, EndRepeat,
                            Pause>;

struct Step {
  int line = 0;           // 1-based line in the file
  std::string source;     // the original line, for messages
  Action action;
};

struct ParseResult {
  std::vector<Step> steps;
  std::string error;      // empty on success; else "FILE:LINE: message"
  bool ok() const { return error.empty(); }
};

// Parses a whole script. `origin` names the file in error messages. Limits: 10,000 steps,
// 4,096 bytes per line, 1,000 points per drag.
ParseResult parse(std::string_view text, std::string_view origin);

// Loads and parses a file; a missing or unreadable file is a parse error with a clear message.
ParseResult parse_file(const std::string& path);

// A short human description of a step for failure messages ("line 12: tap welcome.start").
std::string describe(const Step& s);

}  // namespace balie::kiosk::script
