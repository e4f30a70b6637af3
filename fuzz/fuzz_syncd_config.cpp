// libFuzzer target: balie-syncd's configuration (syncd.json) and routing-file parsers
// (sync/src/syncd_config.cpp). Whatever the input, they return a value or an error, never crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "balie/sync/syncd_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto c = balie::sync::parse_syncd_config(in, "syncd.json")) {
    // What parse_syncd_config accepts is within the engine's limits.
    if (c->engine.batch_max_records < 1 || c->engine.batch_max_records > 500 || c->engine.device_id.empty())
      __builtin_trap();
  }
  if (auto r = balie::sync::parse_routing(in, "routing.json")) {
    for (const auto& rt : *r)
      if (rt.gemeentecode.size() != 6) __builtin_trap();
  }
  return 0;
}
