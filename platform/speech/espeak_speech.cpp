// SpeechSynthesizer on libespeak-ng (synchronous mode, one worker thread owns the library: espeak-ng
// keeps global state and is not thread safe).
#include <espeak-ng/speak_lib.h>

#include <chrono>
#include <cstring>

#include "balie/platform/secure_wipe.h"
#include "balie/platform/speech_synth.h"

namespace balie::platform {
namespace {

int collect(short* wav, int n, espeak_EVENT* events) {
  auto* out = static_cast<std::vector<int16_t>*>(events->user_data);
  if (wav && n > 0 && out && out->size() < 22050u * 600) out->insert(out->end(), wav, wav + n);
  return 0;
}

}  // namespace

void wipe_pcm(PcmClip& clip) {
  if (!clip.samples.empty()) {
    volatile int16_t* p = clip.samples.data();
    for (std::size_t i = 0; i < clip.samples.size(); ++i) p[i] = 0;
  }
  clip.samples.clear();
  clip.samples.shrink_to_fit();
}

SpeechSynthesizer::SpeechSynthesizer(std::string data_path) : data_path_(std::move(data_path)) {
  worker_ = std::thread([this] { run(); });
}

SpeechSynthesizer::~SpeechSynthesizer() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  wipe();
}

std::uint64_t SpeechSynthesizer::submit(std::string text, std::string voice) {
  if (text.size() > 8000) text.resize(8000);
  std::uint64_t id;
  {
    std::lock_guard lk(mu_);
    for (auto& r : queue_) secure_wipe(r.text);
    queue_.clear();
    id = next_id_++;
    queue_.push_back({id, std::move(text), std::move(voice)});
  }
  cv_.notify_all();
  return id;
}

std::optional<SpeechResult> SpeechSynthesizer::poll() {
  std::lock_guard lk(mu_);
  if (done_.empty()) return std::nullopt;
  SpeechResult r = std::move(done_.front());
  done_.pop_front();
  return r;
}

std::optional<SpeechResult> SpeechSynthesizer::wait(std::uint64_t id, int timeout_ms) {
  std::unique_lock lk(mu_);
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    for (auto it = done_.begin(); it != done_.end(); ++it)
      if (it->id == id) {
        SpeechResult r = std::move(*it);
        done_.erase(it);
        return r;
      }
    if (cv_.wait_until(lk, until) == std::cv_status::timeout) return std::nullopt;
  }
}

void SpeechSynthesizer::wipe() {
  std::lock_guard lk(mu_);
  for (auto& r : queue_) secure_wipe(r.text);
  queue_.clear();
  for (auto& r : done_) wipe_pcm(r.clip);
  done_.clear();
  wiped_up_to_ = next_id_ - 1;  // one in progress is dropped (and wiped) when it finishes
}

bool SpeechSynthesizer::busy() const {
  std::lock_guard lk(mu_);
  return !queue_.empty() || working_ != 0;
}

// libespeak-ng keeps global state: it is initialised once per process (initialising it again after
// espeak_Terminate hangs in 1.51) and used by one worker at a time (g_espeak_mu).
namespace {
std::mutex g_espeak_mu;

int espeak_rate(const std::string& data_path) {
  static const int rate = [&] {
    const int r = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path.empty() ? nullptr : data_path.c_str(),
                                    espeakINITIALIZE_DONT_EXIT);
    if (r > 0) espeak_SetSynthCallback(collect);
    return r;
  }();
  return rate;
}
}  // namespace

void SpeechSynthesizer::run() {
  int rate;
  {
    std::lock_guard g(g_espeak_mu);
    rate = espeak_rate(data_path_);
  }
  for (;;) {
    Request req;
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [&] { return stop_ || !queue_.empty(); });
      if (stop_) break;
      req = std::move(queue_.front());
      queue_.pop_front();
      working_ = req.id;
    }
    SpeechResult res;
    res.id = req.id;
    res.voice = req.voice;
    if (rate <= 0) {
      res.error = "espeak-ng could not be initialised (data folder missing?)";
    } else if (std::unique_lock g(g_espeak_mu); espeak_SetVoiceByName(req.voice.c_str()) != EE_OK) {
      res.error = "espeak-ng has no voice '" + req.voice + "'";
    } else {
      res.clip.sample_rate = rate;
      res.clip.samples.reserve(static_cast<std::size_t>(rate) * 10);
      const espeak_ERROR e = espeak_Synth(req.text.c_str(), req.text.size() + 1, 0, POS_CHARACTER, 0,
                                          espeakCHARS_UTF8, nullptr, &res.clip.samples);
      if (e != EE_OK) res.error = "espeak-ng synthesis failed";
      else if (res.clip.samples.empty()) res.error = "espeak-ng produced no sound";
    }
    secure_wipe(req.text);
    {
      std::lock_guard lk(mu_);
      working_ = 0;
      if (res.id <= wiped_up_to_) wipe_pcm(res.clip);
      else done_.push_back(std::move(res));
    }
    cv_.notify_all();
  }
}

}  // namespace balie::platform
