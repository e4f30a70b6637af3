// balie-make-bundle: makes signed enrolment bundles for tests, the demo and a provisioning station
// (store/tools). It checks the payload with the terminal's own parser before signing, so it cannot
// sign what a terminal would refuse as invalid. The provisioning key is a file of 64 hex (the seed).
//   balie-make-bundle sign --payload PAYLOAD.json --key KEY --out BUNDLE [--keys test|production]
//   balie-make-bundle pubkey --key KEY          the public key (64 hex) for the image's *.pub
//   balie-make-bundle hash-pin                  Argon2id hash of the PIN on stdin (for "pin_hash")
#include <sodium.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "balie/record/codec.h"
#include "balie/store/bundle.h"

namespace {

const char* kUsage =
    "usage: balie-make-bundle [sign] --payload PAYLOAD.json --key KEY --out BUNDLE [--keys test|production]\n"
    "       balie-make-bundle pubkey --key KEY\n"
    "       balie-make-bundle hash-pin < pin\n"
    "  sign      check PAYLOAD (the bundle format in store/README.md) and sign it with the provisioning\n"
    "            key KEY (a file holding the 32-byte Ed25519 seed as 64 hex); writes the bundle file.\n"
    "            --keys sets the payload's \"keys\": the images it is for (production images refuse a test\n"
    "            bundle, test images a production one; absent = test). The TEST key cannot sign production.\n"
    "  pubkey    print the public key of KEY (64 hex) for /usr/share/balie/provisioning-keys/*.pub\n"
    "  hash-pin  print the Argon2id hash of the PIN read from stdin (4-12 digits)\n"
    "Exit status: 0 ok, 2 usage, 4 the payload is invalid, 5 failed.\n";

int usage() {
  std::fputs(kUsage, stderr);
  return 2;
}

bool read_all(const std::string& path, std::string* out, std::size_t max) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return out->size() <= max;
}

bool read_seed(const std::string& path, unsigned char seed[32]) {
  std::string text;
  if (!read_all(path, &text, 1024)) return false;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  auto raw = balie::record::from_hex(text);
  sodium_memzero(text.data(), text.size());
  if (!raw || raw->size() != 32) return false;
  std::memcpy(seed, raw->data(), 32);
  sodium_memzero(raw->data(), raw->size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (sodium_init() < 0) return 5;
  if (argc < 2) return usage();
  std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  int first = 2;
  if (cmd.rfind("--", 0) == 0) {  // no command word: sign
    cmd = "sign";
    first = 1;
  }
  std::string payload_path, key_path, out_path, keys;
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return usage();
    if (a == "--payload") payload_path = argv[++i];
    else if (a == "--key") key_path = argv[++i];
    else if (a == "--out") out_path = argv[++i];
    else if (a == "--keys") keys = argv[++i];
    else return usage();
  }
  if (cmd == "hash-pin") {
    std::string pin;
    std::getline(std::cin, pin);
    bool digits = pin.size() >= 4 && pin.size() <= 12 &&
                  pin.find_first_not_of("0123456789") == std::string::npos;
    if (!digits) {
      std::fprintf(stderr, "balie-make-bundle: a PIN has 4 to 12 digits\n");
      return 4;
    }
    char hash[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(hash, pin.data(), pin.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
      return 5;
    sodium_memzero(pin.data(), pin.size());
    std::printf("%s\n", hash);
    return 0;
  }
  unsigned char seed[32];
  if (key_path.empty()) return usage();
  if (!read_seed(key_path, seed)) {
    std::fprintf(stderr, "balie-make-bundle: %s must hold a 32-byte seed as 64 hex characters\n", key_path.c_str());
    return 5;
  }
  if (cmd == "pubkey") {
    unsigned char pk[32], sk[64];
    crypto_sign_seed_keypair(pk, sk, seed);
    sodium_memzero(sk, sizeof sk);
    sodium_memzero(seed, sizeof seed);
    std::printf("%s\n", balie::record::to_hex(pk, 32).c_str());
    return 0;
  }
  if (cmd != "sign" || payload_path.empty() || out_path.empty()) return usage();
  if (!keys.empty() && keys != "test" && keys != "production") {
    std::fprintf(stderr, "balie-make-bundle: --keys must be test or production\n");
    return 2;
  }
  std::string payload;
  if (!read_all(payload_path, &payload, balie::store::kMaxBundleBytes)) {
    std::fprintf(stderr, "balie-make-bundle: cannot read %s (or larger than 4 MiB)\n", payload_path.c_str());
    return 5;
  }
  if (!keys.empty()) {  // the signer says which images the bundle is for (issue 20)
    auto j = nlohmann::json::parse(payload, nullptr, false);
    if (!j.is_object()) {
      std::fprintf(stderr, "balie-make-bundle: payload refused [malformed]: %s is not a JSON object\n", payload_path.c_str());
      return 4;
    }
    j["keys"] = keys;
    payload = j.dump();
  }
  auto signed_file = balie::store::sign_bundle(payload, std::span<const std::uint8_t, 32>(seed, 32));
  sodium_memzero(seed, sizeof seed);
  if (!signed_file.ok()) {
    std::fprintf(stderr, "balie-make-bundle: payload refused [%s]: %s\n", balie::store::to_string(signed_file.error().why),
                 signed_file.error().message.c_str());
    return 4;
  }
  std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
  out << signed_file.value();
  if (!out.flush()) {
    std::fprintf(stderr, "balie-make-bundle: cannot write %s\n", out_path.c_str());
    return 5;
  }
  return 0;
}
