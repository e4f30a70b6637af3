// Demo data seeding (store/ layer): fills an empty store with the embedded, fictional data set from
// assets/demo/demo.json (compiled in by store/cmake/embed_file.cmake). Municipality keys of the demo
// routes are derived from fixed seeds, so the demo inbox can derive the matching secret keys:
//   ack key  = crypto_sign_seed_keypair(seed = SHA-256("balie-demo:<gemeentecode>:ack"))
//   box key  = crypto_box_seed_keypair (seed = SHA-256("balie-demo:<gemeentecode>:box"))
#include <sodium.h>

#include "balie/store/store.h"
#include "json_codec.h"

namespace balie::store {
namespace generated {
std::string_view demo_json();
}

std::string_view demo_data_json() { return generated::demo_json(); }

namespace {
std::array<std::uint8_t, 32> seed_for(const std::string& code, const char* purpose) {
  std::string s = "balie-demo:" + code + ":" + purpose;
  std::array<std::uint8_t, 32> seed{};
  crypto_hash_sha256(seed.data(), reinterpret_cast<const unsigned char*>(s.data()), s.size());
  return seed;
}
}  // namespace

Result<bool> seed_demo_data(Store& store) {
  if (sodium_init() < 0) return StoreError{StoreErrc::Io, "libsodium failed to initialise"};
  auto existing = store.list_residents();
  if (!existing.ok()) return existing.error();
  if (!existing.value().empty()) return false;

  auto parsed = parse_store_json(demo_data_json(), 16u * 1024 * 1024, "the embedded demo data set", StoreErrc::Corrupt);
  if (!parsed.ok()) return parsed.error();
  json doc = std::move(parsed.value());
  try {
    DeviceConfig dev{doc.at("device").at("kiosk_id").get<std::string>(), doc.at("device").at("location_id").get<std::string>(),
                     doc.at("device").at("location_name").get<std::string>()};
    if (Status s = store.set_device_config(dev); !s.ok()) return s.error();
    for (const auto& t : doc.at("texts")) {
      TextVersion tv{t.at("version_id"), t.at("kind"), t.at("language"), t.at("title"), t.at("body"), ""};
      if (Status s = store.put_text_version(tv); !s.ok()) return s.error();
    }
    for (const auto& r : doc.at("routes")) {
      Route route;
      route.gemeentecode = r.at("gemeentecode");
      route.endpoint_base_url = r.at("endpoint_base_url");
      route.ca_certificate_pem = r.value("ca_certificate_pem", "");
      route.pinned_public_key = r.value("pinned_public_key", "");
      std::array<std::uint8_t, crypto_sign_SECRETKEYBYTES> sk{};
      auto ack_seed = seed_for(route.gemeentecode, "ack");
      crypto_sign_seed_keypair(route.ack_verify_key.data(), sk.data(), ack_seed.data());
      std::array<std::uint8_t, crypto_box_SECRETKEYBYTES> bsk{};
      auto box_seed = seed_for(route.gemeentecode, "box");
      crypto_box_seed_keypair(route.box_public_key.data(), bsk.data(), box_seed.data());
      sodium_memzero(sk.data(), sk.size());
      sodium_memzero(bsk.data(), bsk.size());
      if (Status s = store.put_route(route); !s.ok()) return s.error();
    }
    for (const auto& st : doc.at("staff")) {
      StaffAccount a;
      a.id = st.at("account").at("id");
      a.display_name = st.at("account").at("display_name");
      a.role = staff_role_from_string(st.at("account").at("role").get<std::string>()).value_or(StaffRole::CoaStaff);
      a.gemeentecodes = st.at("account").value("gemeentecodes", std::vector<std::string>{});
      if (Status s = store.upsert_staff(a, st.at("pin").get<std::string>()); !s.ok()) return s.error();
    }
    DossierBatch batch;
    batch.upserts = doc.at("residents").get<std::vector<ResidentDossier>>();
    if (Status s = store.apply_dossier_batch(dev.location_id, batch, "demo-seed-1"); !s.ok()) return s.error();
  } catch (const std::exception& e) {
    return StoreError{StoreErrc::Corrupt, std::string("the embedded demo data set is incomplete: ") + e.what()};
  }
  if (Status s = store.append_audit("system", "demo.seed", "residents seeded"); !s.ok()) return s.error();
  return true;
}

}  // namespace balie::store
