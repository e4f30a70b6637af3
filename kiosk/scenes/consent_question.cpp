// Consent question scene (resident): one purpose per screen. The versioned notice says who receives
// what, why, for how long, and that no has no consequences; "yes" and "no" are equal in size and
// colour and nothing is pre-selected. The withdrawal screen has the same shape (withdraw / keep).
#include "scenes/scenes.h"

namespace balie::kiosk {
namespace {

class ConsentQuestionScene final : public Scene {
 public:
  void draw(const AppState& s, Ui& ui, Intents& intents) override {
    const Vec2 sc = ui.screen();
    ui.fill(Rect{0, 0, sc.x, sc.y}, theme::kBackground);
    const float m = theme::kMargin, bh = 96;
    listen_control(s, ui, intents, "consent_question.listen", ui.mirror(Rect{m, m, bh, bh}), PlayScreenAudio{"consent_question.spoken", PlayScreenAudio::What::kConsent, {}});
    const float ts = draw_text_size_toggle(s, ui, intents);  // large-text toggle (issue 18)
    if (ui.button("consent_question.back", ui.mirror(Rect{sc.x - m - 260, m, 260, bh}), ui.tr("common.back"),
                  ButtonStyle::Secondary))
      intents.push(GoBack{});
    if (!s.flow.consent) return;
    const signing::ConsentScreen& c = *s.flow.consent;
    const char* intro_key = c.withdraw ? "consent_question.withdraw_intro" : "consent_question.intro";
    const float intro_h = ui.text(ui.mirror(Rect{m + bh + 24 + ts, m + 8, sc.x - 2 * m - bh - 24 - ts - 300, 0}),
                                  ui.tr(intro_key, {{"municipality", c.gemeente_name}}), theme::kTextSmall,
                                  theme::kTextMuted, Align::Start, ui.lang_of(intro_key));
    const float top = std::max(m + bh + 24, m + 8 + intro_h + 12);  // below the intro, however many lines
    const Rect box{m, top, sc.x - 2 * m, sc.y - top - m - 150};
    ui.fill(box, theme::rgba(255, 255, 255), 16);
    const Rect inner{box.x + 30, box.y + 20, box.w - 60, box.h - 40};
    Vec2 o = ui.begin_scroll("consent_question.scroll", inner, &scroll_);
    // The notice in its own language (the resident's, or Dutch when there is none), Dutch under it:
    // each text in its own direction.
    const TextLang own = TextLang::in(c.text.language);
    float h = ui.text(ui.mirror(Rect{o.x, o.y, inner.w - 20, 0}), c.text.title, theme::kTextBody * 1.1f, theme::kPrimary,
                      Align::Start, own) + 16;
    h += ui.text(ui.mirror(Rect{o.x, o.y + h, inner.w - 20, 0}), c.text.body, theme::kTextBody * 0.85f, theme::kText,
                 Align::Start, own) + 20;
    if (c.text_nl) {
      h += 20;
      const TextLang nl = TextLang::in(c.text_nl->language);
      h += ui.text(ui.mirror(Rect{o.x, o.y + h, inner.w - 20, 0}), c.text_nl->title, theme::kTextSmall, theme::kTextMuted,
                   Align::Start, nl) + 8;
      h += ui.text(ui.mirror(Rect{o.x, o.y + h, inner.w - 20, 0}), c.text_nl->body, theme::kTextSmall, theme::kTextMuted,
                   Align::Start, nl) + 10;
    }
    ui.end_scroll(h);
    // Two equal answers: same size, same style, side by side; nothing pre-selected.
    const float gap = 60, bw = (sc.x - 2 * m - gap) / 2, by = sc.y - m - 120;
    const Rect first = ui.mirror(Rect{m, by, bw, 120}), second = ui.mirror(Rect{m + bw + gap, by, bw, 120});
    if (c.withdraw) {
      if (ui.button("consent.withdraw_confirm", first, ui.tr("consent_question.withdraw"), ButtonStyle::Secondary))
        intents.push(AnswerConsent{c.purpose, "withdrawn"});
      if (ui.button("consent.keep", second, ui.tr("consent_question.keep"), ButtonStyle::Secondary))
        intents.push(GoBack{});
    } else {
      if (ui.button("consent.yes", first, ui.tr("consent_question.yes"), ButtonStyle::Secondary))
        intents.push(AnswerConsent{c.purpose, "given"});
      if (ui.button("consent.no", second, ui.tr("consent_question.no"), ButtonStyle::Secondary))
        intents.push(AnswerConsent{c.purpose, "refused"});
    }
  }
  std::string_view audio_key() const override { return "consent_question.spoken"; }

 private:
  float scroll_ = 0;
};

}  // namespace

std::unique_ptr<Scene> make_consent_question_scene() { return std::make_unique<ConsentQuestionScene>(); }

}  // namespace balie::kiosk
