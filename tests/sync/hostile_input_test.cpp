// Hostile input against both sync sides (issue 13, item 1), on loopback with real processes:
// deeply nested JSON at balie-inbox from an enrolled and from a non-enrolled (but CA-issued) device,
// and a municipality endpoint (a real HTTPS server in this test, proving its identity like an inbox)
// that answers deep, huge, malformed or stalled push responses while the next municipality in the
// same balie-syncd pass must still get its records.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <set>

#include "harness.h"

using namespace balie;
using namespace balie::test;
using nlohmann::json;

namespace {

std::string deep_arrays(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

// POST /v1/records with curl and a client certificate; returns "status body" ("000 ..." when the
// connection died).
std::string curl_post(const Pki& pki, const Inbox& ib, const std::string& body, const fs::path& cert,
                      const fs::path& key, const fs::path& work) {
  fs::path f = work / "req.bin";
  spit(f, body);
  std::string out;
  run({"/usr/bin/curl", "-sS", "--max-time", "30", "--cacert", (pki.dir / "ca.pem").string(), "-w", "\n%{http_code}",
       "-H", "Content-Type: application/json", "--data-binary", "@" + f.string(), "--cert", cert.string(), "--key",
       key.string(), ib.url() + "/v1/records"},
      &out, 40);
  auto nl = out.rfind('\n');
  return nl == std::string::npos ? out : out.substr(nl + 1) + " " + out.substr(0, nl);
}

bool healthy(const Pki& pki, const Inbox& ib) {
  std::string out;
  return run({"/usr/bin/curl", "-sS", "--max-time", "10", "--cacert", (pki.dir / "ca.pem").string(), "--cert",
              (pki.dir / "device/cert.pem").string(), "--key", (pki.dir / "device/key.pem").string(),
              ib.url() + "/v1/health"},
             &out, 20) == 0 &&
         out.find("UP") != std::string::npos;
}

// A device certificate from the inbox's CA for a device id no inbox has enrolled.
void make_stranger_cert(const Pki& pki, const std::string& id) {
  const std::string d = pki.dir.string();
  std::string out;
  int rc = run({"/bin/bash", "-c",
                "set -e; cd '" + d + "'; mkdir -p stranger; "
                "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out stranger/key.pem 2>/dev/null; "
                "openssl req -new -key stranger/key.pem -subj '/O=Balie kiosk/CN=" + id + "' -out stranger/req.csr; "
                "openssl ca -batch -config ca.cnf -extensions client -in stranger/req.csr -out stranger/cert.pem "
                "-notext -days 30 >/dev/null 2>&1"},
               &out);
  if (rc != 0) throw std::runtime_error("stranger certificate: " + out);
}

}  // namespace

// Before the fix, a ~120k-deep body crashed balie-inbox (stack overflow re-serialising the record)
// before it even looked at enrolment.
TEST(HostileInbox, DeepBodyIsRefusedFromEnrolledAndStrangerDevicesAndTheInboxStaysUp) {
  fs::path work = fresh_dir("hostile-inbox");
  Pki pki(work / "pki", {"GM0363"});
  auto ib = Inbox::start(pki, "GM0363", work);
  make_stranger_cert(pki, "kiosk-stranger-99");
  const std::string deep = "{\"records\":[{\"v\":" + deep_arrays(120000) + "}]}";  // ~240 KB

  // Not enrolled (but the CA issued the certificate): refused before the body is read or parsed.
  auto r = curl_post(pki, *ib, deep, pki.dir / "stranger/cert.pem", pki.dir / "stranger/key.pem", work);
  EXPECT_EQ(r.substr(0, 3), "403") << r.substr(0, 300);
  EXPECT_NE(r.find("unknown-device"), std::string::npos) << r.substr(0, 300);
  ASSERT_TRUE(healthy(pki, *ib)) << slurp(ib->dir / "inbox.log");

  // Enrolled: parsed under the depth limit and refused with a problem naming it.
  r = curl_post(pki, *ib, deep, pki.dir / "device/cert.pem", pki.dir / "device/key.pem", work);
  EXPECT_EQ(r.substr(0, 3), "413") << r.substr(0, 300);
  EXPECT_NE(r.find("deeper than 32 levels"), std::string::npos) << r.substr(0, 300);
  ASSERT_TRUE(healthy(pki, *ib)) << slurp(ib->dir / "inbox.log");

  // Deep inside a well-formed envelope's place, and a deep top-level array: same answer.
  r = curl_post(pki, *ib, deep_arrays(400000), pki.dir / "device/cert.pem", pki.dir / "device/key.pem", work);
  EXPECT_EQ(r.substr(0, 3), "413") << r.substr(0, 300);
  ASSERT_TRUE(healthy(pki, *ib)) << slurp(ib->dir / "inbox.log");

  // The inbox still takes a real record afterwards, and stored nothing from the hostile bodies.
  Kiosk kiosk(pki, work);
  std::string id;
  {
    auto st = kiosk.open();
    ASSERT_TRUE(st->put_route(route_for(pki, *ib)));
    id = kiosk.add_record(*st, "GM0363", "res-1");
  }
  std::string out;
  EXPECT_EQ(kiosk.sync_once(&out), 0) << out;
  auto recs = ib->records();
  ASSERT_EQ(recs.size(), 1u) << recs.dump();
  EXPECT_EQ(recs[0]["record_id"], id);
}

namespace {

// A municipality endpoint that proves its identity correctly (server certificate CN=GM.., pinned key,
// signed identity statement) and then answers every record push in a hostile way.
class HostileEndpoint {
 public:
  enum class Mode { DeepAck, DeepTopLevel, Huge, Malformed, Stall };

  HostileEndpoint(const Pki& pki, std::string g, Mode mode)
      : g_(std::move(g)), mode_(mode), signer_(record::SigningKey::generate()), box_(record::BoxKey::generate()),
        svr_((pki.dir / g_ / "cert.pem").c_str(), (pki.dir / g_ / "key.pem").c_str()) {
    svr_.Get("/v1/identiteit", [this](const httplib::Request& req, httplib::Response& res) {
      std::string nonce = req.get_param_value("nonce");
      const std::string box_pk = record::to_hex(box_.public_key.data(), box_.public_key.size());
      std::string sig = record::sign_detached_b64(record::identity_canonical(g_, nonce, box_pk), signer_);
      res.set_content(json{{"version", 2}, {"gemeentecode", g_}, {"nonce", nonce}, {"x25519_pk", box_pk}, {"signature", sig}}.dump(),
                      "application/json");
    });
    svr_.Post("/v1/records", [this](const httplib::Request&, httplib::Response& res) {
      ++pushes_;
      const std::string id = record::new_uuid_v4();
      switch (mode_) {
        case Mode::DeepAck:  // an acknowledgement entry whose "ack" object nests 400k levels
          res.set_content("{\"acknowledgements\":[{\"record_id\":\"" + id + "\",\"result\":\"stored\",\"ack\":{\"x\":" +
                              deep_arrays(400000) + "}}]}",
                          "application/json");
          break;
        case Mode::DeepTopLevel:
          res.set_content(deep_arrays(400000), "application/json");
          break;
        case Mode::Huge:  // beyond the 16 MiB response limit
          res.set_content("{\"acknowledgements\":[\"" + std::string(17u * 1024 * 1024, 'a') + "\"]}", "application/json");
          break;
        case Mode::Malformed:
          res.set_content("{\"acknowledgements\":[{\"record_id\":", "application/json");
          break;
        case Mode::Stall:  // accepts the request, then sends nothing until the client gives up
          for (int i = 0; i < 200 && !stopping_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
          res.set_content("{\"acknowledgements\":[]}", "application/json");
          break;
      }
    });
    port_ = svr_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { svr_.listen_after_bind(); });
  }
  ~HostileEndpoint() {
    stopping_ = true;
    svr_.stop();
    thread_.join();
  }
  store::Route route(const Pki& pki) const {
    store::Route r;
    r.gemeentecode = g_;
    r.endpoint_base_url = "https://127.0.0.1:" + std::to_string(port_);
    r.ca_certificate_pem = slurp(pki.dir / "ca.pem");
    r.pinned_public_key = trim(slurp(pki.dir / g_ / "pin"));
    r.ack_verify_key = signer_.public_key;
    r.box_public_key = box_.public_key;
    return r;
  }
  int pushes() const { return pushes_; }

 private:
  std::string g_;
  Mode mode_;
  record::SigningKey signer_;
  record::BoxKey box_;
  httplib::SSLServer svr_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> pushes_{0};
  std::atomic<bool> stopping_{false};
};

}  // namespace

// Before the fix, the deep acknowledgement crashed balie-syncd on every pass, so GM0363 (synced after
// GM0344 in the pass) never got its records.
TEST(HostileEndpoint, WhateverOneMunicipalityAnswersTheNextStillGetsItsRecordsInTheSamePass) {
  fs::path work = fresh_dir("hostile-endpoint");
  Pki pki(work / "pki", {"GM0344", "GM0363"});
  struct Case {
    const char* name;
    HostileEndpoint::Mode mode;
    const char* error;  // what balie-syncd reports for GM0344
  };
  const std::vector<Case> cases = {
      {"400k-deep ack", HostileEndpoint::Mode::DeepAck, "deeper than 32 levels"},
      {"400k-deep response", HostileEndpoint::Mode::DeepTopLevel, "deeper than 32 levels"},
      {"17 MiB response", HostileEndpoint::Mode::Huge, "exceeds limit"},
      {"truncated JSON", HostileEndpoint::Mode::Malformed, "not valid JSON"},
      {"stalled response", HostileEndpoint::Mode::Stall, "Timeout was reached"},
  };
  int n = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    fs::path cw = work / ("case-" + std::to_string(n++));
    fs::create_directories(cw);
    auto good = Inbox::start(pki, "GM0363", cw);  // fresh per case: each case's kiosk starts a new chain
    HostileEndpoint bad(pki, "GM0344", c.mode);
    Kiosk kiosk(pki, cw, "AZC-TER-APEL",
                json{{"max_retries", 0}, {"low_speed_time_s", 2}, {"total_timeout_s", 20}, {"connect_timeout_s", 5}});
    std::set<std::string> to_bad, to_good;
    {
      auto st = kiosk.open();
      ASSERT_TRUE(st->put_route(bad.route(pki)));
      ASSERT_TRUE(st->put_route(route_for(pki, *good)));
      for (int i = 0; i < 2; ++i) to_bad.insert(kiosk.add_record(*st, "GM0344", "bad-" + std::to_string(i)));
      for (int i = 0; i < 3; ++i) to_good.insert(kiosk.add_record(*st, "GM0363", "good-" + std::to_string(i)));
    }
    std::string out;
    const int rc = kiosk.sync_once(&out, 90);
    EXPECT_EQ(rc, 2) << out;  // transient for GM0344 (next pass retries), never a crash
    EXPECT_GE(bad.pushes(), 1);
    EXPECT_NE(out.find("GM0344: sent 2"), std::string::npos) << out;
    EXPECT_NE(out.find(c.error), std::string::npos) << out;
    EXPECT_NE(out.find("GM0363: sent 3, acknowledged 3"), std::string::npos) << out;
    std::set<std::string> at_good;
    for (const auto& r : good->records())
      if (to_good.count(r["record_id"].get<std::string>())) at_good.insert(r["record_id"].get<std::string>());
    EXPECT_EQ(at_good, to_good);
    auto st = kiosk.open();
    for (const auto& id : to_good) EXPECT_EQ(*st->outbox_state(id), "acknowledged");
    for (const auto& id : to_bad) EXPECT_EQ(*st->outbox_state(id), "pending");  // kept for the next pass
  }
}
