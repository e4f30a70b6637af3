// The production path of one terminal against the real balie-coa (issue 15 "Done when", without the
// VM): a terminal with its own keys is enrolled online with a one-time code (`balie-enrol online`,
// `balie-admin bundle apply`), the real `balie-syncd` pulls its location's residents and their
// koppeling from balie-coa, a signed record goes to the linked municipality's real balie-inbox (which
// trusts COA's device CA) and nowhere else, the terminal's health reaches COA's fleet, and a staff
// account added at COA arrives on the terminal in its next pass. Then an update rolled out to this
// terminal as its canary is downloaded by balie-syncd into the installer's drop folder and what the
// installer and the next boot report reaches the rollout. And a municipality's TLS key is rotated
// through COA with the backup pin, so no record is stranded.
#include <gtest/gtest.h>

#include "balie/platform/key_provider.h"
#include "balie/store/store.h"
#include "coa_harness.h"
#include "update_bundles.h"

using namespace balie::coa::testing;
namespace store = balie::store;

class CoaTerminalE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    signal(SIGPIPE, SIG_IGN);
    ASSERT_GE(sodium_init(), 0);
    ASSERT_TRUE(pg_.ok()) << pg_.error();
    dir_ = fresh_dir(std::string("coa-term-") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    pki_ = std::make_unique<CoaPki>(dir_ / "pki");
    coa_ = CoaService::start(*pki_, pg_, dir_ / "coa", json{{"update_signer_cert", keys().cert("signer").string()}});
  }
  void TearDown() override {
    if (HasFailure() && coa_) std::fprintf(stderr, "balie-coa log:\n%s\n", coa_->log().c_str());
  }
  // A terminal program with the terminal's environment (demo key mode, its state and config folders).
  int terminal(const std::vector<std::string>& argv, std::string* out) {
    std::string cmd = "exec env BALIE_MODE= BALIE_STATE_DIR='" + (dir_ / "state").string() + "' BALIE_CONFIG_DIR='" +
                      (dir_ / "config").string() + "' BALIE_PROVISIONING_KEYS='" + (dir_ / "prov").string() +
                      "' BALIE_UPDATE_DIR='" + (dir_ / "balie-update").string() + "'";
    for (const auto& a : argv) cmd += " '" + a + "'";
    return run({"/bin/sh", "-c", cmd}, out, 180);
  }
  PgCluster pg_;
  fs::path dir_;
  std::unique_ptr<CoaPki> pki_;
  std::unique_ptr<CoaService> coa_;
};

TEST_F(CoaTerminalE2E, EnrolledOnlineItTakesResidentsFromCoaAndDeliversOnlyToTheLinkedMunicipality) {
  // Two municipality receivers that trust COA's device CA; only GM0363 will be a resident's link.
  // Each receiver has its key and a backup key (pinned from the start); GM0363@next is the key it
  // rotates to later.
  balie::test::Pki inbox_pki(pki_->dir, {"GM0363", "GM0344", "GM0363@backup", "GM0344@backup", "GM0363@next"});
  InboxOptions o;
  o.client_ca = "device-ca.pem";
  o.locatiecode = "azc-a";
  auto gm0363 = Inbox::start(inbox_pki, "GM0363", dir_, o);
  auto gm0344 = Inbox::start(inbox_pki, "GM0344", dir_, o);
  auto route = [&](const Inbox& ib) {
    return json{{"gemeentecode", ib.g}, {"base_url", ib.url()}, {"ca_pem", slurp(pki_->dir / "ca.pem")},
                {"pins", {trim(slurp(pki_->dir / ib.g / "pin")), trim(slurp(pki_->dir / (ib.g + "@backup") / "pin"))}},
                {"ed25519_pk", balie::record::to_hex(ib.ed_pk.data(), 32)},
                {"x25519_pk", balie::record::to_hex(ib.x_pk.data(), 32)}};
  };
  std::string out;
  ASSERT_EQ(coa_->admin({"location", "add", "azc-a", "AZC Ter Apel"}, &out), 0) << out;
  ASSERT_EQ(coa_->admin({"operator", "add", "ops-1", "Olga Operator"}, &out, "correct horse battery"), 0) << out;
  json cfg = location_config(*pki_);
  cfg["routes"] = json::array({route(*gm0363), route(*gm0344)});
  spit(dir_ / "config.json", cfg.dump());
  ASSERT_EQ(coa_->admin({"config", "put", "azc-a", (dir_ / "config.json").string()}, &out), 0) << out;

  // The terminal: its device key (demo key provider), TLS key and public request, as at first boot.
  fs::create_directories(dir_ / "state");
  fs::create_directories(dir_ / "config");
  fs::create_directories(dir_ / "enrol");
  fs::create_directories(dir_ / "prov");
  fs::copy_file(fs::path(BALIE_SOURCE_DIR) / "image/keys/provisioning-test.pub", dir_ / "prov/test.pub");
  std::array<std::uint8_t, 32> seed{};
  randombytes_buf(seed.data(), seed.size());
  {
    std::ofstream(dir_ / "state/device.key", std::ios::binary).write(reinterpret_cast<const char*>(seed.data()), 32);
    fs::permissions(dir_ / "state/device.key", fs::perms::owner_read | fs::perms::owner_write);
  }
  balie::record::Key32 k{};
  std::copy(seed.begin(), seed.end(), k.begin());
  const auto device_key = balie::record::SigningKey::from_seed(k);
  const std::string enrol = (fs::path(BALIE_BINARY_DIR) / "sync/balie-enrol").string();
  const std::string admin = (fs::path(BALIE_BINARY_DIR) / "store/balie-admin").string();
  const std::string syncd = (fs::path(BALIE_BINARY_DIR) / "sync/balie-syncd").string();
  ASSERT_EQ(terminal({enrol, "tls-key", "--demo"}, &out), 0) << out;
  ASSERT_EQ(terminal({enrol, "request", "--out", (dir_ / "enrol/request.json").string()}, &out), 0) << out;

  // Online enrolment with a code from COA.
  ASSERT_EQ(coa_->admin({"code", "create", "azc-a", "ops-1"}, &out), 0) << out;
  spit(dir_ / "enrol/code.json", json{{"code", trim(out)}}.dump());
  spit(dir_ / "coa-endpoint.json", json{{"endpoint", "https://127.0.0.1:" + std::to_string(coa_->terminal_port)},
                                        {"ca_pem", slurp(pki_->dir / "ca.pem")},
                                        {"pins", {pki_->pin("coa-terminal"), pki_->pin("coa-backup")}}}
                                       .dump());
  ASSERT_EQ(terminal({enrol, "online", "--coa", (dir_ / "coa-endpoint.json").string(), "--dir", (dir_ / "enrol").string()}, &out), 0)
      << out;
  ASSERT_EQ(terminal({admin, "bundle", "apply", (dir_ / "enrol/bundle.json").string()}, &out), 0) << out;
  const std::string device_id = trim(slurp(dir_ / "config/device-id"));
  ASSERT_EQ(device_id.rfind("T", 0), 0u) << device_id;
  for (auto* ib : {gm0363.get(), gm0344.get()})
    ASSERT_EQ(run({bin("balie-inbox").string(), "enroll-device", "--db", ib->db.string(), "--db-key-file", balie::test::inbox_key(ib->db), "--gemeentecode", ib->g,
                   "--device-id", device_id, "--ed25519-pk", balie::record::to_hex(device_key.public_key.data(), 32),
                   "--locatiecode", "azc-a"},
                  &out),
              0)
        << out;

  // COA links r1 to GM0363; r2 is not linked yet (its records are held).
  json residents = json::array(
      {{{"id", "r1"}, {"location_id", "azc-a"}, {"naam_latijns", "Yohannes Tesfay"}, {"naam_eigen_schrift", "ዮሃንስ ተስፋይ"},
        {"v_nummer", "1000000001"}, {"geboortedatum", "1990-01-01"}, {"kamer", "B-101"}, {"regime", "Wi2021"},
        {"gemeentecode", "GM0363"}, {"gekoppeld_sinds", "2026-11-01"}},
       {{"id", "r2"}, {"location_id", "azc-a"}, {"naam_latijns", "Amal Haddad"}, {"v_nummer", "1000000002"},
        {"geboortedatum", "1988-05-05"}, {"regime", "Wi2021"}, {"gemeentecode", nullptr}, {"gekoppeld_sinds", nullptr}}});
  spit(dir_ / "residents.json", residents.dump());
  ASSERT_EQ(coa_->admin({"resident", "put", (dir_ / "residents.json").string()}, &out), 0) << out;

  // First pass: residents and their links come from COA.
  const std::string syncd_config = (dir_ / "config/syncd.json").string();
  terminal({syncd, "--config", syncd_config, "--once"}, &out);
  const std::string first_pass = out;
  {
    balie::platform::KeyProvider kp(balie::platform::KeyMode::Demo, dir_ / "state", {});
    auto key = kp.db_key();
    ASSERT_TRUE(key.ok());
    auto st = store::Store::open(dir_ / "state" / store::kDatabaseFileName, key.value().bytes());
    ASSERT_TRUE(st.ok()) << st.error().message;
    auto r1 = st.value()->resident("r1");
    ASSERT_TRUE(r1.ok() && r1.value()) << first_pass;
    EXPECT_EQ(r1.value()->gemeentecode, "GM0363");
    EXPECT_EQ(r1.value()->naam_eigen_schrift, "ዮሃንስ ተስፋይ");
    EXPECT_EQ(st.value()->resident("r2").value()->gemeentecode, "");
    // A participatieverklaring signed for r1 on this terminal (the kiosk's one record path).
    balie::store::TextVersion t{"pvt-e2e-nl-1", "pvt_declaration", "nl", "Participatieverklaring", "Ik verklaar ...", ""};
    ASSERT_TRUE(st.value()->put_text_version(t).ok());
    store::RecordDraft d;
    d.kind = "pvt.ondertekend";
    d.resident_id = "r1";
    d.text_version_id = t.version_id;
    d.decision = "signed";
    d.device_id = device_id;
    d.expected_gemeentecode = "GM0363";
    d.public_json = "{\"resident_id\":\"r1\"}";
    d.sensitive = json{{"resident_id", "r1"}, {"datumOndertekeningPvt", "2026-12-06"}}.dump();
    auto committed = st.value()->commit_sealed(d, device_key);
    ASSERT_TRUE(committed.ok()) << committed.error().message;
  }
  // Second pass: the record reaches GM0363 only, and the first pass's health reaches COA.
  terminal({syncd, "--config", syncd_config, "--once"}, &out);
  const auto got = gm0363->records();
  ASSERT_TRUE(got.is_array()) << out;
  EXPECT_EQ(got.size(), 1u) << out;
  const auto none = gm0344->records();
  EXPECT_TRUE(none.is_array() && none.empty()) << none.dump();
  EXPECT_EQ(pg_.psql("SELECT count(*) FROM health_reports WHERE device_id = '" + device_id + "'"), "1") << out;
  EXPECT_EQ(pg_.psql("SELECT document->'outbox'->>'waiting' FROM health_reports ORDER BY id DESC LIMIT 1"), "0");

  // A staff account added at COA reaches the terminal in its next pass.
  ASSERT_EQ(coa_->admin({"staff", "add", "azc-a", "coa-bram", "Bram Bakker", "coa_staff", "735102"}, &out), 0) << out;
  terminal({syncd, "--config", syncd_config, "--once"}, &out);
  EXPECT_EQ(trim(slurp(dir_ / "config/bundle-version")), "2") << out;
  {
    // One connection at a time in this process, as in the kiosk, balie-syncd and balie-admin: with a
    // second one left open here, a new connection read "database disk image is malformed" after
    // balie-syncd's passes, though the file checked ok once all were closed (closing note, issue 15).
    balie::platform::KeyProvider kp(balie::platform::KeyMode::Demo, dir_ / "state", {});
    auto key = kp.db_key();
    auto st = store::Store::open(dir_ / "state" / store::kDatabaseFileName, key.value().bytes());
    ASSERT_TRUE(st.ok());
    auto staff = st.value()->list_staff();
    ASSERT_TRUE(staff.ok());
    bool bram = false;
    for (const auto& s : staff.value()) bram |= s.id == "coa-bram";
    EXPECT_TRUE(bram) << out;
  }
  // Health of passes 1 and 2 (each pass posts the previous pass's document).
  EXPECT_EQ(pg_.psql("SELECT count(*) FROM health_reports WHERE device_id = '" + device_id + "'"), "2");

  // Pin rotation. The route pins GM0363's key and its backup key since enrolment. The municipality
  // moves its receiver to the backup key: a record signed meanwhile still goes.
  const auto sign = [&](const std::string& kind) {
    balie::platform::KeyProvider kp2(balie::platform::KeyMode::Demo, dir_ / "state", {});
    auto k2 = kp2.db_key();
    auto s2 = store::Store::open(dir_ / "state" / store::kDatabaseFileName, k2.value().bytes());
    ASSERT_TRUE(s2.ok()) << s2.error().message;
    store::RecordDraft d;
    d.kind = kind;
    d.resident_id = "r1";
    d.text_version_id = "pvt-e2e-nl-1";
    d.decision = "given";
    d.device_id = device_id;
    d.expected_gemeentecode = "GM0363";
    d.public_json = "{\"resident_id\":\"r1\"}";
    d.sensitive = json{{"resident_id", "r1"}, {"kind", kind}}.dump();
    auto c = s2.value()->commit_sealed(d, device_key);
    ASSERT_TRUE(c.ok()) << c.error().message;
  };
  // GM0363's receiver restarted on another of its keys ("" = its first key).
  const auto serve_with = [&](const std::string& tls_dir) {
    InboxOptions with = o;
    with.tls_dir = tls_dir;
    gm0363->stop();
    gm0363->restart(inbox_pki, with);
  };
  serve_with("GM0363@backup");
  sign("consent.rotation-1");
  terminal({syncd, "--config", syncd_config, "--once"}, &out);
  EXPECT_EQ(gm0363->records().size(), 2u) << out;
  // COA publishes the rotated pins [backup, next]; the terminal takes them in its next pass and
  // follows the receiver to the next key.
  auto rotated = route(*gm0363);
  rotated["pins"] = {trim(slurp(pki_->dir / "GM0363@backup/pin")), trim(slurp(pki_->dir / "GM0363@next/pin"))};
  cfg["routes"] = json::array({rotated, route(*gm0344)});
  spit(dir_ / "config.json", cfg.dump());
  ASSERT_EQ(coa_->admin({"config", "put", "azc-a", (dir_ / "config.json").string()}, &out), 0) << out;
  terminal({syncd, "--config", syncd_config, "--once"}, &out);
  EXPECT_NE(out.find("bundle version 3 installed"), std::string::npos) << out;
  serve_with("GM0363@next");
  sign("consent.rotation-2");
  terminal({syncd, "--config", syncd_config, "--once"}, &out);
  EXPECT_EQ(gm0363->records().size(), 3u) << out;
  // A key outside the pins (the old one, dropped by the rotation) is refused: the record waits, whole.
  serve_with("");
  sign("consent.rotation-3");
  terminal({syncd, "--config", syncd_config, "--once"}, &out);
  EXPECT_EQ(gm0363->records().size(), 3u) << out;
  EXPECT_NE(out.find("GM0363"), std::string::npos) << out;
  serve_with("GM0363@next");
  terminal({syncd, "--config", syncd_config, "--once"}, &out);
  EXPECT_EQ(gm0363->records().size(), 4u) << out;

  // An update rolled out with this terminal as the canary.
  ASSERT_TRUE(keys().error.empty()) << keys().error;
  std::string log;
  const fs::path b9 = make_bundle(dir_, {.version = 9}, &log);
  ASSERT_FALSE(b9.empty()) << log;
  ASSERT_EQ(coa_->admin({"update", "upload", b9.string()}, &out), 0) << out;
  ASSERT_EQ(coa_->admin({"rollout", "start", "9", device_id}, &out), 0) << out;
  const fs::path upd = dir_ / "balie-update";
  const auto reports = [&] {
    return pg_.psql("SELECT coalesce(string_agg(state, ',' ORDER BY id), '') FROM update_reports WHERE device_id = '" +
                    device_id + "'");
  };
  // Without the installer's drop folder (a development machine) nothing is asked or downloaded.
  terminal({syncd, "--config", syncd_config, "--once"}, &out);
  EXPECT_EQ(reports(), "") << out;
  EXPECT_EQ(out.find("COA update"), std::string::npos) << out;
  // With it: downloaded in the pass, verified, in the drop folder, reported.
  fs::create_directories(upd / "incoming");
  terminal({syncd, "--config", syncd_config, "--once"}, &out);
  EXPECT_NE(out.find("COA update: version 9 downloaded"), std::string::npos) << out;
  ASSERT_TRUE(fs::exists(upd / "incoming/balie-update-9.tar")) << out;
  EXPECT_EQ(sha256_of(slurp(upd / "incoming/balie-update-9.tar")), sha256_of(slurp(b9)));
  EXPECT_EQ(reports(), "downloaded") << out;
  // The installer took the bundle and wrote last-result (image/rootfs/usr/lib/balie/update); the
  // next pass reports it once, and COA offers nothing more.
  fs::remove(upd / "incoming/balie-update-9.tar");
  spit(upd / "last-result", "version=9\nstate=installed\ndetail=slot b written and verified\nboot_id=b1\n");
  terminal({syncd, "--config", syncd_config, "--once"}, &out);
  EXPECT_NE(out.find("COA update: reported installed; none assigned"), std::string::npos) << out;
  terminal({syncd, "--config", syncd_config, "--once"}, &out);
  EXPECT_EQ(reports(), "downloaded,installed") << out;
  // After the next boot balie-health wrote blessed.
  spit(upd / "last-result", "version=9\nstate=blessed\ndetail=healthy boot of version 9\nboot_id=b1\n");
  terminal({syncd, "--config", syncd_config, "--once"}, &out);
  EXPECT_EQ(reports(), "downloaded,installed,blessed") << out;
  EXPECT_FALSE(fs::exists(upd / "incoming/balie-update-9.tar"));
  coa_->admin({"rollout", "show", "9"}, &out);
  const json shown = json::parse(out, nullptr, false);
  ASSERT_TRUE(shown.is_object()) << out;
  EXPECT_EQ(shown["counts"].value("blessed", 0), 1) << out;
}
