// Resident search scene (staff, Dutch): staff type part of a name (any script), a V-nummer or a
// room on the on-screen keyboard; matching residents at this location are listed and one is
// chosen. The query lives in this scene and is overwritten on exit. Each change records a
// SearchResidents intent; the app queries the store and fills AppState::search_hits.
#include "balie/platform/secure_wipe.h"
#include "scenes/scenes.h"
#include "ui/keyboard.h"

namespace balie::kiosk {

using platform::secure_wipe;

namespace {

class ResidentSearchScene final : public Scene {
 public:
  void enter(const AppState&) override { first_ = true; }
  void exit() override { secure_wipe(query_); }

  void draw(const AppState& s, Ui& ui, Intents& intents) override {
    const Vec2 sc = ui.screen();
    ui.fill(Rect{0, 0, sc.x, sc.y}, theme::kBackground);
    const float m = theme::kMargin;
    if (first_) {
      intents.push(SearchResidents{""});  // list everyone at this location
      first_ = false;
    }
    const float back_w = 260;
    ui.text(Rect{m, m, sc.x - 2 * m - back_w - 24, 0}, ui.tr("search.title"), theme::kTextTitle, theme::kText);
    // The query field.
    const Rect field{m, m + 90, sc.x - 2 * m, 84};
    ui.fill(field, theme::rgba(255, 255, 255), 10);
    ui.items().add_item("search.query", field, false);
    ui.text(Rect{field.x + 20, field.y + 18, field.w - 40, 0}, query_.empty() ? ui.tr("search.placeholder") : query_,
            theme::kTextBody, query_.empty() ? theme::kTextMuted : theme::kText);

    // Results between the field and the keyboard.
    const float kb_h = std::min(420.0f, sc.y * 0.42f);
    const Rect list{m, field.y + field.h + 20, sc.x - 2 * m, sc.y - (field.y + field.h + 20) - kb_h - m - 20};
    float content = 0;
    Vec2 o = ui.begin_scroll("search.results", list, &scroll_);
    const float row_h = 96, gap = theme::kMinGap + 3;
    int i = 0;
    for (const auto& h : s.search_hits) {
      const Rect r{o.x, o.y + content, list.w - 24, row_h};
      if (r.y + r.h > list.y && r.y < list.y + list.h && h.conflict) {
        // One person under two resident ids: one entry, never two people; COA must fix it.
        if (ui.button("search.hit." + std::to_string(i), r, ui.tr("search.conflict", {{"ids", h.conflict_ids_masked}}),
                      ButtonStyle::Danger, theme::kTextSmall))
          intents.push(GoTo{SceneId::StaffHeld});
      } else if (r.y + r.h > list.y && r.y < list.y + list.h) {
        // Each field isolated (issue 18): an unclosed override in one cannot reverse the row.
        const std::string label = join_isolated({h.name_own, h.name_latin != h.name_own ? std::string_view(h.name_latin) : "",
                                                 ui.tr("search.room", {{"room", h.room}}), h.v_nummer_masked,
                                                 h.bidi_stripped ? kBidiStrippedNote : ""});
        if (ui.button("search.hit." + std::to_string(i), r, label, ButtonStyle::Secondary, theme::kTextSmall))
          intents.push(SelectResident{h.id});
      }
      content += row_h + gap;
      ++i;
    }
    if (s.search_hits.empty()) {
      ui.text(Rect{o.x, o.y + 20, list.w, 0}, ui.tr("search.none"), theme::kTextBody, theme::kTextMuted);
      content = 80;
    }
    ui.end_scroll(content);

    // The keyboard has the full width: the Persian/Sorani layout's 13 keys a row need 1062 px.
    const Rect kb_area{m, sc.y - m - kb_h, sc.x - 2 * m, kb_h};
    bool changed = on_screen_keyboard(ui, kb_area, kb_, query_);
    // A physical keyboard works too.
    if (std::string typed = ui.typed_text(); !typed.empty() && query_.size() + typed.size() <= 64) {
      query_ += typed;
      secure_wipe(typed);
      changed = true;
    }
    if (ui.backspace_pressed() && !query_.empty()) {
      erase_last_code_point(query_);
      changed = true;
    }
    if (changed) intents.push(SearchResidents{query_});
    if (ui.button("search.back", Rect{sc.x - m - back_w, m - 20, back_w, 76}, ui.tr("common.back"), ButtonStyle::Secondary))
      intents.push(GoBack{});
  }

 private:
  std::string query_;
  KeyboardState kb_;
  float scroll_ = 0;
  bool first_ = true;
};

}  // namespace

std::unique_ptr<Scene> make_resident_search_scene() { return std::make_unique<ResidentSearchScene>(); }

}  // namespace balie::kiosk
