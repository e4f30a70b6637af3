// Signature image for the evidence package (kiosk signing layer, headless): rasterises the smoothed
// ink (the same dabs the pad shows) into an anti-aliased greyscale image and encodes it as PNG in
// memory with libpng. The PNG holds personal data: it is sealed at once and wiped by the caller.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "signing/ink.h"

namespace balie::signing {

struct PngImage {
  int width = 0, height = 0;
  std::vector<std::uint8_t> bytes;  // PNG file bytes
};

// Renders `ink` at `scale` (pad pixels -> image pixels; image at most 2000x1000). Errors as text.
bool render_signature_png(const Ink& ink, float scale, PngImage* out, std::string* error);

// Decodes a greyscale/RGB(A) PNG from memory into 8-bit grey (tests). False on bad data.
bool decode_png_grey(const std::vector<std::uint8_t>& png, int* w, int* h, std::vector<std::uint8_t>* grey);

}  // namespace balie::signing
