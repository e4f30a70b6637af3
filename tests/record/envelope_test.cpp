// Unit tests of the record envelope (seal, sign, chain, verify, open), acknowledgements and the
// identity statement. Pure functions: no processes, no network.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "balie/record/envelope.h"

using namespace balie::record;

namespace {
RecordInput input(const std::string& g = "GM0363") {
  RecordInput in;
  in.record_id = new_uuid_v4();
  in.kind = "pvt.ondertekend";
  in.gemeentecode = g;
  in.device_id = "kiosk-1";
  in.created_at = 1767225600;  // 2026-01-01T00:00:00Z
  in.public_json = R"({"resident_id":"r1"})";
  in.sensitive = R"({"bsn":"999990019","datumOndertekeningPvt":"2026-01-01"})";
  return in;
}
}  // namespace

TEST(Envelope, SealSignVerifyOpenRoundTrip) {
  auto dev = SigningKey::generate();
  auto box = BoxKey::generate();
  auto in = input();
  auto s = seal_record(in, dev, box.public_key, ChainHead{});
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->payload_sha256, sha256_hex(s->envelope));
  EXPECT_EQ(s->envelope.find("999990019"), std::string::npos);  // the BSN is not readable in the envelope
  auto e = parse_envelope(s->envelope);
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->record_id, in.record_id);
  EXPECT_EQ(e->gemeentecode, "GM0363");
  EXPECT_EQ(e->seq, 1u);
  EXPECT_EQ(e->created_at, "2026-01-01T00:00:00Z");
  EXPECT_EQ(e->package_sha256, s->package_sha256);
  EXPECT_TRUE(verify_envelope(*e, dev.public_key));
  auto plain = open_sealed(*e, box);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, in.sensitive);
  // Another municipality's key cannot open it; another device key does not verify it.
  EXPECT_FALSE(open_sealed(*e, BoxKey::generate()).ok());
  EXPECT_FALSE(verify_envelope(*e, SigningKey::generate().public_key));
}

TEST(Envelope, ChainsPackagesPerAddressee) {
  auto dev = SigningKey::generate();
  auto box = BoxKey::generate();
  auto a = seal_record(input(), dev, box.public_key, ChainHead{});
  auto b = seal_record(input(), dev, box.public_key, a->next);
  ASSERT_TRUE(a.ok() && b.ok());
  auto eb = parse_envelope(b->envelope);
  EXPECT_EQ(eb->seq, 2u);
  EXPECT_EQ(eb->prev_sha256, a->package_sha256);
}

TEST(Envelope, TamperingIsDetected) {
  auto dev = SigningKey::generate();
  auto box = BoxKey::generate();
  auto s = seal_record(input(), dev, box.public_key, ChainHead{});
  auto j = nlohmann::json::parse(s->envelope);
  // Re-address the package to another municipality: signature breaks.
  auto pkg = from_base64(j["package"].get<std::string>(), 1 << 16);
  std::string p(pkg->begin(), pkg->end());
  p.replace(p.find("GM0363"), 6, "GM0344");
  j["package"] = to_base64(p);
  auto e = parse_envelope(j.dump());
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(verify_envelope(*e, dev.public_key));
  // Swap the sealed part: the sealed hash no longer matches.
  auto j2 = nlohmann::json::parse(s->envelope);
  auto other = seal_record(input(), dev, box.public_key, ChainHead{});
  j2["sealed"] = nlohmann::json::parse(other->envelope)["sealed"];
  auto e2 = parse_envelope(j2.dump());
  ASSERT_TRUE(e2.ok());
  EXPECT_FALSE(verify_envelope(*e2, dev.public_key));
}

TEST(Envelope, RejectsBadFieldsAndLimits) {
  auto dev = SigningKey::generate();
  auto box = BoxKey::generate();
  auto in = input();
  in.gemeentecode = "0363";
  EXPECT_EQ(seal_record(in, dev, box.public_key, {}).error().code, Errc::invalid_input);
  in = input();
  in.record_id = "not-a-uuid";
  EXPECT_FALSE(seal_record(in, dev, box.public_key, {}).ok());
  in = input();
  in.sensitive.assign(kMaxSensitiveBytes + 1, 'x');
  EXPECT_EQ(seal_record(in, dev, box.public_key, {}).error().code, Errc::limit);
  in = input();
  in.public_json = "[1]";
  EXPECT_FALSE(seal_record(in, dev, box.public_key, {}).ok());
  EXPECT_FALSE(parse_envelope("{}").ok());
  EXPECT_FALSE(parse_envelope("{\"v\":2,\"package\":\"\",\"sealed\":\"\",\"signature\":\"\"}").ok());
  EXPECT_EQ(parse_envelope(std::string(kMaxEnvelopeBytes + 1, ' ')).error().code, Errc::limit);
}

TEST(Ack, VerifiesOnlyTheRightRecordHashAndMunicipality) {
  auto m = SigningKey::generate();
  std::string hash(64, 'a');
  Ack a{"0b7c1d9e-1111-4222-8333-444455556666", "GM0363", hash, "stored", "2026-01-01T00:00:00Z", {}};
  std::string j = make_ack_json(a, m);
  EXPECT_TRUE(verify_ack(j, a.record_id, "GM0363", hash, m.public_key));
  EXPECT_FALSE(verify_ack(j, a.record_id, "GM0344", hash, m.public_key));            // other addressee
  EXPECT_FALSE(verify_ack(j, a.record_id, "GM0363", std::string(64, 'b'), m.public_key));  // other hash
  EXPECT_FALSE(verify_ack(j, "0b7c1d9e-1111-4222-8333-444455556667", "GM0363", hash, m.public_key));
  EXPECT_FALSE(verify_ack(j, a.record_id, "GM0363", hash, SigningKey::generate().public_key));  // other key
  auto forged = nlohmann::json::parse(j);
  forged["status"] = "duplicate";
  EXPECT_FALSE(verify_ack(forged.dump(), a.record_id, "GM0363", hash, m.public_key));
}

TEST(Identity, StatementBindsGemeentecodeAndNonce) {
  auto m = SigningKey::generate();
  const std::string x(64, 'a'), y(64, 'b');
  auto sig = sign_detached_b64(identity_canonical("GM0363", "ab", x), m);
  EXPECT_TRUE(verify_detached_b64(identity_canonical("GM0363", "ab", x), sig, m.public_key));
  EXPECT_FALSE(verify_detached_b64(identity_canonical("GM0344", "ab", x), sig, m.public_key));
  EXPECT_FALSE(verify_detached_b64(identity_canonical("GM0363", "ac", x), sig, m.public_key));
  // Version 2 covers the sealing key: the same signature does not hold for another X25519 key.
  EXPECT_FALSE(verify_detached_b64(identity_canonical("GM0363", "ab", y), sig, m.public_key));
  EXPECT_EQ(identity_canonical("GM0363", "ab", x).rfind("balie-identity/2\n", 0), 0u);
}

