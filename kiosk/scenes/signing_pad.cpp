// Signature pad scene (resident): a white pad of 72% of the screen width where a finger draws
// smooth ink. The app feeds every raw sample of the active finger into AppState's signing::Ink
// (app/signing_handlers.cpp, before the frame is drawn); this scene only draws it, marks the pad as
// a capture region (a drag draws instead of scrolling) and offers clear, back and done. A refused
// (empty or trivial) signature shows a friendly message.
#include "scenes/ink_draw.h"
#include <cmath>

#include "scenes/scenes.h"

namespace balie::kiosk {

Rect signing_pad_rect(Vec2 sc) {
  const float w = std::round(sc.x * 0.72f), h = std::round(std::min(sc.y * 0.48f, w * 0.45f));
  return Rect{std::round((sc.x - w) / 2), std::round(sc.y * 0.22f), w, h};
}

namespace {

class SigningPadScene final : public Scene {
 public:
  void draw(const AppState& s, Ui& ui, Intents& intents) override {
    const Vec2 sc = ui.screen();
    ui.fill(Rect{0, 0, sc.x, sc.y}, theme::kBackground);
    const float m = theme::kMargin, bh = 96;
    listen_control(s, ui, intents, "signing_pad.listen", ui.mirror(Rect{m, m, bh, bh}), PlayScreenAudio{"signing_pad.instruction"});
    const float ts = draw_text_size_toggle(s, ui, intents);  // large-text toggle (issue 18)
    ui.text(ui.mirror(Rect{m + bh + 24 + ts, m + 8, sc.x - 2 * m - bh - 24 - ts, signing_pad_rect(sc).y - m - 20}),
            ui.tr("signing_pad.instruction"),
            theme::kTextBody, theme::kText);
    const Rect pad = signing_pad_rect(sc);
    ui.fill(Rect{pad.x - 3, pad.y - 3, pad.w + 6, pad.h + 6}, theme::kPrimary, 10);
    ui.fill(pad, theme::rgba(255, 255, 255), 8);
    // Signing line with a cross, as on paper.
    const float ly = pad.y + pad.h * 0.78f;
    ui.fill(Rect{pad.x + 60, ly, pad.w - 120, 3}, theme::rgba(150, 150, 150));
    ui.text(ui.mirror(Rect{pad.x + 60, ly - 52, 60, 0}), "\xC3\x97", theme::kTextTitle * 0.7f, theme::rgba(150, 150, 150));
    ui.capture_region(pad);
    ui.items().add_item("signing.pad", pad, false);
    if (s.flow.pvt) draw_pad_ink(ui, s.flow.pvt->ink, pad, theme::rgba(10, 30, 90));

    float y = pad.y + pad.h + 24;
    if (s.flow.pvt && !s.flow.pvt->pad_message_key.empty()) {
      const Rect box{pad.x, y, pad.w, 70};
      ui.fill(box, theme::kWarningBg, 12);
      ui.text(ui.mirror(Rect{box.x + 24, box.y + 16, box.w - 48, 0}), ui.tr(s.flow.pvt->pad_message_key),
              theme::kTextSmall, theme::kText);
    }
    const float by = sc.y - m - 100;
    if (ui.button("signing_pad.back", ui.mirror(Rect{m, by, 260, 100}), ui.tr("common.back"), ButtonStyle::Secondary))
      intents.push(GoBack{});
    if (ui.button("signing_pad.clear", ui.mirror(Rect{m + 260 + 40, by, 320, 100}), ui.tr("signing_pad.clear"),
                  ButtonStyle::Secondary))
      intents.push(ClearSignature{});
    if (ui.button("signing_pad.done", ui.mirror(Rect{sc.x - m - 480, by, 480, 100}), ui.tr("signing_pad.done")))
      intents.push(SignatureDone{});
  }
  std::string_view audio_key() const override { return "signing_pad.instruction"; }
};

}  // namespace

std::unique_ptr<Scene> make_signing_pad_scene() { return std::make_unique<SigningPadScene>(); }

}  // namespace balie::kiosk
