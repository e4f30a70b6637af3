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
// title along by that much).
float draw_text_size_toggle(const AppState& s, Ui& ui, Intents& intents);

// Drawn instead of the current scene while the inactivity warning is up.
void draw_inactivity_overlay(const AppState& s, Ui& ui, Intents& intents);

}  // namespace balie::kiosk
