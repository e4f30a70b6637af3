// libFuzzer target: balie-inbox import-dossiers (InboxDb::import_dossiers on an in-memory SQLCipher
// database under a fixed key), then the feed page the inbox would serve from it, which the kiosk's parser must accept.
#include <cstddef>
#include <cstdint>
#include <string>

#include "balie/sync/protocol.h"
#include "inbox_db.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  static const std::uint8_t key[32] = {1};
  auto db = balie::inbox::InboxDb::open(":memory:", key, "GM0363");
  if (!db) return 0;
  if (!(*db)->import_dossiers(in)) return 0;
  // Every location in a small fixed set: what the inbox serves, the kiosk must be able to read.
  for (const char* loc : {"L", "AZC-TER-APEL", "a"}) {
    auto page = (*db)->dossier_updates(loc, "", balie::sync::kMaxFeedItems);
    if (!page) continue;
    const std::string body = balie::sync::dossier_batch_json(*page);
    auto back = balie::sync::parse_dossier_batch(body);
    if (!back || back->items.size() != page->items.size()) __builtin_trap();
  }
  return 0;
}
