// libFuzzer target: the .po catalog parser (text/catalog.h), placeholder parsing and filling, and
// the base-catalog validation the build runs on every catalog.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "balie/text/catalog.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto cat = balie::text::parse_po(in, "fuzz.po");
  if (!cat) return 0;
  for (const auto& e : cat->entries) {
    (void)balie::text::placeholders(e.text);
    (void)balie::text::fill_placeholders(e.text, {{"name", "Amina"}, {"date", "2 maart"}});
  }
  cat->reindex();
  (void)balie::text::validate_base(*cat);
  (void)balie::text::validate_against_base(*cat, *cat, nullptr);
  return 0;
}
