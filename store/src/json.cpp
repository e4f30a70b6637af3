// JSON codec entry points (store/ layer): parse and print residents with dossiers and feed batches.
// Exceptions from nlohmann stay inside this file and become InvalidArgument results.
#include "balie/store/json.h"

#include "json_codec.h"

namespace balie::store {

Result<ResidentDossier> resident_dossier_from_json(std::string_view text) {
  auto j = parse_store_json(text, kMaxResidentDossierJsonBytes, "resident JSON");
  if (!j.ok()) return j.error();
  try {
    return j.value().get<ResidentDossier>();
  } catch (const std::exception& e) {
    return StoreError{StoreErrc::InvalidArgument, std::string("malformed resident JSON: ") + e.what()};
  }
}

std::string to_json(const ResidentDossier& rd) { return json(rd).dump(); }

Result<DossierBatch> dossier_batch_from_json(std::string_view text) {
  auto parsed = parse_store_json(text, kMaxDossierBatchJsonBytes, "dossier batch JSON");
  if (!parsed.ok()) return parsed.error();
  try {
    const json& j = parsed.value();
    DossierBatch b;
    if (j.contains("upserts")) b.upserts = j.at("upserts").get<std::vector<ResidentDossier>>();
    if (j.contains("purges")) b.purges = j.at("purges").get<std::vector<std::string>>();
    return b;
  } catch (const std::exception& e) {
    return StoreError{StoreErrc::InvalidArgument, std::string("malformed dossier batch JSON: ") + e.what()};
  }
}

std::string to_json(const DossierBatch& batch) {
  json j;
  j["upserts"] = batch.upserts;
  j["purges"] = batch.purges;
  return j.dump();
}

}  // namespace balie::store
