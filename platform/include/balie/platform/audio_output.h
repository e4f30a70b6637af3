// Audio output (platform layer, main thread): plays one mono 16-bit PCM clip at a time.
// The SDL implementation lives in platform/sdl (the only audio code that includes SDL);
// FakeAudioOutput (platform/fake) records what was played for tests.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

namespace balie::platform {

struct PcmClip {
  int sample_rate = 22050;
  std::vector<int16_t> samples;  // mono
};

class AudioOutput {
 public:
  virtual ~AudioOutput() = default;
  // Stops what plays and starts `clip`. Returns false when no audio device is available.
  virtual bool play(const PcmClip& clip) = 0;
  virtual void stop() = 0;
  virtual bool playing() const = 0;
};

}  // namespace balie::platform
