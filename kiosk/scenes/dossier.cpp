// Dossier scene: the resident's own dossier in their language, grouped, plain words, with audio.
// A "what happens next" panel names the one next step; groups come from session::DossierView
// (only groups with data); the term group has a timeline that runs in reading direction. Drag
// anywhere in the list to scroll. Draw code only translates and lays out: rules live in
// kiosk/session/dossier_view.cpp.
#include "scenes/scenes.h"

namespace balie::kiosk {
namespace {

std::string render_line(Ui& ui, const session::Line& l) {
  std::vector<std::pair<std::string_view, std::string>> args;
  args.reserve(l.args.size());
  for (const auto& a : l.args) {
    switch (a.kind) {
      case session::Arg::Kind::Date: args.emplace_back(a.name, ui.format_date(a.value)); break;
      case session::Arg::Kind::Key: args.emplace_back(a.name, ui.tr(a.value)); break;
      default: args.emplace_back(a.name, a.value); break;
    }
  }
  return ui.tr(l.key, args);
}

// Entry points of issue 6: the participatieverklaring (when offered; otherwise why not) and consents.
float draw_signing_entry(const AppState& s, Ui& ui, Intents& intents, float y) {
  const Vec2 sc = ui.screen();
  const float m = theme::kMargin, bh = 96;
  const bool consent = s.dossier && s.dossier->can_start_flows;
  const float cw = consent ? 520 : 0;
  if (consent && ui.button("dossier.consent", ui.mirror(Rect{sc.x - m - cw, y, cw, bh}), ui.tr("dossier.consent"),
                           ButtonStyle::Secondary))
    intents.push(GoTo{SceneId::ConsentList});
  const float lw = sc.x - 2 * m - (consent ? cw + theme::kMinGap + 10 : 0);
  if (s.flow.offer.offered) {
    if (ui.button("dossier.sign", ui.mirror(Rect{m, y, std::min(lw, 760.0f), bh}), ui.tr("dossier.sign")))
      intents.push(StartSigning{});
  } else if (!s.flow.offer.reason_key.empty() && !(s.dossier && s.dossier->next_step.key == s.flow.offer.reason_key)) {
    ui.text(ui.mirror(Rect{m + 10, y + 8, lw - 20, 0}), ui.tr(s.flow.offer.reason_key), theme::kTextSmall,
            s.flow.offer.staff_problem ? theme::kDanger : theme::kTextMuted, Align::Start,
            ui.lang_of(s.flow.offer.reason_key));
  }
  return (consent || s.flow.offer.offered || !s.flow.offer.reason_key.empty()) ? y + bh + 20 : y;
}

class DossierScene final : public Scene {
 public:
  void draw(const AppState& s, Ui& ui, Intents& intents) override {
    const Vec2 sc = ui.screen();
    ui.fill(Rect{0, 0, sc.x, sc.y}, theme::kBackground);
    const float m = theme::kMargin;
    const float bh = 96;
    bool listen_ok = true;
    {
      // The resident's own lines, synthesised on the terminal (personal: composed only on a tap,
      // wiped at session end).
      PlayScreenAudio req{"dossier.intro", PlayScreenAudio::What::kDynamic, {}, "dossier.listen"};
      listen_ok = audio_can_play(s, req);
      if (ui.listen_button(req.button, ui.mirror(Rect{m, m, bh, bh}), listen_ok)) {
        req.text = ui.tr("dossier.intro");
        if (s.dossier) {
          req.text += "\n" + ui.tr("dossier.next.title") + ". " + render_line(ui, s.dossier->next_step);
          for (const auto& g : s.dossier->groups) {
            req.text += "\n" + ui.tr(g.title_key) + ".";
            for (const auto& l : g.lines) req.text += "\n" + render_line(ui, l) + ".";
          }
        }
        intents.push(std::move(req));
      }
    }
    const float ts = draw_text_size_toggle(s, ui, intents);  // large-text toggle (issue 18)
    if (ui.button("dossier.finish", ui.mirror(Rect{sc.x - m - 260, m, 260, bh}), ui.tr("common.finish"), ButtonStyle::Secondary))
      intents.push(EndSession{});
    if (ui.button("dossier.language", ui.mirror(Rect{sc.x - m - 260 - theme::kMinGap - 300, m, 300, bh}),
                  ui.tr("dossier.change_language"), ButtonStyle::Secondary))
      intents.push(GoTo{SceneId::Language});
    if (!s.dossier) {
      ui.text(Rect{m, m + 140, sc.x - 2 * m, 0}, ui.tr("common.error_staff"), theme::kTextBody, theme::kDanger);
      return;
    }
    const session::DossierView& d = *s.dossier;
    const float title_w = sc.x - 2 * m - bh - 24 - ts - 260 - 300 - 2 * theme::kMinGap - 24;
    ui.text(ui.mirror(Rect{m + bh + 24 + ts, m, title_w, bh}),
            d.name_own_script.empty() ? d.name_latin : d.name_own_script, theme::kTextTitle * 0.8f, theme::kText,
            Align::ScreenStart);  // the name in its own direction, next to the listen button

    // What happens next.
    float y = m + bh + 24 + (listen_ok ? 0 : ui.listen_notice_height());  // room for "cannot play"
    // Catalog lines are laid out in the language their key comes out in ("DUO ..." in Persian is
    // still a right-to-left sentence; "V-nummer: {number}" in Arabic too).
    const std::string next = render_line(ui, d.next_step);
    // Heights measured, not assumed: Arabic-script lines and large-text mode are taller.
    const TextLang next_lang = ui.lang_of(d.next_step.key);
    const TextLang next_title_lang = ui.lang_of("dossier.next.title");
    const std::string next_title = ui.tr("dossier.next.title");
    const float next_title_h = ui.text_height(next_title, theme::kTextSmall, sc.x - 2 * m - 60, next_title_lang);
    const float next_h = next_title_h + ui.text_height(next, theme::kTextBody, sc.x - 2 * m - 60, next_lang) + 34;
    const Rect panel{m, y, sc.x - 2 * m, next_h};
    ui.fill(panel, theme::kPrimary, 16);
    ui.text(ui.mirror(Rect{panel.x + 30, panel.y + 12, panel.w - 60, 0}), next_title, theme::kTextSmall,
            theme::rgba(210, 232, 240), Align::Start, next_title_lang);
    ui.text(ui.mirror(Rect{panel.x + 30, panel.y + 16 + next_title_h, panel.w - 60, 0}), next, theme::kTextBody,
            theme::kTextOnDark, Align::Start, next_lang);
    y += next_h + 20;
    if (!d.can_start_flows) {
      const std::string why = ui.tr(d.flows_blocked_key);
      const TextLang why_lang = ui.lang_of(d.flows_blocked_key);
      const float h = ui.text_height(why, theme::kTextSmall, sc.x - 2 * m - 60, why_lang) + 30;
      ui.fill(Rect{m, y, sc.x - 2 * m, h}, theme::kWarningBg, 12);
      ui.text(ui.mirror(Rect{m + 30, y + 15, sc.x - 2 * m - 60, 0}), why, theme::kTextSmall, theme::kText, Align::Start,
              why_lang);
      y += h + 16;
    }
    y = draw_signing_entry(s, ui, intents, y);

    // The groups, scrollable by drag.
    const Rect list{m, y, sc.x - 2 * m, sc.y - y - m};
    Vec2 o = ui.begin_scroll("dossier.groups", list, &scroll_);
    float cy = 0;
    const float w = list.w - 40;
    for (const auto& g : d.groups) {
      const float gy = o.y + cy;
      cy += ui.text(ui.mirror(Rect{o.x, gy, w, 0}), ui.tr(g.title_key), theme::kTextBody * 1.15f, theme::kPrimary,
                    Align::Start, ui.lang_of(g.title_key)) + 10;
      if (g.timeline) {
        const Rect bar = ui.mirror(Rect{o.x, o.y + cy + 6, w * 0.8f, 22});
        ui.fill(bar, theme::rgba(214, 210, 200), 11);
        const float done = bar.w * g.timeline->fraction;
        ui.fill(ui.rtl() ? Rect{bar.x + bar.w - done, bar.y, done, bar.h} : Rect{bar.x, bar.y, done, bar.h},
                theme::kPrimary, 11);
        cy += 44;
      }
      for (const auto& l : g.lines) {
        const std::string t = render_line(ui, l);
        cy += ui.text(ui.mirror(Rect{o.x + 24, o.y + cy, w - 24, 0}), t, theme::kTextBody * 0.9f,
                      l.warning ? theme::kDanger : theme::kText, Align::Start, ui.lang_of(l.key)) + 8;
      }
      cy += 28;
    }
    ui.end_scroll(cy);
  }
  std::string_view audio_key() const override { return "dossier.intro"; }

 private:
  float scroll_ = 0;
};

}  // namespace

std::unique_ptr<Scene> make_dossier_scene() { return std::make_unique<DossierScene>(); }

}  // namespace balie::kiosk
