// Strict JSON parsers/serialisers for the /v1 wire types (sync/). nlohmann::json exceptions are
// caught here and turned into Errc::invalid_input; unknown fields are rejected.
#include "balie/sync/protocol.h"

#include <initializer_list>
#include <nlohmann/json.hpp>

#include "balie/record/codec.h"
#include "balie/record/json_limits.h"

namespace balie::sync {
namespace {
using json = nlohmann::json;

// Every wire body: size limit of its kind, nesting depth kMaxJsonDepth (record/json_limits.h).
Result<json> parse_json(std::string_view body, std::size_t max, const char* what) {
  return parse_json_limited(body, JsonLimits{max}, what);
}

// Our own, already checked JSON text back into a value for serialising (null if it ever were not).
json reparse(std::string_view text, std::size_t max) {
  auto j = parse_json_limited(text, JsonLimits{max}, "stored JSON");
  return j ? std::move(*j) : json();
}

std::optional<std::string> unknown_field(const json& j, std::initializer_list<const char*> allowed) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || it.key() == a;
    if (!ok) return it.key().substr(0, 40);
  }
  return std::nullopt;
}

bool get_str(const json& j, const char* k, std::string* out, std::size_t max) {
  auto it = j.find(k);
  if (it == j.end() || !it->is_string()) return false;
  *out = it->get<std::string>();
  return out->size() <= max;
}
}  // namespace

bool is_token(std::string_view s, std::size_t max) { return record::is_token(s, max); }

bool is_purge_reason(std::string_view s) {
  for (const char* r : {"left_location", "link_changed", "SS106", "SS107", "SS108", "SS110", "SS111"})
    if (s == r) return true;
  return is_deletion_reason(s);
}

bool is_deletion_reason(std::string_view s) { return s == "obligation_withdrawn" || s == "regime_corrected"; }

std::string problem_json(const Problem& p) {
  json j = {{"type", p.type}, {"title", p.title}, {"status", p.status}};
  if (!p.detail.empty()) j["detail"] = p.detail;
  return j.dump();
}

std::optional<Problem> parse_problem(std::string_view body) {
  auto j = parse_json(body, 64 * 1024, "problem");
  if (!j || !j->is_object()) return std::nullopt;
  Problem p;
  if (!get_str(*j, "title", &p.title, 1024)) return std::nullopt;
  get_str(*j, "type", &p.type, 1024);
  get_str(*j, "detail", &p.detail, 4096);
  auto st = j->find("status");
  if (st != j->end() && st->is_number_integer()) p.status = st->get<int>();
  return p;
}

Result<std::vector<std::string>> parse_push_request(std::string_view body) {
  auto j = parse_json(body, kMaxBatchBodyBytes, "request body");
  if (!j) return j.error();
  if (!j->is_object()) return make_error(Errc::invalid_input, "request body must be a JSON object");
  if (auto u = unknown_field(*j, {"records"})) return make_error(Errc::invalid_input, "unknown field '" + *u + "'");
  auto it = j->find("records");
  if (it == j->end() || !it->is_array()) return make_error(Errc::invalid_input, "'records' must be an array");
  if (it->empty()) return make_error(Errc::invalid_input, "'records' is empty");
  if (it->size() > kMaxBatchRecords)
    return make_error(Errc::limit, "batch has more than " + std::to_string(kMaxBatchRecords) + " records");
  std::vector<std::string> out;
  out.reserve(it->size());
  for (const auto& e : *it) {
    if (!e.is_object()) return make_error(Errc::invalid_input, "each record must be an envelope object");
    out.push_back(e.dump());
  }
  return out;
}

std::string push_response_json(const std::vector<PushResult>& rs) {
  json arr = json::array();
  for (const auto& r : rs) {
    json o = {{"record_id", r.record_id}, {"result", r.result}};
    if (!r.ack_json.empty()) o["ack"] = reparse(r.ack_json, 4096);
    if (r.problem) o["problem"] = reparse(problem_json(*r.problem), 64 * 1024);
    arr.push_back(std::move(o));
  }
  return json{{"acknowledgements", arr}}.dump();
}

Result<std::vector<PushResult>> parse_push_response(std::string_view body) {
  auto j = parse_json(body, kMaxResponseBytes, "push response");
  if (!j) return j.error();
  if (!j->is_object()) return make_error(Errc::invalid_input, "push response must be an object");
  if (auto u = unknown_field(*j, {"acknowledgements"})) return make_error(Errc::invalid_input, "unknown field '" + *u + "'");
  auto it = j->find("acknowledgements");
  if (it == j->end() || !it->is_array() || it->size() > kMaxBatchRecords)
    return make_error(Errc::invalid_input, "'acknowledgements' missing, not an array or too long");
  std::vector<PushResult> out;
  for (const auto& o : *it) {
    if (!o.is_object()) return make_error(Errc::invalid_input, "acknowledgement entry must be an object");
    if (auto u = unknown_field(o, {"record_id", "result", "ack", "problem"}))
      return make_error(Errc::invalid_input, "unknown field '" + *u + "' in acknowledgement entry");
    PushResult r;
    if (!get_str(o, "record_id", &r.record_id, 36) || !is_uuid(r.record_id))
      return make_error(Errc::invalid_input, "acknowledgement entry without a valid record_id");
    if (!get_str(o, "result", &r.result, 16) ||
        (r.result != "stored" && r.result != "duplicate" && r.result != "rejected"))
      return make_error(Errc::invalid_input, "acknowledgement entry result invalid");
    if (r.result == "rejected") {
      auto p = o.find("problem");
      if (p == o.end() || !p->is_object()) return make_error(Errc::invalid_input, "rejected entry without problem");
      auto pr = parse_problem(p->dump());
      if (!pr) return make_error(Errc::invalid_input, "rejected entry problem invalid");
      r.problem = *pr;
    } else {
      auto a = o.find("ack");
      if (a == o.end() || !a->is_object()) return make_error(Errc::invalid_input, "acknowledged entry without ack");
      r.ack_json = a->dump();
    }
    out.push_back(std::move(r));
  }
  return out;
}

Result<IdentityStatement> parse_identity(std::string_view body) {
  auto j = parse_json(body, 4096, "identity statement");
  if (!j) return j.error();
  if (!j->is_object()) return make_error(Errc::invalid_input, "identity statement must be an object");
  if (auto u = unknown_field(*j, {"version", "gemeentecode", "nonce", "x25519_pk", "signature"}))
    return make_error(Errc::invalid_input, "unknown field '" + *u + "'");
  IdentityStatement s;
  if (!get_str(*j, "gemeentecode", &s.gemeentecode, 6) || !get_str(*j, "nonce", &s.nonce, 64) ||
      !get_str(*j, "signature", &s.signature_b64, 100))
    return make_error(Errc::invalid_input, "identity statement fields missing");
  if (auto v = j->find("version"); v != j->end()) {
    if (!v->is_number_integer() || (v->get<long long>() != 1 && v->get<long long>() != 2))
      return make_error(Errc::invalid_input, "identity statement \"version\" must be 1 or 2");
    s.version = static_cast<int>(v->get<long long>());
  }
  const bool has_key = j->contains("x25519_pk");
  if (s.version == 1 && has_key)
    return make_error(Errc::invalid_input, "identity statement version 1 has no \"x25519_pk\"");
  if (s.version == 2) {
    if (!get_str(*j, "x25519_pk", &s.x25519_pk_hex, 64) || s.x25519_pk_hex.size() != 64 ||
        s.x25519_pk_hex.find_first_not_of("0123456789abcdef") != std::string::npos)
      return make_error(Errc::invalid_input, "identity statement version 2 needs \"x25519_pk\" (64 lowercase hex)");
  }
  return s;
}

std::string dossier_batch_json(const DossierBatch& b) {
  json items = json::array();
  for (const auto& i : b.items) {
    json o = {{"resident_id", i.resident_id}, {"action", i.action}};
    if (!i.reason.empty()) o["reason"] = i.reason;
    if (i.action == "upsert") o["dossier"] = reparse(i.dossier_json, kMaxDossierBytes);
    items.push_back(std::move(o));
  }
  return json{{"gemeentecode", b.gemeentecode}, {"locatiecode", b.locatiecode}, {"cursor", b.cursor},
              {"next_cursor", b.next_cursor},   {"more", b.more},               {"items", items}}
      .dump();
}

Result<DossierBatch> parse_dossier_batch(std::string_view body) {
  auto j = parse_json(body, kMaxResponseBytes, "dossier batch");
  if (!j) return j.error();
  if (!j->is_object()) return make_error(Errc::invalid_input, "dossier batch must be an object");
  if (auto u = unknown_field(*j, {"gemeentecode", "locatiecode", "cursor", "next_cursor", "more", "items"}))
    return make_error(Errc::invalid_input, "unknown field '" + *u + "' in dossier batch");
  DossierBatch b;
  if (!get_str(*j, "gemeentecode", &b.gemeentecode, 6) || !is_gemeentecode(b.gemeentecode))
    return make_error(Errc::invalid_input, "dossier batch gemeentecode invalid");
  if (!get_str(*j, "locatiecode", &b.locatiecode, 64) || !is_token(b.locatiecode, 64))
    return make_error(Errc::invalid_input, "dossier batch locatiecode invalid");
  if (!get_str(*j, "cursor", &b.cursor, 64) || !get_str(*j, "next_cursor", &b.next_cursor, 64) ||
      (!b.cursor.empty() && !is_token(b.cursor, 64)) || !is_token(b.next_cursor, 64))
    return make_error(Errc::invalid_input, "dossier batch cursors invalid");
  auto m = j->find("more");
  if (m == j->end() || !m->is_boolean()) return make_error(Errc::invalid_input, "dossier batch 'more' must be boolean");
  b.more = m->get<bool>();
  auto it = j->find("items");
  if (it == j->end() || !it->is_array()) return make_error(Errc::invalid_input, "dossier batch 'items' must be an array");
  if (it->size() > kMaxFeedItems) return make_error(Errc::limit, "dossier batch has too many items");
  for (const auto& o : *it) {
    if (!o.is_object()) return make_error(Errc::invalid_input, "dossier item must be an object");
    if (auto u = unknown_field(o, {"resident_id", "action", "reason", "dossier"}))
      return make_error(Errc::invalid_input, "unknown field '" + *u + "' in dossier item");
    DossierItem d;
    if (!get_str(o, "resident_id", &d.resident_id, 64) || !is_token(d.resident_id, 64))
      return make_error(Errc::invalid_input, "dossier item resident_id invalid");
    if (!get_str(o, "action", &d.action, 16) || (d.action != "upsert" && d.action != "purge"))
      return make_error(Errc::invalid_input, "dossier item action must be upsert or purge");
    if (d.action == "purge") {
      if (!get_str(o, "reason", &d.reason, 32) || !is_purge_reason(d.reason))
        return make_error(Errc::invalid_input, "purge item needs a known reason");
      if (o.contains("dossier")) return make_error(Errc::invalid_input, "purge item must not carry a dossier");
    } else {
      auto dj = o.find("dossier");
      if (dj == o.end() || !dj->is_object()) return make_error(Errc::invalid_input, "upsert item needs a dossier object");
      d.dossier_json = dj->dump();
      if (d.dossier_json.size() > kMaxDossierBytes) return make_error(Errc::limit, "dossier exceeds size limit");
      if (o.contains("reason")) return make_error(Errc::invalid_input, "upsert item must not carry a reason");
    }
    b.items.push_back(std::move(d));
  }
  return b;
}

// --- deletion requests and receipts -------------------------------------------------------------

namespace {
bool is_lower_hex(std::string_view s, std::size_t n) {
  if (s.size() != n) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// The records array of a request or receipt: objects with exactly the allowed fields, valid ids and
// hashes, each id once, 1..kMaxDeletionRecords entries.
Result<std::vector<DeletionOutcome>> parse_deletion_records(const json& j, bool with_result) {
  auto it = j.find("records");
  if (it == j.end() || !it->is_array() || it->empty())
    return make_error(Errc::invalid_input, "'records' must be a non-empty array");
  if (it->size() > kMaxDeletionRecords)
    return make_error(Errc::limit, "more than " + std::to_string(kMaxDeletionRecords) + " records");
  std::vector<DeletionOutcome> out;
  for (const auto& o : *it) {
    if (!o.is_object()) return make_error(Errc::invalid_input, "each record must be an object");
    if (auto u = with_result ? unknown_field(o, {"record_id", "package_sha256", "result"})
                             : unknown_field(o, {"record_id", "package_sha256"}))
      return make_error(Errc::invalid_input, "unknown field '" + *u + "' in a record");
    DeletionOutcome d;
    if (!get_str(o, "record_id", &d.record_id, 36) || !is_uuid(d.record_id))
      return make_error(Errc::invalid_input, "record_id must be a UUID");
    if (!get_str(o, "package_sha256", &d.package_sha256, 64) || !is_lower_hex(d.package_sha256, 64))
      return make_error(Errc::invalid_input, "package_sha256 must be 64 lowercase hex characters");
    if (with_result && (!get_str(o, "result", &d.result, 16) || (d.result != "deleted" && d.result != "not_held")))
      return make_error(Errc::invalid_input, "result must be deleted or not_held");
    for (const auto& prev : out)
      if (prev.record_id == d.record_id) return make_error(Errc::invalid_input, "a record_id occurs twice");
    out.push_back(std::move(d));
  }
  return out;
}
}  // namespace

std::string deletion_request_json(const DeletionRequest& r) {
  json recs = json::array();
  for (const auto& x : r.records) recs.push_back({{"record_id", x.record_id}, {"package_sha256", x.package_sha256}});
  return json{{"deletion_id", r.deletion_id}, {"reason", r.reason}, {"records", recs}}.dump();
}

Result<DeletionRequest> parse_deletion_request(std::string_view body) {
  auto j = parse_json(body, kMaxDeletionBodyBytes, "deletion request");
  if (!j) return j.error();
  if (!j->is_object()) return make_error(Errc::invalid_input, "deletion request must be an object");
  if (auto u = unknown_field(*j, {"deletion_id", "reason", "records"}))
    return make_error(Errc::invalid_input, "unknown field '" + *u + "' in deletion request");
  DeletionRequest r;
  if (!get_str(*j, "deletion_id", &r.deletion_id, 32) || !is_lower_hex(r.deletion_id, 32))
    return make_error(Errc::invalid_input, "deletion_id must be 32 lowercase hex characters");
  if (!get_str(*j, "reason", &r.reason, 32) || !is_deletion_reason(r.reason))
    return make_error(Errc::invalid_input, "reason must be obligation_withdrawn or regime_corrected");
  auto recs = parse_deletion_records(*j, false);
  if (!recs) return recs.error();
  for (auto& d : *recs) r.records.push_back({std::move(d.record_id), std::move(d.package_sha256)});
  return r;
}

std::string deletion_receipt_canonical(const DeletionReceipt& r) {
  std::string c = "balie-deletion-receipt/1\ndeletion_id:" + r.deletion_id + "\ngemeentecode:" + r.gemeentecode +
                  "\ndevice_id:" + r.device_id + "\nreason:" + r.reason + "\ndeleted_at:" + r.deleted_at + "\n";
  for (const auto& x : r.records) c += "record:" + x.record_id + " " + x.package_sha256 + " " + x.result + "\n";
  return c;
}

std::string make_deletion_receipt_json(DeletionReceipt r, const SigningKey& receiver) {
  r.signature_b64 = sign_detached_b64(deletion_receipt_canonical(r), receiver);
  json recs = json::array();
  for (const auto& x : r.records)
    recs.push_back({{"record_id", x.record_id}, {"package_sha256", x.package_sha256}, {"result", x.result}});
  return json{{"deletion_id", r.deletion_id}, {"gemeentecode", r.gemeentecode}, {"device_id", r.device_id},
              {"reason", r.reason},           {"deleted_at", r.deleted_at},     {"records", recs},
              {"signature", r.signature_b64}}
      .dump();
}

Result<DeletionReceipt> parse_deletion_receipt(std::string_view body) {
  auto j = parse_json(body, kMaxDeletionBodyBytes, "deletion receipt");
  if (!j) return j.error();
  if (!j->is_object()) return make_error(Errc::invalid_input, "deletion receipt must be an object");
  if (auto u = unknown_field(*j, {"deletion_id", "gemeentecode", "device_id", "reason", "deleted_at", "records", "signature"}))
    return make_error(Errc::invalid_input, "unknown field '" + *u + "' in deletion receipt");
  DeletionReceipt r;
  if (!get_str(*j, "deletion_id", &r.deletion_id, 32) || !is_lower_hex(r.deletion_id, 32))
    return make_error(Errc::invalid_input, "receipt deletion_id invalid");
  if (!get_str(*j, "gemeentecode", &r.gemeentecode, 6) || !is_gemeentecode(r.gemeentecode))
    return make_error(Errc::invalid_input, "receipt gemeentecode invalid");
  if (!get_str(*j, "device_id", &r.device_id, 64) || !is_token(r.device_id, 64))
    return make_error(Errc::invalid_input, "receipt device_id invalid");
  if (!get_str(*j, "reason", &r.reason, 32) || !is_deletion_reason(r.reason))
    return make_error(Errc::invalid_input, "receipt reason invalid");
  if (!get_str(*j, "deleted_at", &r.deleted_at, 20) || !parse_utc(r.deleted_at))
    return make_error(Errc::invalid_input, "receipt deleted_at must be a UTC time");
  if (!get_str(*j, "signature", &r.signature_b64, 100)) return make_error(Errc::invalid_input, "receipt signature missing");
  auto recs = parse_deletion_records(*j, true);
  if (!recs) return recs.error();
  r.records = std::move(*recs);
  return r;
}

Status verify_deletion_receipt(std::string_view body, const DeletionRequest& q, const std::string& g,
                               const std::string& device_id, const Key32& pk) {
  auto r = parse_deletion_receipt(body);
  if (!r) return r.error();
  if (r->gemeentecode != g) return make_error(Errc::routing, "deletion receipt comes from another gemeentecode");
  if (r->deletion_id != q.deletion_id || r->reason != q.reason || r->device_id != device_id)
    return make_error(Errc::crypto, "deletion receipt answers another request or device");
  if (r->records.size() != q.records.size()) return make_error(Errc::crypto, "deletion receipt names other records");
  for (std::size_t i = 0; i < q.records.size(); ++i)
    if (r->records[i].record_id != q.records[i].record_id || r->records[i].package_sha256 != q.records[i].package_sha256)
      return make_error(Errc::crypto, "deletion receipt names other records");
  if (!verify_detached_b64(deletion_receipt_canonical(*r), r->signature_b64, pk))
    return make_error(Errc::routing, "deletion receipt signature does not verify under the municipality's key");
  return Status::Ok();
}

}  // namespace balie::sync
