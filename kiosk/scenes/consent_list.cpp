// Consent list scene (resident): every optional purpose with the resident's current answer; "choose"
// opens the question, "withdraw" opens the withdrawal of a given consent. Giving and withdrawing take
// the same number of taps (dossier -> list -> purpose -> answer). Never mixed with the declaration.
// Issue 16: a given consent shows until when it holds, an expired one says so (and can be given
// again); a resident who is not asked (old regime, no obligation, not linked) sees why and no card.
#include "scenes/scenes.h"

namespace balie::kiosk {
namespace {

class ConsentListScene final : public Scene {
 public:
  void draw(const AppState& s, Ui& ui, Intents& intents) override {
    const Vec2 sc = ui.screen();
    ui.fill(Rect{0, 0, sc.x, sc.y}, theme::kBackground);
    const float m = theme::kMargin, bh = 96;
    listen_control(s, ui, intents, "consent_list.listen", ui.mirror(Rect{m, m, bh, bh}), PlayScreenAudio{"consent_list.intro"});
    if (ui.button("consent_list.back", ui.mirror(Rect{sc.x - m - 300, m, 300, bh}), ui.tr("consent_list.to_dossier"),
                  ButtonStyle::Secondary))
      intents.push(GoTo{SceneId::Dossier});
    float y = m + 8;
    y += ui.text(ui.mirror(Rect{m + bh + 24, y, sc.x - 2 * m - bh - 24 - 340, 0}), ui.tr("consent_list.intro"),
                 theme::kTextBody, theme::kText);
    y = std::max(y, m + bh) + 30;
    if (!s.flow.consent_saved_key.empty()) {
      const std::string t = ui.tr(s.flow.consent_saved_key, {{"reference", s.flow.consent_reference}});
      const Rect b{m, y, sc.x - 2 * m, 70};
      ui.fill(b, theme::rgba(214, 236, 222), 12);
      ui.text(ui.mirror(Rect{b.x + 24, b.y + 18, b.w - 48, 0}), t, theme::kTextSmall, theme::kText);
      y += 90;
    }
    // Issue 16: not asked of Wi2013/Wi2007, non-obliged or unlinked residents: say why, ask nothing.
    if (!s.flow.consent_not_asked_key.empty()) {
      const Rect b{m, y, sc.x - 2 * m, 200};
      ui.fill(b, theme::rgba(255, 255, 255), 16);
      ui.text(ui.mirror(Rect{b.x + 30, b.y + 30, b.w - 60, 0}), ui.tr(s.flow.consent_not_asked_key), theme::kTextBody,
              theme::kText);
      return;
    }
    // The klantprofiel goes to the municipality by law; only the blauwe map is the resident's choice.
    y += ui.text(ui.mirror(Rect{m, y, sc.x - 2 * m, 0}), ui.tr("consent_list.klantprofiel_note"), theme::kTextSmall,
                 theme::kTextMuted) + 24;
    for (const auto& c : s.flow.consents) {
      const signing::ConsentPurpose* p = signing::find_purpose(s.flow.purposes, c.purpose);
      if (!p) continue;
      const Rect card{m, y, sc.x - 2 * m, 170};
      ui.fill(card, theme::rgba(255, 255, 255), 16);
      const float tw = card.w - 40 - 460;
      ui.text(ui.mirror(Rect{card.x + 30, card.y + 20, tw, 0}), p->title_key.empty() ? c.title : ui.tr(p->title_key),
              theme::kTextBody, theme::kText);
      std::string state_key = "consent_list.state.none";
      if (c.state == "given") state_key = c.until ? "consent_list.state.given_until" : "consent_list.state.given";
      else if (c.state == "expired") state_key = "consent_list.state.expired";
      else if (c.state == "refused") state_key = "consent_list.state.refused";
      else if (c.state == "withdrawn") state_key = "consent_list.state.withdrawn";
      const std::string date = c.state.empty() ? std::string()
                                               : ui.format_date(calendar::to_iso(calendar::local_day(c.at)));
      const std::string until = c.until ? ui.format_date(calendar::to_iso(calendar::local_day(*c.until))) : std::string();
      ui.text(ui.mirror(Rect{card.x + 30, card.y + 90, tw, 0}), ui.tr(state_key, {{"date", date}, {"until", until}}),
              theme::kTextSmall, c.state == "given" ? theme::kPrimary : theme::kTextMuted);
      const Rect b = ui.mirror(Rect{card.x + card.w - 30 - 420, card.y + 35, 420, 100});
      const std::string id(p->id);
      if (c.state == "given") {
        if (ui.button("consent.withdraw." + id, b, ui.tr("consent_list.withdraw"), ButtonStyle::Secondary))
          intents.push(OpenConsent{id, true});
      } else if (ui.button("consent.open." + id, b, ui.tr("consent_list.choose"), ButtonStyle::Secondary)) {
        intents.push(OpenConsent{id, false});
      }
      y += card.h + 24;
    }
  }
  std::string_view audio_key() const override { return "consent_list.intro"; }
};

}  // namespace

std::unique_ptr<Scene> make_consent_list_scene() { return std::make_unique<ConsentListScene>(); }

}  // namespace balie::kiosk
