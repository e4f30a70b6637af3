// The identifiers of every scene (screen) of the kiosk. The table that maps them to their code is
// kiosk/scenes/scenes.cpp; keep both in the same order.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace balie::kiosk {

enum class SceneId : uint8_t {
  Welcome,      // attract/welcome screen between sessions
  StaffUnlock,  // staff PIN pad
  Language,     // resident chooses a language
  kCount
};

// Stable lowercase name used in scripts and logs ("welcome", "staff_unlock", "language").
std::string_view scene_name(SceneId id);
std::optional<SceneId> scene_from_name(std::string_view name);

}  // namespace balie::kiosk
