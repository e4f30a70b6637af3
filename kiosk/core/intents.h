// User intents recorded by scene draw code (kiosk core, main thread only). Drawing never performs
// I/O: a scene pushes an intent, and the app applies it after the frame (app/kiosk_app.cpp).
#pragma once
#include <string>
#include <variant>
#include <vector>

#include "core/scene_id.h"

namespace balie::kiosk {

struct GoTo { SceneId scene; };              // go to a scene (history kept for "back")
struct GoBack {};                            // previous scene (or welcome)
struct SetLanguage { std::string code; };    // session language (resets at session end)
struct SubmitStaffPin { std::string staff_id; std::string pin; };
struct SearchResidents { std::string query; };  // staff typed in the resident search
struct SelectResident { std::string resident_id; };
struct ConfirmIdentity {};                   // staff checked the residence document: hand over
struct PlayScreenAudio { std::string key; }; // "listen" control: read the screen's main text
struct EndSession {};                        // "finish", inactivity ran out, or staff locks
struct StillHere {};                         // resident confirms presence on the warning
struct StopKiosk {};                         // technician ends the kiosk process
struct SyncNow {};                           // staff status "Nu versturen": ask balie-syncd for a pass
// Signing and consent (issue 6; handlers in app/signing_handlers.cpp).
struct StartSigning {};                      // dossier: go to the host PIN screen
struct OpenSigningMoment { std::string host_id; std::string pin; };  // host's PIN
struct SigningMark { std::string event; };   // audio_played, scrolled_to_end, understood, ...
struct ClearSignature {};
struct SignatureDone {};                     // pad "done": check the ink, then review
struct RedoSignature {};
struct ConfirmSignature {};                  // review "confirm": build, seal, commit
struct OpenConsent { std::string purpose; bool withdraw = false; };
struct AnswerConsent { std::string purpose; std::string decision; };  // given|refused|withdrawn

using Intent = std::variant<GoTo, GoBack, SetLanguage, SubmitStaffPin, SearchResidents, SelectResident,
                            ConfirmIdentity, PlayScreenAudio, EndSession, StillHere, StopKiosk, SyncNow,
                            StartSigning, OpenSigningMoment, SigningMark, ClearSignature, SignatureDone,
                            RedoSignature, ConfirmSignature, OpenConsent, AnswerConsent>;

// Bounded list of intents for one frame; more than kMax in a frame means a bug in a scene.
class Intents {
 public:
  static constexpr size_t kMax = 32;
  void push(Intent i) {
    if (items_.size() < kMax) items_.push_back(std::move(i));
  }
  const std::vector<Intent>& items() const { return items_; }
  void clear() { items_.clear(); }
  bool empty() const { return items_.empty(); }

 private:
  std::vector<Intent> items_;
};

}  // namespace balie::kiosk
