// User intents recorded by scene draw code (kiosk core, main thread only). Drawing never performs
// I/O: a scene pushes an intent, and the app applies it after the frame (app/kiosk_app.cpp).
#pragma once
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "balie/platform/secure_wipe.h"
#include "core/scene_id.h"

namespace balie::kiosk {

struct GoTo { SceneId scene; };              // go to a scene (history kept for "back")
struct GoBack {};                            // previous scene (or welcome)
struct SetLanguage { std::string code; };    // session language (resets at session end)
struct SetLargeText { bool on = false; };    // resident's large-text mode (resets at session end)
struct SubmitStaffPin { std::string staff_id; std::string pin; };
struct SearchResidents { std::string query; };  // staff typed in the resident search
struct SelectResident { std::string resident_id; };
struct ConfirmIdentity {};                   // staff checked the residence document: hand over
// "listen" control. kKey: the screen's main text (catalog key, clip made at build time); kDeclaration /
// kDeclarationNl / kConsent: the declaration in the resident's language / in Dutch, the consent notice
// shown (each clip found by the text's SHA-256); kDynamic: `text` (the resident's own dossier lines,
// personal) synthesised on the terminal in the session language. `button`: the control's id (its
// "cannot play" state after a tap that played nothing).
struct PlayScreenAudio {
  std::string key;
  enum class What : uint8_t { kKey, kDeclaration, kDeclarationNl, kConsent, kDynamic } what = What::kKey;
  std::string text;
  std::string button;
  bool every_language = false;  // issue 18: in each language in turn (welcome, language choice)
};
struct EndSession {};                        // "finish", inactivity ran out, or staff locks
struct StillHere {};                         // resident confirms presence on the warning
struct StopKiosk {};                         // technician ends the kiosk process
struct SubmitEnrolmentCode { std::string code; };  // technician: COA's one-time code (online enrolment)
struct SyncNow {};                           // staff status "Nu versturen": ask balie-syncd for a pass
struct ChangeOwnPin { std::string first, second; };  // first login: the new PIN typed twice
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
// Held/failed records (issue 16): the unlocked staff member decides with their PIN; release = deliver
// to the addressee it was sealed to (for a link change: the old municipality), void = a void record.
struct DecideHeldRecord { std::string record_id; std::string pin; bool void_it = false; };

using Intent = std::variant<GoTo, GoBack, SetLanguage, SubmitStaffPin, SearchResidents, SelectResident,
                            ConfirmIdentity, PlayScreenAudio, EndSession, StillHere, StopKiosk, SyncNow,
                            StartSigning, OpenSigningMoment, SigningMark, ClearSignature, SignatureDone,
                            RedoSignature, ConfirmSignature, OpenConsent, AnswerConsent, ChangeOwnPin,
                            SubmitEnrolmentCode, DecideHeldRecord, SetLargeText>;

// Overwrites the strings an intent carries (PINs, search queries, resident ids).
inline void wipe(Intent& i) {
  using platform::secure_wipe;
  std::visit(
      [](auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, SetLanguage>) secure_wipe(x.code);
        else if constexpr (std::is_same_v<T, SubmitStaffPin>) secure_wipe(x.staff_id), secure_wipe(x.pin);
        else if constexpr (std::is_same_v<T, ChangeOwnPin>) secure_wipe(x.first), secure_wipe(x.second);
        else if constexpr (std::is_same_v<T, SearchResidents>) secure_wipe(x.query);
        else if constexpr (std::is_same_v<T, SelectResident>) secure_wipe(x.resident_id);
        else if constexpr (std::is_same_v<T, PlayScreenAudio>) secure_wipe(x.key), secure_wipe(x.text), secure_wipe(x.button);
        else if constexpr (std::is_same_v<T, OpenSigningMoment>) secure_wipe(x.host_id), secure_wipe(x.pin);
        else if constexpr (std::is_same_v<T, SigningMark>) secure_wipe(x.event);
        else if constexpr (std::is_same_v<T, OpenConsent>) secure_wipe(x.purpose);
        else if constexpr (std::is_same_v<T, AnswerConsent>) secure_wipe(x.purpose), secure_wipe(x.decision);
        else if constexpr (std::is_same_v<T, DecideHeldRecord>) secure_wipe(x.record_id), secure_wipe(x.pin);
      },
      i);
}

// Overwrites every intent of `list` and the list's whole storage (a short string such as a PIN is
// kept inside the intent, and clear() alone leaves those bytes in the vector's buffer).
inline void wipe(std::vector<Intent>& list) {
  for (Intent& i : list) wipe(i);
  platform::wipe_storage(list);
}

// Bounded list of intents for one frame; more than kMax in a frame means a bug in a scene.
class Intents {
 public:
  static constexpr size_t kMax = 32;
  Intents() { items_.reserve(kMax); }  // never grows: no copy left behind by a reallocation
  ~Intents() { wipe(items_); }
  Intents(const Intents&) = delete;
  Intents& operator=(const Intents&) = delete;
  void push(Intent i) {
    if (items_.size() < kMax) items_.push_back(std::move(i));
    wipe(i);  // the moved-from value still holds the bytes of short strings
  }
  const std::vector<Intent>& items() const { return items_; }
  // Moves the intents into `out` (which must be empty) and leaves this list empty; wipe `out` after use.
  void take(std::vector<Intent>& out) {
    for (Intent& i : items_) out.push_back(std::move(i));
    clear();
  }
  void clear() { wipe(items_); }
  bool empty() const { return items_.empty(); }

 private:
  std::vector<Intent> items_;
};

}  // namespace balie::kiosk
