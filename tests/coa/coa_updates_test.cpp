// balie-coa updates end to end: real update bundles made by image/bundle.sh (UKIs = systemd-boot's PE
// stub with sections, Secure-Boot-signed by a throw-away key made here with openssl + sbsign), uploaded
// with `balie-coa update upload` into a private PostgreSQL cluster, rolled out through the rings, and
// downloaded and reported by enrolled terminals over mutual TLS. Long mode (a figure, not a check):
// BALIE_COA_UPDATE_MB=50 makes the throughput test use a root image of that many MiB and print MB/s.
#include <gtest/gtest.h>
#include <sodium.h>

#include <chrono>
#include <set>

#include "coa_harness.h"
#include "update_bundles.h"
#include "update_client.h"

using namespace balie::coa::testing;

namespace {

// The percent stage's stable bucket of a device, computed here from its definition.
int bucket_of(const std::string& device_id) {
  const std::string in = "balie-rollout:" + device_id;
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, reinterpret_cast<const unsigned char*>(in.data()), in.size());
  return static_cast<int>(((std::uint32_t{h[0]} << 24) | (std::uint32_t{h[1]} << 16) | (std::uint32_t{h[2]} << 8) | h[3]) %
                          10000);
}

}  // namespace

class CoaUpdates : public CoaUpdateFixture {
 protected:
  void SetUp() override { start_service("coa-upd-"); }
  fs::path bundle(const BundleOptions& o = {}) {
    std::string log;
    auto b = make_bundle(dir_, o, &log);
    EXPECT_FALSE(b.empty()) << log;
    return b;
  }
  int upload(const fs::path& b, std::string* out) { return coa_->admin({"update", "upload", b.string()}, out); }
  // GET /v1/update for a terminal: 204 -> null, 200 -> the offer.
  json offer(const TestTerminal& t) {
    auto r = t.client(*pki_, coa_->terminal_port)->Get("/v1/update");
    EXPECT_TRUE(r);
    if (!r) return nullptr;
    EXPECT_TRUE(r->status == 200 || r->status == 204) << r->status << " " << r->body;
    return r->status == 200 ? json::parse(r->body) : json(nullptr);
  }
  httplib::Result report(const TestTerminal& t, std::int64_t id, std::int64_t version, const std::string& state,
                         const std::string& detail = "") {
    return t.client(*pki_, coa_->terminal_port)
        ->Post("/v1/update/report", json{{"update_id", id}, {"version", version}, {"state", state}, {"detail", detail}}.dump(),
               "application/json");
  }

};

TEST_F(CoaUpdates, UploadAcceptsASignedBundleAndRefusesBadSignaturesOldVersionsAndBrokenTars) {
  const fs::path good = bundle({.version = 7});
  std::string out;
  ASSERT_EQ(upload(good, &out), 0) << out;
  EXPECT_NE(out.find("version 7"), std::string::npos) << out;
  const std::string bytes = slurp(good);
  EXPECT_EQ(pg_.psql("SELECT sha256 || ' ' || size FROM updates WHERE version = 7"),
            sha256_of(bytes) + " " + std::to_string(bytes.size()));
  EXPECT_EQ(pg_.psql("SELECT count(*) FROM update_chunks"), std::to_string((bytes.size() + (1 << 20) - 1) >> 20));
  EXPECT_EQ(pg_.psql("SELECT manifest->>'squashfs_size' FROM updates"), "2500000");
  EXPECT_EQ(pg_.psql("SELECT encode(sha256(string_agg(data, ''::bytea ORDER BY idx)), 'hex') FROM update_chunks"),
            sha256_of(bytes));

  // Signed with a key the service does not trust: refused with sbverify's reason, nothing stored.
  const fs::path other = bundle({.version = 8, .signer = "other"});
  EXPECT_EQ(upload(other, &out), 4) << out;
  EXPECT_NE(out.find("not signed by the update signer certificate"), std::string::npos) << out;
  // Equal or older versions are refused.
  EXPECT_EQ(upload(good, &out), 4) << out;
  EXPECT_NE(out.find("not newer than the newest uploaded version 7"), std::string::npos) << out;
  EXPECT_EQ(upload(bundle({.version = 6}), &out), 4) << out;
  EXPECT_NE(out.find("not newer"), std::string::npos) << out;
  // Truncated: in the middle of the root image, and just before the end-of-archive blocks.
  const fs::path good9 = bundle({.version = 9});
  const std::string b9 = slurp(good9);
  spit(dir_ / "cut.tar", b9.substr(0, b9.size() / 2));
  EXPECT_EQ(upload(dir_ / "cut.tar", &out), 4) << out;
  EXPECT_NE(out.find("truncated"), std::string::npos) << out;
  std::size_t end = b9.size();
  while (end > 0 && b9[end - 1] == '\0') --end;  // the zero blocks and padding after the last entry
  spit(dir_ / "cut2.tar", b9.substr(0, (end + 511) / 512 * 512));
  EXPECT_EQ(upload(dir_ / "cut2.tar", &out), 4) << out;
  EXPECT_NE(out.find("truncated"), std::string::npos) << out;
  spit(dir_ / "cut3.tar", b9.substr(0, (end + 511) / 512 * 512 + 512));  // one of the two zero blocks
  EXPECT_EQ(upload(dir_ / "cut3.tar", &out), 4) << out;
  EXPECT_NE(out.find("single zero block"), std::string::npos) << out;
  // A root image of another size than the manifest says.
  EXPECT_EQ(upload(bundle({.version = 10, .wrong_size_in_manifest = true}), &out), 4) << out;
  EXPECT_NE(out.find("the manifest says 2500001"), std::string::npos) << out;
  // Not a tar at all; the manifest not first.
  spit(dir_ / "junk.tar", random_bytes(4096));
  EXPECT_EQ(upload(dir_ / "junk.tar", &out), 4) << out;
  EXPECT_NE(out.find("not a tar file"), std::string::npos) << out;
  const fs::path x = dir_ / "x";
  fs::create_directories(x);
  ASSERT_EQ(run({"/bin/tar", "-xf", good9.string(), "-C", x.string()}), 0);
  ASSERT_EQ(run({"/bin/tar", "--format=gnu", "-C", x.string(), "-cf", (dir_ / "order.tar").string(), "balie-a.efi",
                 "manifest", "balie-b.efi", "root.squashfs", "root.verity"}),
            0);
  EXPECT_EQ(upload(dir_ / "order.tar", &out), 4) << out;
  EXPECT_NE(out.find("manifest must be the first entry"), std::string::npos) << out;
  EXPECT_EQ(pg_.psql("SELECT string_agg(version::text, ',') FROM updates"), "7");
  // The unbroken version 9 is still accepted after all that.
  ASSERT_EQ(upload(good9, &out), 0) << out;
  EXPECT_EQ(pg_.psql("SELECT count(*) FROM audit WHERE action = 'update_upload'"), "2");
}

TEST_F(CoaUpdates, RingsAssignCanaryThenAStablePercentThenAllAndRangeDownloadsResume) {
  auto c1 = enrolled("c1");
  std::vector<std::unique_ptr<TestTerminal>> fleet;
  for (int i = 0; i < 6; ++i) fleet.push_back(enrolled("f" + std::to_string(i)));
  const fs::path b = bundle({.version = 7});
  const std::string bytes = slurp(b);
  std::string out;
  ASSERT_EQ(upload(b, &out), 0) << out;
  // Uploaded but not rolled out: nobody gets it.
  EXPECT_TRUE(offer(*c1).is_null());
  EXPECT_EQ(coa_->admin({"rollout", "start", "7", c1->device_id + ",no-such-device"}, &out), 4) << out;
  EXPECT_NE(out.find("no-such-device"), std::string::npos) << out;
  ASSERT_EQ(coa_->admin({"rollout", "start", "7", c1->device_id}, &out), 0) << out;
  json o = offer(*c1);
  ASSERT_TRUE(o.is_object());
  EXPECT_EQ(o["version"], 7);
  EXPECT_EQ(o["sha256"], sha256_of(bytes));
  EXPECT_EQ(o["size"], bytes.size());
  for (const auto& t : fleet) EXPECT_TRUE(offer(*t).is_null()) << t->device_id;
  // A non-canary device may not download it either.
  auto denied = fleet[0]->client(*pki_, coa_->terminal_port)->Get(o["url"].get<std::string>().c_str());
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 403);

  // Download in two parts across a chunk boundary (a resumed download), then compare.
  auto c = c1->client(*pki_, coa_->terminal_port);
  const std::string url = o["url"].get<std::string>();
  auto p1 = c->Get(url.c_str(), {{"Range", "bytes=0-1500000"}});
  ASSERT_TRUE(p1);
  ASSERT_EQ(p1->status, 206) << p1->body;
  EXPECT_EQ(p1->get_header_value("Content-Range"), "bytes 0-1500000/" + std::to_string(bytes.size()));
  EXPECT_EQ(p1->body.size(), 1500001u);
  auto p2 = c->Get(url.c_str(), {{"Range", "bytes=1500001-"}});
  ASSERT_TRUE(p2);
  ASSERT_EQ(p2->status, 206);
  EXPECT_EQ(p2->get_header_value("Content-Range"),
            "bytes 1500001-" + std::to_string(bytes.size() - 1) + "/" + std::to_string(bytes.size()));
  EXPECT_EQ(sha256_of(p1->body + p2->body), sha256_of(bytes));
  auto whole = c->Get(url.c_str());
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->status, 200);
  EXPECT_EQ(whole->body, bytes);
  auto tail = c->Get(url.c_str(), {{"Range", "bytes=-100"}});
  ASSERT_TRUE(tail);
  EXPECT_EQ(tail->status, 206);
  EXPECT_EQ(tail->body, bytes.substr(bytes.size() - 100));
  for (const std::string& bad : {"bytes=" + std::to_string(bytes.size()) + "-", std::string("bytes=10-5"),
                                std::string("bytes=0-1,5-9"), std::string("pages=1-2"), std::string("bytes=-0")}) {
    auto r = c->Get(url.c_str(), {{"Range", bad}});
    ASSERT_TRUE(r) << bad;
    EXPECT_EQ(r->status, 416) << bad << ": " << r->body;
  }
  auto none = c->Get("/v1/update/999/bundle");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 404);

  // Percent: choose it so that some of the fleet falls inside and some outside.
  std::vector<int> buckets;
  for (const auto& t : fleet) buckets.push_back(bucket_of(t->device_id));
  std::vector<int> sorted = buckets;
  std::sort(sorted.begin(), sorted.end());
  const int percent = sorted[2] / 100 + 1;
  ASSERT_EQ(coa_->admin({"rollout", "advance", "7", std::to_string(percent)}, &out), 0) << out;
  EXPECT_NE(out.find("percent " + std::to_string(percent)), std::string::npos) << out;
  std::set<std::string> expected, got;
  for (size_t i = 0; i < fleet.size(); ++i) {
    if (buckets[i] < percent * 100) expected.insert(fleet[i]->device_id);
    if (offer(*fleet[i]).is_object()) got.insert(fleet[i]->device_id);
  }
  EXPECT_EQ(got, expected);
  EXPECT_FALSE(expected.empty());
  EXPECT_LT(expected.size(), fleet.size());
  // Stable: asked again (and by a restarted service) the same devices get it; the canary keeps it.
  coa_->stop();
  coa_->restart();
  std::set<std::string> again;
  for (const auto& t : fleet)
    if (offer(*t).is_object()) again.insert(t->device_id);
  EXPECT_EQ(again, expected);
  EXPECT_TRUE(offer(*c1).is_object());
  EXPECT_EQ(coa_->admin({"rollout", "advance", "7", std::to_string(percent)}, &out), 4) << "percent must grow: " << out;
  ASSERT_EQ(coa_->admin({"rollout", "advance", "7"}, &out), 0) << out;
  EXPECT_NE(out.find("all"), std::string::npos);
  for (const auto& t : fleet) EXPECT_TRUE(offer(*t).is_object()) << t->device_id;
  EXPECT_EQ(coa_->admin({"rollout", "advance", "7"}, &out), 4) << out;
}

TEST_F(CoaUpdates, ReportsAreRecordedAndTwoRollBacksInTheCanaryHaltTheRollout) {
  auto c1 = enrolled("c1");
  auto c2 = enrolled("c2");
  auto c3 = enrolled("c3");
  auto outsider = enrolled("o1");
  std::string out;
  ASSERT_EQ(upload(bundle({.version = 7}), &out), 0) << out;
  ASSERT_EQ(coa_->admin({"rollout", "start", "7", c1->device_id + "," + c2->device_id + "," + c3->device_id}, &out), 0) << out;
  json o = offer(*c1);
  ASSERT_TRUE(o.is_object());
  const std::int64_t id = o["update_id"];

  // A device outside the canary may not report; nor for an unknown update, nor with a wrong version.
  auto r = report(*outsider, id, 7, "downloaded");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403) << r->body;
  EXPECT_NE(r->body.find("not_assigned"), std::string::npos);
  r = report(*c1, id + 100, 7, "downloaded");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  r = report(*c1, id, 8, "downloaded");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  r = report(*c1, id, 7, "exploded");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);

  // c3 goes through; a repeated report is stored once; after blessed it is no longer offered.
  for (const char* s : {"downloaded", "downloaded", "installed", "blessed"}) {
    r = report(*c3, id, 7, s);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
  }
  EXPECT_EQ(pg_.psql("SELECT string_agg(state, ',' ORDER BY id) FROM update_reports WHERE device_id = '" + c3->device_id + "'"),
            "downloaded,installed,blessed");
  EXPECT_EQ(pg_.psql("SELECT state FROM update_device_states WHERE device_id = '" + c3->device_id + "'"), "blessed");
  EXPECT_TRUE(offer(*c3).is_null());

  // One roll-back: below the minimum count of 2, the rollout goes on.
  r = report(*c1, id, 7, "rolled_back", "health check failed");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body)["rollout_halted"], false);
  EXPECT_EQ(pg_.psql("SELECT stage FROM rollouts"), "canary");
  EXPECT_TRUE(offer(*c2).is_object());
  EXPECT_EQ(pg_.psql("SELECT count(*) FROM alerts WHERE kind = 'rolled_back' AND cleared_at IS NULL AND device_id = '" +
                     c1->device_id + "'"),
            "1");
  // The second one (an installer that refused the bundle counts like a roll-back) halts it: nobody is
  // offered the update any more, audit and alerts are written.
  r = report(*c2, id, 7, "failed", "error: slot b does not verify against root hash");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body)["rollout_halted"], true);
  EXPECT_EQ(pg_.psql("SELECT stage || ',' || stopped_in FROM rollouts"), "halted,canary");
  for (const auto* t : {c1.get(), c2.get(), c3.get(), outsider.get()}) EXPECT_TRUE(offer(*t).is_null()) << t->device_id;
  auto dl = c2->client(*pki_, coa_->terminal_port)->Get(o["url"].get<std::string>().c_str(), {{"Range", "bytes=0-9"}});
  ASSERT_TRUE(dl);
  EXPECT_EQ(dl->status, 403);
  EXPECT_EQ(pg_.psql("SELECT string_agg(kind, ',' ORDER BY kind) FROM alerts WHERE cleared_at IS NULL"),
            "rolled_back,update_failed");
  EXPECT_NE(pg_.psql("SELECT detail FROM audit WHERE action = 'rollout_halt'").find("2 of 3 reporting devices rolled back or failed"),
            std::string::npos);
  // Devices of the halted ring may still report what happened to them.
  r = report(*c1, id, 7, "blessed");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(coa_->admin({"rollout", "show", "7"}, &out), 0) << out;
  auto shown = json::parse(out);
  EXPECT_EQ(shown["stage"], "halted");
  EXPECT_EQ(shown["counts"].value("rolled_back", 0), 0);  // c1 was blessed later
  EXPECT_EQ(shown["counts"]["failed"], 1);
  EXPECT_EQ(shown["counts"]["blessed"], 2);
  EXPECT_EQ(coa_->admin({"rollout", "advance", "7"}, &out), 4) << out;
  EXPECT_EQ(coa_->admin({"rollout", "halt", "7"}, &out), 4) << out;

  // A newer version rolls out again; an operator can halt it by hand.
  ASSERT_EQ(upload(bundle({.version = 8}), &out), 0) << out;
  EXPECT_EQ(coa_->admin({"rollout", "start", "7", c1->device_id}, &out), 4) << out;
  ASSERT_EQ(coa_->admin({"rollout", "start", "8", c1->device_id}, &out), 0) << out;
  EXPECT_EQ(offer(*c1)["version"], 8);
  ASSERT_EQ(coa_->admin({"rollout", "halt", "8"}, &out), 0) << out;
  EXPECT_TRUE(offer(*c1).is_null());
}

TEST_F(CoaUpdates, Throughput) {
  // A figure, not a check: BALIE_COA_UPDATE_MB=50 for the report's numbers; by default a small bundle.
  const char* mb = std::getenv("BALIE_COA_UPDATE_MB");
  const std::size_t root = (mb ? std::stoul(mb) : 4) * 1024 * 1024;
  auto t = enrolled("t1");
  const fs::path b = bundle({.version = 7, .root_bytes = root});
  std::string out;
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(upload(b, &out), 0) << out;
  const auto t1 = std::chrono::steady_clock::now();
  ASSERT_EQ(coa_->admin({"rollout", "start", "7", t->device_id}, &out), 0) << out;
  json o = offer(*t);
  ASSERT_TRUE(o.is_object());
  auto c = t->client(*pki_, coa_->terminal_port);
  c->set_read_timeout(120);
  const auto t2 = std::chrono::steady_clock::now();
  auto r = c->Get(o["url"].get<std::string>().c_str());
  const auto t3 = std::chrono::steady_clock::now();
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(sha256_of(r->body), o["sha256"].get<std::string>());
  const double size_mb = static_cast<double>(fs::file_size(b)) / 1e6;
  std::printf("bundle %.1f MB: upload (check + store) %.2f s = %.1f MB/s, download %.2f s = %.1f MB/s\n", size_mb,
              std::chrono::duration<double>(t1 - t0).count(), size_mb / std::chrono::duration<double>(t1 - t0).count(),
              std::chrono::duration<double>(t3 - t2).count(), size_mb / std::chrono::duration<double>(t3 - t2).count());
}

// The terminal side (sync/src/update_client.h) against the real balie-coa.
TEST_F(CoaUpdates, TheTerminalStepResumesVerifiesDeliversAndReports) {
  auto t = enrolled("t1");
  balie::sync::CoaUpdateEndpoint ep;
  ep.base_url = "https://127.0.0.1:" + std::to_string(coa_->terminal_port);
  ep.ca_pem = slurp(pki_->dir / "ca.pem");
  ep.pins = {pki_->pin("coa-terminal"), pki_->pin("coa-backup")};
  ep.cert_pem = slurp(t->dir / "cert.pem");
  ep.key_pem = slurp(t->dir / "tls-key.pem");
  balie::sync::UpdateClientPaths paths{dir_ / "state", dir_ / "balie-update/incoming", dir_ / "balie-update/last-result"};
  using K = balie::sync::UpdateStep::Kind;

  auto s = balie::sync::run_update_step(ep, paths);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->kind, K::NothingAssigned);
  const fs::path b7 = bundle({.version = 7});
  const std::string bytes = slurp(b7);
  std::string out;
  ASSERT_EQ(upload(b7, &out), 0) << out;
  ASSERT_EQ(coa_->admin({"rollout", "start", "7", t->device_id}, &out), 0) << out;
  const json o = offer(*t);
  ASSERT_TRUE(o.is_object());

  // Not enough room beside the store (the reserve cannot be kept): nothing is fetched or reported.
  {
    auto tight = paths;
    tight.reserve_bytes = fs::space(dir_).available + (1ull << 40);
    auto refused = balie::sync::run_update_step(ep, tight);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().message.find("not enough free space"), std::string::npos) << refused.error().message;
    EXPECT_FALSE(fs::exists(paths.state_dir / "update-partial") && fs::file_size(paths.state_dir / "update-partial") > 0);
    EXPECT_EQ(pg_.psql("SELECT count(*) FROM update_reports"), "0");
  }

  // A pass that was cut off after 1.2 MB: the next one fetches only the rest.
  const std::size_t cut = 1'200'000;
  spit(paths.state_dir / "update-partial", bytes.substr(0, cut));
  spit(paths.state_dir / "update-partial.json",
       json{{"update_id", o["update_id"]}, {"version", 7}, {"sha256", o["sha256"]}, {"size", bytes.size()}}.dump());
  s = balie::sync::run_update_step(ep, paths);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->kind, K::Delivered);
  EXPECT_EQ(s->bytes_downloaded, bytes.size() - cut);
  EXPECT_EQ(s->delivered, paths.incoming / "balie-update-7.tar");
  EXPECT_EQ(sha256_of(slurp(paths.incoming / "balie-update-7.tar")), sha256_of(bytes));
  // Readable by the drop folder's group (the installer on the terminal), by nobody else.
  EXPECT_EQ(fs::status(paths.incoming / "balie-update-7.tar").permissions(),
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  EXPECT_FALSE(fs::exists(paths.state_dir / "update-partial"));
  EXPECT_EQ(pg_.psql("SELECT string_agg(state, ',') FROM update_reports"), "downloaded");
  // Again: nothing to fetch, nothing reported twice.
  s = balie::sync::run_update_step(ep, paths);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->kind, K::AlreadyDelivered);
  EXPECT_EQ(pg_.psql("SELECT count(*) FROM update_reports"), "1");
  // The installer ran and the boot was blessed: reported once, and COA offers nothing more.
  spit(paths.last_result, "version=7\nstate=blessed\ndetail=slot b\n");
  s = balie::sync::run_update_step(ep, paths);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->reported, "blessed");
  EXPECT_EQ(s->kind, K::NothingAssigned);
  s = balie::sync::run_update_step(ep, paths);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->reported, "");
  EXPECT_EQ(pg_.psql("SELECT string_agg(state || ':' || detail, ',' ORDER BY id) FROM update_reports"), "downloaded:,blessed:slot b");

  // A partial file with wrong bytes: verification fails, it is thrown away, the next pass delivers.
  const fs::path b8 = bundle({.version = 8});
  ASSERT_EQ(upload(b8, &out), 0) << out;
  ASSERT_EQ(coa_->admin({"rollout", "start", "8", t->device_id}, &out), 0) << out;
  const json o8 = offer(*t);
  ASSERT_TRUE(o8.is_object());
  spit(paths.state_dir / "update-partial", random_bytes(cut));
  spit(paths.state_dir / "update-partial.json",
       json{{"update_id", o8["update_id"]}, {"version", 8}, {"sha256", o8["sha256"]}, {"size", o8["size"]}}.dump());
  s = balie::sync::run_update_step(ep, paths);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, balie::record::Errc::crypto) << s.error().message;
  EXPECT_FALSE(fs::exists(paths.state_dir / "update-partial"));
  EXPECT_FALSE(fs::exists(paths.incoming / "balie-update-8.tar"));
  s = balie::sync::run_update_step(ep, paths);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->kind, K::Delivered);
  EXPECT_EQ(slurp(paths.incoming / "balie-update-8.tar"), slurp(b8));

  // COA's listener must carry one of the pinned keys.
  ep.pins = {pki_->pin("coa-backup")};
  s = balie::sync::run_update_step(ep, paths);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, balie::record::Errc::tls) << s.error().message;
}
