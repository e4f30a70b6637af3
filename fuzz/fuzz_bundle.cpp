// libFuzzer target: enrolment bundles and the technician's import files (store/src/bundle.cpp):
// the bundle file (format, key id, base64, Ed25519), the payload with every field check, and the
// routes/texts import files. The trusted key is the corpus key (seed 32 x 0x42), so signed corpus
// bundles reach the payload parser. Whatever the input: a value or a refusal, never a crash.
#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "balie/store/bundle.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const balie::store::Ed25519PublicKey trusted = [] {
    balie::store::Ed25519PublicKey pk{};
    unsigned char sk[64], seed[32];
    for (auto& b : seed) b = 0x42;
    if (sodium_init() < 0) __builtin_trap();
    crypto_sign_seed_keypair(pk.data(), sk, seed);
    return pk;
  }();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto b = balie::store::open_bundle(in, std::span<const balie::store::Ed25519PublicKey>(&trusted, 1));
  if (b.ok() && (b.value().version < 1 || b.value().routes.empty() || b.value().staff.empty())) __builtin_trap();
  auto p = balie::store::parse_bundle_payload(in);
  if (p.ok()) {
    for (const auto& r : p.value().routes)
      if (r.pinned_public_key.find(';') == std::string::npos) __builtin_trap();  // always two pins
  }
  (void)balie::store::parse_routes_file(in);
  (void)balie::store::parse_texts_file(in, {"GM0363"});
  return 0;
}
