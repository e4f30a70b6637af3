// Scenes: one screen each, with enter / draw / exit (kiosk core, main thread). Every scene is
// registered in the one table in kiosk/scenes/scenes.cpp. draw() reads AppState and records
// intents; it performs no I/O. A scene's own UI state (scroll position, typed digits) lives in the
// scene object, which is destroyed on exit, so nothing of it outlives the screen.
#pragma once
#include <memory>
#include <span>
#include <string_view>

#include "core/app_state.h"
#include "core/intents.h"
#include "core/scene_id.h"

namespace balie::kiosk {

class Ui;

class Scene {
 public:
  virtual ~Scene() = default;
  virtual void enter(const AppState&) {}
  virtual void draw(const AppState& state, Ui& ui, Intents& intents) = 0;
  // Called before the scene object is destroyed; overwrite sensitive UI state here.
  virtual void exit() {}
  // Catalog key of the text the "listen" control reads aloud on this screen.
  virtual std::string_view audio_key() const { return {}; }
};

struct SceneEntry {
  SceneId id;
  std::string_view name;
  bool resident_facing;  // shown to the resident (in the session language) vs staff (Dutch)
  std::unique_ptr<Scene> (*make)();
};

// The one table of scenes, indexed by SceneId.
std::span<const SceneEntry> scene_table();

// Holds the current scene and a bounded history for "back".
class Navigator {
 public:
  static constexpr size_t kMaxHistory = 16;
  explicit Navigator(SceneId first);
  SceneId current() const { return current_; }
  Scene& scene() { return *scene_; }
  void go(SceneId next, const AppState& s);   // push current to history, enter next
  void back(const AppState& s);               // previous scene, or Welcome
  void home(const AppState& s);               // clear history, Welcome

 private:
  void switch_to(SceneId next, const AppState& s);
  SceneId current_;
  std::unique_ptr<Scene> scene_;
  SceneId history_[kMaxHistory];
  size_t depth_ = 0;
};

}  // namespace balie::kiosk
