// Factories of every scene, and the includes scene files share (kiosk scenes layer).
// The table that lists them is scenes.cpp.
#pragma once
#include <algorithm>
#include <iterator>
#include <memory>
#include <string>

#include "core/scene.h"
#include "ui/ui.h"

namespace balie::kiosk {

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

// Drawn instead of the current scene while the inactivity warning is up.
void draw_inactivity_overlay(const AppState& s, Ui& ui, Intents& intents);

}  // namespace balie::kiosk
