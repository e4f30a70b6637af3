// Feed-problem reports and device chain heads (see balie/sync/reports.h): strict, bounded parsers
// (size, nesting depth, unknown fields) that never throw.
#include "balie/sync/reports.h"

#include <nlohmann/json.hpp>

namespace balie::sync {
namespace {
using json = nlohmann::json;

// Nesting deeper than `max` outside strings is refused before a JSON tree is built.
bool depth_ok(std::string_view s, int max) {
  int d = 0;
  bool in_str = false, esc = false;
  for (char c : s) {
    if (in_str) {
      if (esc) esc = false;
      else if (c == '\\') esc = true;
      else if (c == '"') in_str = false;
      continue;
    }
    if (c == '"') in_str = true;
    else if (c == '{' || c == '[') {
      if (++d > max) return false;
    } else if (c == '}' || c == ']') --d;
  }
  return true;
}

Result<json> parse_bounded(std::string_view body, const char* what, int max_depth) {
  if (body.size() > kMaxReportBytes) return make_error(Errc::limit, std::string(what) + " is too large");
  if (!depth_ok(body, max_depth)) return make_error(Errc::limit, std::string(what) + " is nested too deeply");
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return make_error(Errc::invalid_input, std::string(what) + " is not a JSON object");
  return j;
}

bool only(const json& j, std::initializer_list<const char*> allowed) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || it.key() == a;
    if (!ok) return false;
  }
  return true;
}

bool str(const json& j, const char* k, std::string* out, std::size_t max, bool may_be_empty = false) {
  auto it = j.find(k);
  if (it == j.end() || !it->is_string()) return false;
  *out = it->get<std::string>();
  return out->size() <= max && (may_be_empty || !out->empty());
}

bool digits(std::string_view s, std::size_t max) {
  if (s.size() > max) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}
}  // namespace

std::string feed_report_json(const FeedProblemReport& r) {
  json items = json::array();
  for (const auto& p : r.problems)
    items.push_back({{"resident_id", p.resident_id}, {"problem", p.problem}, {"detail", p.detail.substr(0, 500)}});
  return json{{"locatiecode", r.locatiecode}, {"cursor", r.cursor}, {"next_cursor", r.next_cursor}, {"problems", items}}
      .dump();
}

Result<FeedProblemReport> parse_feed_report(std::string_view body) {
  auto j = parse_bounded(body, "feed problem report", 3);
  if (!j) return j.error();
  FeedProblemReport r;
  if (!only(*j, {"locatiecode", "cursor", "next_cursor", "problems"}) || !str(*j, "locatiecode", &r.locatiecode, 64) ||
      !is_token(r.locatiecode, 64) || !str(*j, "cursor", &r.cursor, 18, true) || !digits(r.cursor, 18) ||
      !str(*j, "next_cursor", &r.next_cursor, 18, true) || !digits(r.next_cursor, 18))
    return make_error(Errc::invalid_input, "report needs locatiecode, cursor, next_cursor and problems only");
  auto it = j->find("problems");
  if (it == j->end() || !it->is_array() || it->empty() || it->size() > kMaxFeedItems)
    return make_error(Errc::invalid_input, "problems must be an array of 1..1000 items");
  for (const auto& p : *it) {
    FeedProblem f;
    if (!p.is_object() || !only(p, {"resident_id", "problem", "detail"}) || !str(p, "resident_id", &f.resident_id, 64) ||
        !is_token(f.resident_id, 64) || !str(p, "problem", &f.problem, 64) || !is_token(f.problem, 64) ||
        !str(p, "detail", &f.detail, 500, true))
      return make_error(Errc::invalid_input, "each problem needs resident_id, problem (tokens) and detail (<= 500)");
    r.problems.push_back(std::move(f));
  }
  return r;
}

std::string chain_head_json(const DeviceChainHead& h) {
  return json{{"gemeentecode", h.gemeentecode}, {"device_id", h.device_id}, {"seq", h.head.seq},
              {"package_sha256", h.head.package_sha256}}
      .dump();
}

Result<DeviceChainHead> parse_chain_head(std::string_view body) {
  auto j = parse_bounded(body, "chain head", 1);
  if (!j) return j.error();
  DeviceChainHead h;
  auto seq = j->find("seq");
  if (!only(*j, {"gemeentecode", "device_id", "seq", "package_sha256"}) || !str(*j, "gemeentecode", &h.gemeentecode, 6) ||
      !is_gemeentecode(h.gemeentecode) || !str(*j, "device_id", &h.device_id, 64) || !is_token(h.device_id, 64) ||
      seq == j->end() || !seq->is_number_unsigned() || !str(*j, "package_sha256", &h.head.package_sha256, 64) ||
      h.head.package_sha256.size() != 64 ||
      h.head.package_sha256.find_first_not_of("0123456789abcdef") != std::string::npos)
    return make_error(Errc::invalid_input, "chain head needs gemeentecode, device_id, seq and package_sha256");
  h.head.seq = seq->get<std::uint64_t>();
  return h;
}

}  // namespace balie::sync
