// Protocol parser cases as data files (tests/sync/data/*.json, one case each): the input bytes,
// which parser, and the expected outcome. One parameterised test runs them all; the same files
// seed the fuzzers' corpus directories (tests/sync/fuzz/corpus).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "balie/record/envelope.h"
#include "balie/sync/protocol.h"

using namespace balie::sync;
namespace fs = std::filesystem;

namespace {
std::vector<std::string> cases() {
  std::vector<std::string> v;
  for (const auto& e : fs::directory_iterator(BALIE_SYNC_TEST_DATA))
    if (e.path().extension() == ".json") v.push_back(e.path().filename().string());
  std::sort(v.begin(), v.end());
  return v;
}

// Returns "ok" or the Errc name.
std::string outcome(const std::string& parser, const std::string& input) {
  auto name = [](const Error& e) { return std::string(errc_name(e.code)); };
  if (parser == "push_request") {
    auto r = parse_push_request(input);
    return r ? "ok" : name(r.error());
  }
  if (parser == "push_response") {
    auto r = parse_push_response(input);
    return r ? "ok" : name(r.error());
  }
  if (parser == "dossier_batch") {
    auto r = parse_dossier_batch(input);
    return r ? "ok" : name(r.error());
  }
  if (parser == "envelope") {
    auto r = parse_envelope(input);
    return r ? "ok" : name(r.error());
  }
  if (parser == "ack") {
    auto r = parse_ack_json(input);
    return r ? "ok" : name(r.error());
  }
  if (parser == "identity") {
    auto r = parse_identity(input);
    return r ? "ok" : name(r.error());
  }
  return "unknown parser " + parser;
}
}  // namespace

class ProtocolCase : public ::testing::TestWithParam<std::string> {};

TEST_P(ProtocolCase, ParserGivesTheRecordedOutcome) {
  std::ifstream f(fs::path(BALIE_SYNC_TEST_DATA) / GetParam());
  std::stringstream ss;
  ss << f.rdbuf();
  auto c = nlohmann::json::parse(ss.str());
  std::string input = c["input"].is_string() ? c["input"].get<std::string>() : c["input"].dump();
  if (c.contains("repeat")) {  // oversized inputs are generated, not committed
    std::string unit = c["repeat"]["unit"];
    std::string big;
    for (int i = 0; i < c["repeat"]["times"].get<int>(); ++i) big += unit;
    input = c["repeat"]["prefix"].get<std::string>() + big + c["repeat"]["suffix"].get<std::string>();
  }
  EXPECT_EQ(outcome(c["parser"], input), c["expect"].get<std::string>()) << c.value("why", "");
}

INSTANTIATE_TEST_SUITE_P(Data, ProtocolCase, ::testing::ValuesIn(cases()),
                         [](const auto& info) {
                           std::string n = info.param.substr(0, info.param.size() - 5);
                           for (auto& ch : n)
                             if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });
