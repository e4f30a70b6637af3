// Signed update bundles for balie-coa's tests (tests/coa): throw-away Secure Boot keys ("signer", the
// one the service trusts, and "other"), and real bundles made by image/bundle.sh over random root bytes
// with UKIs built from systemd-boot's stub and signed with sbsign. Used by coa_updates_test.cpp and
// coa_rollouts_web_test.cpp.
#pragma once
#include <sodium.h>

#include "coa_harness.h"

namespace balie::coa::testing {

inline const fs::path kStub = "/usr/lib/systemd/boot/efi/linuxx64.efi.stub";

// Secure Boot signing keys for the bundles: "signer" is the one the service trusts, "other" is not.
struct SigningKeys {
  fs::path dir;
  std::string error;
  SigningKeys() {
    dir = fresh_dir("coa-update-keys");
    for (const char* who : {"signer", "other"}) {
      std::string out;
      if (run({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
               std::string("/CN=Balie test update ") + who, "-keyout", (dir / (std::string(who) + ".key")).string(),
               "-out", (dir / (std::string(who) + ".pem")).string()},
              &out) != 0)
        error += out;
    }
  }
  fs::path key(const std::string& who) const { return dir / (who + ".key"); }
  fs::path cert(const std::string& who) const { return dir / (who + ".pem"); }
};

inline SigningKeys& keys() {
  static SigningKeys k;
  return k;
}

inline std::string random_bytes(std::size_t n) {
  std::string s(n, '\0');
  randombytes_buf(s.data(), n);
  return s;
}

inline std::string sha256_of(const std::string& s) {
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, reinterpret_cast<const unsigned char*>(s.data()), s.size());
  char hex[2 * sizeof h + 1];
  sodium_bin2hex(hex, sizeof hex, h, sizeof h);
  return hex;
}

struct BundleOptions {
  std::int64_t version = 7;
  std::string signer = "signer";
  std::size_t root_bytes = 2'500'000;  // spans several 1 MiB chunks
  std::size_t verity_bytes = 40'000;
  bool wrong_size_in_manifest = false;
};

// A real bundle: image/bundle.sh over a build output folder with random root bytes and a tiny kernel
// and initrd, the UKIs built from systemd-boot's stub by image/uki.sh and signed with sbsign.
inline fs::path make_bundle(const fs::path& dir, const BundleOptions& o, std::string* log) {
  const fs::path out = dir / ("out-" + std::to_string(o.version) + "-" + o.signer);
  fs::create_directories(out);
  spit(out / "root.squashfs", random_bytes(o.root_bytes));
  spit(out / "root.verity", random_bytes(o.verity_bytes));
  const std::string roothash = sha256_of(random_bytes(32));
  spit(out / "roothash", roothash + "\n");
  spit(out / "kernel", "MZ not really a kernel " + random_bytes(4096));
  spit(out / "initrd", random_bytes(8192));
  spit(out / "cmdline", "balie.verity=/dev/disk/by-partlabel/root-a,/dev/disk/by-partlabel/root-a-verity," + roothash +
                            " console=ttyS0 quiet\n");
  spit(out / "version", std::to_string(o.version) + "\n");
  const fs::path bundle = dir / ("bundle-" + std::to_string(o.version) + "-" + o.signer + ".tar");
  const int rc = run({"/usr/bin/env", "BALIE_SB_KEY=" + keys().key(o.signer).string(),
                      "BALIE_SB_CERT=" + keys().cert(o.signer).string(), "SOURCE_DATE_EPOCH=1764979200", "/bin/bash",
                      (fs::path(BALIE_SOURCE_DIR) / "image/bundle.sh").string(), out.string(), bundle.string()},
                     log, 300);
  if (rc != 0) return {};
  if (o.wrong_size_in_manifest) {
    // Rebuild the tar with a manifest that claims one byte more root image.
    const fs::path x = dir / "unpacked";
    fs::create_directories(x);
    run({"/bin/tar", "-xf", bundle.string(), "-C", x.string()});
    std::string m = slurp(x / "manifest");
    const std::string key = "squashfs_size=" + std::to_string(o.root_bytes);
    m.replace(m.find(key), key.size(), "squashfs_size=" + std::to_string(o.root_bytes + 1));
    spit(x / "manifest", m);
    run({"/bin/tar", "--format=gnu", "-C", x.string(), "-cf", bundle.string(), "manifest", "balie-a.efi", "balie-b.efi",
         "root.squashfs", "root.verity"});
  }
  return bundle;
}

}  // namespace balie::coa::testing
