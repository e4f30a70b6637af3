// Staff home scene: after unlocking, staff choose what to do. COA staff and municipality hosts
// start a resident session or open the sync status; a technician sees only device status (no
// personal data), the terminal's details ("Terminalgegevens") and may stop the kiosk. "Lock" ends the staff session.
#include "scenes/scenes.h"

namespace balie::kiosk {
namespace {

class StaffHomeScene final : public Scene {
 public:
  void draw(const AppState& s, Ui& ui, Intents& intents) override {
    const Vec2 sc = ui.screen();
    ui.fill(Rect{0, 0, sc.x, sc.y}, theme::kBackground);
    const float m = theme::kMargin;
    ui.text(Rect{m, m, sc.x - 2 * m, 0}, ui.tr("staff_home.title", {{"name", s.staff_name}}), theme::kTextTitle, theme::kText);
    ui.text(Rect{m, m + 90, sc.x - 2 * m, 0}, s.location_name, theme::kTextBody, theme::kTextMuted);
    const bool can_host = s.staff_role != store::StaffRole::Technician;
    // Hosts get three buttons and a line above "lock": smaller buttons on a small panel.
    const float room = sc.y - m - 90 - 24 - (m + 190);
    const float bw = std::min(720.0f, sc.x - 2 * m),
                bh = can_host ? std::clamp((room - 2 * 30 - 8 - 44) / 3, theme::kMinTarget, 120.0f) : 120;
    float y = m + 190;
    const float x = (sc.x - bw) / 2;
    if (can_host) {
      if (ui.button("staff_home.start", Rect{x, y, bw, bh}, ui.tr("staff_home.start_session")))
        intents.push(GoTo{SceneId::ResidentSearch});
      y += bh + 30;
    }
    if (ui.button("staff_home.status", Rect{x, y, bw, bh}, ui.tr("staff_home.sync_status"), ButtonStyle::Secondary))
      intents.push(GoTo{SceneId::StaffStatus});
    y += bh + 30;
    if (can_host) {  // held and failed records, duplicate persons (issue 16)
      if (ui.button("staff_home.held", Rect{x, y, bw, bh},
                    ui.tr("held.open", {{"count", std::to_string(s.held_rows.size())}}),
                    s.link_changed_held > 0 || !s.conflict_lines.empty() ? ButtonStyle::Danger : ButtonStyle::Secondary))
        intents.push(GoTo{SceneId::StaffHeld});
      y += bh + 8;
      if (s.link_changed_held > 0)
        y += ui.text(Rect{x, y, bw, 0}, ui.tr("held.link_changed", {{"count", std::to_string(s.link_changed_held)}}),
                     theme::kTextSmall, theme::kDanger);
      y += 22;
    }
    if (!can_host) {
      if (ui.button("staff_home.terminal", Rect{x, y, bw, bh}, ui.tr("staff_home.terminal"), ButtonStyle::Secondary))
        intents.push(GoTo{SceneId::Enrolment});
      y += bh + 30;
      if (ui.button("staff_home.stop", Rect{x, y, bw, bh}, ui.tr("staff_home.stop_kiosk"), ButtonStyle::Danger))
        intents.push(StopKiosk{});
      y += bh + 30;
    }
    if (ui.button("staff_home.lock", Rect{m, sc.y - m - 90, 300, 90}, ui.tr("staff_home.lock"), ButtonStyle::Secondary))
      intents.push(EndSession{});
  }
};

}  // namespace

std::unique_ptr<Scene> make_staff_home_scene() { return std::make_unique<StaffHomeScene>(); }

}  // namespace balie::kiosk
