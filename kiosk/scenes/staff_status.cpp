// Staff status scene (Dutch): per gekoppelde gemeente the last successful sync, records waiting,
// held (with the reason: no route, failed proof, clock ahead, ...) and failed, dossier feed problems,
// and records close to or past the ten-working-day registration deadline (seed 004, 4.4), and per
// withdrawn obligation (issue 16) how many receivers were asked to delete and how many signed receipts
// are in, and (issue 20) a red TEST KEYS banner when the image was built with public test keys.
// Holds no personal data: counts, dates and problem texts (ids only).
#include <chrono>
#include <cstdio>

#include "scenes/scenes.h"
#include "balie/platform/dutch_calendar.h"

namespace balie::kiosk {
namespace {

class StaffStatusScene final : public Scene {
 public:
  void draw(const AppState& s, Ui& ui, Intents& intents) override {
    const Vec2 sc = ui.screen();
    ui.fill(Rect{0, 0, sc.x, sc.y}, theme::kBackground);
    const float m = theme::kMargin;
    ui.text(Rect{m, m, sc.x - 2 * m, 0}, ui.tr("status.title"), theme::kTextTitle, theme::kText);
    // Issue 20: a development image (TEST keys: anyone can sign software and bundles for it).
    if (s.test_keys) {
      const Rect banner{sc.x - m - 380, m - 4, 380, 84};
      ui.fill(banner, theme::kDanger, 10);
      ui.text(Rect{banner.x, banner.y + 14, banner.w, 0}, ui.tr("status.test_keys.banner"), theme::kTextBody * 1.1f,
              theme::kTextOnDark, Align::Center);
    }
    float y = m + 110;
    const float cols[] = {0.0f, 0.25f, 0.43f, 0.55f, 0.69f, 0.80f, 1.0f};  // column starts, then the end
    auto col_w = [&](int i) { return (cols[i + 1] - cols[i]) * (sc.x - 2 * m) - 12; };
    const char* heads[] = {"status.col.municipality", "status.col.last_sync", "status.col.waiting",
                           "status.col.held", "status.col.failed", "status.col.deadline"};
    const float w = sc.x - 2 * m;
    for (int i = 0; i < 6; ++i)
      ui.text(Rect{m + cols[i] * w, y, col_w(i), 0}, ui.tr(heads[i]), theme::kTextSmall * 0.85f, theme::kTextMuted);
    y += 50;
    if (s.status_rows.empty()) {
      ui.text(Rect{m, y, w, 0}, ui.tr("status.nothing"), theme::kTextBody, theme::kTextMuted);
      y += 60;
    }
    for (const auto& r : s.status_rows) {
      ui.fill(Rect{m - 10, y - 6, w + 20, 60}, theme::rgba(255, 255, 255), 8);
      ui.text(Rect{m + cols[0] * w, y, col_w(0), 48}, join_isolated({r.name}) + " (" + r.gemeentecode + ")", theme::kTextSmall, theme::kText);
      std::string last = ui.tr("status.never");
      if (r.last_success) last = ui.format_date(calendar::to_iso(calendar::local_day(*r.last_success)));
      if (!r.has_route) last = ui.tr("status.no_route");
      ui.text(Rect{m + cols[1] * w, y, col_w(1), 0}, last, theme::kTextSmall, r.has_route ? theme::kText : theme::kDanger);
      ui.text(Rect{m + cols[2] * w, y, col_w(2), 0}, std::to_string(r.waiting), theme::kTextSmall, theme::kText);
      ui.text(Rect{m + cols[3] * w, y, col_w(3), 0}, std::to_string(r.held), theme::kTextSmall, r.held ? theme::kDanger : theme::kText);
      ui.text(Rect{m + cols[4] * w, y, col_w(4), 0}, std::to_string(r.failed), theme::kTextSmall, r.failed ? theme::kDanger : theme::kText);
      using D = MunicipalityStatus::Deadline;
      std::string dl = "-";
      if (r.deadline == D::Overdue) dl = ui.tr("status.deadline_overdue");
      else if (r.deadline == D::Soon) dl = ui.tr("status.deadline_soon", {{"days", std::to_string(r.working_days_left)}});
      else if (r.deadline == D::Ok) dl = ui.tr("status.deadline_ok", {{"days", std::to_string(r.working_days_left)}});
      ui.text(Rect{m + cols[5] * w, y, col_w(5), 0}, dl, theme::kTextSmall,
              r.deadline == D::Overdue || r.deadline == D::Soon ? theme::kDanger : theme::kText);
      y += 70;
      if (!r.problem.empty()) {  // why records are held, or the last feed / sync problem
        ui.text(Rect{m, y - 8, w, 0}, r.problem, theme::kTextSmall * 0.8f, theme::kDanger);
        y += 44;
      }
    }
    if (s.held_without_route > 0) {
      y += 10;
      ui.text(Rect{m, y, w, 0}, ui.tr("status.held_no_route", {{"count", std::to_string(s.held_without_route)}}),
              theme::kTextBody, theme::kDanger);
    }
    // Withdrawn obligations: per deletion whether the receivers' signed receipts are in (no names).
    for (std::size_t i = 0; i < s.deletion_lines.size() && i < 5; ++i) {
      const auto& d = s.deletion_lines[i];
      const std::string line = ui.tr("status.deletion.line", {{"date", ui.format_date(d.day)},
                                                              {"reason", ui.tr("status.deletion.reason." + d.reason)},
                                                              {"receivers", std::to_string(d.receivers)},
                                                              {"receipts", std::to_string(d.receipts)},
                                                              {"dropped", std::to_string(d.dropped)}});
      y += ui.text(Rect{m, y, w, 0}, line, theme::kTextSmall * 0.85f, d.complete ? theme::kText : theme::kDanger) + 6;
    }
    // The clock (adjtimex): records dated by a wrong clock may be refused by the municipality.
    y += 10;
    if (s.clock_synchronised) {
      y += ui.text(Rect{m, y, w, 0}, ui.tr("status.clock_synced"), theme::kTextSmall, theme::kTextMuted) + 10;
    } else {
      y += ui.text(Rect{m, y, w, 0}, ui.tr("status.clock_unsynced"), theme::kTextSmall, theme::kDanger) + 10;
    }
    if (s.test_keys)
      y += ui.text(Rect{m, y, w, 0}, ui.tr("status.test_keys"), theme::kTextSmall, theme::kDanger) + 10;
    // Issue 18: texts missing in some language; residents reading it are not offered that flow.
    for (std::size_t i = 0; i < s.missing_text_lines.size() && i < 4; ++i)
      y += ui.text(Rect{m, y, w, 0}, s.missing_text_lines[i], theme::kTextSmall * 0.85f, theme::kDanger) + 6;
    // "Nu versturen": only what the store's sync states prove.
    using K = session::SyncRequestView::Kind;
    const auto& rq = s.sync_request;
    if (rq.kind == K::Waiting) {
      y += ui.text(Rect{m, y, w, 0}, ui.tr("status.request.waiting", {{"time", rq.requested_hhmm}}), theme::kTextSmall, theme::kText) + 10;
    } else if (rq.kind == K::Started) {
      y += ui.text(Rect{m, y, w, 0}, ui.tr("status.request.started", {{"time", rq.requested_hhmm}}), theme::kTextSmall, theme::kText) + 10;
    } else if (rq.kind == K::NotStarted) {
      y += ui.text(Rect{m, y, w, 0}, ui.tr("status.request.not_started", {{"time", rq.requested_hhmm}}), theme::kTextSmall,
                   theme::kDanger) + 10;
    } else if (rq.kind == K::Done) {
      y += ui.text(Rect{m, y, w, 0}, ui.tr("status.request.done", {{"time", rq.requested_hhmm}}), theme::kTextSmall, theme::kText) + 6;
      for (const auto& l : rq.lines) {
        if (y > sc.y - m - 200) break;
        const std::string name = session::gemeente_name(l.gemeentecode) + " (" + l.gemeentecode + ")";
        const std::string line = l.ok ? ui.tr("status.request.ok", {{"municipality", name}})
                                      : ui.tr("status.request.failed", {{"municipality", name},
                                                                         {"problem", l.staff_text.empty() ? l.error.substr(0, 160) : l.staff_text}});
        y += ui.text(Rect{m + 20, y, w - 20, 0}, line, theme::kTextSmall * 0.85f, l.ok ? theme::kText : theme::kDanger) + 4;
      }
    }
    if (!s.staff_message.empty())
      ui.text(Rect{m, sc.y - m - 150, w, 0}, s.staff_message, theme::kTextSmall, theme::kTextMuted);
    if (ui.button("status.back", Rect{m, sc.y - m - 90, 260, 90}, ui.tr("common.back"), ButtonStyle::Secondary))
      intents.push(GoBack{});
    // The kiosk has no network: this asks balie-syncd for a pass through <state_dir>/sync-now.
    if (ui.button("status.sync_now", Rect{sc.x - m - 360, sc.y - m - 90, 360, 90}, ui.tr("status.sync_now")))
      intents.push(SyncNow{});
  }
};

}  // namespace

std::unique_ptr<Scene> make_staff_status_scene() { return std::make_unique<StaffStatusScene>(); }

}  // namespace balie::kiosk
