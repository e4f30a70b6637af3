// The health document (issue 14 item 4) on real parts: generated from a real encrypted store full of
// (demo) residents with records, validated against store/schemas/health.schema.json by
// python3-jsonschema, searched for every resident's name, BSN, V-nummer and client number; probes
// fed with files of the test; balie-syncd writing <config_dir>/health.json after a real pass to a real
// balie-inbox, and taking the staff request <state_dir>/sync-now (as --once and as a daemon).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "balie/platform/dutch_calendar.h"
#include "balie/record/deadline.h"
#include "balie/store/health.h"
#include "harness.h"

using namespace balie;
using namespace balie::test;

namespace {

const fs::path kSchema = fs::path(BALIE_SOURCE_DIR) / "store/schemas/health.schema.json";
const fs::path kValidator = fs::path(BALIE_SOURCE_DIR) / "tests/sync/validate_schema.py";

// python3-jsonschema on the written document: "" when valid, else its report.
std::string schema_problems(const fs::path& doc) {
  std::string out;
  int rc = run({"/usr/bin/python3", kValidator.string(), kSchema.string(), doc.string()}, &out);
  return rc == 0 ? std::string() : "exit " + std::to_string(rc) + ": " + out;
}

// Probe files of the test's own, so the document's system part is known.
store::HealthInputs probes(const fs::path& dir, const fs::path& state_dir, bool terminal_like) {
  store::HealthInputs in;
  in.now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  in.state_dir = state_dir;
  fs::create_directories(dir / "probe");
  in.image_version_file = dir / "probe/version";
  in.os_release_file = dir / "probe/os-release";
  in.tpm_version_file = dir / "probe/tpm_version_major";
  in.mountinfo_file = dir / "probe/mountinfo";
  in.last_update_file = dir / "probe/last-result";
  if (terminal_like) {
    spit(in.image_version_file, "1764930000\n");
    spit(in.tpm_version_file, "2\n");
    spit(in.last_update_file, "installed 1764930000 into slot b\n");
    spit(in.mountinfo_file,
         "22 1 253:0 / / ro,relatime shared:1 - squashfs /dev/mapper/root ro\n"
         "30 22 253:1 / " + state_dir.parent_path().string() +
             " rw,nosuid,nodev shared:9 - ext4 /dev/mapper/balie-data rw\n"
             "31 22 0:25 / /tmp rw shared:10 - tmpfs tmpfs rw\n");
    in.bundle_version = 3;
    in.kiosk_restarts = 1;
  } else {
    spit(in.os_release_file, "ID=balie\nIMAGE_VERSION=\"2026.12\"\n");
    spit(in.mountinfo_file, "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n");
  }
  return in;
}

}  // namespace

TEST(HealthDocument, StoreFullOfResidentsGivesNoPersonalDataAndMatchesSchema) {
  fs::path work = fresh_dir("health-residents");
  Pki pki(work / "pki", {"GM0363"});
  Kiosk kiosk(pki, work);
  auto st = kiosk.open();
  ASSERT_TRUE(store::seed_demo_data(st->store()).value());
  auto residents = st->store().list_residents().value();
  ASSERT_GE(residents.size(), 5u);
  // Records for demo residents linked to GM0363 (routes and sealing keys from the demo data), the
  // oldest made at a pinned time so its deadline is known.
  const std::time_t made = std::time(nullptr) - 3 * 86400;
  std::vector<std::string> ids;
  for (const auto& r : residents)
    if (r.gemeentecode == "GM0363" && ids.size() < 3)
      ids.push_back(kiosk.add_record(*st, "GM0363", r.id, ids.empty() ? made : 0));
  ASSERT_EQ(ids.size(), 3u);
  ASSERT_TRUE(st->store().mark_held(ids[2], "route GM0363 has no pin"));
  ASSERT_TRUE(st->store().record_sync_error("GM0363", store::UtcTime(std::chrono::seconds(std::time(nullptr))),
                                            "network: connect to inbox.example timed out"));

  auto in = probes(work, kiosk.dir, true);
  auto doc = store::health_json(in, st->store());
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  spit(work / "health.json", doc.value());
  EXPECT_EQ(schema_problems(work / "health.json"), "");

  // No personal data: no name (either script), BSN, V-nummer, client number or room of anybody.
  const std::string& text = doc.value();
  int checked = 0;
  for (const auto& r : residents)
    for (const std::string* v : {&r.naam_latijns, &r.naam_eigen_schrift, &r.bsn, &r.v_nummer, &r.gemeente_client_id})
      if (v->size() >= 4) {
        EXPECT_EQ(text.find(*v), std::string::npos) << "personal data in the health document: " << *v;
        ++checked;
      }
  EXPECT_GE(checked, 20);
  EXPECT_EQ(text.find("999990019"), std::string::npos);  // the sealed BSN of the records

  auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j["format"], "balie-health");
  EXPECT_EQ(j["versions"]["image"], "1764930000");
  EXPECT_EQ(j["versions"]["software"], store::software_version());
  EXPECT_EQ(j["versions"]["bundle"], 3);
  EXPECT_EQ(j["kiosk_restarts"], 1);
  EXPECT_EQ(j["tpm"]["present"], true);
  EXPECT_EQ(j["tpm"]["version_major"], 2);
  EXPECT_EQ(j["data_unlock"]["unlocked"], true);
  EXPECT_EQ(j["data_unlock"]["mount_point"], kiosk.dir.parent_path().string());
  EXPECT_EQ(j["last_update"]["result"], "installed 1764930000 into slot b");
  EXPECT_GT(j["disk"]["free_bytes"].get<long long>(), 0);
  EXPECT_EQ(j["outbox"]["waiting"], 2);
  EXPECT_EQ(j["outbox"]["held"], 1);
  nlohmann::json gm;
  for (const auto& m : j["municipalities"])
    if (m["gemeentecode"] == "GM0363") gm = m;
  ASSERT_FALSE(gm.is_null()) << text;
  EXPECT_EQ(gm["waiting"], 2);
  EXPECT_EQ(gm["held"], 1);
  EXPECT_EQ(gm["held_reason"], "route GM0363 has no pin");
  EXPECT_EQ(gm["last_error"], "network: connect to inbox.example timed out");
  EXPECT_TRUE(gm["last_success"].is_null());
  const auto dl = record::registration_deadline(std::chrono::system_clock::from_time_t(made),
                                                std::chrono::system_clock::time_point(in.now));
  EXPECT_EQ(gm["oldest_waiting"]["created_at"], record::format_utc(made));
  EXPECT_EQ(gm["oldest_waiting"]["deadline"], calendar::to_iso(dl.last_day));
  EXPECT_EQ(gm["oldest_waiting"]["working_days_left"], dl.working_days_left);
  EXPECT_EQ(j["outbox"]["earliest_deadline"], calendar::to_iso(dl.last_day));
}

TEST(HealthDocument, UnenrolledTerminalAndMissingProbesStillMatchSchema) {
  fs::path work = fresh_dir("health-empty");
  Pki pki(work / "pki", {"GM0363"});
  Kiosk kiosk(pki, work);
  auto st = kiosk.open();
  auto in = probes(work, kiosk.dir, false);
  auto doc = store::health_json(in, st->store());
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  spit(work / "health.json", doc.value());
  EXPECT_EQ(schema_problems(work / "health.json"), "");
  auto j = nlohmann::json::parse(doc.value());
  EXPECT_TRUE(j["device"].is_null());
  EXPECT_EQ(j["municipalities"].size(), 0u);
  EXPECT_EQ(j["versions"]["image"], "2026.12");  // os-release IMAGE_VERSION, quotes removed
  EXPECT_TRUE(j["versions"]["bundle"].is_null());
  EXPECT_EQ(j["tpm"]["present"], false);
  EXPECT_EQ(j["data_unlock"]["unlocked"], false);
  EXPECT_EQ(j["data_unlock"]["mount_source"], "/dev/sda1");
  EXPECT_TRUE(j["last_update"].is_null());
  EXPECT_TRUE(j["outbox"]["earliest_deadline"].is_null());
  // Nothing at all to read: "unknown", never an error.
  fs::remove(in.os_release_file);
  auto bare = nlohmann::json::parse(store::health_json(in, st->store()).value());
  EXPECT_EQ(bare["versions"]["image"], "unknown");
  // The schema rejects what it must (the validator can fail): a document with a resident's name.
  j["municipalities"] = {{{"gemeentecode", "GM0363"}, {"naam_latijns", "Salma al-Khayaliya"}}};
  spit(work / "bad.json", j.dump());
  EXPECT_NE(schema_problems(work / "bad.json"), "");
}

// Issue 20: the image's key set (/usr/lib/balie/trust) in the document: no trust file (a build-tree
// run) or anything but keys=production reads as test; a production image reports its fingerprints.
TEST(HealthDocument, KeysSayWhetherTheImageHasTestKeys) {
  fs::path work = fresh_dir("health-keys");
  Pki pki(work / "pki", {"GM0363"});
  Kiosk kiosk(pki, work);
  auto st = kiosk.open();
  auto in = probes(work, kiosk.dir, true);
  auto keys_of = [&](const std::string& name) {
    auto doc = store::health_json(in, st->store());
    EXPECT_TRUE(doc.ok());
    spit(work / (name + ".json"), doc.value());
    EXPECT_EQ(schema_problems(work / (name + ".json")), "") << name;
    return nlohmann::json::parse(doc.value());
  };
  in.trust_file = work / "no-such-trust";
  auto none = keys_of("none");
  EXPECT_EQ(none["keys"], "test");
  EXPECT_EQ(none["trust"]["file_present"], false);
  EXPECT_TRUE(none["trust"]["sb_cert_sha256"].is_null());

  const std::string sb(64, 'a'), pcr1(64, 'b'), pcr2(64, 'c');
  in.trust_file = work / "trust";
  spit(in.trust_file, "keys=production\nsb_cert_sha256=" + sb + "\npcr_policy_pubkey_sha256=" + pcr1 + "," + pcr2 +
                          "\nprovisioning_keys=coa.pub\n");
  auto prod = keys_of("production");
  EXPECT_EQ(prod["keys"], "production");
  EXPECT_EQ(prod["trust"]["file_present"], true);
  EXPECT_EQ(prod["trust"]["sb_cert_sha256"], sb);
  EXPECT_EQ(prod["trust"]["pcr_policy_pubkey_sha256"], pcr1 + "," + pcr2);

  spit(in.trust_file, "keys=test\nsb_cert_sha256=" + sb + "\n");
  EXPECT_EQ(keys_of("test")["keys"], "test");
  spit(in.trust_file, "keys=Production\n");  // not exactly "production": test, fail-safe
  EXPECT_EQ(keys_of("odd")["keys"], "test");

  // The schema knows the field: a document without it, or with another value, is refused.
  prod.erase("keys");
  spit(work / "bad-keys.json", prod.dump());
  EXPECT_NE(schema_problems(work / "bad-keys.json"), "");
  prod["keys"] = "staging";
  spit(work / "bad-keys.json", prod.dump());
  EXPECT_NE(schema_problems(work / "bad-keys.json"), "");
}

namespace {

struct SyncdEnv {
  fs::path work, state, config, runtime;
  std::unique_ptr<Pki> pki;
  std::unique_ptr<Inbox> inbox;
  std::unique_ptr<Kiosk> kiosk;
  explicit SyncdEnv(const std::string& name) {
    work = fresh_dir(name);
    state = work / "state";
    config = work / "config";
    runtime = work / "run";
    for (const auto& d : {state, config, runtime}) fs::create_directories(d);
    pki = std::make_unique<Pki>(work / "pki", std::vector<std::string>{"GM0363"});
    inbox = Inbox::start(*pki, "GM0363", work);
    kiosk = std::make_unique<Kiosk>(*pki, work);
    auto st = kiosk->open();
    EXPECT_TRUE(st->put_route(route_for(*pki, *inbox)));
    kiosk->add_record(*st, "GM0363", "res-1");
    kiosk->add_record(*st, "GM0363", "res-2");
    spit(work / "trust", "keys=production\n");  // the image's key set (BALIE_TRUST_FILE)
  }
  std::vector<std::string> argv(std::vector<std::string> extra) const {
    std::vector<std::string> a = {"/usr/bin/env", "BALIE_STATE_DIR=" + state.string(),
                                  "BALIE_CONFIG_DIR=" + config.string(), "BALIE_RUNTIME_DIR=" + runtime.string(),
                                  "BALIE_TRUST_FILE=" + (work / "trust").string(),
                                  bin("balie-syncd").string(), "--config", kiosk->config.string()};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
};

}  // namespace

TEST(SyncdHealth, EveryPassWritesHealthJsonAndTakesTheStaffRequest) {
  SyncdEnv env("syncd-health");
  spit(env.state / "sync-now", "");
  spit(env.runtime / "sync-now", "");
  std::string out;
  ASSERT_EQ(run(env.argv({"--once"}), &out), 0) << out;
  EXPECT_FALSE(fs::exists(env.state / "sync-now"));
  EXPECT_FALSE(fs::exists(env.runtime / "sync-now"));
  ASSERT_TRUE(fs::exists(env.config / "health.json")) << out;
  struct stat sb {};
  ASSERT_EQ(::stat((env.config / "health.json").c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0644u);
  EXPECT_EQ(schema_problems(env.config / "health.json"), "");
  auto j = nlohmann::json::parse(slurp(env.config / "health.json"));
  ASSERT_EQ(j["municipalities"].size(), 1u);
  EXPECT_EQ(j["municipalities"][0]["waiting"], 0);
  EXPECT_EQ(j["municipalities"][0]["acknowledged"], 2);
  EXPECT_FALSE(j["municipalities"][0]["last_success"].is_null());
  EXPECT_TRUE(j["versions"]["bundle"].is_null());
  EXPECT_EQ(j["keys"], "production");  // balie-syncd reads BALIE_TRUST_FILE
  EXPECT_EQ(env.inbox->records().size(), 2u);
  // The bundle version comes from the store's applied bundle (store_bundle_test checks it through
  // balie-admin health); a stray bundle-version file in the config dir does not count.
  spit(env.config / "bundle-version", "7\n");
  ASSERT_EQ(run(env.argv({"--once"}), &out), 0) << out;
  j = nlohmann::json::parse(slurp(env.config / "health.json"));
  EXPECT_TRUE(j["versions"]["bundle"].is_null());
}

TEST(SyncdHealth, DaemonRunsAPassWhenTheKioskWritesStateDirSyncNow) {
  SyncdEnv env("syncd-daemon-request");
  // The daemon waits for its window (or a request); the kiosk's request is a file in the state dir.
  Proc daemon(env.argv({}), env.work / "daemon.log");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  spit(env.state / "sync-now", "");
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < until &&
         (fs::exists(env.state / "sync-now") || !fs::exists(env.config / "health.json") ||
          env.inbox->records().size() < 2))
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(std::chrono::seconds(20)), 0) << slurp(env.work / "daemon.log");
  EXPECT_FALSE(fs::exists(env.state / "sync-now")) << slurp(env.work / "daemon.log");
  EXPECT_EQ(env.inbox->records().size(), 2u) << slurp(env.work / "daemon.log");
  ASSERT_TRUE(fs::exists(env.config / "health.json"));
  EXPECT_EQ(schema_problems(env.config / "health.json"), "");
}
