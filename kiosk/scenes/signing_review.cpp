// Signing review scene (resident): the text's title, the resident's name, the date and place, and
// the signature as drawn, with "confirm" and "redo". Confirm is its own tap on its own screen
// (WCAG 3.3.4); only the app's handler stores the record. A storage failure is shown for staff here
// and nothing is sent.
#include "scenes/ink_draw.h"
#include "scenes/scenes.h"

namespace balie::kiosk {
namespace {

class SigningReviewScene final : public Scene {
 public:
  void draw(const AppState& s, Ui& ui, Intents& intents) override {
    const Vec2 sc = ui.screen();
    ui.fill(Rect{0, 0, sc.x, sc.y}, theme::kBackground);
    const float m = theme::kMargin, bh = 96;
    listen_control(s, ui, intents, "signing_review.listen", ui.mirror(Rect{m, m, bh, bh}), PlayScreenAudio{"signing_review.intro"});
    const float ts = draw_text_size_toggle(s, ui, intents);  // large-text toggle (issue 18)
    const float intro_h = ui.text(ui.mirror(Rect{m + bh + 24 + ts, m + 8, sc.x - 2 * m - bh - 24 - ts, 0}),
                                  ui.tr("signing_review.intro"), theme::kTextBody, theme::kText);
    if (!s.flow.pvt || !s.resident) return;
    const signing::SigningSession& p = *s.flow.pvt;
    const store::Resident& r = *s.resident;
    const float top = std::max(m + bh + 30, m + 8 + intro_h + 12);  // below the intro, however many lines
    const Rect card{m, top, sc.x - 2 * m, sc.y - top - m - 140};
    ui.fill(card, theme::rgba(255, 255, 255), 16);
    // The fields scroll when they do not fit the card (large text, long names); the signature stays.
    const Rect fields{card.x + 40, card.y + 20, card.w * 0.42f + 20, card.h - 40};
    const Vec2 fo = ui.begin_scroll("signing_review.fields", ui.mirror(fields), &fields_scroll_);
    const float cx = fields.x, cw = card.w * 0.42f;
    float y = fo.y + 10;
    // The Dutch title and the resident's, one line each, each in its own direction.
    y += ui.text(ui.mirror(Rect{cx, y, cw, 0}), p.text_nl.title, theme::kTextBody * 1.1f, theme::kPrimary, Align::Start,
                 TextLang::in(p.text_nl.language));
    if (p.text_own)
      y += 6 + ui.text(ui.mirror(Rect{cx, y + 6, cw, 0}), p.text_own->title, theme::kTextBody * 1.1f, theme::kPrimary,
                       Align::Start, TextLang::in(p.text_own->language));
    y += 24;
    auto row = [&](std::string_view label_key, const std::string& value, TextLang value_lang) {
      y += ui.text(ui.mirror(Rect{cx, y, cw, 0}), ui.tr(label_key), theme::kTextSmall, theme::kTextMuted, Align::Start,
                   ui.lang_of(label_key)) + 4;
      // Values (names, date, place) in their own direction, lined up with their labels.
      y += ui.text(ui.mirror(Rect{cx, y, cw, 0}), value, theme::kTextBody, theme::kText, Align::ScreenStart, value_lang) +
           18;
    };
    // One line per name, each isolated (issue 18).
    const std::string& own = r.naam_eigen_schrift.empty() ? r.naam_latijns : r.naam_eigen_schrift;
    std::string name = join_isolated({own});
    if (!r.naam_latijns.empty() && r.naam_latijns != own) name += "\n" + join_isolated({r.naam_latijns});
    row("signing_review.name", name, TextLang{});  // each name line by its own script
    row("signing_review.date", ui.format_date(calendar::to_iso(calendar::local_day(s.now))), ui.session_lang());
    row("signing_review.place", s.location_name, TextLang{});
    ui.end_scroll(y - fo.y);
    const Rect sig = ui.mirror(Rect{card.x + card.w * 0.5f, card.y + 40, card.w * 0.5f - 40, card.h - 80});
    ui.fill(sig, theme::rgba(250, 250, 247), 8);
    ui.fill(Rect{sig.x + 20, sig.y + sig.h * 0.78f, sig.w - 40, 2}, theme::rgba(170, 170, 170));
    ui.items().add_item("signing_review.signature", sig, false);
    draw_ink(ui.draw_list(), p.ink, Rect{sig.x + 10, sig.y + 10, sig.w - 20, sig.h - 20}, theme::rgba(10, 30, 90));
    if (!p.error.empty()) {
      const Rect e{m, card.y + card.h - 120, card.w * 0.48f, 110};
      ui.fill(e, theme::kWarningBg, 12);
      ui.text(Rect{e.x + 20, e.y + 10, e.w - 40, 0}, ui.tr("signing_review.store_failed") + "\n" + p.error,
              theme::kTextSmall, theme::kDanger);
    }
    const float by = sc.y - m - 110;
    if (ui.button("signing_review.redo", ui.mirror(Rect{m, by, 420, 110}), ui.tr("signing_review.redo"),
                  ButtonStyle::Secondary))
      intents.push(RedoSignature{});
    if (ui.button("signing_review.confirm", ui.mirror(Rect{sc.x - m - 620, by, 620, 110}), ui.tr("signing_review.confirm")))
      intents.push(ConfirmSignature{});
  }
  std::string_view audio_key() const override { return "signing_review.intro"; }

 private:
  float fields_scroll_ = 0;
};

}  // namespace

std::unique_ptr<Scene> make_signing_review_scene() { return std::make_unique<SigningReviewScene>(); }

}  // namespace balie::kiosk
