// JSON codec for the store's data types (store/ layer, headless): used for the demo data set,
// the municipality dossier feed, the AVG export and the dossier rows inside the database.
// Unknown enumeration values are kept as their raw string. Parsing errors -> InvalidArgument.
#pragma once
#include <string>
#include <string_view>

#include "balie/store/result.h"
#include "balie/store/types.h"

namespace balie::store {

// Limits (plus record::kMaxJsonDepth nesting): one resident with dossier 64 KiB (the feed's
// per-dossier limit), a feed batch 16 MiB (the feed's response limit).
inline constexpr std::size_t kMaxResidentDossierJsonBytes = 64 * 1024;
inline constexpr std::size_t kMaxDossierBatchJsonBytes = 16u * 1024 * 1024;

Result<ResidentDossier> resident_dossier_from_json(std::string_view json);
std::string to_json(const ResidentDossier& rd);
// A feed batch: {"upserts": [ {"resident": {...}, "dossier": {...}} ], "purges": ["id", ...]}
Result<DossierBatch> dossier_batch_from_json(std::string_view json);
std::string to_json(const DossierBatch& batch);

}  // namespace balie::store
