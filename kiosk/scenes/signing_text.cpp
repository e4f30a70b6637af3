// Signing text scene (resident): the approved declaration in Dutch and in the resident's language,
// side by side (stacked below 1400 px width), scrolled by drag, with audio. "Continue" works only
// after the resident reached the end; reaching it, and playing the audio, are recorded as events.
#include "scenes/scenes.h"

namespace balie::kiosk {
namespace {

class SigningTextScene final : public Scene {
 public:
  void draw(const AppState& s, Ui& ui, Intents& intents) override {
    const Vec2 sc = ui.screen();
    ui.fill(Rect{0, 0, sc.x, sc.y}, theme::kBackground);
    const float m = theme::kMargin, bh = 96;
    // The declaration itself in the resident's language, and (a second button, marked NL) the Dutch
    // one; the app records "audio_played" (text, language, duration) only when a clip started.
    bool listen_ok = listen_control(s, ui, intents, "signing_text.listen", ui.mirror(Rect{m, m, bh, bh}),
                                    PlayScreenAudio{"signing_text.intro", PlayScreenAudio::What::kDeclaration, {}});
    const bool two = s.flow.pvt && s.flow.pvt->text_own;
    if (two)
      listen_ok &= listen_control(s, ui, intents, "signing_text.listen_nl", ui.mirror(Rect{m + bh + 24, m, bh, bh}),
                                  PlayScreenAudio{"signing_text.intro", PlayScreenAudio::What::kDeclarationNl, {}}, "NL");
    // Large-text toggle (issue 18) after the listen button(s).
    const float ts = draw_text_size_toggle(s, ui, intents, two ? bh + 24 : 0);
    if (ui.button("signing_text.back", ui.mirror(Rect{sc.x - m - 360, m, 360, bh}), ui.tr("signing_text.stop"),
                  ButtonStyle::Secondary))
      intents.push(GoTo{SceneId::Dossier});
    if (!s.flow.pvt) return;
    const signing::SigningSession& p = *s.flow.pvt;
    // The instruction sits in the top bar when it fits there; when it needs more lines (Arabic script,
    // large text, a small screen) it takes the full width below the bar. The text area starts below it.
    const std::string intro = ui.tr("signing_text.intro");
    const float bar_w = sc.x - 2 * m - bh - 24 - ts - 390;
    float top = m + bh + 20 + (listen_ok ? 0 : ui.listen_notice_height());  // room for "cannot play"
    if (ui.text_height(intro, theme::kTextSmall, bar_w) <= bh + 12) {
      ui.text(ui.mirror(Rect{m + bh + 24 + ts, m + 4, bar_w, 0}), intro, theme::kTextSmall, theme::kText);
    } else {
      top += ui.text(ui.mirror(Rect{m, top - 8, sc.x - 2 * m, 0}), intro, theme::kTextSmall, theme::kText) + 4;
    }
    const float bottom_bar = 130;
    const Rect list{m, top, sc.x - 2 * m, sc.y - top - bottom_bar - 10};
    ui.fill(list, theme::rgba(255, 255, 255), 12);
    const Rect inner{list.x + 24, list.y + 16, list.w - 48, list.h - 32};
    Vec2 o = ui.begin_scroll("signing_text.scroll", inner, &scroll_);
    const bool side = p.text_own && sc.x >= 1400;
    const float gap = 48;
    const float cw = side ? (inner.w - 24 - gap) / 2 : inner.w - 24;
    float h_nl = 0, h_own = 0;
    // Dutch first (left in LTR, right in RTL), the resident's language next to it or below. Each
    // text is laid out in its own language: the Dutch one LTR from its column's left edge, an
    // Arabic one RTL from the right edge, whatever the session language.
    const Rect col_nl = ui.mirror(Rect{o.x, o.y, cw, 0});
    const TextLang nl = TextLang::in(p.text_nl.language);
    h_nl += ui.text(Rect{col_nl.x, o.y, cw, 0}, p.text_nl.title, theme::kTextBody * 1.15f, theme::kPrimary,
                    Align::Start, nl) + 16;
    h_nl += ui.text(Rect{col_nl.x, o.y + h_nl, cw, 0}, p.text_nl.body, theme::kTextBody * 0.85f, theme::kText,
                    Align::Start, nl) + 20;
    if (p.text_own) {
      const float ox = side ? o.x + cw + gap : o.x;
      const float oy = side ? o.y : o.y + h_nl + 30;
      const Rect col = ui.mirror(Rect{ox, oy, cw, 0});
      const TextLang own = TextLang::in(p.text_own->language);
      h_own += ui.text(Rect{col.x, oy, cw, 0}, p.text_own->title, theme::kTextBody * 1.15f, theme::kPrimary,
                       Align::Start, own) + 16;
      h_own += ui.text(Rect{col.x, oy + h_own, cw, 0}, p.text_own->body, theme::kTextBody * 0.85f, theme::kText,
                       Align::Start, own) + 20;
    }
    const float content = side ? std::max(h_nl, h_own) : h_nl + (p.text_own ? 30 + h_own : 0);
    ui.end_scroll(content);
    const bool at_end = scroll_ >= content - inner.h - 4 || content <= inner.h;
    if (at_end && !reached_ && !p.has("scrolled_to_end")) intents.push(SigningMark{"scrolled_to_end"});
    if (at_end) reached_ = true;
    const bool can_go = reached_ || p.has("scrolled_to_end");

    const float bw = 620;
    const Rect next = ui.mirror(Rect{sc.x - m - bw, sc.y - m - 100, bw, 100});
    if (!can_go)
      ui.text(ui.mirror(Rect{m, sc.y - m - 110, sc.x - 2 * m - bw - 40, 110 + m - 8}), ui.tr("signing_text.read_to_end"),
              theme::kTextSmall, theme::kTextMuted);
    if (ui.button("signing_text.continue", next, ui.tr("signing_text.continue"),
                  can_go ? ButtonStyle::Primary : ButtonStyle::Secondary) &&
        can_go)
      intents.push(GoTo{SceneId::SigningUnderstood});
  }
  std::string_view audio_key() const override { return "signing_text.intro"; }

 private:
  float scroll_ = 0;
  bool reached_ = false;
};

}  // namespace

std::unique_ptr<Scene> make_signing_text_scene() { return std::make_unique<SigningTextScene>(); }

}  // namespace balie::kiosk
