// libFuzzer target: the kiosk's scripted-driver language (kiosk/core/script.h), parser only.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/script.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto r = balie::kiosk::script::parse(in, "fuzz.balie");
  for (const auto& s : r.steps) (void)balie::kiosk::script::describe(s);
  return 0;
}
