// Held and failed records scene (staff, issue 16): every held or failed record with its reason in
// plain words, oldest first; "Koppeling gewijzigd: N records vastgehouden" after a COA link change.
// The staff member picks a record and an action (deliver to the municipality it was sealed to, or
// void it) and confirms with their own PIN; the app verifies the PIN and the store audits the
// decision. Below: residents that are one person twice (ids masked; COA must fix it).
#include "balie/platform/dutch_calendar.h"
#include "balie/platform/secure_wipe.h"
#include "scenes/scenes.h"
#include "ui/pin_pad.h"

namespace balie::kiosk {

using platform::secure_wipe;

namespace {

class StaffHeldScene final : public Scene {
 public:
  void exit() override {
    secure_wipe(digits_);
    secure_wipe(selected_);
  }

  void draw(const AppState& s, Ui& ui, Intents& intents) override {
    const Vec2 sc = ui.screen();
    ui.fill(Rect{0, 0, sc.x, sc.y}, theme::kBackground);
    const float m = theme::kMargin, bh = 90;
    ui.text(Rect{m, m, sc.x - 2 * m, 0}, ui.tr("held.title"), theme::kTextTitle, theme::kText);
    float y = m + 96;
    if (s.link_changed_held > 0) {
      y += ui.text(Rect{m, y, sc.x - 2 * m, 0}, ui.tr("held.link_changed", {{"count", std::to_string(s.link_changed_held)}}),
                   theme::kTextBody, theme::kDanger) + 12;
    }
    const float list_w = sc.x * 0.58f;
    const float conflicts_h = s.conflict_lines.empty() ? 0.0f : 70.0f + 44.0f * static_cast<float>(std::min<std::size_t>(s.conflict_lines.size(), 3));
    const Rect list{m, y, list_w, sc.y - y - m - bh - 24 - conflicts_h};
    bool selected_present = false;
    float content = 0;
    Vec2 o = ui.begin_scroll("held.rows", list, &scroll_);
    const float row_h = 140, btn_h = theme::kMinTarget + 6, gap = theme::kMinGap + 3;
    for (const auto& r : s.held_rows) {
      const Rect rr{o.x, o.y + content, list.w - 24, row_h};
      const bool sel = r.record_id == selected_;
      selected_present = selected_present || sel;
      if (rr.y + rr.h > list.y && rr.y < list.y + list.h) {
        const std::string label = join_isolated({ui.format_date(calendar::to_iso(calendar::local_day(r.created_at))),
                                                 session::gemeente_name(r.addressee) + " (" + r.addressee + ")",
                                                 ui.tr(r.failed ? "held.state_failed" : "held.state_held")});
        if (ui.button("held.row." + r.record_id.substr(0, 8), Rect{rr.x, rr.y, rr.w, btn_h}, label,
                      sel ? ButtonStyle::Primary : ButtonStyle::Secondary, theme::kTextSmall)) {
          selected_ = r.record_id;
          selected_present = true;
          secure_wipe(digits_);
        }
        ui.text(Rect{rr.x + 12, rr.y + btn_h + 6, rr.w - 24, 0}, ui.tr("held.reason", {{"reason", r.reason_text}}),
                theme::kTextSmall * 0.8f, r.link_changed ? theme::kDanger : theme::kTextMuted);
      }
      content += row_h + gap;
    }
    if (s.held_rows.empty()) {
      ui.text(Rect{o.x, o.y + 20, list.w, 0}, ui.tr("held.none"), theme::kTextBody, theme::kTextMuted);
      content = 80;
    }
    ui.end_scroll(content);
    if (!selected_present) selected_.clear();

    if (!s.conflict_lines.empty()) {  // one person twice: never shown as two people
      float cy = list.y + list.h + 12;
      cy += ui.text(Rect{m, cy, list_w, 0}, ui.tr("held.conflicts_title"), theme::kTextSmall, theme::kDanger) + 6;
      for (std::size_t i = 0; i < s.conflict_lines.size() && i < 3; ++i) {
        const auto& c = s.conflict_lines[i];
        std::string ids;
        for (const auto& id : c.masked_ids) ids += (ids.empty() ? "" : ", ") + id;
        cy += ui.text(Rect{m + 20, cy, list_w - 20, 0}, ui.tr("held.conflict_line", {{"key", c.key_label}, {"ids", ids}}),
                      theme::kTextSmall * 0.85f, theme::kText) + 4;
      }
    }

    // Decision panel: action, then the staff member's own PIN.
    const float px0 = m + list_w + 40, pw = sc.x - px0 - m;
    float py = y;
    if (selected_.empty()) {
      ui.text(Rect{px0, py, pw, 0}, ui.tr("held.choose_first"), theme::kTextBody, theme::kTextMuted, Align::Center);
    } else {
      const session::HeldRecordRow* row = nullptr;
      for (const auto& r : s.held_rows)
        if (r.record_id == selected_) row = &r;
      const std::string release_key = row && row->link_changed ? "held.release_old" : "held.release";
      const float half = (pw - theme::kMinGap) / 2;
      if (ui.button("held.action.release", Rect{px0, py, half, bh}, ui.tr(release_key),
                    void_ ? ButtonStyle::Secondary : ButtonStyle::Primary, theme::kTextSmall))
        void_ = false;
      if (ui.button("held.action.void", Rect{px0 + half + theme::kMinGap, py, half, bh}, ui.tr("held.void"),
                    void_ ? ButtonStyle::Danger : ButtonStyle::Secondary, theme::kTextSmall))
        void_ = true;
      py += bh + 16;
      py += ui.text(Rect{px0, py, pw, 0}, ui.tr(void_ ? "held.void_explain" : "held.release_explain"), theme::kTextSmall * 0.85f,
                    theme::kTextMuted) + 10;
      std::string msg;
      if (s.locked_minutes > 0) msg = ui.tr("staff_unlock.locked", {{"minutes", std::to_string(s.locked_minutes)}});
      else if (s.pin_attempts_left >= 0) msg = ui.tr("staff_unlock.wrong", {{"attempts", std::to_string(s.pin_attempts_left)}});
      if (pin_pad(ui, "heldpin", Rect{px0, py, pw, sc.y - m - py}, digits_, true, msg)) {
        intents.push(DecideHeldRecord{selected_, digits_, void_});
        secure_wipe(digits_);
      }
    }
    if (!s.staff_message.empty())
      ui.text(Rect{m + 300, sc.y - m - bh, list_w - 300, 0}, s.staff_message, theme::kTextSmall * 0.85f, theme::kTextMuted);
    if (ui.button("held.back", Rect{m, sc.y - m - bh, 260, bh}, ui.tr("common.back"), ButtonStyle::Secondary))
      intents.push(GoBack{});
  }

 private:
  std::string digits_, selected_;
  bool void_ = false;
  float scroll_ = 0;
};

}  // namespace

std::unique_ptr<Scene> make_staff_held_scene() { return std::make_unique<StaffHeldScene>(); }

}  // namespace balie::kiosk
