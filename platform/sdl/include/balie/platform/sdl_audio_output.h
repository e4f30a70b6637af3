// SDL audio implementation of platform::AudioOutput (UI process only: links SDL).
#pragma once
#include <memory>

#include "balie/platform/audio_output.h"

namespace balie::platform {

// Opens the default SDL audio device lazily on first play. Requires SDL_INIT_AUDIO.
std::unique_ptr<AudioOutput> make_sdl_audio_output();

}  // namespace balie::platform
