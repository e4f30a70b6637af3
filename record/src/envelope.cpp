// Envelope sealing/signing and verification, acknowledgements, identity proofs (sync/).
// Canonical package text is line-based with a fixed field order so both sides hash the same
// bytes no matter how the surrounding JSON is re-serialised. See sync/README.md.
#include "balie/record/envelope.h"

#include <cstdint>

#include <sodium.h>

#include <nlohmann/json.hpp>

#include "balie/record/json_limits.h"

namespace balie::record {
namespace {

using json = nlohmann::json;

bool token_ok(std::string_view s, std::size_t max, bool allow_upper) {
  if (s.empty() || s.size() > max) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
              (allow_upper && c >= 'A' && c <= 'Z');
    if (!ok) return false;
  }
  return true;
}

bool is_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

const char* kPackageMagic = "balie-package/1";
const char* kFieldOrder[] = {"record_id", "kind",        "gemeentecode",  "device_id", "created_at",
                             "seq",       "prev_sha256", "sealed_sha256", "public"};

// Builds the canonical package over already sealed bytes, signs it and wraps it in the envelope.
Result<SealedRecord> sign_package(const std::string& record_id, const std::string& kind, const std::string& gemeentecode,
                                  const std::string& device_id, const std::string& created_at, const ChainHead& prev,
                                  const Bytes& sealed, const std::string& pub, const SigningKey& device) {
  std::string pkg = std::string(kPackageMagic) + "\n";
  pkg += "record_id:" + record_id + "\n";
  pkg += "kind:" + kind + "\n";
  pkg += "gemeentecode:" + gemeentecode + "\n";
  pkg += "device_id:" + device_id + "\n";
  pkg += "created_at:" + created_at + "\n";
  pkg += "seq:" + std::to_string(prev.seq + 1) + "\n";
  pkg += "prev_sha256:" + prev.package_sha256 + "\n";
  pkg += "sealed_sha256:" + sha256_hex(sealed) + "\n";
  pkg += "public:" + to_base64(pub) + "\n";

  std::uint8_t sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(pkg.data()), pkg.size(),
                       device.secret_key.data());
  json env = {{"v", 1},
              {"package", to_base64(pkg)},
              {"sealed", to_base64(sealed)},
              {"signature", to_base64(sig, sizeof sig)}};
  SealedRecord out;
  out.envelope = env.dump();
  if (out.envelope.size() > kMaxEnvelopeBytes) return make_error(Errc::limit, "envelope too large");
  out.package_sha256 = sha256_hex(pkg);
  out.payload_sha256 = sha256_hex(out.envelope);
  out.next = ChainHead{prev.seq + 1, out.package_sha256};
  return out;
}

}  // namespace

Key32 random_key32() {
  crypto_ready();
  Key32 k;
  randombytes_buf(k.data(), k.size());
  return k;
}

BoxKey BoxKey::from_seed(const Key32& seed) {
  crypto_ready();
  BoxKey k;
  crypto_box_seed_keypair(k.public_key.data(), k.secret_key.data(), seed.data());
  return k;
}
BoxKey BoxKey::generate() {
  crypto_ready();
  Key32 seed;
  randombytes_buf(seed.data(), seed.size());
  return from_seed(seed);
}

Result<SealedRecord> seal_record(const RecordInput& in, const SigningKey& device, const Key32& box_pk,
                                 const ChainHead& prev) {
  if (!crypto_ready()) return make_error(Errc::crypto, "libsodium failed to initialise");
  if (!is_uuid(in.record_id)) return make_error(Errc::invalid_input, "record_id is not a lowercase UUID");
  if (!token_ok(in.kind, 64, false)) return make_error(Errc::invalid_input, "kind must match [a-z0-9._-]{1,64}");
  if (!is_gemeentecode(in.gemeentecode))
    return make_error(Errc::invalid_input, "gemeentecode must be GM followed by 4 digits");
  if (!token_ok(in.device_id, 64, true)) return make_error(Errc::invalid_input, "device_id must match [A-Za-z0-9._-]{1,64}");
  if (in.created_at <= 0) return make_error(Errc::invalid_input, "created_at missing");
  if (!is_hex64(prev.package_sha256)) return make_error(Errc::invalid_input, "chain head hash is not 64 hex");
  if (in.sensitive.size() > kMaxSensitiveBytes)
    return make_error(Errc::limit, "sensitive part exceeds " + std::to_string(kMaxSensitiveBytes) + " bytes");
  std::string pub = in.public_json.empty() ? "{}" : in.public_json;
  if (pub.size() > kMaxPublicBytes) return make_error(Errc::limit, "public part too large");
  if (auto pj = parse_json_limited(pub, JsonLimits{kMaxPublicBytes}, "public part"); !pj) return pj.error();
  else if (!pj->is_object()) return make_error(Errc::invalid_input, "public part must be a JSON object");
  Bytes sealed(in.sensitive.size() + crypto_box_SEALBYTES);
  if (crypto_box_seal(sealed.data(), reinterpret_cast<const unsigned char*>(in.sensitive.data()),
                      in.sensitive.size(), box_pk.data()) != 0)
    return make_error(Errc::crypto, "crypto_box_seal failed");

  return sign_package(in.record_id, in.kind, in.gemeentecode, in.device_id, format_utc(in.created_at), prev, sealed,
                      pub, device);
}

Result<SealedRecord> rechain_record(std::string_view envelope_json, const SigningKey& device, const ChainHead& prev) {
  if (!crypto_ready()) return make_error(Errc::crypto, "libsodium failed to initialise");
  if (!is_hex64(prev.package_sha256)) return make_error(Errc::invalid_input, "chain head hash is not 64 hex");
  auto e = parse_envelope(envelope_json);
  if (!e) return e.error();
  // Only this device's own records are re-chained: the package must verify under its key.
  if (auto v = verify_envelope(*e, device.public_key); !v)
    return make_error(Errc::crypto, "record was not signed by this device's key: " + v.error().message);
  return sign_package(e->record_id, e->kind, e->gemeentecode, e->device_id, e->created_at, prev, e->sealed,
                      e->public_json, device);
}

Result<Envelope> parse_envelope(std::string_view bytes) {
  if (bytes.size() > kMaxEnvelopeBytes) return make_error(Errc::limit, "envelope exceeds size limit");
  auto parsed = parse_json_limited(bytes, JsonLimits{kMaxEnvelopeBytes}, "envelope");
  if (!parsed) return parsed.error();
  json j = std::move(*parsed);
  if (!j.is_object()) return make_error(Errc::invalid_input, "envelope must be a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const auto& k = it.key();
    if (k != "v" && k != "package" && k != "sealed" && k != "signature")
      return make_error(Errc::invalid_input, "envelope has unknown field '" + k.substr(0, 40) + "'");
  }
  if (!j.contains("v") || !j["v"].is_number_integer() || j["v"].get<long long>() != 1)
    return make_error(Errc::invalid_input, "envelope version must be 1");
  for (const char* f : {"package", "sealed", "signature"})
    if (!j.contains(f) || !j[f].is_string())
      return make_error(Errc::invalid_input, std::string("envelope field '") + f + "' missing or not a string");
  Envelope e;
  auto pkg = from_base64(j["package"].get<std::string>(), 16 * 1024);
  auto sealed = from_base64(j["sealed"].get<std::string>(), kMaxSensitiveBytes + crypto_box_SEALBYTES);
  auto sig = from_base64(j["signature"].get<std::string>(), crypto_sign_BYTES);
  if (!pkg || !sealed || !sig) return make_error(Errc::invalid_input, "envelope field is not valid base64 or too long");
  if (sig->size() != crypto_sign_BYTES) return make_error(Errc::invalid_input, "signature must be 64 bytes");
  if (sealed->size() < crypto_box_SEALBYTES) return make_error(Errc::invalid_input, "sealed part too short");
  e.package.assign(pkg->begin(), pkg->end());
  e.sealed = std::move(*sealed);
  e.signature = std::move(*sig);

  // Parse the canonical package: magic line, then exactly the fields in order.
  std::string_view p = e.package;
  auto next_line = [&](std::string_view* line) {
    auto nl = p.find('\n');
    if (nl == std::string_view::npos) return false;
    *line = p.substr(0, nl);
    p.remove_prefix(nl + 1);
    return true;
  };
  std::string_view line;
  if (!next_line(&line) || line != kPackageMagic) return make_error(Errc::invalid_input, "package magic line missing");
  std::string vals[9];
  for (int i = 0; i < 9; ++i) {
    if (!next_line(&line)) return make_error(Errc::invalid_input, "package truncated");
    std::string prefix = std::string(kFieldOrder[i]) + ":";
    if (line.substr(0, prefix.size()) != prefix)
      return make_error(Errc::invalid_input, std::string("package field '") + kFieldOrder[i] + "' missing or out of order");
    vals[i] = std::string(line.substr(prefix.size()));
  }
  if (!p.empty()) return make_error(Errc::invalid_input, "package has trailing data");
  e.record_id = vals[0];
  e.kind = vals[1];
  e.gemeentecode = vals[2];
  e.device_id = vals[3];
  e.created_at = vals[4];
  e.prev_sha256 = vals[6];
  e.sealed_sha256 = vals[7];
  if (!is_uuid(e.record_id)) return make_error(Errc::invalid_input, "package record_id is not a lowercase UUID");
  if (!token_ok(e.kind, 64, false)) return make_error(Errc::invalid_input, "package kind invalid");
  if (!is_gemeentecode(e.gemeentecode)) return make_error(Errc::invalid_input, "package gemeentecode invalid");
  if (!token_ok(e.device_id, 64, true)) return make_error(Errc::invalid_input, "package device_id invalid");
  if (!parse_utc(e.created_at)) return make_error(Errc::invalid_input, "package created_at is not RFC 3339 UTC");
  if (vals[5].empty() || vals[5].size() > 19 || vals[5][0] == '0')
    return make_error(Errc::invalid_input, "package seq invalid");
  for (char c : vals[5])
    if (c < '0' || c > '9') return make_error(Errc::invalid_input, "package seq invalid");
  e.seq = std::stoull(vals[5]);
  // The chain position is a signed 64-bit integer wherever it is stored (SQLite INTEGER on both
  // sides): anything above 2^63-1 would be stored negative (issue 20).
  if (e.seq > static_cast<std::uint64_t>(INT64_MAX))
    return make_error(Errc::invalid_input, "package seq " + vals[5] + " is out of range (1 to 9223372036854775807)");
  if (!is_hex64(e.prev_sha256) || !is_hex64(e.sealed_sha256))
    return make_error(Errc::invalid_input, "package hash fields must be 64 lowercase hex");
  auto pub = from_base64(vals[8], kMaxPublicBytes);
  if (!pub) return make_error(Errc::invalid_input, "package public part invalid");
  e.public_json.assign(pub->begin(), pub->end());
  if (auto pj = parse_json_limited(e.public_json, JsonLimits{kMaxPublicBytes}, "public part"); !pj) return pj.error();
  else if (!pj->is_object()) return make_error(Errc::invalid_input, "public part must be an object");
  e.package_sha256 = sha256_hex(e.package);
  return e;
}

Status verify_envelope(const Envelope& e, const Key32& device_pk) {
  crypto_ready();
  if (crypto_sign_verify_detached(e.signature.data(), reinterpret_cast<const unsigned char*>(e.package.data()),
                                  e.package.size(), device_pk.data()) != 0)
    return make_error(Errc::crypto, "device signature does not verify");
  if (sha256_hex(e.sealed) != e.sealed_sha256)
    return make_error(Errc::crypto, "sealed part does not match sealed_sha256");
  return Status::Ok();
}

Result<std::string> open_sealed(const Envelope& e, const BoxKey& m) {
  crypto_ready();
  std::string out(e.sealed.size() - crypto_box_SEALBYTES, '\0');
  if (crypto_box_seal_open(reinterpret_cast<unsigned char*>(out.data()), e.sealed.data(), e.sealed.size(),
                           m.public_key.data(), m.secret_key.data()) != 0)
    return make_error(Errc::crypto, "sealed part cannot be opened with this municipality's key");
  return out;
}

std::string ack_canonical(const Ack& a) {
  return "balie-ack/1\nrecord_id:" + a.record_id + "\ngemeentecode:" + a.gemeentecode +
         "\npackage_sha256:" + a.package_sha256 + "\nstatus:" + a.status + "\nreceived_at:" + a.received_at + "\n";
}

std::string make_ack_json(Ack a, const SigningKey& m) {
  std::string sig = sign_detached_b64(ack_canonical(a), m);
  json j = {{"record_id", a.record_id},         {"gemeentecode", a.gemeentecode},
            {"package_sha256", a.package_sha256}, {"status", a.status},
            {"received_at", a.received_at},     {"signature", sig}};
  return j.dump();
}

Result<Ack> parse_ack_json(std::string_view bytes) {
  if (bytes.size() > 4096) return make_error(Errc::limit, "acknowledgement too large");
  auto parsed = parse_json_limited(bytes, JsonLimits{4096}, "acknowledgement");
  if (!parsed) return parsed.error();
  json j = std::move(*parsed);
  if (!j.is_object() || j.size() != 6) return make_error(Errc::invalid_input, "acknowledgement must have exactly 6 fields");
  Ack a;
  std::string sig;
  try {
    a.record_id = j.at("record_id").get<std::string>();
    a.gemeentecode = j.at("gemeentecode").get<std::string>();
    a.package_sha256 = j.at("package_sha256").get<std::string>();
    a.status = j.at("status").get<std::string>();
    a.received_at = j.at("received_at").get<std::string>();
    sig = j.at("signature").get<std::string>();
  } catch (const std::exception&) {
    return make_error(Errc::invalid_input, "acknowledgement fields missing or not strings");
  }
  if (a.status != "stored" && a.status != "duplicate") return make_error(Errc::invalid_input, "acknowledgement status invalid");
  auto s = from_base64(sig, 64);
  if (!s || s->size() != 64) return make_error(Errc::invalid_input, "acknowledgement signature invalid");
  a.signature = *s;
  return a;
}

Status verify_ack(std::string_view ack_json, const std::string& record_id, const std::string& gemeentecode,
                  const std::string& package_sha256, const Key32& pk) {
  auto a = parse_ack_json(ack_json);
  if (!a) return a.error();
  if (a->record_id != record_id) return make_error(Errc::crypto, "acknowledgement names another record");
  if (a->gemeentecode != gemeentecode) return make_error(Errc::routing, "acknowledgement comes from another gemeentecode");
  if (a->package_sha256 != package_sha256)
    return make_error(Errc::crypto, "acknowledgement hash differs from the package hash we sent");
  std::string c = ack_canonical(*a);
  crypto_ready();
  if (crypto_sign_verify_detached(a->signature.data(), reinterpret_cast<const unsigned char*>(c.data()), c.size(),
                                  pk.data()) != 0)
    return make_error(Errc::routing, "acknowledgement signature does not verify under the municipality's key");
  return Status::Ok();
}

std::string identity_canonical(std::string_view g, std::string_view nonce, std::string_view x25519_pk_hex) {
  return "balie-identity/2\ngemeentecode:" + std::string(g) + "\nnonce:" + std::string(nonce) + "\nx25519_pk:" +
         std::string(x25519_pk_hex) + "\n";
}

std::string sign_detached_b64(std::string_view msg, const SigningKey& key) {
  crypto_ready();
  std::uint8_t sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
                       key.secret_key.data());
  return to_base64(sig, sizeof sig);
}

bool verify_detached_b64(std::string_view msg, std::string_view sig_b64, const Key32& pk) {
  crypto_ready();
  auto s = from_base64(sig_b64, 64);
  if (!s || s->size() != 64) return false;
  return crypto_sign_verify_detached(s->data(), reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
                                     pk.data()) == 0;
}

}  // namespace balie::record
