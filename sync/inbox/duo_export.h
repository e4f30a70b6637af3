// balie-inbox's DUO PVT export check: maps a stored signing (its sensitive part) and the resident's
// dossier at the municipality onto the one PVT rule (record/pvt_rule.h). Exposed for the case-table
// test (tests/sync/duo_export_rule_test.cpp); InboxDb::export_pvt is its only other user.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "balie/record/pvt_rule.h"

namespace balie::inbox {

struct PvtExportContext {
  std::string gemeentecode;   // this inbox's municipality (GM0363)
  std::string today;          // Europe/Amsterdam day YYYY-MM-DD
  bool pip_required = true;   // the municipality's setting (export-pvt --pip-required)
};

// `sensitive`: the record's opened sensitive part {bsn, datumOndertekeningPvt, ...}.
// `dossier`: the dossier as served in the feed ({"resident":{...},"dossier":{...}}), or null when the
// municipality has none. `purge_reason`: the reason when the resident was purged from the feed, else "".
record::PvtRuleInput pvt_export_input(const PvtExportContext& ctx, const nlohmann::json& sensitive,
                                      const nlohmann::json& dossier, const std::string& purge_reason);

}  // namespace balie::inbox
