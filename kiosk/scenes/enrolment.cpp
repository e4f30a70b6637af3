// Enrolment / terminal details scene (technician, Dutch; public data only). Not enrolled (production,
// no applied bundle): the short code large, the whole enrolment request as a QR code, the device key
// fingerprint and what the technician does next; the app moves on by itself once a bundle is
// applied. Enrolled (opened from staff home, "Terminalgegevens"): also device id, location and the
// bundle version. Online enrolment: "Code van COA invoeren" opens a code field with the on-screen
// keyboard; "Versturen" records SubmitEnrolmentCode (the app hands it to balie-enrol-online) and the
// answer of balie-coa is shown. Draw code only lays out AppState::enrolment (read by the app).
#include <cmath>

#include "scenes/scenes.h"
#include "signing/qr.h"
#include "ui/keyboard.h"

namespace balie::kiosk {
namespace {

class EnrolmentScene final : public Scene {
 public:
  void draw(const AppState& s, Ui& ui, Intents& intents) override {
    const Vec2 sc = ui.screen();
    ui.fill(Rect{0, 0, sc.x, sc.y}, theme::kBackground);
    const float m = theme::kMargin;
    const auto& e = s.enrolment;
    if (e.required && entering_) return draw_code_entry(s, ui, intents);
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
      if (e.required) {
        y += ui.text(Rect{m, y, lw, 0}, ui.tr("enrolment.instructions"), theme::kTextSmall, theme::kText) + 20;
        y += draw_online_status(e, ui, Rect{m, y, lw, 0});
        if (e.online_available && y + 90 < sc.y - m &&
            ui.button("enrolment.enter_code", Rect{m, y, std::min(lw, 520.f), 90}, ui.tr("enrolment.enter_code"),
                      e.code_waiting ? ButtonStyle::Secondary : ButtonStyle::Primary)) {
          entering_ = true;
          code_.clear();
          kb_ = KeyboardState{};  // a new entry starts on letters, whatever layout the last one ended on
        }
      }
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
  // The answer of balie-enrol-online (or that the code is on its way). Returns the height used.
  static float draw_online_status(const AppState::Enrolment& e, Ui& ui, Rect r) {
    std::string key;
    std::uint32_t colour = theme::kText;
    if (e.online_state == "received") {
      key = "enrolment.online.received";
    } else if (e.online_state == "refused") {
      key = "enrolment.online.refused";
      colour = theme::kDanger;
    } else if (e.online_state == "unreachable" || e.online_state == "error") {
      key = "enrolment.online.unreachable";
      colour = theme::kDanger;
    } else if (e.code_waiting) {
      key = "enrolment.online.waiting";
    }
    if (key.empty()) return 0;
    ui.items().add_item(key, Rect{r.x, r.y, 10, 10}, false);
    float h = ui.text(r, ui.tr(key), theme::kTextSmall, colour) + 6;
    if (!e.online_message.empty())
      h += ui.text(Rect{r.x, r.y + h, r.w, 0}, e.online_message, theme::kTextSmall, theme::kTextMuted) + 6;
    return h + 14;
  }

  void draw_code_entry(const AppState& s, Ui& ui, Intents& intents) {
    const Vec2 sc = ui.screen();
    const float m = theme::kMargin;
    ui.text(Rect{m, m, sc.x - 2 * m, 0}, ui.tr("enrolment.code_title"), theme::kTextTitle, theme::kText);
    float y = m + 110;
    y += ui.text(Rect{m, y, sc.x - 2 * m, 0}, ui.tr("enrolment.code_help"), theme::kTextSmall, theme::kText) + 20;
    const Rect field{m, y, std::min(sc.x - 2 * m, 900.f), 110};
    ui.fill(field, theme::rgba(255, 255, 255));
    ui.items().add_item("enrolment.code_field", field, false);
    ui.text(Rect{field.x + 24, field.y + 18, field.w - 48, 0}, code_.empty() ? std::string("____-____-____") : shown(code_),
            theme::kTextTitle, code_.empty() ? theme::kTextMuted : theme::kText);
    y += field.h + 16;
    if (!s.enrolment.code_error_key.empty())
      y += ui.text(Rect{m, y, sc.x - 2 * m, 0}, ui.tr(s.enrolment.code_error_key), theme::kTextSmall, theme::kDanger) + 10;
    const float kb_h = std::min(360.f, sc.y * 0.38f);
    const float buttons_y = sc.y - m - kb_h - 110;
    if (ui.button("enrolment.code_back", Rect{m, buttons_y, 260, 90}, ui.tr("common.back"), ButtonStyle::Secondary)) {
      entering_ = false;
      code_.clear();
    }
    if (ui.button("enrolment.send_code", Rect{m + 290, buttons_y, 420, 90}, ui.tr("enrolment.send_code"),
                  ButtonStyle::Primary)) {
      intents.push(SubmitEnrolmentCode{code_});
      entering_ = false;
      code_.clear();
    }
    on_screen_keyboard(ui, Rect{m, sc.y - m - kb_h, sc.x - 2 * m, kb_h}, kb_, code_, 16);
    if (std::string typed = ui.typed_text(); !typed.empty() && code_.size() + typed.size() <= 16) code_ += typed;
    if (ui.backspace_pressed() && !code_.empty()) erase_last_code_point(code_);
  }

  // The code as COA prints it: upper case, in groups of four.
  static std::string shown(const std::string& typed) {
    std::string out;
    int n = 0;
    for (char c : typed) {
      if (c == '-' || c == ' ') continue;
      if (n > 0 && n % 4 == 0) out += '-';
      out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
      ++n;
    }
    return out;
  }

  std::string qr_text_;
  signing::QrMatrix qr_;
  bool entering_ = false;
  std::string code_;  // not secret: a one-time code that is useless once used or expired
  KeyboardState kb_;
};

}  // namespace

std::unique_ptr<Scene> make_enrolment_scene() { return std::make_unique<EnrolmentScene>(); }

}  // namespace balie::kiosk
