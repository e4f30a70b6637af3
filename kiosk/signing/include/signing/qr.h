// QR codes (kiosk signing layer, headless): libqrencode turns a text with no personal data (the
// receipt reference, the terminal's enrolment request) into a module matrix that scenes draw as squares.
#pragma once
#include <string>
#include <vector>

namespace balie::signing {

struct QrMatrix {
  int size = 0;                 // modules per side (0 = failed)
  std::vector<bool> dark;       // size*size, row-major
  bool at(int x, int y) const { return dark[static_cast<size_t>(y) * size + x]; }
};

inline constexpr std::size_t kQrLevelMUpTo = 128;  // up to here error correction M, beyond it L
inline constexpr std::size_t kMaxQrBytes = 2953;   // version 40 at level L (8-bit data)
// Encodes `text` (1..kMaxQrBytes bytes) in 8-bit mode. size 0 when empty, too long or on failure.
QrMatrix make_qr(const std::string& text);

}  // namespace balie::signing
