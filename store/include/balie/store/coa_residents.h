// COA's residents feed for one location (store/ layer, headless, any thread): the page format of
// balie-coa's GET /v1/residents (contract of issue 15) and its strict parser. COA is the authority on
// who lives at the location, their room, regime and gekoppelde gemeente; the municipalities' dossier
// feed brings the dossier. Store::apply_coa_residents() applies one parsed page in one transaction.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "balie/store/result.h"
#include "balie/store/types.h"

namespace balie::store {

inline constexpr std::size_t kMaxCoaResidentsPageBytes = 4u * 1024 * 1024;
inline constexpr std::size_t kMaxCoaResidentsPerPage = 500;

// One item of a page. An inactive item (the resident left the location) needs only its id.
struct CoaResident {
  std::string id;                        // [A-Za-z0-9._-]{1,64}
  bool active = true;
  std::string naam_latijns;              // UTF-8, 1-200 bytes, no control characters (bidi formatting is removed by the store)
  std::string naam_eigen_schrift;        // the same rules, may be empty
  std::string v_nummer;                  // exactly 10 digits
  Date geboortedatum;                    // YYYY-MM-DD
  std::string kamer;                     // UTF-8, 0-32 bytes, no control characters (bidi formatting is removed by the store)
  Coded<Regime> regime;                  // Wi2021 | Wi2013 | Wi2007
  std::string gemeentecode;              // GM + 4 digits, "" = not linked yet (null)
  Date gekoppeld_sinds;                  // "" = null; must be null when gemeentecode is
  // Inactive items only: why COA withdrew the resident. "" (absent) = left the location (records still
  // waiting go once acknowledged); obligation_withdrawn | regime_corrected = the obligation ends as if
  // it never was (unsent records dropped, receivers asked to delete, Store::withdraw_resident).
  std::string withdrawal_reason;
  // issue 16: "consent", the resident's current consent per purpose as COA holds it (at most
  // kMaxCoaConsentsPerResident; the terminal asks for it with consent=1). Absent: COA said nothing.
  std::optional<std::vector<ConsentState>> consents;
};
inline constexpr std::size_t kMaxCoaConsentsPerResident = 16;

// {"format":"balie-coa-residents","format_version":1,"location_id","cursor","more","residents":[...]}.
struct CoaResidentsPage {
  std::string location_id;
  std::string cursor;  // stored with the page; the next request sends it
  bool more = false;
  std::vector<CoaResident> residents;  // the items that passed every check, in page order
  // Items refused one by one (resident id or "#<index>" when the id itself is unusable,
  // "<problem-type>: <detail>"): not applied, each written to the audit log in the page's transaction
  // (coa.item_refused), like DossierBatch::refused. Details name the field and rule, never a value.
  std::vector<std::pair<std::string, std::string>> refused;
};

// A malformed page (not JSON, over the limits, another format or version, a page-level field missing,
// of the wrong type or unknown, more than 500 items) is an InvalidArgument/LimitReached error and
// nothing of it may be applied. A bad item (not an object, an unknown field, a value breaking its rule,
// a duplicate id) lands in `refused` and the rest of the page stands.
Result<CoaResidentsPage> parse_coa_residents_page(std::string_view json);

struct CoaResidentsOutcome {
  int inserted = 0;        // residents new on this terminal
  int updated = 0;         // residents already here: base fields refreshed, dossier kept
  int link_changes = 0;    // gemeentecode changed (previous link kept in eerdere_koppelingen)
  int purged = 0;          // active=false: resident and dossier deleted
  int purged_waiting = 0;  // ... of which records still wait (they go once acknowledged)
  int withdrawn = 0;       // ... of which withdrawn (obligation_withdrawn / regime_corrected): unsent dropped
  int absent = 0;          // active=false for a resident this terminal does not hold
  int refused = 0;         // page.refused, audited
  int records_held = 0;    // link changes: records not yet delivered to the old municipality, held (link-changed)
};

}  // namespace balie::store
