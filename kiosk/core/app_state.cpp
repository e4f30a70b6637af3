// AppState::end_session: returns the state to "no session", overwriting every personal string.
#include "core/app_state.h"

#include "balie/platform/secure_wipe.h"

namespace balie::kiosk {

using platform::secure_wipe;

void wipe(store::Resident& r) {
  for (std::string* s : {&r.id, &r.v_nummer, &r.bsn, &r.gemeente_client_id, &r.naam_eigen_schrift, &r.naam_latijns,
                         &r.geboortedatum, &r.voorkeurstaal, &r.location_id, &r.kamer, &r.gemeentecode,
                         &r.gekoppeld_sinds, &r.doelgroep.raw, &r.regime.raw})
    secure_wipe(*s);
  for (auto& k : r.eerdere_koppelingen) {
    secure_wipe(k.gemeentecode);
    secure_wipe(k.van);
    secure_wipe(k.tot);
  }
  platform::wipe_storage(r.eerdere_koppelingen);
}

void wipe(std::vector<ResidentHit>& hits) {
  for (auto& h : hits)
    for (std::string* s : {&h.id, &h.name_own, &h.name_latin, &h.room, &h.v_nummer_masked, &h.conflict_ids_masked})
      secure_wipe(*s);
  platform::wipe_storage(hits);
}

void AppState::end_session() {
  secure_wipe(staff_id);
  secure_wipe(staff_name);
  secure_wipe(staff_message);
  secure_wipe(pending_pin_staff_id);
  secure_wipe(pending_pin_name);
  new_pin_message_key.clear();
  language = "nl";
  large_text = false;
  pin_attempts_left = -1;
  locked_minutes = 0;
  wipe(search_hits);
  if (resident) wipe(*resident);
  resident.reset();
  if (dossier) session::wipe(*dossier);
  dossier.reset();
  identity_checked = false;
  signing::wipe(flow);
  resident_session = false;
  status_rows.clear();
  deletion_lines.clear();
  inactivity_warning = false;
  inactivity_seconds_left = 0;
}

}  // namespace balie::kiosk
