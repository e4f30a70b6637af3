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
std::unique_ptr<Scene> make_language_scene();

}  // namespace balie::kiosk
