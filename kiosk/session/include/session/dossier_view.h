// The resident's dossier as plain-language lines (kiosk session layer, headless, any thread).
// build_dossier_view() turns the store's ResidentView into groups of catalog keys with typed
// arguments, so the dossier scene only translates and draws: no rules live in drawing code.
// Rules encoded here: only groups with data; DUO's einddatum is exclusive (last day = einddatum-1);
// identifiers masked; ontheffing grounds only as "medical"/"special circumstances"; Wi2013 residents
// never see Wi2021 steps (PIP, leerroute, MAP, Z-route); unknown enumeration values show as
// "unknown" and are reported for the log; a missing gemeente link or unknown regime blocks flows;
// DUO's late notice (no inburgeringsplicht, or plichtig missing) is "not yet known", never "not
// obliged"; language and participation hours are two counts; the next step names the appointment's
// place and, after signing here, the day signed and what the municipality does next.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "balie/store/types.h"
#include "balie/platform/dutch_calendar.h"

namespace balie::session {

struct Arg {
  enum class Kind { Text, Untrusted, Date, Number, Key } kind = Kind::Text;
  std::string name;   // placeholder name in the catalog string
  std::string value;  // Text/Untrusted: UTF-8; Date: ISO date; Number: digits; Key: a catalog key
};

struct Line {
  std::string key;
  std::vector<Arg> args;
  bool warning = false;  // shown with emphasis (fines, deadline close)
};

enum class GroupId { Identity, Term, Plan, Course, Participation, Exams, Exemptions, Money, Help, About, kCount };

struct Timeline {
  calendar::Day start, last_day, today;
  float fraction = 0;  // 0..1 of the term passed
  int days_left = 0;   // calendar days until and including the last day (0 when past)
};

struct Group {
  GroupId id;
  std::string title_key;
  std::vector<Line> lines;
  std::optional<Timeline> timeline;
};

struct DossierView {
  std::string name_own_script;  // untrusted
  std::string name_latin;       // untrusted
  Line next_step;
  std::vector<Group> groups;              // only groups with data, in GroupId order
  std::vector<std::string> unknown_values;  // "field=raw" for the operator log (no personal data)
  bool can_start_flows = false;           // gemeente link and regime known
  std::string flows_blocked_key;          // why not (catalog key), when !can_start_flows
  bool pvt_open = false;                  // a PVT obligation not yet fulfilled (Wi2021)
};

// `pvt_not_offered_key`: the signing offer's reason (catalog key) when the kiosk does not offer the
// declaration (signing::pvt_offer); then "sign the declaration" is never the next step, the reason is.
DossierView build_dossier_view(const store::ResidentView& view, calendar::Day today,
                               std::string_view pvt_not_offered_key = {});

// "****1234": only the last four characters stay visible ("****" for 4 or fewer).
std::string mask_identifier(std::string_view id);

// Municipality name for a CBS gemeentecode of the demo set; the code itself when not in the table.
std::string gemeente_name(std::string_view gemeentecode);

// Overwrites every string of the view (session end).
void wipe(DossierView& v);

}  // namespace balie::session
