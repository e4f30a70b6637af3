// balie-inbox's DUO export check (sync/inbox/duo_export.h) against the shared PVT case table
// (tests/record/pvt_rule_cases.json): each case is written as the inbox sees it - the record's
// sensitive part and the dossier as served in the feed - and must get the table's answer.
#include <gtest/gtest.h>

#include "../record/pvt_rule_cases.h"
#include "duo_export.h"

using namespace balie;
using json = nlohmann::json;

namespace {
json feed_dossier_of(const record::PvtRuleInput& in) {
  json plicht = {{"ingetrokken", in.obligation_withdrawn}};
  if (in.plicht_known) plicht["plichtig"] = in.plichtig;  // missing = DUO's notice is late
  json d = {{"inburgeringsplicht", plicht}};
  if (!in.termijn_startdatum.empty() || !in.termijn_einddatum.empty())
    d["inburgeringstermijn"] = {{"startdatum", in.termijn_startdatum}, {"einddatum", in.termijn_einddatum}};
  if (in.pip_vastgesteld) d["pip"] = {{"dagtekening", "2026-01-01"}, {"gemeentecode", in.pip_gemeentecode}};
  if (!in.datum_ondertekening_registered.empty() || !in.datum_afronding_zroute.empty())
    d["map_pvt_zroute"] = {{"datum_ondertekening_pvt", in.datum_ondertekening_registered},
                           {"datum_afronding_zroute", in.datum_afronding_zroute}};
  if (!in.verwijtbaar_decision.empty()) d["verwijtbaarPvt"] = in.verwijtbaar_decision;
  json resident = {{"id", "case"}, {"regime", in.regime}, {"gemeentecode", in.linked_gemeentecode}};
  return json{{"resident", resident}, {"dossier", d}};
}
}  // namespace

TEST(DuoExportRule, SharedPvtCaseTableGivesTheSameAnswers) {
  int run = 0;
  for (const auto& c : test::load_pvt_cases()) {
    if (!c.exportable) continue;
    const inbox::PvtExportContext ctx{c.in.acting_gemeentecode, c.in.today, c.in.pip_required};
    const json sensitive = {{"resident_id", "case"}, {"bsn", c.in.bsn}, {"datumOndertekeningPvt", c.in.datum}};
    const json dossier = c.in.dossier_present ? feed_dossier_of(c.in) : json();
    const record::PvtVerdict v = record::pvt_rule(inbox::pvt_export_input(ctx, sensitive, dossier, ""));
    EXPECT_EQ(record::pvt_reason_code(v.reason), c.reason) << c.name;
    EXPECT_EQ(v.verwijtbaar, c.verwijtbaar) << c.name;
    ++run;
  }
  EXPECT_GE(run, 25);
}

TEST(DuoExportRule, PurgeReasonsOfWithdrawnAndCorrectedObligationsBlock) {
  const inbox::PvtExportContext ctx{"GM0363", "2026-12-06", true};
  const json sensitive = {{"bsn", "999990019"}, {"datumOndertekeningPvt", "2026-12-06"}};
  EXPECT_EQ(record::pvt_rule(inbox::pvt_export_input(ctx, sensitive, json(), "obligation_withdrawn")).reason,
            record::PvtReason::obligation_withdrawn);
  const json d = {{"resident", {{"regime", "Wi2021"}, {"gemeentecode", "GM0363"}}}, {"dossier", json::object()}};
  EXPECT_EQ(record::pvt_rule(inbox::pvt_export_input(ctx, sensitive, d, "regime_corrected")).reason,
            record::PvtReason::regime_old);
  EXPECT_EQ(record::pvt_rule(inbox::pvt_export_input(ctx, sensitive, json(), "SS106")).reason,
            record::PvtReason::no_dossier);
}
