// libFuzzer target: record's limited JSON parser (record/json_limits.h), which every JSON reader in
// Balie goes through, and check_fields. Checks: no crash, and an accepted value really nests no
// deeper than the limit (the pre-scan and the parser agree).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "balie/record/json_limits.h"

namespace {
std::size_t depth_of(const nlohmann::json& root) {  // iterative: the value may be as deep as allowed
  std::size_t deepest = 0;
  std::vector<std::pair<const nlohmann::json*, std::size_t>> todo{{&root, 0}};
  while (!todo.empty()) {
    auto [j, d] = todo.back();
    todo.pop_back();
    if (!j->is_structured()) continue;
    deepest = std::max(deepest, d + 1);
    for (const auto& c : *j) todo.push_back({&c, d + 1});
  }
  return deepest;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  using namespace balie::record;
  auto j = parse_json_limited(in, JsonLimits{1u << 20, 8}, "fuzz input");
  if (!j) return 0;
  if (depth_of(*j) > 8) __builtin_trap();
  (void)j->dump();
  (void)check_fields(*j,
                     {{"s", JsonKind::string, true},
                      {"i", JsonKind::integer, false, -5, 500},
                      {"b", JsonKind::boolean},
                      {"o", JsonKind::object},
                      {"a", JsonKind::array}},
                     "fuzz.json");
  return 0;
}
