// The kiosk application (kiosk app layer, main thread): owns the SDL window and renderer, the
// Dear ImGui context, input mapping, the scene navigator and AppState; runs the event-driven frame
// loop and applies the intents scenes record. See main.cpp for the loop in brief.
#pragma once
#include <SDL.h>

#include <atomic>
#include <climits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/display_link.h"
#include "balie/platform/audio_output.h"
#include "balie/platform/speech_synth.h"
#include "balie/platform/clock.h"
#include "balie/platform/display_power.h"
#include "balie/platform/key_provider.h"
#include "balie/platform/paths.h"
#include "balie/platform/watchdog.h"
#include "balie/store/store.h"
#include "session/session_timers.h"
#include "session/staff_rules.h"
#include "signing/evidence.h"
#include "signing/texts.h"
#include "core/app_state.h"
#include "core/args.h"
#include "core/input_mapper.h"
#include "core/item_registry.h"
#include "core/scene.h"
#include "ui/text_renderer.h"
#include "ui/texts.h"
#include "ui/ui.h"

struct ImFont;

namespace balie::platform {
class ScriptedClock;
}
namespace balie::text {
class TextEngine;
class SdlTextureBackend;
class GlyphAtlas;
class TextRenderer;
}

namespace balie::kiosk {

class ScriptRunner;
class SdlInkCache;
class FramePresenter;

// Custom SDL user-event codes.
enum : Sint32 { kUserEventTerminate = 1 };

// Exit status when the display server went away (Wayland compositor died or closed the connection).
// 1 = a script step failed, 2 = bad flags or script, 3 = could not start (see main.cpp).
inline constexpr int kExitDisplayLost = 4;

class KioskApp {
 public:
  explicit KioskApp(Options opts);
  ~KioskApp();
  // Creates window, renderer and UI. Returns an error message on failure.
  std::string init();
  // Runs until SIGTERM (exit 0), the script ends (0 = passed, 1 = a step failed) or the display
  // connection is lost (kExitDisplayLost).
  int run();

  // --- used by the script runner ---
  const ItemRegistry& items() const { return items_; }
  SceneId scene() const { return nav_->current(); }
  bool input_pending() const { return mapper_.pending() || frames_to_render_ > 0; }
  void request_screenshot(std::string path) { screenshot_path_ = std::move(path); }
  std::string take_screenshot_error() { return std::exchange(screenshot_error_, {}); }
  bool screenshot_pending() const { return !screenshot_path_.empty(); }
  void advance_fake_time(double seconds);
  SDL_Window* window() const { return window_; }
  void window_size(int* w, int* h) const { SDL_GetWindowSize(window_, w, h); }
  // Test hook: the number of SDL_QUIT / close requests ignored so far.
  int ignored_close_requests() const { return ignored_close_; }

 private:
  void handle_event(const SDL_Event& e);
  void render_frame();
  void apply_intents();
  int ms_until_next_timer() const;
  void on_timers();
  std::string init_text();
  void open_store(bool seed_demo);
  void load_staff_tiles();
  void refresh_status();
  void refresh_held();  // held/failed records and duplicate persons (issue 16)
  void on_held_decision(const DecideHeldRecord& d);
  void poll_store(std::chrono::steady_clock::time_point now);
  void refresh_enrolment();  // app/enrolment_handlers.cpp
  void on_enrolment_code(const SubmitEnrolmentCode& c);  // app/enrolment_handlers.cpp
  void end_session();
  void staff_error(const std::string& what, const std::string& message);

  // Intent handlers (the only place where UI actions reach the store).
  void on_pin(const SubmitStaffPin& p);
  void on_change_pin(const ChangeOwnPin& c);
  void on_search(const SearchResidents& q);
  void on_select(const SelectResident& s);
  void on_confirm_identity();
  void on_language(const SetLanguage& l);
  void on_audio(const PlayScreenAudio& a);
  void poll_speech();
  void refresh_audio_state();  // AppState::audio for the session language

  // Signing and consent (issue 6), in app/signing_handlers.cpp.
  void load_signing_texts();
  void prepare_signing(const store::ResidentView& rv);
  void refresh_signing_records();
  void feed_signature(const FrameInput& in);
  void on_start_signing();
  void on_open_signing(const OpenSigningMoment& o);
  void on_signing_mark(const SigningMark& m);
  void on_clear_signature();
  void on_signature_done();
  void on_redo_signature();
  void on_confirm_signature();
  void on_open_consent(const OpenConsent& o);
  void on_answer_consent(const AnswerConsent& a);
  // What the flows show after a durable commit: the record id and the resident's reference code.
  struct StoredRecord {
    std::string record_id, reference;
  };
  // Hands a draft and its evidence halves to Store::commit_sealed (the one record path); wipes both.
  store::Result<StoredRecord> commit_record(store::RecordDraft d, signing::EvidenceParts parts,
                                            const platform::DeviceSigningKey& device, const std::string& device_id,
                                            const std::string& shown_gemeentecode);
  signing::TextIndex text_index_;
  bool texts_loaded_ = false;  // demo texts are loaded into the store once per process
  double last_confirm_to_saved_ms_ = 0;

  Options opts_;
  SDL_Window* window_ = nullptr;
  SDL_Renderer* renderer_ = nullptr;
  DisplayLink display_link_;
  std::unique_ptr<platform::Clock> clock_;
  platform::ScriptedClock* scripted_clock_ = nullptr;  // set when the clock is scripted (--script, --clock-start)
  std::unique_ptr<platform::Watchdog> watchdog_;
  std::unique_ptr<platform::AudioOutput> audio_;
  std::unique_ptr<platform::SpeechSynthesizer> speech_;  // run-time speech of dossier lines (worker thread)
  std::string speech_button_;  // the listen button whose synthesis is pending
  std::unique_ptr<platform::DisplayPower> display_power_;
  platform::Paths paths_;
  std::unique_ptr<store::Store> store_;
  std::string location_id_;
  std::unique_ptr<session::SessionTimers> timers_;
  std::unique_ptr<text::TextEngine> text_engine_;
  std::unique_ptr<text::SdlTextureBackend> text_textures_;
  std::unique_ptr<text::GlyphAtlas> text_atlas_;
  std::unique_ptr<text::TextRenderer> text_renderer_;
  int64_t swallow_finger_ = INT64_MIN;  // finger whose touch only woke the screen
  int last_countdown_ = -1;
  bool session_timing_ = false;  // the timers run in session mode (any scene but welcome)
  std::chrono::steady_clock::time_point next_watchdog_ping_{};
  static constexpr std::chrono::seconds kPollInterval{3};
  std::chrono::steady_clock::time_point next_poll_{};
  InputMapper mapper_;
  ItemRegistry items_;
  std::unique_ptr<TextRenderer> text_;
  std::unique_ptr<Texts> texts_;
  std::unique_ptr<Ui> ui_;
  std::unique_ptr<FramePresenter> presenter_;  // renderer choice, damage regions (app/frame_presenter.h)
  bool fullscreen_after_first_frame_ = false;  // X11: fullscreen requested once the first frame shows
  std::unique_ptr<SdlInkCache> ink_cache_;  // the pad's settled ink (app/ink_cache.h)
  std::unique_ptr<Navigator> nav_;
  AppState state_;
  Intents intents_;
  std::unique_ptr<ScriptRunner> script_;
  int frames_to_render_ = 2;
  bool quit_ = false;
  bool scrub_stack_ = false;  // a session ended: overwrite the main thread's stack from run()
  int exit_code_ = 0;
  int ignored_close_ = 0;
  std::string enrolment_read_error_;  // the last failed read of the applied bundle (logged once)
  int last_cut_texts_ = 0;  // texts cut on the last resident frame (logged when it changes)
  std::string screenshot_path_;
  std::string screenshot_error_;
  uint64_t frame_count_ = 0;
  uint64_t last_frame_ticks_ = 0;
};

}  // namespace balie::kiosk
