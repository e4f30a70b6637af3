// Building and verifying "balie-evidence-package/1" (see evidence_package.h).
#include "balie/record/evidence_package.h"

#include "balie/record/codec.h"
#include "balie/record/json_limits.h"

namespace balie::record {

using ojson = nlohmann::ordered_json;

std::string envelope_json(const Envelope& e) {
  ojson j = {{"v", 1}, {"package", to_base64(std::string_view(e.package))}, {"sealed", to_base64(e.sealed)},
             {"signature", to_base64(e.signature)}};
  return j.dump();
}

std::string make_evidence_package(const EvidencePackageInput& in) {
  auto env = parse_json_limited(in.envelope_json, JsonLimits{kMaxEnvelopeBytes}, "envelope");
  ojson chain = {{"receiver_chain_gap", in.receiver_chain_gap}};
  std::string record_id, gemeentecode;
  if (auto e = parse_envelope(in.envelope_json)) {
    record_id = e->record_id;
    gemeentecode = e->gemeentecode;
    chain = {{"seq", e->seq}, {"prev_sha256", e->prev_sha256}, {"package_sha256", e->package_sha256},
             {"receiver_chain_gap", in.receiver_chain_gap}};
  }
  ojson j = {{"format", kEvidencePackageFormat},
             {"record_id", record_id},
             {"gemeentecode", gemeentecode},
             {"reference", reference_code(record_id)},
             {"envelope", env ? ojson::parse(env->dump()) : ojson(nullptr)},
             {"device", {{"device_id", in.device_id}, {"ed25519_pk", in.device_ed25519_pk_hex},
                         {"locatiecode", in.device_locatiecode}}},
             {"municipality", {{"ack_ed25519_pk", in.municipality_ack_pk_hex}}},
             {"sensitive_json", in.sensitive_json},
             {"ack_json", in.ack_json},
             {"chain", chain},
             {"received_at", in.received_at},
             {"exported_at", in.exported_at}};
  return j.dump(1);
}

nlohmann::json EvidenceReport::to_json() const {
  ojson checks = ojson::array();
  for (const auto& l : lines) checks.push_back({{"check", l.check}, {"result", l.result}, {"detail", l.detail}});
  const int code = static_cast<int>(exit);
  ojson j = {{"result", code == 0 ? "verified" : code == 1 ? "verified, sealed part not checked" : "refused"},
             {"exit_code", code},
             {"record_id", env.record_id},
             {"reference", reference},
             {"checks", checks}};
  return nlohmann::json::parse(j.dump());
}

namespace {

std::string s_of(const nlohmann::json& o, const char* k) {
  if (!o.is_object()) return {};
  auto it = o.find(k);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<Key32> key_of(const std::string& hex) {
  auto b = from_hex(hex);
  if (!b || b->size() != 32) return std::nullopt;
  Key32 k{};
  std::copy(b->begin(), b->end(), k.begin());
  return k;
}

}  // namespace

EvidenceReport verify_evidence_package(std::string_view text, const EvidenceVerifyOptions& opt) {
  EvidenceReport r;
  bool failed = false;
  auto add = [&](const char* check, EvidenceExit cls, bool ok, std::string detail) {
    r.lines.push_back({check, ok ? "ok" : "failed", std::move(detail)});
    if (!ok && !failed) {
      failed = true;
      r.exit = cls;
    }
    return ok;
  };
  auto refuse = [&](std::string detail) {
    add("format", EvidenceExit::malformed, false, std::move(detail));
    return r;
  };

  // 1. The package itself.
  auto parsed = parse_json_limited(text, JsonLimits{kMaxEvidencePackageBytes}, "evidence package");
  if (!parsed) return refuse(parsed.error().message);
  r.package = std::move(*parsed);
  const auto& p = r.package;
  if (!p.is_object() || s_of(p, "format") != kEvidencePackageFormat)
    return refuse(std::string("not an evidence package (\"format\" must be \"") + kEvidencePackageFormat + "\")");
  for (const char* k : {"envelope", "device", "municipality", "chain"})
    if (!p.contains(k) || !p[k].is_object()) return refuse(std::string("field '") + k + "' missing or not an object");
  for (const char* k : {"record_id", "gemeentecode", "reference", "sensitive_json", "ack_json"})
    if (!p.contains(k) || !p[k].is_string()) return refuse(std::string("field '") + k + "' missing or not a string");
  auto env = parse_envelope(p["envelope"].dump());
  if (!env) return refuse("envelope: " + env.error().message);
  r.env = std::move(*env);
  auto device_pk = key_of(s_of(p["device"], "ed25519_pk"));
  auto muni_pk = key_of(s_of(p["municipality"], "ack_ed25519_pk"));
  if (!device_pk) return refuse("device.ed25519_pk must be 64 hex digits");
  if (!muni_pk) return refuse("municipality.ack_ed25519_pk must be 64 hex digits");
  auto sens = parse_json_limited(s_of(p, "sensitive_json"), JsonLimits{kMaxSensitiveBytes}, "sensitive_json");
  if (!sens || !sens->is_object()) return refuse("sensitive_json is not a JSON object");
  r.sensitive = std::move(*sens);
  if (s_of(p, "record_id") != r.env.record_id || s_of(p, "gemeentecode") != r.env.gemeentecode)
    return refuse("record_id/gemeentecode differ from the envelope's package");
  r.lines.push_back({"format", "ok", kEvidencePackageFormat});

  // 2. Device signature and the sealed hash.
  const bool pinned_ok = !opt.pin_device_pk || *opt.pin_device_pk == *device_pk;
  const bool dev_id_ok = s_of(p["device"], "device_id") == r.env.device_id;
  bool sig_ok = false;
  std::string sig_detail;
  {
    sig_ok = verify_detached_b64(r.env.package, to_base64(r.env.signature), *device_pk);
    sig_detail = sig_ok ? "Ed25519 signature of device " + r.env.device_id + " over the package verifies"
                        : "the device signature over the package does not verify";
  }
  if (sig_ok && !pinned_ok) sig_detail = "the package's device key is not the key given with --device-pk";
  if (sig_ok && pinned_ok && !dev_id_ok) sig_detail = "device.device_id differs from the package's device_id";
  add("device_signature", EvidenceExit::device_signature, sig_ok && pinned_ok && dev_id_ok, sig_detail);
  const std::string sealed_hash = sha256_hex(r.env.sealed);
  add("sealed_sha256", EvidenceExit::sealed_hash, sealed_hash == r.env.sealed_sha256,
      sealed_hash == r.env.sealed_sha256 ? "SHA-256 of the sealed bytes matches the package"
                                         : "sealed bytes hash to " + sealed_hash + ", the package says " +
                                               r.env.sealed_sha256);

  // 3. The opened payload.
  {
    std::string why;
    const auto& s = r.sensitive;
    if (s_of(s, "record_id") != r.env.record_id && !(r.env.kind != kPvtRecordKind && !s.contains("record_id")))
      why = "the payload's record_id differs from the package";
    else if (r.env.kind == kPvtRecordKind) {
      auto pub = parse_json_limited(r.env.public_json, JsonLimits{kMaxPublicBytes}, "public part");
      if (!pub || !s.contains("public") || nlohmann::json(s["public"]) != *pub)
        why = "the payload's public part differs from the signed package's public part";
    }
    add("payload_matches_package", EvidenceExit::payload, why.empty(),
        why.empty() ? "record id and public part agree with the signed package" : why);
    if (opt.box) {
      auto plain = open_sealed(r.env, *opt.box);
      if (!plain)
        add("sealed_part", EvidenceExit::payload, false, "cannot open the sealed part with the given key: " +
                                                            plain.error().message);
      else
        add("sealed_part", EvidenceExit::payload, *plain == s_of(p, "sensitive_json"),
            *plain == s_of(p, "sensitive_json") ? "opened with the municipality's key; identical to sensitive_json"
                                                : "the sealed part opens to other bytes than sensitive_json");
    } else {
      r.lines.push_back({"sealed_part", "not checked", "sealed part: not checked, no key (--box-key-file)"});
    }
  }

  // 4. Chain position as recorded.
  {
    const auto& c = p["chain"];
    const bool ok = c.contains("seq") && c["seq"].is_number_unsigned() && c["seq"].get<std::uint64_t>() == r.env.seq &&
                    s_of(c, "prev_sha256") == r.env.prev_sha256 && s_of(c, "package_sha256") == r.env.package_sha256;
    const bool gap = c.contains("receiver_chain_gap") && c["receiver_chain_gap"].is_boolean() &&
                     c["receiver_chain_gap"].get<bool>();
    add("chain", EvidenceExit::chain, ok,
        ok ? "seq " + std::to_string(r.env.seq) + ", prev " + r.env.prev_sha256.substr(0, 16) + "..., package " +
                 r.env.package_sha256.substr(0, 16) + "..." + (gap ? " (the receiver recorded a gap before it)" : "")
           : "the chain position/prev hash/package hash recorded differ from the signed package");
  }

  // 5. Texts against the registry (declarations).
  if (r.env.kind == kPvtRecordKind) {
    if (!opt.registry) {
      add("texts", EvidenceExit::texts, false, "no text registry given");
    } else {
      r.texts = check_signed_texts(r.sensitive.contains("document") ? r.sensitive["document"] : nlohmann::json(),
                                   r.env.gemeentecode, *opt.registry);
      std::string ids;
      for (const auto& t : r.texts.texts) ids += (ids.empty() ? "" : ", ") + t.version_id;
      add("texts", EvidenceExit::texts, r.texts.ok,
          r.texts.ok ? "texts " + ids + " and the canonical hash match the registry" : r.texts.failure);
    }
  } else {
    r.lines.push_back({"texts", "not checked", "record kind " + r.env.kind + " carries no declaration texts"});
  }

  // 6. The acknowledgement.
  {
    const bool pin_ok = !opt.pin_municipality_pk || *opt.pin_municipality_pk == *muni_pk;
    auto v = verify_ack(s_of(p, "ack_json"), r.env.record_id, r.env.gemeentecode, r.env.package_sha256, *muni_pk);
    if (auto a = parse_json_limited(s_of(p, "ack_json"), JsonLimits{4096}, "ack")) r.ack = *a;
    add("ack", EvidenceExit::ack, v && pin_ok,
        !v ? "ack: " + v.error().message
           : !pin_ok ? "the ack key in the package is not the key given with --municipality-pk"
                     : "the municipality's ack (" + s_of(r.ack, "status") + ", " + s_of(r.ack, "received_at") +
                           ") names this record and package and its signature verifies");
  }

  // 7. Reference code.
  {
    r.reference = reference_code(r.env.record_id);
    std::string pub_ref;
    if (auto pub = parse_json_limited(r.env.public_json, JsonLimits{kMaxPublicBytes}, "public part"))
      pub_ref = s_of(*pub, "reference");
    const bool ok = s_of(p, "reference") == r.reference && (pub_ref.empty() || pub_ref == r.reference);
    add("reference", EvidenceExit::reference, ok,
        ok ? "reference " + r.reference + " belongs to record " + r.env.record_id
           : "reference code differs from the one computed from the record id (" + r.reference + ")");
  }
  if (!failed) r.exit = opt.box ? EvidenceExit::ok : EvidenceExit::sealed_not_checked;
  return r;
}

}  // namespace balie::record
