// Executes a parsed script against the running kiosk (kiosk app layer, main thread). Each frame
// the app calls step(); input steps inject real SDL events with SDL_PushEvent, so the real input
// path is exercised. A failing step is reported with its line and the process exits non-zero.
#pragma once
#include <SDL.h>

#include <string>
#include <vector>

#include "core/script.h"

namespace balie::kiosk {

class KioskApp;

class ScriptRunner {
 public:
  ScriptRunner(std::vector<script::Step> steps, std::string shots_dir, std::string origin)
      : steps_(std::move(steps)), shots_dir_(std::move(shots_dir)), origin_(std::move(origin)) {}

  enum class Status { Running, Passed, Failed };
  // Called after each rendered frame (the item registry then describes that frame).
  Status step(KioskApp& app);
  const std::string& failure() const { return failure_; }
  const std::vector<std::string>& screenshots() const { return shots_; }

 private:
  bool fail(const std::string& msg);
  void push_finger(Uint32 type, float x, float y, KioskApp& app, SDL_FingerID finger);
  bool push_key(const std::string& name);

  std::vector<script::Step> steps_;
  std::string shots_dir_;
  std::string origin_;
  size_t index_ = 0;
  int settle_frames_ = 0;       // frames to wait after an input step
  Uint64 wait_started_ = 0;     // SDL ticks when a wait-for began
  bool waiting_ = false;
  int frames_left_ = 0;
  std::string failure_;
  std::vector<std::string> shots_;
  struct Loop {
    size_t begin;  // index of the repeat step
    long left;     // runs still to start after the current one
  };
  std::vector<Loop> loops_;  // open repeat blocks, innermost last
};

}  // namespace balie::kiosk
