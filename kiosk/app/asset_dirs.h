// Where the kiosk finds its files (kiosk app layer): the assets (fonts list, catalogs' sources, signing
// texts, demo data) and the build-time generated files (compiled catalogs, audio). Each is the
// environment variable if set, else the build tree's folder when it exists (development, tests, demo),
// else the installed folder under /usr/share/balie (the terminal image). One rule for every user.
#pragma once
#include <filesystem>

namespace balie::kiosk {

std::filesystem::path assets_dir();     // BALIE_ASSETS_DIR, build tree, /usr/share/balie/assets
std::filesystem::path generated_dir();  // BALIE_GENERATED_DIR, build tree, /usr/share/balie

}  // namespace balie::kiosk
