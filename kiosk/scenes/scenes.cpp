// THE table of scenes: every screen of the kiosk, in SceneId order. Adding a screen means adding a
// SceneId, a factory in scenes.h, one file in scenes/, and one line here. `resident_facing`
// scenes use the session language and count for the inactivity timeout; staff scenes are Dutch.
#include "scenes/scenes.h"

#include <array>

namespace balie::kiosk {

namespace {
constexpr std::array<SceneEntry, static_cast<size_t>(SceneId::kCount)> kTable{{
    {SceneId::Welcome, "welcome", true, &make_welcome_scene},
    {SceneId::StaffUnlock, "staff_unlock", false, &make_staff_unlock_scene},
    {SceneId::StaffHome, "staff_home", false, &make_staff_home_scene},
    {SceneId::ResidentSearch, "resident_search", false, &make_resident_search_scene},
    {SceneId::IdentityCheck, "identity_check", false, &make_identity_check_scene},
    {SceneId::Language, "language", true, &make_language_scene},
    {SceneId::Dossier, "dossier", true, &make_dossier_scene},
    {SceneId::StaffStatus, "staff_status", false, &make_staff_status_scene},
    {SceneId::StoreError, "store_error", false, &make_store_error_scene},
    {SceneId::SigningHost, "signing_host", false, &make_signing_host_scene},
    {SceneId::SigningText, "signing_text", true, &make_signing_text_scene},
    {SceneId::SigningUnderstood, "signing_understood", true, &make_signing_understood_scene},
    {SceneId::SigningPad, "signing_pad", true, &make_signing_pad_scene},
    {SceneId::SigningReview, "signing_review", true, &make_signing_review_scene},
    {SceneId::SigningSaved, "signing_saved", true, &make_signing_saved_scene},
    {SceneId::ConsentList, "consent_list", true, &make_consent_list_scene},
    {SceneId::ConsentQuestion, "consent_question", true, &make_consent_question_scene},
    {SceneId::StaffNewPin, "staff_new_pin", false, &make_staff_new_pin_scene},
    {SceneId::Enrolment, "enrolment", false, &make_enrolment_scene},
    {SceneId::StaffHeld, "staff_held", false, &make_staff_held_scene},
}};

// The table must list every SceneId once, in order.
constexpr bool table_in_order() {
  for (size_t i = 0; i < kTable.size(); ++i)
    if (static_cast<size_t>(kTable[i].id) != i) return false;  // factories are checked by the unit test
  return true;
}
static_assert(table_in_order(), "kTable must list every SceneId in enum order");
}  // namespace

std::span<const SceneEntry> scene_table() { return kTable; }

float draw_text_size_toggle(const AppState& s, Ui& ui, Intents& intents, float after) {
  const float m = theme::kMargin, listen = 96, gap = 24, side = 96;
  if (ui.text_size_button("text_size", ui.mirror(Rect{m + listen + gap + after, m, side, side}), s.large_text))
    intents.push(SetLargeText{!s.large_text});
  return after + side + gap;
}

}  // namespace balie::kiosk
