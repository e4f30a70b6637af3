// Navigator and scene-name lookups (see scene.h).
#include <cstring>

#include "core/scene.h"

namespace balie::kiosk {

std::string_view scene_name(SceneId id) {
  auto t = scene_table();
  auto i = static_cast<size_t>(id);
  return i < t.size() ? t[i].name : std::string_view("?");
}

std::optional<SceneId> scene_from_name(std::string_view name) {
  for (const auto& e : scene_table())
    if (e.name == name) return e.id;
  return std::nullopt;
}

Navigator::Navigator(SceneId first) : current_(first), scene_(scene_table()[static_cast<size_t>(first)].make()) {}

void Navigator::switch_to(SceneId next, const AppState& s) {
  scene_->exit();
  scene_.reset();
  current_ = next;
  scene_ = scene_table()[static_cast<size_t>(next)].make();
  scene_->enter(s);
}

void Navigator::go(SceneId next, const AppState& s) {
  if (next == current_) return;
  if (depth_ == kMaxHistory) {
    std::memmove(history_, history_ + 1, sizeof(SceneId) * (kMaxHistory - 1));
    --depth_;
  }
  history_[depth_++] = current_;
  switch_to(next, s);
}

void Navigator::back(const AppState& s) {
  SceneId prev = depth_ > 0 ? history_[--depth_] : SceneId::Welcome;
  switch_to(prev, s);
}

void Navigator::home(const AppState& s) {
  depth_ = 0;
  switch_to(SceneId::Welcome, s);
}

}  // namespace balie::kiosk
