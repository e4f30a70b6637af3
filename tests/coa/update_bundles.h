// Real A/B update bundles for balie-coa tests: image/bundle.sh over a build output folder with random
// root bytes and a tiny kernel and initrd, the UKIs built from systemd-boot's stub by image/uki.sh and
// signed with sbsign by a throw-away key made here ("signer" is the one a test's COA trusts, "other"
// is not). Shared by coa_updates_test, coa_rollouts_web_test and coa_terminal_e2e_test, with the
// fixture of the first two (CoaUpdateFixture: a balie-coa that trusts "signer", location azc-a).
#pragma once
#include <gtest/gtest.h>
#include <sodium.h>

#include <csignal>

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


// A balie-coa trusting the "signer" key for updates, on a private PostgreSQL cluster, with location
// azc-a (configured) and operator ops-1; enrolled() makes terminals there. Skips where the PE stub or
// sbsigntool is missing.
class CoaUpdateFixture : public ::testing::Test {
 protected:
  void start_service(const std::string& dir_prefix) {
    signal(SIGPIPE, SIG_IGN);
    if (!fs::exists(kStub)) GTEST_SKIP() << kStub << " missing (Debian package systemd-boot-efi): no PE file to sign";
    if (!fs::exists("/usr/bin/sbsign") || !fs::exists("/usr/bin/sbverify")) GTEST_SKIP() << "sbsigntool missing";
    ASSERT_TRUE(keys().error.empty()) << keys().error;
    ASSERT_TRUE(pg_.ok()) << pg_.error();
    dir_ = fresh_dir(dir_prefix + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    pki_ = std::make_unique<CoaPki>(dir_ / "pki");
    coa_ = CoaService::start(*pki_, pg_, dir_ / "coa", json{{"update_signer_cert", keys().cert("signer").string()}});
    std::string out;
    ASSERT_EQ(coa_->admin({"location", "add", "azc-a", "AZC Ter Apel"}, &out), 0) << out;
    ASSERT_EQ(coa_->admin({"operator", "add", "ops-1", "Olga Operator"}, &out, "correct horse battery"), 0) << out;
    spit(dir_ / "config-a.json", location_config(*pki_).dump());
    ASSERT_EQ(coa_->admin({"config", "put", "azc-a", (dir_ / "config-a.json").string()}, &out), 0) << out;
  }
  void TearDown() override {
    if (HasFailure() && coa_) std::fprintf(stderr, "balie-coa log:\n%s\n", coa_->log().c_str());
  }
  std::unique_ptr<TestTerminal> enrolled(const std::string& name) {
    std::string code;
    EXPECT_EQ(coa_->admin({"code", "create", "azc-a", "ops-1"}, &code), 0) << code;
    auto t = std::make_unique<TestTerminal>(dir_ / name);
    auto r = t->enrol(*pki_, coa_->terminal_port, trim(code));
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
    return t;
  }

  PgCluster pg_;
  fs::path dir_;
  std::unique_ptr<CoaPki> pki_;
  std::unique_ptr<CoaService> coa_;
};

}  // namespace balie::coa::testing
