// libFuzzer target: COA's residents feed page (store/coa_residents.h), with the consent entries of
// issue 16. Whatever parses has only checked items: every consent entry of an accepted item has a
// known decision and an expiry exactly when given.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "balie/store/coa_residents.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto p = balie::store::parse_coa_residents_page(in);
  if (!p.ok()) return 0;
  for (const auto& r : p.value().residents) {
    if (!r.consents) continue;
    if (r.consents->size() > balie::store::kMaxCoaConsentsPerResident) __builtin_trap();
    for (const auto& c : *r.consents) {
      const bool given = c.decision == "given";
      if (!given && c.decision != "refused" && c.decision != "withdrawn") __builtin_trap();
      if (given != c.expires_at.has_value()) __builtin_trap();
    }
  }
  return 0;
}
