// A terminal enrolled online at a running balie-coa, for the end-to-end tests of tests/coa: its own
// state and config folders under `home`, a fresh device key, the real balie-enrol (tls-key, request,
// online with a one-time code), balie-admin bundle apply, and the device made known to the given
// balie-inbox receivers. Then its real balie-syncd pass and its encrypted store (demo key mode).
#pragma once
#include <sodium.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "balie/platform/clock.h"
#include "balie/platform/key_provider.h"
#include "balie/record/codec.h"
#include "balie/record/envelope.h"
#include "balie/store/store.h"
#include "coa_harness.h"

namespace balie::coa::testing {

struct EnrolledTerminal {
  fs::path home;
  std::string device_id;
  record::SigningKey device_key{};

  // Runs a terminal tool with this terminal's folders (BALIE_STATE_DIR, BALIE_CONFIG_DIR,
  // BALIE_PROVISIONING_KEYS); returns its exit status, `out` gets stdout + stderr.
  int tool(const std::vector<std::string>& argv, std::string* out) const {
    std::string cmd = "exec env BALIE_MODE= BALIE_STATE_DIR='" + (home / "state").string() + "' BALIE_CONFIG_DIR='" +
                      (home / "config").string() + "' BALIE_PROVISIONING_KEYS='" + (home / "prov").string() + "'";
    for (const auto& a : argv) cmd += " '" + a + "'";
    return run({"/bin/sh", "-c", cmd}, out, 180);
  }
  // One real balie-syncd pass (--once) with the configuration the bundle wrote; its output.
  std::string sync_pass() const {
    std::string out;
    tool({(fs::path(BALIE_BINARY_DIR) / "sync/balie-syncd").string(), "--config", (home / "config/syncd.json").string(),
          "--once"},
         &out);
    return out;
  }
  // The terminal's encrypted store, opened as the kiosk does in demo key mode; nullptr on failure.
  std::unique_ptr<store::Store> open_store(const platform::Clock* clock = nullptr) const {
    platform::KeyProvider kp(platform::KeyMode::Demo, home / "state", {});
    auto key = kp.db_key();
    EXPECT_TRUE(key.ok());
    if (!key.ok()) return nullptr;
    store::OpenOptions o;
    o.clock = clock;
    auto st = store::Store::open(home / "state" / store::kDatabaseFileName, key.value().bytes(), o);
    EXPECT_TRUE(st.ok()) << st.error().message;
    return st.ok() ? std::move(st.value()) : nullptr;
  }

  // Enrols a new terminal at `location` (which must have a configuration at COA) with a one-time code
  // made by `operator_id`, and enrols its device at each inbox for that location. Failures are
  // reported as test failures; check HasFailure() afterwards.
  static EnrolledTerminal enrol(const fs::path& home, CoaService& coa, const CoaPki& pki, const std::string& location,
                                const std::string& operator_id, const std::vector<const Inbox*>& inboxes) {
    EnrolledTerminal t;
    t.home = home;
    for (const char* d : {"state", "config", "enrol", "prov"}) fs::create_directories(home / d);
    fs::copy_file(fs::path(BALIE_SOURCE_DIR) / "image/keys/provisioning-test.pub", home / "prov/test.pub");
    record::Key32 seed{};
    randombytes_buf(seed.data(), seed.size());
    {
      std::ofstream(home / "state/device.key", std::ios::binary).write(reinterpret_cast<const char*>(seed.data()), 32);
      fs::permissions(home / "state/device.key", fs::perms::owner_read | fs::perms::owner_write);
    }
    t.device_key = record::SigningKey::from_seed(seed);
    std::string out;
    const std::string enrol_bin = (fs::path(BALIE_BINARY_DIR) / "sync/balie-enrol").string();
    EXPECT_EQ(t.tool({enrol_bin, "tls-key", "--demo"}, &out), 0) << out;
    EXPECT_EQ(t.tool({enrol_bin, "request", "--out", (home / "enrol/request.json").string()}, &out), 0) << out;
    EXPECT_EQ(coa.admin({"code", "create", location, operator_id}, &out), 0) << out;
    spit(home / "enrol/code.json", json{{"code", trim(out)}}.dump());
    spit(home / "coa-endpoint.json", json{{"endpoint", "https://127.0.0.1:" + std::to_string(coa.terminal_port)},
                                          {"ca_pem", slurp(pki.dir / "ca.pem")},
                                          {"pins", {pki.pin("coa-terminal"), pki.pin("coa-backup")}}}
                                         .dump());
    EXPECT_EQ(t.tool({enrol_bin, "online", "--coa", (home / "coa-endpoint.json").string(), "--dir", (home / "enrol").string()},
                     &out),
              0)
        << out;
    EXPECT_EQ(t.tool({(fs::path(BALIE_BINARY_DIR) / "store/balie-admin").string(), "bundle", "apply",
                      (home / "enrol/bundle.json").string()},
                     &out),
              0)
        << out;
    t.device_id = trim(slurp(home / "config/device-id"));
    for (const Inbox* ib : inboxes) {
      EXPECT_EQ(run({bin("balie-inbox").string(), "enroll-device", "--db", ib->db.string(), "--db-key-file", balie::test::inbox_key(ib->db), "--gemeentecode", ib->g,
                     "--device-id", t.device_id, "--ed25519-pk", record::to_hex(t.device_key.public_key.data(), 32),
                     "--locatiecode", location},
                    &out),
                0)
          << out;
    }
    return t;
  }
};

}  // namespace balie::coa::testing
