// libFuzzer target: the enrolment request parser (sync/src/enrolment.cpp), which the COA side runs on
// requests typed or scanned from terminals. Whatever the input, it returns a value or an error; what
// it accepts is consistent (short code and pin recomputed from the accepted fields).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "balie/sync/enrolment.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto r = balie::sync::parse_enrolment_request(in)) {
    if (r->short_code != balie::sync::enrolment_short_code(r->device_ed25519_pk, r->tls_pin)) __builtin_trap();
    if (r->device_ed25519_pk.size() != 64) __builtin_trap();
  }
  return 0;
}
