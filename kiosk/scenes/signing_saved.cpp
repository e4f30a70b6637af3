// Signing saved scene (resident): shown only after the record is durably stored. Offers the receipt:
// a short reference code and a QR code of it (no personal data), then back to the dossier.
#include <cmath>

#include "scenes/scenes.h"
#include "signing/qr.h"

namespace balie::kiosk {
namespace {

class SigningSavedScene final : public Scene {
 public:
  void draw(const AppState& s, Ui& ui, Intents& intents) override {
    const Vec2 sc = ui.screen();
    ui.fill(Rect{0, 0, sc.x, sc.y}, theme::kBackground);
    const float m = theme::kMargin, bh = 96;
    listen_control(s, ui, intents, "signing_saved.listen", ui.mirror(Rect{m, m, bh, bh}), PlayScreenAudio{"signing_saved.title"});
    draw_text_size_toggle(s, ui, intents);  // large-text toggle (issue 18)
    if (!s.flow.pvt || !s.flow.pvt->saved) return;
    const auto& p = *s.flow.pvt;
    // The text column: below the top bar, beside the QR code, above the button; it scrolls (drag) when
    // large text or a tall script makes it longer than that.
    const float qr_w = std::min(sc.y * 0.5f, sc.x * 0.3f) + 80;
    const Rect col{m, m + bh + 24, sc.x - 2 * m - qr_w, sc.y - (m + bh + 24) - m - 110 - 24};
    const Vec2 o = ui.begin_scroll("signing_saved.text", ui.mirror(col), &scroll_);
    const float w = col.w - 24;
    float y = o.y;
    y += ui.text(ui.mirror(Rect{m, y, w, 0}), ui.tr("signing_saved.title"), theme::kTextTitle, theme::kPrimary,
                 Align::Start, ui.lang_of("signing_saved.title")) + 30;
    y += ui.text(ui.mirror(Rect{m, y, w, 0}), ui.tr("signing_saved.body"), theme::kTextBody, theme::kText, Align::Start,
                 ui.lang_of("signing_saved.body")) + 40;
    y += ui.text(ui.mirror(Rect{m, y, w, 0}), ui.tr("signing_saved.reference"), theme::kTextSmall, theme::kTextMuted,
                 Align::Start, ui.lang_of("signing_saved.reference")) + 8;
    // The reference code reads left to right in every language ("1234-A6AB", never "A6AB-1234"); it
    // starts where the texts above it start.
    y += ui.text(ui.mirror(Rect{m, y, w, 0}), p.reference, theme::kTextTitle * 1.1f, theme::kText, Align::ScreenStart,
                 TextLang::ltr());
    ui.end_scroll(y - o.y);
    if (qr_text_ != p.reference) {
      qr_text_ = p.reference;
      qr_ = signing::make_qr("BALIE-REF:" + p.reference);
    }
    if (qr_.size > 0) {
      const float side = std::min(sc.y * 0.5f, sc.x * 0.3f);
      const float cell = std::floor(side / (qr_.size + 8));
      const float total = cell * (qr_.size + 8);
      const Rect box = ui.mirror(Rect{sc.x - m - total - 40, m + 60, total, total});
      ui.fill(box, theme::rgba(255, 255, 255));
      ui.items().add_item("signing_saved.qr", box, false);
      for (int yy = 0; yy < qr_.size; ++yy)
        for (int xx = 0; xx < qr_.size; ++xx)
          if (qr_.at(xx, yy))
            ui.fill(Rect{box.x + (xx + 4) * cell, box.y + (yy + 4) * cell, cell, cell}, theme::rgba(0, 0, 0));
    }
    if (ui.button("signing_saved.done", ui.mirror(Rect{sc.x - m - 560, sc.y - m - 110, 560, 110}),
                  ui.tr("signing_saved.done")))
      intents.push(GoTo{SceneId::Dossier});
  }
  std::string_view audio_key() const override { return "signing_saved.title"; }

 private:
  std::string qr_text_;
  signing::QrMatrix qr_;
  float scroll_ = 0;
};

}  // namespace

std::unique_ptr<Scene> make_signing_saved_scene() { return std::make_unique<SigningSavedScene>(); }

}  // namespace balie::kiosk
