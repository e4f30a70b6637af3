// Signing host scene (staff, Dutch): the municipality organises the signing (seed 004, 3.4.5), so a
// municipality host mandated for the resident's gekoppelde gemeente opens the signing moment with
// their own PIN; the host is recorded in the evidence. Same PIN pad as the staff unlock; the digits
// live in this scene object and are overwritten on exit.
#include "balie/platform/secure_wipe.h"
#include "scenes/scenes.h"
#include "ui/pin_pad.h"

namespace balie::kiosk {

using platform::secure_wipe;

namespace {

class SigningHostScene final : public Scene {
 public:
  void exit() override {
    secure_wipe(digits_);
    secure_wipe(selected_);
  }

  void draw(const AppState& s, Ui& ui, Intents& intents) override {
    const Vec2 sc = ui.screen();
    ui.fill(Rect{0, 0, sc.x, sc.y}, theme::kBackground);
    const float m = theme::kMargin, bh = 90;
    ui.text(Rect{m, m, sc.x - 2 * m, 0}, ui.tr("signing_host.title"), theme::kTextTitle, theme::kText);
    const std::string gem = s.resident ? session::gemeente_name(s.resident->gemeentecode) : std::string();
    const float list_w = std::min(620.0f, sc.x * 0.38f);
    float y = m + 100;
    y += ui.text(Rect{m, y, list_w, 0}, ui.tr("signing_host.explain", {{"municipality", gem}}), theme::kTextSmall,
                 theme::kTextMuted) + 24;
    if (s.flow.hosts.empty())
      ui.text(Rect{m, y, list_w, 0}, ui.tr("signing_host.no_hosts", {{"municipality", gem}}), theme::kTextBody, theme::kDanger);
    for (const auto& h : s.flow.hosts) {
      if (y + bh > sc.y - m - bh - theme::kMinGap) break;
      if (ui.button("host." + h.id, Rect{m, y, list_w, bh}, h.name,
                    h.id == selected_ ? ButtonStyle::Primary : ButtonStyle::Secondary, theme::kTextBody)) {
        selected_ = h.id;
        secure_wipe(digits_);
      }
      y += bh + theme::kMinGap + 4;
    }

    const float px0 = m + list_w + 60, pw = sc.x - px0 - m;
    float py = m + 100;
    ui.text(Rect{px0, py, pw, 0}, ui.tr(selected_.empty() ? "signing_host.choose_first" : "signing_host.prompt"),
            theme::kTextBody, theme::kTextMuted, Align::Center);
    py += 60;
    std::string msg;
    if (s.locked_minutes > 0) msg = ui.tr("staff_unlock.locked", {{"minutes", std::to_string(s.locked_minutes)}});
    else if (s.pin_attempts_left >= 0) msg = ui.tr("staff_unlock.wrong", {{"attempts", std::to_string(s.pin_attempts_left)}});
    else if (!s.flow.staff_error.empty()) msg = s.flow.staff_error;
    if (pin_pad(ui, "hostpin", Rect{px0, py, pw, sc.y - m - py}, digits_, !selected_.empty(), msg)) {
      intents.push(OpenSigningMoment{selected_, digits_});
      secure_wipe(digits_);
    }
    if (ui.button("signing_host.back", Rect{m, sc.y - m - bh, 260, bh}, ui.tr("common.back"), ButtonStyle::Secondary))
      intents.push(GoBack{});
  }

 private:
  std::string digits_, selected_;
};

}  // namespace

std::unique_ptr<Scene> make_signing_host_scene() { return std::make_unique<SigningHostScene>(); }

}  // namespace balie::kiosk
