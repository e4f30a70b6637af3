// FakeAudioOutput: remembers the clips it was asked to play and whether it was stopped.
#pragma once
#include "balie/platform/audio_output.h"

namespace balie::platform {

class FakeAudioOutput final : public AudioOutput {
 public:
  bool play(const PcmClip& clip) override {
    ++plays_;
    last_samples_ = clip.samples.size();
    playing_ = true;
    return true;
  }
  void stop() override {
    playing_ = false;
    ++stops_;
  }
  bool playing() const override { return playing_; }
  int plays() const { return plays_; }
  int stops() const { return stops_; }
  size_t last_samples() const { return last_samples_; }

 private:
  bool playing_ = false;
  int plays_ = 0;
  int stops_ = 0;
  size_t last_samples_ = 0;
};

}  // namespace balie::platform
