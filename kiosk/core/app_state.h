// The kiosk's application state (kiosk core, main thread). Scenes read it (const) while drawing;
// only the app's intent handlers (app/kiosk_app.cpp) change it. Personal data held here is wiped
// by AppState::end_session().
#pragma once
#include <chrono>
#include <string>

#include "core/scene_id.h"

namespace balie::kiosk {

struct AppState {
  SceneId scene = SceneId::Welcome;
  std::string language = "nl";          // session language; staff screens use Dutch
  bool session_active = false;          // a resident session is running
  std::string staff_id;                 // staff member who unlocked, empty when locked
  std::string staff_message;            // staff-facing error/status line (never personal data)
  int pin_attempts_left = -1;           // after a wrong PIN; -1 = none shown
  int locked_minutes = 0;               // > 0 while the chosen staff account is locked
  std::chrono::system_clock::time_point now;  // wall clock at frame start (fake clock in scripts)
  bool inactivity_warning = false;      // the "are you still here?" overlay is up
  int inactivity_seconds_left = 0;
  bool dimmed = false;                  // attract mode on the welcome scene

  // Drops everything that belongs to the session (language, staff, messages).
  void end_session();
};

}  // namespace balie::kiosk
