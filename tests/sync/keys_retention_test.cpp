// Issue 17 items 6 and 7 with real processes and files: balie-inbox's sealing key ring and
// rotate-keys (records sealed before a rotation still open; a crash between the phases leaves a usable
// ring; the path a terminal takes after a rotation), two TLS pins per route (backup certificate),
// deletion requests from the chain with signed receipts, and retention across dates.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>

#include "balie/platform/dutch_calendar.h"
#include "balie/sync/protocol.h"
#include "harness.h"
#include "inbox_storage_key.h"
#include "sql_port.h"

using namespace balie;
using namespace balie::test;
using nlohmann::json;

namespace {

struct Rig {
  fs::path work;
  std::unique_ptr<Pki> pki;
  std::unique_ptr<Inbox> ib;
  std::unique_ptr<Kiosk> kiosk;
  Rig(const std::string& name, const std::vector<std::string>& pki_extra = {}) {
    work = fresh_dir(name);
    std::vector<std::string> gs = {"GM0363"};
    gs.insert(gs.end(), pki_extra.begin(), pki_extra.end());
    pki = std::make_unique<Pki>(work / "pki", gs);
    ib = Inbox::start(*pki, "GM0363", work);
    kiosk = std::make_unique<Kiosk>(*pki, work);
    EXPECT_TRUE(kiosk->open()->put_route(route_for(*pki, *ib)));
  }
  fs::path keys() const { return ib->dir / "keys"; }
  // balie-inbox with these arguments; returns the exit status, output in *out.
  int inbox(std::vector<std::string> args, std::string* out) const {
    args.insert(args.begin(), bin("balie-inbox").string());
    return run(args, out);
  }
  std::vector<std::string> db_args() const { return {"--db", ib->db.string(), "--db-key-file", balie::test::inbox_key(ib->db), "--gemeentecode", "GM0363"}; }
  // GET /v1/identiteit as a terminal (device certificate), optionally naming the route's sealing key:
  // the key the signed statement names.
  std::string proven_key(const std::string& route_key) const {
    const std::string nonce = std::string(64, 'a');
    std::string url = ib->url() + "/v1/identiteit?nonce=" + nonce + (route_key.empty() ? "" : "&x25519_pk=" + route_key);
    std::string out;
    run({"/usr/bin/curl", "-sS", "--max-time", "20", "--cacert", (pki->dir / "ca.pem").string(), "--cert",
         (pki->dir / "device/cert.pem").string(), "--key", (pki->dir / "device/key.pem").string(), url},
        &out, 30);
    auto j = json::parse(out, nullptr, false);
    if (!j.is_object() || !j.contains("x25519_pk")) return "bad answer: " + out;
    const std::string k = j["x25519_pk"];
    if (!record::verify_detached_b64(record::identity_canonical("GM0363", nonce, k), j["signature"].get<std::string>(),
                                     ib->ed_pk))
      return "bad signature";
    return k;
  }
  json ring() const {
    std::string out;
    EXPECT_EQ(inbox({"key-ring", "--keys", keys().string(), "--db", ib->db.string(), "--db-key-file", balie::test::inbox_key(ib->db), "--gemeentecode", "GM0363"}, &out), 0)
        << out;
    return json::parse(out, nullptr, false);
  }
  // The inbox's encrypted database through the receiver's own SQL port (SQLCipher, the test's key).
  std::unique_ptr<inbox::sql::Connection> open_db() const {
    auto key = inbox::load_db_key(balie::test::inbox_key(ib->db));
    EXPECT_TRUE(key) << key.error().message;
    if (!key) return nullptr;
    auto c = inbox::sql::open_sqlcipher(ib->db.string(), key->bytes());
    EXPECT_TRUE(c) << c.error().message;
    return c ? std::move(*c) : nullptr;
  }
  void sql(const std::string& statements) const {
    auto c = open_db();
    ASSERT_TRUE(c);
    auto s = c->exec_script(statements);
    ASSERT_TRUE(s) << s.error().message;
  }
};

std::string hex(const record::Key32& k) { return record::to_hex(k.data(), k.size()); }

std::string mode_of(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return "missing";
  char b[8];
  std::snprintf(b, sizeof b, "%04o", st.st_mode & 07777);
  return b;
}

record::Key32 key_of(const std::string& h) {
  auto b = record::from_hex(h);
  record::Key32 k{};
  std::copy(b->begin(), b->end(), k.begin());
  return k;
}

// Checks a receipt of the chain deletion answer: signed by the municipality's key over the same
// canonical form as a terminal's deletion receipt.
bool receipt_verifies(const json& r, const record::Key32& ed_pk) {
  sync::DeletionReceipt d{r["deletion_id"], r["gemeentecode"], r["device_id"], r["reason"], r["deleted_at"], {}, {}};
  for (const auto& x : r["records"]) d.records.push_back({x["record_id"], x["package_sha256"], x["result"]});
  return record::verify_detached_b64(sync::deletion_receipt_canonical(d), r["signature"].get<std::string>(), ed_pk);
}

std::set<std::string> ids(const json& records) {
  std::set<std::string> s;
  for (const auto& r : records) s.insert(r["record_id"].get<std::string>());
  return s;
}

}  // namespace

// Records a terminal sealed before the rotation still open; the terminal keeps syncing (its route's
// key is proven while it is in the ring) and, once its route carries the new key (COA's next bundle),
// seals to the new key. A terminal that does not name its key is told the current key.
TEST(KeyRing, RecordSealedBeforeRotationStillOpensAndNewOnesSealToTheNewKey) {
  Rig rig("keys-rotate");
  const std::string old_key = hex(rig.ib->x_pk);
  std::string before_id, out;
  {
    auto st = rig.kiosk->open();
    before_id = rig.kiosk->add_record(*st, "GM0363", "res-before");  // sealed to the old key, not sent yet
  }
  ASSERT_EQ(rig.inbox({"rotate-keys", "--keys", rig.keys().string()}, &out), 0) << out;  // inbox keeps running
  auto rotated = json::parse(out);
  ASSERT_EQ(rotated["keys"].size(), 2u) << out;
  const std::string new_key = rotated["keys"][0]["x25519_pk"];
  EXPECT_NE(new_key, old_key);
  EXPECT_EQ(rotated["keys"][1]["x25519_pk"], old_key);
  // Every key file 0600; the older box.seed moved into the ring.
  EXPECT_EQ(mode_of(rig.keys() / "box/ring"), "0600");
  for (const auto& k : rotated["keys"])
    EXPECT_EQ(mode_of(rig.keys() / "box" / (k["id"].get<std::string>() + ".seed")), "0600") << k;
  EXPECT_FALSE(fs::exists(rig.keys() / "box.seed"));
  ASSERT_EQ(rig.inbox({"pubkeys", "--keys", rig.keys().string()}, &out), 0) << out;
  EXPECT_EQ(json::parse(out)["x25519_pk"], new_key);

  // The running inbox picked up the ring: a terminal naming no key is told the new one; one naming a
  // key of the ring is told that key; one naming an unknown key is told the current one.
  EXPECT_EQ(rig.proven_key(""), new_key);
  EXPECT_EQ(rig.proven_key(old_key), old_key);
  EXPECT_EQ(rig.proven_key(std::string(64, 'e')), new_key);

  ASSERT_EQ(rig.kiosk->sync_once(&out), 0) << out;
  auto recs = rig.ib->records();
  ASSERT_EQ(recs.size(), 1u) << recs.dump();
  EXPECT_EQ(recs[0]["record_id"], before_id);
  EXPECT_EQ(recs[0]["sensitive"]["bsn"], "999990019");  // opened with the previous key
  EXPECT_EQ(*rig.kiosk->open()->outbox_state(before_id), "acknowledged");
  auto ring = rig.ring();
  const std::string old_id = old_key.substr(0, 16), new_id = new_key.substr(0, 16);
  EXPECT_EQ(ring["opened_records"][old_id]["records"], 1) << ring.dump();

  // COA's next bundle brings the new key: new records seal to it and the current key opens them.
  {
    auto st = rig.kiosk->open();
    auto r = route_for(*rig.pki, *rig.ib);
    r.box_public_key = key_of(new_key);
    ASSERT_TRUE(st->put_route(r));
    rig.kiosk->add_record(*st, "GM0363", "res-after");
  }
  ASSERT_EQ(rig.kiosk->sync_once(&out), 0) << out;
  EXPECT_EQ(rig.ib->records().size(), 2u);
  ring = rig.ring();
  EXPECT_EQ(ring["opened_records"][new_id]["records"], 1) << ring.dump();
  EXPECT_EQ(ring["opened_records"][old_id]["records"], 1) << ring.dump();

  // The inbox restarted reads the ring from disk (no box.seed any more).
  rig.ib->stop();
  rig.ib->restart(*rig.pki);
  EXPECT_EQ(rig.proven_key(""), new_key);
}

// A key rotated away from because it was compromised still opens what was sealed to it, but is never
// proven again: a terminal whose route still has it holds its records (sealing-key-mismatch) until its
// route is corrected, then delivers them.
TEST(KeyRing, CompromisedKeyIsNotProvenAndTheTerminalHoldsUntilItsRouteIsCorrected) {
  Rig rig("keys-compromised");
  const std::string old_key = hex(rig.ib->x_pk);
  std::string id, out;
  {
    auto st = rig.kiosk->open();
    id = rig.kiosk->add_record(*st, "GM0363", "res-c");
  }
  ASSERT_EQ(rig.inbox({"rotate-keys", "--keys", rig.keys().string(), "--compromised"}, &out), 0) << out;
  const std::string new_key = json::parse(out)["keys"][0]["x25519_pk"];
  EXPECT_FALSE(json::parse(out)["keys"][1]["prove"].get<bool>());
  EXPECT_EQ(rig.proven_key(old_key), new_key);
  EXPECT_EQ(rig.kiosk->sync_once(&out), 1) << out;
  EXPECT_NE(out.find("sealing-key-mismatch"), std::string::npos) << out;
  EXPECT_TRUE(rig.ib->records().empty());
  EXPECT_EQ(*rig.kiosk->open()->outbox_state(id), "held");
  {
    auto st = rig.kiosk->open();
    auto r = route_for(*rig.pki, *rig.ib);
    r.box_public_key = key_of(new_key);
    ASSERT_TRUE(st->put_route(r));
  }
  ASSERT_EQ(rig.kiosk->sync_once(&out), 0) << out;
  auto recs = rig.ib->records();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0]["sensitive"]["bsn"], "999990019");  // sealed to the old key, opened by it
}

// rotate-keys killed between writing the new seed and switching the ring: the old ring stays in
// force (records sealed to it open), and the next rotation completes normally.
TEST(KeyRing, CrashBetweenThePhasesLeavesAUsableRing) {
  Rig rig("keys-crash");
  const std::string old_key = hex(rig.ib->x_pk);
  std::string out;
  for (int round = 0; round < 2; ++round) {  // 0: from the older box.seed layout, 1: from a ring
    SCOPED_TRACE(round);
    const std::string current = rig.proven_key("");
    ::setenv("BALIE_INBOX_TEST_CRASH", "after-seed", 1);
    const int rc = rig.inbox({"rotate-keys", "--keys", rig.keys().string()}, &out);
    ::unsetenv("BALIE_INBOX_TEST_CRASH");
    EXPECT_EQ(rc, 75) << out;
    EXPECT_EQ(rig.proven_key(""), current);  // the switch did not happen
    ASSERT_EQ(rig.inbox({"pubkeys", "--keys", rig.keys().string()}, &out), 0) << out;
    EXPECT_EQ(json::parse(out)["x25519_pk"], current);
    {
      auto st = rig.kiosk->open();
      rig.kiosk->add_record(*st, "GM0363", "res-crash-" + std::to_string(round));
    }
    ASSERT_EQ(rig.kiosk->sync_once(&out), 0) << out;
    EXPECT_EQ(rig.ib->records().size(), static_cast<std::size_t>(round + 1));
    ASSERT_EQ(rig.inbox({"rotate-keys", "--keys", rig.keys().string()}, &out), 0) << out;
    auto r = json::parse(out);
    EXPECT_EQ(r["keys"].size(), static_cast<std::size_t>(round + 2)) << out;
    EXPECT_EQ(r["keys"].back()["x25519_pk"], old_key);
  }
  for (const auto& e : fs::directory_iterator(rig.keys() / "box")) EXPECT_EQ(mode_of(e.path()), "0600") << e.path();
  const std::string serving = rig.proven_key("");  // the serving inbox has read the last rotation
  // A ring that names a missing seed is refused with a clear error; the serving inbox keeps its ring.
  const std::string ring_text = slurp(rig.keys() / "box/ring");
  auto broken = json::parse(ring_text);
  broken["previous"].push_back("0123456789abcdef");
  spit(rig.keys() / "box/ring.new", broken.dump());
  fs::permissions(rig.keys() / "box/ring.new", fs::perms::owner_read | fs::perms::owner_write);
  fs::rename(rig.keys() / "box/ring.new", rig.keys() / "box/ring");
  EXPECT_EQ(rig.inbox({"key-ring", "--keys", rig.keys().string()}, &out), 1);
  EXPECT_NE(out.find("0123456789abcdef.seed"), std::string::npos) << out;
  EXPECT_EQ(serving.substr(0, 16), json::parse(ring_text)["current"].get<std::string>());
  EXPECT_EQ(rig.proven_key(""), serving);
}

// Routes carry two pins (primary; backup), as COA's bundle gives them: the inbox moving to its
// backup certificate strands nothing; a certificate matching neither pin is refused.
TEST(TwoPins, InboxOnItsBackupCertificateKeepsSyncingOneMatchingNeitherIsRefused) {
  Rig rig("keys-pins", {"GM0363@backup", "GM0363@other"});
  {
    auto st = rig.kiosk->open();
    auto r = route_for(*rig.pki, *rig.ib);
    r.pinned_public_key = trim(slurp(rig.pki->dir / "GM0363/pin")) + ";" + trim(slurp(rig.pki->dir / "GM0363@backup/pin"));
    ASSERT_TRUE(st->put_route(r));
    rig.kiosk->add_record(*st, "GM0363", "res-p1");
  }
  std::string out;
  ASSERT_EQ(rig.kiosk->sync_once(&out), 0) << out;
  EXPECT_EQ(rig.ib->records().size(), 1u);
  // The municipality switches to its backup certificate (another key).
  rig.ib->stop();
  InboxOptions backup;
  backup.tls_dir = "GM0363@backup";
  rig.ib->restart(*rig.pki, backup);
  {
    auto st = rig.kiosk->open();
    rig.kiosk->add_record(*st, "GM0363", "res-p2");
  }
  ASSERT_EQ(rig.kiosk->sync_once(&out), 0) << out;
  EXPECT_EQ(rig.ib->records().size(), 2u);
  // A certificate of the right CA and name but a key neither pin names: refused, nothing sent.
  rig.ib->stop();
  InboxOptions other;
  other.tls_dir = "GM0363@other";
  rig.ib->restart(*rig.pki, other);
  std::string id;
  {
    auto st = rig.kiosk->open();
    id = rig.kiosk->add_record(*st, "GM0363", "res-p3");
  }
  EXPECT_EQ(rig.kiosk->sync_once(&out), 1) << out;
  EXPECT_NE(out.find("TLS refused"), std::string::npos) << out;
  EXPECT_EQ(rig.ib->records().size(), 2u);
  EXPECT_EQ(*rig.kiosk->open()->outbox_state(id), "held");
}

// Deletion requests from the chain: by record and by resident, for each reason; the receipt verifies
// under the municipality's key, the record and what derives from it are gone, the chain still checks,
// and the same request again answers the same.
TEST(ChainDeletion, DeletesRecordAndDerivedDataSignsAReceiptAndAnswersARepeatTheSame) {
  Rig rig("keys-delete");
  std::string a1, a2, b1, c1, out;
  {
    auto st = rig.kiosk->open();
    a1 = rig.kiosk->add_record(*st, "GM0363", "res-a");
    b1 = rig.kiosk->add_record(*st, "GM0363", "res-b");
    a2 = rig.kiosk->add_record(*st, "GM0363", "res-a");
    c1 = rig.kiosk->add_record(*st, "GM0363", "res-c");
  }
  ASSERT_EQ(rig.kiosk->sync_once(&out), 0) << out;
  ASSERT_EQ(rig.ib->records().size(), 4u);
  // The DUO registration state (the duo part's table, as the shared schema defines it).
  rig.sql("INSERT INTO duo_registrations VALUES('" + b1 + "','b-1','accepted',1,200,'',0,0,0,'2026-01-01');"
          "INSERT INTO duo_registrations VALUES('" + c1 + "','c-1','pending',0,NULL,NULL,0,NULL,NULL,'2026-01-01');");
  auto del = [&](std::vector<std::string> sel, const std::string& reason, std::string* o) {
    std::vector<std::string> a = {"delete"};
    for (auto& x : rig.db_args()) a.push_back(x);
    a.insert(a.end(), {"--keys", rig.keys().string(), "--reason", reason});
    a.insert(a.end(), sel.begin(), sel.end());
    return rig.inbox(a, o);
  };
  // Bad requests: clear errors, nothing deleted.
  EXPECT_EQ(del({"--record-id", b1}, "because", &out), 2) << out;
  EXPECT_NE(out.find("--reason must be"), std::string::npos) << out;
  EXPECT_EQ(del({"--record-id", b1, "--resident-id", "res-b"}, "wrongly-imposed", &out), 2) << out;
  EXPECT_EQ(del({"--record-id", "00000000-0000-4000-8000-000000000000"}, "wrongly-imposed", &out), 1) << out;
  EXPECT_NE(out.find("not held"), std::string::npos) << out;
  EXPECT_EQ(del({"--resident-id", "res-nobody"}, "resident-request", &out), 1) << out;
  EXPECT_EQ(rig.ib->records().size(), 4u);

  // One record, wrongly imposed obligation.
  ASSERT_EQ(del({"--record-id", b1}, "wrongly-imposed", &out), 0) << out;
  const std::string first = out;
  auto ans = json::parse(out);
  ASSERT_EQ(ans["receipts"].size(), 1u) << out;
  const auto& rc = ans["receipts"][0];
  EXPECT_TRUE(receipt_verifies(rc, rig.ib->ed_pk)) << out;
  EXPECT_EQ(rc["reason"], "wrongly-imposed");
  EXPECT_EQ(rc["device_id"], rig.pki->device_id);
  ASSERT_EQ(rc["records"].size(), 1u);
  EXPECT_EQ(rc["records"][0]["record_id"], b1);
  EXPECT_EQ(rc["records"][0]["result"], "deleted");
  auto tampered = rc;
  tampered["records"][0]["record_id"] = a1;
  EXPECT_FALSE(receipt_verifies(tampered, rig.ib->ed_pk));
  EXPECT_EQ(ids(rig.ib->records()), (std::set<std::string>{a1, a2, c1}));
  // The same request again: the same answer, byte for byte.
  ASSERT_EQ(del({"--record-id", b1}, "wrongly-imposed", &out), 0) << out;
  EXPECT_EQ(out, first);

  // Every record of a resident, on the resident's request (a1, a2) and the end of the obligation (c1).
  ASSERT_EQ(del({"--resident-id", "res-a"}, "resident-request", &out), 0) << out;
  ans = json::parse(out);
  ASSERT_EQ(ans["receipts"].size(), 1u);
  EXPECT_TRUE(receipt_verifies(ans["receipts"][0], rig.ib->ed_pk));
  EXPECT_EQ(ans["receipts"][0]["records"].size(), 2u);
  EXPECT_EQ(out.find("res-a"), std::string::npos) << "the answer names no resident: " << out;
  ASSERT_EQ(del({"--record-id", c1}, "end-of-obligation", &out), 0) << out;
  EXPECT_TRUE(rig.ib->records().empty());

  // The stubs keep the chain: check-chain is still ok; the deletions list names each reason.
  ASSERT_EQ(rig.inbox({"check-chain", "--db", rig.ib->db.string(), "--db-key-file", balie::test::inbox_key(rig.ib->db), "--gemeentecode", "GM0363"}, &out), 0) << out;
  auto chain = json::parse(out);
  EXPECT_TRUE(chain["ok"].get<bool>()) << out;
  EXPECT_EQ(chain["devices"][0]["deleted"], 4) << out;
  ASSERT_EQ(rig.inbox({"deletions", "--db", rig.ib->db.string(), "--db-key-file", balie::test::inbox_key(rig.ib->db), "--gemeentecode", "GM0363"}, &out), 0) << out;
  EXPECT_NE(out.find("wrongly-imposed"), std::string::npos);
  EXPECT_NE(out.find("resident-request"), std::string::npos);
  EXPECT_NE(out.find("end-of-obligation"), std::string::npos);
  // Derived data is gone (the DUO rows), and no personal data stays in the file.
  {
    auto c = rig.open_db();
    ASSERT_TRUE(c);
    auto n = c->query("SELECT COUNT(*) FROM duo_registrations");
    ASSERT_TRUE(n && !n->empty());
    EXPECT_EQ(n->front().int64(0), 0);
  }
  EXPECT_EQ(slurp(rig.ib->db).find("999990019"), std::string::npos);
  // A terminal sending a deleted record again is refused (never stored twice).
  {
    auto st = rig.kiosk->open();
    rig.kiosk->add_record(*st, "GM0363", "res-d");
  }
  ASSERT_EQ(rig.kiosk->sync_once(&out), 0) << out;
  EXPECT_EQ(rig.ib->records().size(), 1u);
  ASSERT_EQ(rig.inbox({"check-chain", "--db", rig.ib->db.string(), "--db-key-file", balie::test::inbox_key(rig.ib->db), "--gemeentecode", "GM0363"}, &out), 0) << out;
}

// Retention per record kind, run on successive days: PVT evidence goes N days after DUO accepted it
// (never while DUO has not), consent receipts N days after the resident withdrew, feed problems N
// days after receipt; void records and unknown kinds are kept.
TEST(Retention, EachKindGoesOnItsDayAndNothingEarlier) {
  Rig rig("keys-retention");
  const auto now = std::chrono::system_clock::now();
  const auto today = std::chrono::floor<std::chrono::days>(now);
  const std::time_t t_now = std::chrono::system_clock::to_time_t(now);
  std::string p_acc, p_pending, p_none, out;
  {
    auto st = rig.kiosk->open();
    p_acc = rig.kiosk->add_record(*st, "GM0363", "res-r1");
    p_pending = rig.kiosk->add_record(*st, "GM0363", "res-r2");
    p_none = rig.kiosk->add_record(*st, "GM0363", "res-r3");
  }
  ASSERT_EQ(rig.kiosk->sync_once(&out), 0) << out;
  // Consent receipts (given, then withdrawn for res-r1; given for res-r2), sealed and pushed as a
  // terminal does, continuing the device's chain.
  std::string c_given, c_withdrawn, c_other;
  {
    ASSERT_EQ(rig.inbox({"check-chain", "--db", rig.ib->db.string(), "--db-key-file", balie::test::inbox_key(rig.ib->db), "--gemeentecode", "GM0363"}, &out), 0) << out;
    auto recs = rig.ib->records();
    record::ChainHead h{recs.back()["seq"].get<std::uint64_t>(), recs.back()["package_sha256"].get<std::string>()};
    std::vector<std::string> envs;
    for (auto [resident, decision, out_id] : std::vector<std::tuple<std::string, std::string, std::string*>>{
             {"res-r1", "given", &c_given}, {"res-r1", "withdrawn", &c_withdrawn}, {"res-r2", "given", &c_other}}) {
      record::RecordInput in;
      in.record_id = record::new_uuid_v4();
      in.kind = "consent.pid";
      in.gemeentecode = "GM0363";
      in.device_id = rig.pki->device_id;
      in.created_at = t_now;
      in.public_json = "{}";
      in.sensitive = json{{"resident_id", resident}, {"decision", decision}}.dump();
      auto s = record::seal_record(in, rig.pki->device, rig.ib->x_pk, h);
      ASSERT_TRUE(s.ok());
      h = s->next;
      envs.push_back(s->envelope);
      *out_id = in.record_id;
    }
    fs::path f = rig.work / "consent.json";
    spit(f, "{\"records\":[" + envs[0] + "," + envs[1] + "," + envs[2] + "]}");
    ASSERT_EQ(run({"/usr/bin/curl", "-sS", "--fail", "--max-time", "20", "--cacert", (rig.pki->dir / "ca.pem").string(),
                   "--cert", (rig.pki->dir / "device/cert.pem").string(), "--key",
                   (rig.pki->dir / "device/key.pem").string(), "-H", "Content-Type: application/json",
                   "--data-binary", "@" + f.string(), rig.ib->url() + "/v1/records"},
                  &out, 30),
              0)
        << out;
  }
  ASSERT_EQ(rig.ib->records().size(), 6u);
  // DUO accepted p_acc 60 days ago; p_pending waits for DUO; p_none was never registered. Feed
  // problems received 100 and 10 days ago.
  const auto day = [&](int d) { return calendar::to_iso(today + std::chrono::days(d)); };
  rig.sql("INSERT INTO duo_registrations VALUES('" + p_acc + "','b-1','accepted',1,200,'',0,0," +
          std::to_string(t_now - 60 * 86400) + ",'2026-01-01');"
          "INSERT INTO duo_registrations VALUES('" + p_pending + "','b-2','pending',0,NULL,NULL,0,NULL,NULL,'2026-01-01');"
          "INSERT INTO feed_problems VALUES('d','L','r9','feed-item-invalid','x','c1','" + day(-100) + "T10:00:00Z',1);"
          "INSERT INTO feed_problems VALUES('d','L','r9','feed-item-invalid','x','c2','" + day(-10) + "T10:00:00Z',2);");
  auto retention = [&](int offset, bool dry, std::string* o) {
    std::vector<std::string> a = {"retention"};
    for (auto& x : rig.db_args()) a.push_back(x);
    a.insert(a.end(), {"--keys", rig.keys().string(), "--today", day(offset)});
    if (dry) a.push_back("--dry-run");
    return rig.inbox(a, o);
  };
  // Today: only the feed problem of 100 days ago is past its 90 days.
  ASSERT_EQ(retention(0, false, &out), 0) << out;
  auto r = json::parse(out);
  EXPECT_EQ(r["deleted"].size(), 0u) << out;
  EXPECT_EQ(r["feed_problems_deleted"], 1) << out;
  EXPECT_EQ(r["kept"]["pvt: DUO has not accepted it"], 1) << out;
  EXPECT_EQ(r["kept"]["pvt: not registered with DUO"], 1) << out;
  // Day 29: still within both periods (DUO acceptance + 90 = day 30; withdrawal + 30 = day 30).
  ASSERT_EQ(retention(29, false, &out), 0) << out;
  EXPECT_EQ(json::parse(out)["deleted"].size(), 0u) << out;
  EXPECT_EQ(rig.ib->records().size(), 6u);
  // Day 30, dry run: reports, deletes nothing.
  ASSERT_EQ(retention(30, true, &out), 0) << out;
  EXPECT_EQ(json::parse(out)["deleted"].size(), 3u) << out;
  EXPECT_EQ(rig.ib->records().size(), 6u);
  // Day 30: the accepted PVT and both consent receipts of the withdrawn consent go.
  ASSERT_EQ(retention(30, false, &out), 0) << out;
  r = json::parse(out);
  std::set<std::string> gone;
  for (const auto& d : r["deleted"]) gone.insert(d["record_id"].get<std::string>());
  EXPECT_EQ(gone, (std::set<std::string>{p_acc, c_given, c_withdrawn})) << out;
  ASSERT_EQ(r["receipts"].size(), 1u) << out;
  EXPECT_TRUE(receipt_verifies(r["receipts"][0], rig.ib->ed_pk)) << out;
  EXPECT_EQ(r["receipts"][0]["reason"], "retention");
  EXPECT_EQ(ids(rig.ib->records()), (std::set<std::string>{p_pending, p_none, c_other}));
  EXPECT_EQ(r["feed_problems_deleted"], 0) << out;  // the 10-day-old one goes on day 80
  ASSERT_EQ(retention(80, false, &out), 0) << out;
  EXPECT_EQ(json::parse(out)["feed_problems_deleted"], 1) << out;
  EXPECT_EQ(json::parse(out)["deleted"].size(), 0u) << out;
  ASSERT_EQ(rig.inbox({"check-chain", "--db", rig.ib->db.string(), "--db-key-file", balie::test::inbox_key(rig.ib->db), "--gemeentecode", "GM0363"}, &out), 0) << out;
  // Options change the periods; bad values are usage errors.
  ASSERT_EQ(retention(0, true, &out), 0);
  std::vector<std::string> a = {"retention"};
  for (auto& x : rig.db_args()) a.push_back(x);
  a.insert(a.end(), {"--keys", rig.keys().string(), "--pvt-days", "-1"});
  EXPECT_EQ(rig.inbox(a, &out), 2) << out;
}
