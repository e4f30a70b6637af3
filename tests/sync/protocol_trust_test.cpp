// Protocol trust (issue 20, item 5), on loopback with real processes: TLS 1.2 with AEAD suites only
// (or TLS 1.3) on both sides, the routing proof covering the municipality's X25519 sealing key, and
// balie-inbox checking each device's chain whatever the arrival order and refusing sequence numbers
// outside the envelope's range.
#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/ssl.h>

#include <atomic>
#include <climits>

#include "harness.h"

using namespace balie;
using namespace balie::test;
using nlohmann::json;

namespace {

// A municipality endpoint with the right certificate and pin whose TLS is restricted to one TLS 1.2
// cipher suite; it counts every HTTP request that got through the handshake.
class RestrictedTlsEndpoint {
 public:
  RestrictedTlsEndpoint(const Pki& pki, std::string g, const char* cipher)
      : g_(std::move(g)), svr_((pki.dir / g_ / "cert.pem").c_str(), (pki.dir / g_ / "key.pem").c_str()) {
    SSL_CTX_set_min_proto_version(svr_.ssl_context(), TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(svr_.ssl_context(), TLS1_2_VERSION);
    SSL_CTX_set_cipher_list(svr_.ssl_context(), cipher);
    svr_.set_pre_routing_handler([this](const httplib::Request&, httplib::Response& res) {
      ++requests_;
      res.status = 503;
      res.set_content("{}", "application/json");
      return httplib::Server::HandlerResponse::Handled;
    });
    port_ = svr_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { svr_.listen_after_bind(); });
  }
  ~RestrictedTlsEndpoint() {
    svr_.stop();
    thread_.join();
  }
  store::Route route(const Pki& pki) const {
    store::Route r;
    r.gemeentecode = g_;
    r.endpoint_base_url = "https://127.0.0.1:" + std::to_string(port_);
    r.ca_certificate_pem = slurp(pki.dir / "ca.pem");
    r.pinned_public_key = trim(slurp(pki.dir / g_ / "pin"));
    r.ack_verify_key = record::SigningKey::generate().public_key;
    r.box_public_key = record::BoxKey::generate().public_key;
    return r;
  }
  int requests() const { return requests_; }

 private:
  std::string g_;
  httplib::SSLServer svr_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> requests_{0};
};

// GET /v1/health with the curl command-line client (the system's OpenSSL) and the device
// certificate, restricted by `tls_args`; returns "status body" ("000 ..." when the handshake failed).
std::string curl_health(const Pki& pki, const Inbox& ib, const std::vector<std::string>& tls_args,
                        const fs::path& work) {
  std::vector<std::string> argv = {"/usr/bin/curl", "-sS", "--max-time", "20", "--cacert",
                                   (pki.dir / "ca.pem").string(), "-w", "\n%{http_code}", "--cert",
                                   (pki.dir / "device/cert.pem").string(), "--key",
                                   (pki.dir / "device/key.pem").string()};
  argv.insert(argv.end(), tls_args.begin(), tls_args.end());
  argv.push_back(ib.url() + "/v1/health");
  std::string out;
  run(argv, &out, 30);
  (void)work;
  auto nl = out.rfind('\n');
  return nl == std::string::npos ? out : out.substr(nl + 1) + " " + out.substr(0, nl);
}

// POST /v1/records with curl and the device certificate; returns "status body".
std::string curl_post(const Pki& pki, const Inbox& ib, const std::string& body, const fs::path& work) {
  fs::path f = work / "req.bin";
  spit(f, body);
  std::string out;
  run({"/usr/bin/curl", "-sS", "--max-time", "20", "--cacert", (pki.dir / "ca.pem").string(), "-w", "\n%{http_code}",
       "-H", "Content-Type: application/json", "--data-binary", "@" + f.string(), "--cert",
       (pki.dir / "device/cert.pem").string(), "--key", (pki.dir / "device/key.pem").string(), ib.url() + "/v1/records"},
      &out, 30);
  auto nl = out.rfind('\n');
  return nl == std::string::npos ? out : out.substr(nl + 1) + " " + out.substr(0, nl);
}

std::string batch(const std::vector<std::string>& envs) {
  std::string b = "{\"records\":[";
  for (std::size_t i = 0; i < envs.size(); ++i) b += (i ? "," : "") + envs[i];
  return b + "]}";
}

struct Sealed : record::SealedRecord {
  std::string record_id;
};

// A record of the test device for `ib`, chained after (seq_prev, prev_hash).
Sealed seal(const Pki& pki, const Inbox& ib, std::uint64_t seq_prev, const std::string& prev_hash) {
  record::RecordInput in;
  in.record_id = record::new_uuid_v4();
  in.kind = "pvt.ondertekend";
  in.gemeentecode = ib.g;
  in.device_id = pki.device_id;
  in.created_at = std::time(nullptr);
  in.public_json = "{\"resident_id\":\"x\"}";
  in.sensitive = "{\"resident_id\":\"x\"}";
  auto r = record::seal_record(in, pki.device, ib.x_pk, record::ChainHead{seq_prev, prev_hash});
  if (!r.ok()) throw std::runtime_error("seal_record: " + r.error().message);
  return Sealed{*r, in.record_id};
}

int check_chain(const Inbox& ib, std::string* out) {
  return run({bin("balie-inbox").string(), "check-chain", "--db", ib.db.string(), "--db-key-file", inbox_key(ib.db.string()), "--gemeentecode", ib.g}, out);
}

const std::string kZero(64, '0');

}  // namespace

// Before the fix the client offered curl's default list, CBC-SHA1 suites included: the handshake
// succeeded and the identity request reached the endpoint.
TEST(TlsPolicy, TheTerminalRefusesAnEndpointThatOffersOnlyACbcSha1Suite) {
  fs::path work = fresh_dir("trust-tls-client");
  Pki pki(work / "pki", {"GM0363"});
  Kiosk kiosk(pki, work);
  RestrictedTlsEndpoint cbc(pki, "GM0363", "ECDHE-ECDSA-AES128-SHA");
  std::string id;
  {
    auto st = kiosk.open();
    ASSERT_TRUE(st->put_route(cbc.route(pki)));
    id = kiosk.add_record(*st, "GM0363", "res-1");
  }
  std::string out;
  EXPECT_EQ(kiosk.sync_once(&out), 2) << out;  // transient: the next pass tries again
  EXPECT_EQ(cbc.requests(), 0) << "an HTTP request got through a CBC-SHA1 handshake: " << out;
  EXPECT_NE(out.find("TLS handshake failed"), std::string::npos) << out;
  EXPECT_NE(out.find("AEAD"), std::string::npos) << out;
  EXPECT_EQ(kiosk.open()->outbox_state(id).value(), "pending");

  // Control: the same endpoint restricted to a TLS 1.2 AEAD suite completes the handshake (the
  // refusal above is about the suite, not about the certificate or the route).
  RestrictedTlsEndpoint gcm(pki, "GM0363", "ECDHE-ECDSA-AES128-GCM-SHA256");
  ASSERT_TRUE(kiosk.open()->put_route(gcm.route(pki)));
  kiosk.sync_once(&out);
  EXPECT_GT(gcm.requests(), 0) << out;
  EXPECT_EQ(kiosk.open()->outbox_state(id).value(), "pending");
}

// Before the fix balie-inbox accepted a TLS 1.2 client offering only ECDHE-ECDSA-AES128-SHA.
TEST(TlsPolicy, BalieInboxRefusesAClientThatOffersOnlyCbcSha1AndTakesTls13AndTls12Aead) {
  fs::path work = fresh_dir("trust-tls-inbox");
  Pki pki(work / "pki", {"GM0363"});
  auto ib = Inbox::start(pki, "GM0363", work);
  auto cbc = curl_health(pki, *ib, {"--tlsv1.2", "--tls-max", "1.2", "--ciphers", "ECDHE-ECDSA-AES128-SHA"}, work);
  EXPECT_EQ(cbc.substr(0, 3), "000") << cbc;
  EXPECT_NE(cbc.find("handshake failure"), std::string::npos) << cbc;
  auto cbc256 = curl_health(pki, *ib, {"--tlsv1.2", "--tls-max", "1.2", "--ciphers", "ECDHE-ECDSA-AES256-SHA384"}, work);
  EXPECT_EQ(cbc256.substr(0, 3), "000") << cbc256;
  auto gcm = curl_health(pki, *ib, {"--tlsv1.2", "--tls-max", "1.2", "--ciphers", "ECDHE-ECDSA-AES128-GCM-SHA256"}, work);
  EXPECT_EQ(gcm.substr(0, 3), "200") << gcm;
  auto chacha = curl_health(pki, *ib, {"--tlsv1.2", "--tls-max", "1.2", "--ciphers", "ECDHE-ECDSA-CHACHA20-POLY1305"}, work);
  EXPECT_EQ(chacha.substr(0, 3), "200") << chacha;
  auto tls13 = curl_health(pki, *ib, {"--tlsv1.3"}, work);
  EXPECT_EQ(tls13.substr(0, 3), "200") << tls13;
  auto tls11 = curl_health(pki, *ib, {"--tlsv1.1", "--tls-max", "1.1"}, work);
  EXPECT_EQ(tls11.substr(0, 3), "000") << tls11;
}

// Before the fix the identity statement did not name the sealing key: a route whose X25519 key was
// not the municipality's passed the proof, its records went out and came back cannot-open.
TEST(RoutingProof, ARouteWithAnotherSealingKeyIsHeldBeforeAnythingIsSentAndTheRightKeyDelivers) {
  fs::path work = fresh_dir("trust-sealing-key");
  Pki pki(work / "pki", {"GM0363"});
  auto ib = Inbox::start(pki, "GM0363", work);
  Kiosk kiosk(pki, work);
  store::Route wrong = route_for(pki, *ib);
  wrong.box_public_key = record::BoxKey::generate().public_key;  // not GM0363's sealing key
  std::string a;
  {
    auto st = kiosk.open();
    ASSERT_TRUE(st->put_route(wrong));
    a = kiosk.add_record(*st, "GM0363", "res-a");
  }
  for (int pass = 0; pass < 2; ++pass) {
    SCOPED_TRACE(pass);
    std::string out;
    EXPECT_EQ(kiosk.sync_once(&out), 1) << out;  // held: staff must look
    EXPECT_NE(out.find("sealing-key-mismatch"), std::string::npos) << out;
    EXPECT_TRUE(ib->records().empty()) << ib->records().dump();
    auto st = kiosk.open();
    EXPECT_EQ(st->outbox_state(a).value(), "held");
    auto e = st->store().outbox_entry(a);
    ASSERT_TRUE(e.ok() && e.value());
    EXPECT_EQ(e.value()->attempts, 0) << "never sent";
    EXPECT_EQ(e.value()->held_reason.rfind("sealing-key-mismatch: ", 0), 0u) << e.value()->held_reason;
    EXPECT_NE(e.value()->held_reason.find(record::to_hex(ib->x_pk.data(), 32)), std::string::npos)
        << "the reason names the key the municipality signs: " << e.value()->held_reason;
  }
  // What staff and the health document read: the gemeente's status row and the health document
  // written after a pass name the problem.
  std::string status;
  ASSERT_EQ(run({bin("balie-syncd").string(), "--config", kiosk.config.string(), "status"}, &status), 0) << status;
  EXPECT_NE(status.find("sealing-key-mismatch"), std::string::npos) << status;
  const fs::path config_dir = work / "config";
  fs::create_directories(config_dir);
  std::string out;
  EXPECT_EQ(run({"/usr/bin/env", "BALIE_CONFIG_DIR=" + config_dir.string(), bin("balie-syncd").string(), "--config",
                 kiosk.config.string(), "--once"},
                &out),
            1)
      << out;
  EXPECT_NE(slurp(config_dir / "health.json").find("sealing-key-mismatch"), std::string::npos)
      << slurp(config_dir / "health.json");
  EXPECT_TRUE(ib->records().empty());

  // The route corrected: a record sealed to the municipality's key is delivered and opens. The one
  // sealed to the wrong key at signing time can never be opened by GM0363: it is sent once, refused
  // cannot-open and kept failed with that reason (staff see it; nothing is lost silently).
  std::string b;
  {
    auto st = kiosk.open();
    ASSERT_TRUE(st->put_route(route_for(pki, *ib)));
    b = kiosk.add_record(*st, "GM0363", "res-b");
  }
  kiosk.sync_once(&out);
  auto recs = ib->records();
  ASSERT_EQ(recs.size(), 1u) << recs.dump() << out;
  EXPECT_EQ(recs[0]["record_id"], b);
  EXPECT_NE(recs[0].dump().find("res-b"), std::string::npos) << "opened with GM0363's key: " << recs.dump();
  auto st = kiosk.open();
  EXPECT_EQ(st->outbox_state(b).value(), "acknowledged");
  EXPECT_EQ(st->outbox_state(a).value(), "failed");
}

// Before the fix a forked record that arrived after its successor had been stored (as a gap) was
// stored too: the successor's broken link stayed a mere "gap", and the genuine record was refused
// chain-conflict when it came.
TEST(InboxChain, AForkIsRefusedWhicheverOfItsRecordsArrivesFirst) {
  fs::path work = fresh_dir("trust-fork");
  Pki pki(work / "pki", {"GM0363", "GM0344"});
  // GM0363: the successor first (a gap), then the fork, then the genuine record.
  {
    auto ib = Inbox::start(pki, "GM0363", work);
    auto r1 = seal(pki, *ib, 0, kZero);
    auto r2 = seal(pki, *ib, r1.next.seq, r1.next.package_sha256);
    auto fork = seal(pki, *ib, r1.next.seq, r1.next.package_sha256);  // same seq and prev, another record
    auto r3 = seal(pki, *ib, r2.next.seq, r2.next.package_sha256);
    ASSERT_EQ(curl_post(pki, *ib, batch({r1.envelope}), work).substr(0, 3), "200");
    ASSERT_EQ(curl_post(pki, *ib, batch({r3.envelope}), work).substr(0, 3), "200");  // seq 2 not here yet
    auto out = curl_post(pki, *ib, batch({fork.envelope}), work);
    EXPECT_NE(out.find("chain-mismatch"), std::string::npos) << out;
    EXPECT_NE(out.find("fork"), std::string::npos) << out;
    EXPECT_NE(out.find(r3.record_id), std::string::npos) << "names the record it conflicts with: " << out;
    out = curl_post(pki, *ib, batch({r2.envelope}), work);
    EXPECT_NE(out.find("\"stored\""), std::string::npos) << out;
    auto recs = ib->records();
    ASSERT_EQ(recs.size(), 3u) << recs.dump();
    for (const auto& r : recs) {
      EXPECT_NE(r["record_id"], fork.record_id);
      EXPECT_FALSE(r["chain_gap"].get<bool>()) << r.dump();
    }
    std::string cc;
    EXPECT_EQ(check_chain(*ib, &cc), 0) << cc;
  }
  // GM0344: the fork first, then the successor of the genuine record: refused the same way.
  {
    auto ib = Inbox::start(pki, "GM0344", work);
    auto r1 = seal(pki, *ib, 0, kZero);
    auto r2 = seal(pki, *ib, r1.next.seq, r1.next.package_sha256);
    auto fork = seal(pki, *ib, r1.next.seq, r1.next.package_sha256);
    auto r3 = seal(pki, *ib, r2.next.seq, r2.next.package_sha256);
    ASSERT_EQ(curl_post(pki, *ib, batch({r1.envelope, fork.envelope}), work).substr(0, 3), "200");
    auto out = curl_post(pki, *ib, batch({r3.envelope}), work);
    EXPECT_NE(out.find("chain-mismatch"), std::string::npos) << out;
    out = curl_post(pki, *ib, batch({r2.envelope}), work);
    EXPECT_NE(out.find("chain-conflict"), std::string::npos) << out;
    EXPECT_EQ(ib->records().size(), 2u);
  }
}

// Before the fix a seq of 2^63 or more parsed and was stored as a negative number.
TEST(InboxChain, ASequenceNumberOutsideTheEnvelopeRangeIsRejectedAndNothingIsStored) {
  fs::path work = fresh_dir("trust-seq-range");
  Pki pki(work / "pki", {"GM0363"});
  auto ib = Inbox::start(pki, "GM0363", work);
  const std::uint64_t max = static_cast<std::uint64_t>(INT64_MAX);
  for (std::uint64_t prev : {max, max + 1000, std::uint64_t{9999999999999999998u}}) {
    SCOPED_TRACE(prev);
    auto r = seal(pki, *ib, prev, std::string(64, '1'));
    auto out = curl_post(pki, *ib, batch({r.envelope}), work);
    EXPECT_EQ(out.substr(0, 3), "400") << out;
    EXPECT_NE(out.find("malformed-envelope"), std::string::npos) << out;
    EXPECT_NE(out.find("9223372036854775807"), std::string::npos) << "names the range: " << out;
  }
  EXPECT_TRUE(ib->records().empty()) << ib->records().dump();
  // The largest seq in range is taken (as a gap: its predecessor is not here).
  auto top = seal(pki, *ib, max - 1, std::string(64, '1'));
  auto out = curl_post(pki, *ib, batch({top.envelope}), work);
  EXPECT_NE(out.find("\"stored\""), std::string::npos) << out;
  auto recs = ib->records();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0]["seq"].get<std::int64_t>(), INT64_MAX);
}
