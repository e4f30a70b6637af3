// QR code of the receipt reference (kiosk signing layer, headless): libqrencode turns the short
// reference text (no personal data) into a module matrix that the saved screen draws as squares.
#pragma once
#include <string>
#include <vector>

namespace balie::signing {

struct QrMatrix {
  int size = 0;                 // modules per side (0 = failed)
  std::vector<bool> dark;       // size*size, row-major
  bool at(int x, int y) const { return dark[static_cast<size_t>(y) * size + x]; }
};

// Encodes `text` (at most 128 bytes) with error correction level M. size 0 on failure.
QrMatrix make_qr(const std::string& text);

}  // namespace balie::signing
