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
    draw_text_size_toggle(s, ui, intents);  // large-text toggle (issue 18)
    if (ui.button("consent_list.back", ui.mirror(Rect{sc.x - m - 300, m, 300, bh}), ui.tr("consent_list.to_dossier"),
                  ButtonStyle::Secondary))
      intents.push(GoTo{SceneId::Dossier});
    // Below the top bar everything scrolls (drag): with large text, a tall script or at 1280x800 the
    // intro and the cards can be taller than the screen. Heights are measured, not assumed.
    const Rect area{m, m + bh + 24, sc.x - 2 * m, sc.y - (m + bh + 24) - m};
    const Vec2 o = ui.begin_scroll("consent_list.scroll", area, &scroll_);
    const float w = area.w - 24;  // room for the scroll indicator
    float y = o.y;
    y += ui.text(ui.mirror(Rect{m, y, w, 0}), ui.tr("consent_list.intro"), theme::kTextBody, theme::kText, Align::Start,
                 ui.lang_of("consent_list.intro")) + 24;
    if (!s.flow.consent_saved_key.empty()) {
      const std::string t = ui.tr(s.flow.consent_saved_key, {{"reference", s.flow.consent_reference}});
      const TextLang tl = ui.lang_of(s.flow.consent_saved_key);
      const Rect b{m, y, w, ui.text_height(t, theme::kTextSmall, w - 48, tl) + 36};
      ui.fill(ui.mirror(b), theme::rgba(214, 236, 222), 12);
      ui.text(ui.mirror(Rect{b.x + 24, b.y + 18, b.w - 48, 0}), t, theme::kTextSmall, theme::kText, Align::Start, tl);
      y += b.h + 20;
    }
    // Issue 16: not asked of Wi2013/Wi2007, non-obliged or unlinked residents: say why, ask nothing.
    if (!s.flow.consent_not_asked_key.empty()) {
      const std::string t = ui.tr(s.flow.consent_not_asked_key);
      const TextLang tl = ui.lang_of(s.flow.consent_not_asked_key);
      const Rect b{m, y, w, std::max(200.0f, ui.text_height(t, theme::kTextBody, w - 60, tl) + 60)};
      ui.fill(ui.mirror(b), theme::rgba(255, 255, 255), 16);
      ui.text(ui.mirror(Rect{b.x + 30, b.y + 30, b.w - 60, 0}), t, theme::kTextBody, theme::kText, Align::Start, tl);
      ui.end_scroll(y + b.h - o.y);
      return;
    }
    // The klantprofiel goes to the municipality by law; only the blauwe map is the resident's choice.
    y += ui.text(ui.mirror(Rect{m, y, w, 0}), ui.tr("consent_list.klantprofiel_note"), theme::kTextSmall,
                 theme::kTextMuted, Align::Start, ui.lang_of("consent_list.klantprofiel_note")) + 24;
    for (const auto& c : s.flow.consents) {
      const signing::ConsentPurpose* p = signing::find_purpose(s.flow.purposes, c.purpose);
      if (!p) continue;
      const float tw = w - 40 - 460;
      const std::string title = p->title_key.empty() ? c.title : ui.tr(p->title_key);
      const TextLang title_lang = p->title_key.empty() ? TextLang{} : ui.lang_of(p->title_key);
      const float title_h = ui.text_height(title, theme::kTextBody, tw, title_lang);
      if (!c.missing_language.empty()) {
        // Issue 18: the notice is not there in the resident's language: not asked here, no other
        // language instead; a staff member helps (staff saw which text on the identity check).
        const std::string note = ui.tr("consent_list.no_text_language");
        const TextLang note_lang = ui.lang_of("consent_list.no_text_language");
        const float note_h = ui.text_height(note, theme::kTextSmall, w - 60, note_lang);
        const Rect card{m, y, w, std::max(170.0f, 20 + title_h + 12 + note_h + 20)};
        ui.fill(ui.mirror(card), theme::rgba(255, 255, 255), 16);
        ui.text(ui.mirror(Rect{card.x + 30, card.y + 20, tw, 0}), title, theme::kTextBody, theme::kText, Align::Start,
                title_lang);
        ui.text(ui.mirror(Rect{card.x + 30, card.y + 20 + title_h + 12, w - 60, 0}), note, theme::kTextSmall,
                theme::kDanger, Align::Start, note_lang);
        y += card.h + 24;
        continue;
      }
      std::string state_key = "consent_list.state.none";
      if (c.state == "given") state_key = c.until ? "consent_list.state.given_until" : "consent_list.state.given";
      else if (c.state == "expired") state_key = "consent_list.state.expired";
      else if (c.state == "refused") state_key = "consent_list.state.refused";
      else if (c.state == "withdrawn") state_key = "consent_list.state.withdrawn";
      const std::string date = c.state.empty() ? std::string()
                                               : ui.format_date(calendar::to_iso(calendar::local_day(c.at)));
      const std::string until = c.until ? ui.format_date(calendar::to_iso(calendar::local_day(*c.until))) : std::string();
      const std::string state = ui.tr(state_key, {{"date", date}, {"until", until}});
      const TextLang state_lang = ui.lang_of(state_key);
      const float state_h = ui.text_height(state, theme::kTextSmall, tw, state_lang);
      const Rect card{m, y, w, std::max(170.0f, 20 + title_h + 12 + state_h + 20)};
      ui.fill(ui.mirror(card), theme::rgba(255, 255, 255), 16);
      ui.text(ui.mirror(Rect{card.x + 30, card.y + 20, tw, 0}), title, theme::kTextBody, theme::kText, Align::Start,
              title_lang);
      ui.text(ui.mirror(Rect{card.x + 30, card.y + 20 + title_h + 12, tw, 0}), state, theme::kTextSmall,
              c.state == "given" ? theme::kPrimary : theme::kTextMuted, Align::Start, state_lang);
      const Rect b = ui.mirror(Rect{card.x + card.w - 30 - 420, card.y + (card.h - 100) / 2, 420, 100});
      const std::string id(p->id);
      if (c.state == "given") {
        if (ui.button("consent.withdraw." + id, b, ui.tr("consent_list.withdraw"), ButtonStyle::Secondary))
          intents.push(OpenConsent{id, true});
      } else if (ui.button("consent.open." + id, b, ui.tr("consent_list.choose"), ButtonStyle::Secondary)) {
        intents.push(OpenConsent{id, false});
      }
      y += card.h + 24;
    }
    ui.end_scroll(y - o.y);
  }
  std::string_view audio_key() const override { return "consent_list.intro"; }

 private:
  float scroll_ = 0;
};

}  // namespace

std::unique_ptr<Scene> make_consent_list_scene() { return std::make_unique<ConsentListScene>(); }

}  // namespace balie::kiosk
