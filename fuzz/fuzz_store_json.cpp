// libFuzzer target: the store's dossier JSON (store/json.h): one resident with dossier (what a feed
// upsert carries) and a dossier batch. What parses must print and parse again to the same text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "balie/store/json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto rd = balie::store::resident_dossier_from_json(in); rd.ok()) {
    const std::string once = balie::store::to_json(rd.value());
    auto again = balie::store::resident_dossier_from_json(once);
    if (once.size() <= balie::store::kMaxResidentDossierJsonBytes &&
        (!again.ok() || balie::store::to_json(again.value()) != once))
      __builtin_trap();
  }
  if (auto b = balie::store::dossier_batch_from_json(in); b.ok()) (void)balie::store::to_json(b.value());
  return 0;
}
