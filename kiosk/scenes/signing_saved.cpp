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
    if (!s.flow.pvt || !s.flow.pvt->saved) return;
    const auto& p = *s.flow.pvt;
    const float w = sc.x * 0.5f;
    float y = m + 40;
    const Rect left = ui.mirror(Rect{m + bh + 40, y, w - bh, 0});
    y += ui.text(left, ui.tr("signing_saved.title"), theme::kTextTitle, theme::kPrimary) + 30;
    y += ui.text(ui.mirror(Rect{m + bh + 40, y, w - bh, 0}), ui.tr("signing_saved.body"), theme::kTextBody, theme::kText) + 40;
    y += ui.text(ui.mirror(Rect{m + bh + 40, y, w - bh, 0}), ui.tr("signing_saved.reference"), theme::kTextSmall,
                 theme::kTextMuted) + 8;
    ui.text(ui.mirror(Rect{m + bh + 40, y, w - bh, 0}), p.reference, theme::kTextTitle * 1.1f, theme::kText);
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
};

}  // namespace

std::unique_ptr<Scene> make_signing_saved_scene() { return std::make_unique<SigningSavedScene>(); }

}  // namespace balie::kiosk
