// Reads the shared PVT case table (tests/record/pvt_rule_cases.json) for the three tests that run it:
// record (the rule itself), sync (balie-inbox's DUO export) and kiosk (the signing offer).
// BALIE_PVT_CASES is the table's path, set by each test's CMake target.
#pragma once
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "balie/record/pvt_rule.h"

namespace balie::test {

struct PvtCase {
  std::string name;
  bool offer = false, exportable = false;  // which callers can express it
  record::PvtRuleInput in;
  std::string reason, verwijtbaar;         // expected
};

inline std::vector<PvtCase> load_pvt_cases() {
  std::ifstream f(BALIE_PVT_CASES);
  if (!f) throw std::runtime_error("cannot read " BALIE_PVT_CASES);
  std::stringstream ss;
  ss << f.rdbuf();
  const auto doc = nlohmann::json::parse(ss.str());
  std::vector<PvtCase> out;
  for (const auto& c : doc.at("cases")) {
    PvtCase p;
    p.name = c.at("name");
    for (const auto& a : c.at("applies")) {
      if (a == "offer") p.offer = true;
      else if (a == "export") p.exportable = true;
      else throw std::runtime_error("unknown caller in case " + p.name);
    }
    const auto& i = c.at("input");
    p.in.bsn = i.at("bsn");
    p.in.dossier_present = i.at("dossier_present");
    p.in.regime = i.at("regime");
    p.in.plicht_known = i.at("plicht_known");
    p.in.plichtig = i.at("plichtig");
    p.in.obligation_withdrawn = i.at("obligation_withdrawn");
    p.in.linked_gemeentecode = i.at("linked_gemeentecode");
    p.in.acting_gemeentecode = i.at("acting_gemeentecode");
    p.in.datum_ondertekening_registered = i.at("datum_ondertekening_registered");
    p.in.datum_afronding_zroute = i.at("datum_afronding_zroute");
    p.in.termijn_startdatum = i.at("termijn_startdatum");
    p.in.termijn_einddatum = i.at("termijn_einddatum");
    p.in.pip_vastgesteld = i.at("pip_vastgesteld");
    p.in.pip_gemeentecode = i.at("pip_gemeentecode");
    p.in.pip_required = i.at("pip_required");
    p.in.datum = i.at("datum");
    p.in.today = i.at("today");
    p.in.verwijtbaar_decision = i.at("verwijtbaar_decision");
    if (i.size() != 18) throw std::runtime_error("case " + p.name + " has unknown or missing input fields");
    p.reason = c.at("expect").at("reason");
    p.verwijtbaar = c.at("expect").at("verwijtbaar");
    out.push_back(std::move(p));
  }
  if (out.empty()) throw std::runtime_error("no cases in " BALIE_PVT_CASES);
  return out;
}

}  // namespace balie::test
