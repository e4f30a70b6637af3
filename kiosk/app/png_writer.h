// Writes RGBA pixel buffers as PNG files (kiosk app layer; used by screenshots).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace balie::kiosk {

// Returns an empty string on success, else an error message. Writes to PATH.tmp then renames.
std::string write_png_rgba(const std::string& path, int width, int height, const std::vector<uint8_t>& rgba);

}  // namespace balie::kiosk
