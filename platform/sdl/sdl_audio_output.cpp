// SDL AudioOutput: queues a clip on the default device (SDL_QueueAudio), stop clears the queue.
#include "balie/platform/sdl_audio_output.h"

#include <SDL.h>

namespace balie::platform {
namespace {

class SdlAudioOutput final : public AudioOutput {
 public:
  ~SdlAudioOutput() override {
    if (dev_ != 0) SDL_CloseAudioDevice(dev_);
  }
  bool play(const PcmClip& clip) override {
    if (dev_ == 0 || rate_ != clip.sample_rate) {
      if (dev_ != 0) SDL_CloseAudioDevice(dev_);
      SDL_AudioSpec want{};
      want.freq = clip.sample_rate;
      want.format = AUDIO_S16SYS;
      want.channels = 1;
      want.samples = 1024;
      dev_ = SDL_OpenAudioDevice(nullptr, 0, &want, nullptr, 0);
      rate_ = clip.sample_rate;
      if (dev_ == 0) return false;
    }
    SDL_ClearQueuedAudio(dev_);
    SDL_QueueAudio(dev_, clip.samples.data(), static_cast<Uint32>(clip.samples.size() * sizeof(int16_t)));
    SDL_PauseAudioDevice(dev_, 0);
    return true;
  }
  void stop() override {
    if (dev_ != 0) SDL_ClearQueuedAudio(dev_);
  }
  bool playing() const override { return dev_ != 0 && SDL_GetQueuedAudioSize(dev_) > 0; }

 private:
  SDL_AudioDeviceID dev_ = 0;
  int rate_ = 0;
};

}  // namespace

std::unique_ptr<AudioOutput> make_sdl_audio_output() { return std::make_unique<SdlAudioOutput>(); }

}  // namespace balie::platform
