// Run-time speech synthesis with libespeak-ng (platform layer, no SDL): turns a dynamic text (the
// resident's own dossier lines) into PCM on a worker thread so the UI thread never waits for it.
// The UI thread submits a request and polls for the result once per frame. Synthesised PCM of
// personal text is wiped (overwritten) by wipe() at session end and when a result is dropped.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "balie/platform/audio_output.h"

namespace balie::platform {

struct SpeechResult {
  std::uint64_t id = 0;        // the id submit() returned
  std::string voice;           // espeak-ng voice used ("nl", "ar", ...)
  std::string error;           // "" on success
  PcmClip clip;                // mono 16-bit at espeak-ng's rate (22050 Hz)
  int duration_ms() const {
    return clip.sample_rate > 0 ? static_cast<int>(clip.samples.size() * 1000 / static_cast<std::size_t>(clip.sample_rate)) : 0;
  }
};

class SpeechSynthesizer {
 public:
  // `data_path` is espeak-ng's data folder ("" = the library's default, /usr/lib/x86_64-linux-gnu/espeak-ng-data).
  explicit SpeechSynthesizer(std::string data_path = "");
  ~SpeechSynthesizer();  // stops the worker and wipes everything it holds
  SpeechSynthesizer(const SpeechSynthesizer&) = delete;
  SpeechSynthesizer& operator=(const SpeechSynthesizer&) = delete;

  // Queues `text` for the espeak-ng voice `voice`. A newer request replaces queued ones (only the
  // latest listen tap matters). Returns the request id. Text is limited to 8000 bytes.
  std::uint64_t submit(std::string text, std::string voice);
  // A finished result, if any (main thread, non-blocking).
  std::optional<SpeechResult> poll();
  // Blocks until the result of `id` is ready or `timeout_ms` passed (tests and tools).
  std::optional<SpeechResult> wait(std::uint64_t id, int timeout_ms);
  // Drops every queued request and finished result, overwriting their text and PCM (session end).
  void wipe();
  // True while a request is queued or being synthesised.
  bool busy() const;

 private:
  void run();
  struct Request {
    std::uint64_t id;
    std::string text, voice;
  };
  std::string data_path_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Request> queue_;
  std::deque<SpeechResult> done_;
  std::uint64_t next_id_ = 1;
  std::uint64_t working_ = 0;   // id being synthesised (0 = none)
  std::uint64_t wiped_up_to_ = 0;  // results with id <= this are dropped when they finish
  bool stop_ = false;
  std::thread worker_;
};

// Overwrites the samples, then frees them.
void wipe_pcm(PcmClip& clip);

}  // namespace balie::platform
