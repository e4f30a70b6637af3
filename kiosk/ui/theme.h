// Visual constants of the kiosk (kiosk UI layer). Sizes assume a 23.8" 1920x1080 panel at about
// 140 dpi: a 12 mm touch target is 66 px. Colours have at least 4.5:1 contrast for text.
#pragma once
#include <cstdint>

namespace balie::kiosk::theme {

constexpr float kMinTarget = 66.0f;     // smallest touch target side (12 mm)
constexpr float kMinGap = 17.0f;        // at least 3 mm between targets
constexpr float kMargin = 48.0f;
constexpr float kRounding = 14.0f;

// Text sizes (issue 18, docs/reading-size.md): at the stated viewing distance of 60 cm a capital H
// must subtend 0.7 degrees (EN 301 549 5.1.4): 26.7 px of cap height, 37.4 px nominal in Noto Sans.
// Body and buttons meet it in normal mode; instructions (kTextSmall) meet it in large-text mode.
constexpr float kTextBody = 40.0f;
constexpr float kTextTitle = 60.0f;
constexpr float kTextButton = 40.0f;
constexpr float kTextSmall = 32.0f;
// Large-text mode (a toggle on every resident screen, off at session end): resident text is drawn
// this much larger wherever it fits; text in a fixed box that would not fit stays at nominal size.
constexpr float kLargeTextScale = 1.35f;

// RGBA packed as ImGui's IM_COL32 (ABGR in memory).
constexpr uint32_t rgba(uint8_t r, uint8_t g, uint8_t b, uint8_t a = 255) {
  return (uint32_t(a) << 24) | (uint32_t(b) << 16) | (uint32_t(g) << 8) | uint32_t(r);
}

// The welcome scene background; the image's boot test probes a pixel for exactly this colour.
constexpr uint8_t kWelcomeR = 18, kWelcomeG = 59, kWelcomeB = 92;
constexpr uint32_t kWelcomeBackground = rgba(kWelcomeR, kWelcomeG, kWelcomeB);
// White at 22/255 over the welcome background, precomputed: an opaque fill is one fast rectangle
// for the software renderer, a translucent one a blended polygon.
constexpr uint32_t kWelcomeCard = rgba(38, 76, 106);
constexpr uint32_t kBackground = rgba(246, 244, 239);      // resident and staff screens
constexpr uint32_t kText = rgba(28, 28, 30);
constexpr uint32_t kTextOnDark = rgba(255, 255, 255);
constexpr uint32_t kTextMuted = rgba(80, 80, 86);
constexpr uint32_t kPrimary = rgba(0, 94, 133);             // main action
constexpr uint32_t kPrimaryHeld = rgba(0, 62, 90);
constexpr uint32_t kSecondary = rgba(224, 221, 212);        // neutral action
constexpr uint32_t kSecondaryHeld = rgba(196, 192, 180);
constexpr uint32_t kDanger = rgba(170, 32, 32);
constexpr uint32_t kWarningBg = rgba(255, 236, 179);
constexpr uint32_t kDimOverlay = rgba(0, 0, 0, 170);

}  // namespace balie::kiosk::theme
