// Identity check scene (staff, Dutch): shows who was chosen (name in both scripts, date of birth,
// room, masked V-nummer) so the staff member can compare it with the residence document, then
// confirm the check (recorded with staff id and time) and hand the terminal to the resident.
#include "scenes/scenes.h"

namespace balie::kiosk {
namespace {

class IdentityCheckScene final : public Scene {
 public:
  void draw(const AppState& s, Ui& ui, Intents& intents) override {
    const Vec2 sc = ui.screen();
    ui.fill(Rect{0, 0, sc.x, sc.y}, theme::kBackground);
    const float m = theme::kMargin;
    ui.text(Rect{m, m, sc.x - 2 * m, 0}, ui.tr("identity.title"), theme::kTextTitle, theme::kText);
    float y = m + 110;
    if (!s.resident) {
      ui.text(Rect{m, y, sc.x - 2 * m, 0}, ui.tr("common.error_staff"), theme::kTextBody, theme::kDanger);
    } else {
      const store::Resident& r = *s.resident;
      const Rect card{m, y, sc.x - 2 * m, std::min(560.0f, sc.y - y - 300)};
      ui.fill(card, theme::rgba(255, 255, 255), 16);
      float cy = card.y + 30;
      const float w = card.w - 60;
      // Names get at most two lines each: a very long name is cut with an ellipsis.
      cy += ui.text(Rect{card.x + 30, cy, w, theme::kTextTitle * 2.6f}, r.naam_eigen_schrift.empty() ? r.naam_latijns : r.naam_eigen_schrift,
                    theme::kTextTitle, theme::kText) + 8;
      if (!r.naam_latijns.empty() && r.naam_latijns != r.naam_eigen_schrift)
        cy += ui.text(Rect{card.x + 30, cy, w, theme::kTextBody * 2.7f}, r.naam_latijns, theme::kTextBody, theme::kText) + 16;
      const std::string dob = r.geboortedatum.empty() ? ui.tr("common.unknown") : ui.format_date(r.geboortedatum);
      cy += ui.text(Rect{card.x + 30, cy, w, 0}, ui.tr("identity.born", {{"date", dob}}), theme::kTextBody, theme::kTextMuted) + 8;
      cy += ui.text(Rect{card.x + 30, cy, w, 0}, ui.tr("identity.room", {{"room", r.kamer}}), theme::kTextBody, theme::kTextMuted) + 8;
      cy += ui.text(Rect{card.x + 30, cy, w, 0}, ui.tr("identity.v_nummer", {{"number", session::mask_identifier(r.v_nummer)}}),
                    theme::kTextBody, theme::kTextMuted) + 8;
      const std::string gem = r.gemeentecode.empty() ? ui.tr("identity.no_municipality") : session::gemeente_name(r.gemeentecode);
      cy += ui.text(Rect{card.x + 30, cy, w, 0}, ui.tr("identity.municipality", {{"municipality", gem}}), theme::kTextBody,
                    r.gemeentecode.empty() ? theme::kDanger : theme::kTextMuted) + 8;
      // Issue 18: the data came with bidi formatting characters (removed by the store): staff compare
      // the name with the document with that in mind. Field names only, never the removed characters.
      if (!r.bidi_stripped.empty()) {
        std::string fields;
        for (const auto& f : r.bidi_stripped) fields += (fields.empty() ? "" : ", ") + f;
        ui.text(Rect{card.x + 30, cy, w, 0}, std::string("Let op: ") + kBidiStrippedNote + " (" + fields + ")",
                theme::kTextSmall, theme::kDanger);
      }
      y = card.y + card.h + 30;
      // Issue 18: texts missing in the language the resident reads (their voorkeurstaal until they
      // choose): those flows are blocked, never shown in another language. Staff are told which.
      if (!s.flow.missing_texts.empty()) {
        std::string what;
        for (const auto& t : s.flow.missing_texts) what += (what.empty() ? "" : "; ") + t;
        y += ui.text(Rect{m, y, sc.x - 2 * m, 0},
                     "Let op: tekst ontbreekt op dit apparaat: " + what +
                         ". De bewoner ziet in de eigen taal dat een medewerker helpt; er wordt niets in een andere "
                         "taal getoond. Meld dit aan de beheerder.",
                     theme::kTextSmall, theme::kDanger) + 16;
      }
      // Told to staff before the resident gets the terminal: this municipality has no declaration text.
      if (s.flow.offer.reason_key == "signing.blocked.no_text")
        y += ui.text(Rect{m, y, sc.x - 2 * m, 0},
                     ui.tr("identity.no_text", {{"municipality", session::gemeente_name(r.gemeentecode)},
                                                {"code", r.gemeentecode}, {"language", "Nederlands"}}),
                     theme::kTextSmall, theme::kDanger) + 16;
      // Issue 16: staff see why the declaration is not offered (DUO's rule; Dutch staff text).
      else if (!s.flow.offer.offered && !s.flow.offer.staff_text.empty() && s.flow.offer.reason_code != "no_text_language")
        y += ui.text(Rect{m, y, sc.x - 2 * m, 0}, "Participatieverklaring niet aangeboden: " + s.flow.offer.staff_text,
                     theme::kTextSmall, theme::kTextMuted) + 16;
      else if (s.flow.offer.offered && !s.flow.offer.staff_text.empty())  // offered after the term
        y += ui.text(Rect{m, y, sc.x - 2 * m, 0}, s.flow.offer.staff_text, theme::kTextSmall, theme::kTextMuted) + 16;
      ui.text(Rect{m, y, sc.x - 2 * m, 0}, ui.tr("identity.instruction"), theme::kTextBody, theme::kText);
      const float bw = std::min(760.0f, sc.x - 2 * m - 300), bh = 110;
      if (ui.button("identity.confirm", Rect{sc.x - m - bw, sc.y - m - bh, bw, bh}, ui.tr("identity.confirm")))
        intents.push(ConfirmIdentity{});
    }
    if (ui.button("identity.back", Rect{m, sc.y - m - 90, 260, 90}, ui.tr("common.back"), ButtonStyle::Secondary))
      intents.push(GoBack{});
  }
};

}  // namespace

std::unique_ptr<Scene> make_identity_check_scene() { return std::make_unique<IdentityCheckScene>(); }

}  // namespace balie::kiosk
