// Enrolment / terminal details scene (technician, Dutch; public data only). Not enrolled (production,
// no applied bundle): the short code large, the whole enrolment request as a QR code, the device key
// fingerprint and what the technician does next; the app moves on by itself once a bundle is
// applied. Enrolled (opened from staff home, "Terminalgegevens"): also device id, location and the
// bundle version. Draw code only lays out AppState::enrolment (read by the app, never here).
#include <cmath>

#include "scenes/scenes.h"
#include "signing/qr.h"

namespace balie::kiosk {
namespace {

class EnrolmentScene final : public Scene {
 public:
  void draw(const AppState& s, Ui& ui, Intents& intents) override {
    const Vec2 sc = ui.screen();
    ui.fill(Rect{0, 0, sc.x, sc.y}, theme::kBackground);
    const float m = theme::kMargin;
    const auto& e = s.enrolment;
    ui.text(Rect{m, m, sc.x - 2 * m, 0}, ui.tr(e.required ? "enrolment.title" : "enrolment.title_enrolled"),
            theme::kTextTitle, theme::kText);
    const float qr_side = std::min(sc.y - 2 * m - 120, sc.x * 0.42f);
    const float lw = sc.x - 3 * m - qr_side;
    float y = m + 110;
    if (!e.required) {
      y += ui.text(Rect{m, y, lw, 0}, ui.tr("enrolment.device", {{"device", e.device_id.empty() ? "-" : e.device_id}}),
                   theme::kTextBody, theme::kText) + 8;
      y += ui.text(Rect{m, y, lw, 0},
                   ui.tr("enrolment.location", {{"location", e.location_name + " (" + e.location_id + ")"}}),
                   theme::kTextBody, theme::kText) + 8;
      y += ui.text(Rect{m, y, lw, 0},
                   e.bundle_version > 0 ? ui.tr("enrolment.bundle", {{"version", std::to_string(e.bundle_version)},
                                                                     {"applied", e.bundle_applied_at}})
                                        : ui.tr("enrolment.no_bundle"),
                   theme::kTextBody, theme::kText) + 30;
    }
    if (e.request_read) {
      ui.text(Rect{m, y, lw, 0}, ui.tr("enrolment.short_code"), theme::kTextSmall, theme::kTextMuted);
      y += 50;
      ui.items().add_item("enrolment.short_code", Rect{m, y, lw, 110}, false);
      y += ui.text(Rect{m, y, lw, 0}, e.short_code, theme::kTextTitle * 1.2f, theme::kText) + 20;
      y += ui.text(Rect{m, y, lw, 0}, ui.tr("enrolment.fingerprint", {{"fingerprint", e.device_pk_fingerprint}}),
                   theme::kTextSmall, theme::kText) + 20;
      if (e.required)
        y += ui.text(Rect{m, y, lw, 0}, ui.tr("enrolment.instructions"), theme::kTextSmall, theme::kText) + 20;
      if (qr_text_ != e.request_json) {
        qr_text_ = e.request_json;
        qr_ = signing::make_qr(qr_text_);
      }
      if (qr_.size > 0) {
        const float cell = std::floor(qr_side / (qr_.size + 8));
        const float total = cell * (qr_.size + 8);
        const Rect box{sc.x - m - total, m + 100, total, total};
        ui.fill(box, theme::rgba(255, 255, 255));
        ui.items().add_item("enrolment.qr", box, false);
        for (int yy = 0; yy < qr_.size; ++yy) {
          int xx = 0;
          while (xx < qr_.size) {  // one rectangle per run of dark modules
            if (!qr_.at(xx, yy)) {
              ++xx;
              continue;
            }
            int end = xx;
            while (end < qr_.size && qr_.at(end, yy)) ++end;
            ui.fill(Rect{box.x + (xx + 4) * cell, box.y + (yy + 4) * cell, (end - xx) * cell, cell}, theme::rgba(0, 0, 0));
            xx = end;
          }
        }
      } else {
        ui.text(Rect{sc.x - m - qr_side, m + 100, qr_side, 0}, ui.tr("enrolment.qr_failed"), theme::kTextSmall,
                theme::kDanger);
      }
    } else {
      y += ui.text(Rect{m, y, sc.x - 2 * m, 0}, ui.tr("enrolment.no_request"), theme::kTextBody, theme::kDanger) + 10;
      ui.items().add_item("enrolment.no_request", Rect{m, y - 10, 10, 10}, false);
      y += ui.text(Rect{m, y, sc.x - 2 * m, 0}, e.request_error, theme::kTextSmall, theme::kTextMuted) + 20;
      if (e.required) ui.text(Rect{m, y, sc.x - 2 * m, 0}, ui.tr("enrolment.no_request_help"), theme::kTextSmall, theme::kText);
    }
    if (!e.required &&
        ui.button("enrolment.back", Rect{m, sc.y - m - 90, 260, 90}, ui.tr("common.back"), ButtonStyle::Secondary))
      intents.push(GoBack{});
  }

 private:
  std::string qr_text_;
  signing::QrMatrix qr_;
};

}  // namespace

std::unique_ptr<Scene> make_enrolment_scene() { return std::make_unique<EnrolmentScene>(); }

}  // namespace balie::kiosk
