// Factories of every scene, and the includes scene files share (kiosk scenes layer).
// The table that lists them is scenes.cpp.
#pragma once
#include <algorithm>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>

#include "balie/text/utf8.h"
#include "core/scene.h"
#include "ui/ui.h"

namespace balie::kiosk {

// A row that joins several fields (a name, a room, a number) wraps each in FSI..PDI, so no field,
// whatever it holds, can reorder the others or the separators (issue 18). Empty fields are skipped.
inline std::string join_isolated(std::initializer_list<std::string_view> fields,
                                 std::string_view separator = "  \xC2\xB7  ") {
  std::string out;
  for (std::string_view f : fields) {
    if (f.empty()) continue;
    if (!out.empty()) out += separator;
    out += text::isolate_untrusted(f);
  }
  return out;
}

// Staff note (Dutch) for a resident whose name or other text came with bidi formatting characters,
// which the store removed at ingestion (store::Resident::bidi_stripped).
inline constexpr const char* kBidiStrippedNote = "naam bevatte richtingstekens; verwijderd";

// Whether a listen request can be heard (issue 18): the clip of exactly the text it reads exists in
// its language (the declaration, Dutch declaration and consent notice by their SHA-256; a screen
// text by its catalog key), or, for the dossier, libespeak-ng has a voice for the session language.
inline bool audio_can_play(const AppState& s, const PlayScreenAudio& a) {
  if (!s.audio.device || s.audio.failed_button == a.button) return false;
  if (a.every_language) return true;  // each language that has a clip, in turn (the others are logged)
  auto text = [&](const store::TextVersion& t) { return s.audio.texts.count(t.language + ":" + t.sha256) > 0; };
  switch (a.what) {
    case PlayScreenAudio::What::kDeclaration:
      if (!s.flow.pvt) return false;
      return text(s.flow.pvt->text_own ? *s.flow.pvt->text_own : s.flow.pvt->text_nl);
    case PlayScreenAudio::What::kDeclarationNl:
      return s.flow.pvt && text(s.flow.pvt->text_nl);
    case PlayScreenAudio::What::kConsent:
      return s.flow.consent && text(s.flow.consent->text);
    case PlayScreenAudio::What::kDynamic:
      return s.audio.voice;
    case PlayScreenAudio::What::kKey:
      break;
  }
  return s.audio.keys.count(a.key) > 0;
}

// A listen button for `request`: drawn as "cannot play" when audio_can_play is false; a tap pushes
// the request either way (the app logs it and plays nothing). Returns whether it can play (the
// scene leaves Ui::listen_notice_height() below the button when not).
inline bool listen_control(const AppState& s, Ui& ui, Intents& intents, std::string_view id, Rect r,
                           PlayScreenAudio request, std::string_view badge = {}) {
  request.button = std::string(id);
  const bool ok = audio_can_play(s, request);
  if (ui.listen_button(id, r, ok, badge)) intents.push(std::move(request));
  return ok;
}

std::unique_ptr<Scene> make_welcome_scene();
std::unique_ptr<Scene> make_staff_unlock_scene();
std::unique_ptr<Scene> make_staff_home_scene();
std::unique_ptr<Scene> make_resident_search_scene();
std::unique_ptr<Scene> make_identity_check_scene();
std::unique_ptr<Scene> make_language_scene();
std::unique_ptr<Scene> make_dossier_scene();
std::unique_ptr<Scene> make_staff_status_scene();
std::unique_ptr<Scene> make_staff_new_pin_scene();
std::unique_ptr<Scene> make_enrolment_scene();
std::unique_ptr<Scene> make_staff_held_scene();
std::unique_ptr<Scene> make_store_error_scene();
std::unique_ptr<Scene> make_signing_host_scene();
std::unique_ptr<Scene> make_signing_text_scene();
std::unique_ptr<Scene> make_signing_understood_scene();
std::unique_ptr<Scene> make_signing_pad_scene();
std::unique_ptr<Scene> make_signing_review_scene();
std::unique_ptr<Scene> make_signing_saved_scene();
std::unique_ptr<Scene> make_consent_list_scene();
std::unique_ptr<Scene> make_consent_question_scene();

// The large-text toggle of every resident screen (issue 18): next to the listen button in the top
// leading corner; a tap records SetLargeText. Returns the width it takes there (the scene moves its
// title along by that much). `after`: room left after the listen button for a second one (NL).
float draw_text_size_toggle(const AppState& s, Ui& ui, Intents& intents, float after = 0);

// Drawn instead of the current scene while the inactivity warning is up.
void draw_inactivity_overlay(const AppState& s, Ui& ui, Intents& intents);

}  // namespace balie::kiosk
