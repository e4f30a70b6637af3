// Terminal routes for updates (coa/src/update_routes.h). The device comes from its client certificate
// (device_of_request); a device sees, downloads and reports only the update its rollout stage assigns
// it. Downloads stream the bundle's 1 MiB chunks from PostgreSQL, one chunk in memory at a time, and
// honour one byte range (206 + Content-Range; 416 with "bytes */SIZE" for a range that cannot be met).
#include "update_routes.h"

#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "server_util.h"
#include "updates.h"

namespace balie::coa {

using json = nlohmann::json;

namespace {

std::optional<std::int64_t> parse_id(const std::string& s) {
  if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stoll(s);
}

// One range of "bytes=A-B", "bytes=A-" or "bytes=-N" within size; nullopt when it cannot be met.
std::optional<std::pair<std::uint64_t, std::uint64_t>> parse_range(const std::string& h, std::uint64_t size) {
  if (h.rfind("bytes=", 0) != 0) return std::nullopt;
  const std::string r = h.substr(6);
  const auto dash = r.find('-');
  if (dash == std::string::npos || r.find(',') != std::string::npos) return std::nullopt;
  const std::string a = r.substr(0, dash), b = r.substr(dash + 1);
  auto num = [](const std::string& s) -> std::optional<std::uint64_t> {
    if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    return std::stoull(s);
  };
  if (a.empty()) {  // the last N bytes
    auto n = num(b);
    if (!n || *n == 0 || size == 0) return std::nullopt;
    const std::uint64_t len = std::min(*n, size);
    return std::pair{size - len, size - 1};
  }
  auto first = num(a);
  if (!first || *first >= size) return std::nullopt;
  std::uint64_t last = size - 1;
  if (!b.empty()) {
    auto l = num(b);
    if (!l || *l < *first) return std::nullopt;
    last = std::min(*l, size - 1);
  }
  return std::pair{*first, last};
}

struct ChunkCursor {
  std::int64_t idx = -1;
  std::string data;
};

}  // namespace

void install_update_routes(httplib::Server& term, httplib::Server& /*web*/, Pool& pool, const CoaConfig& /*cfg*/) {
  term.Get("/v1/update", [&pool](const httplib::Request& req, httplib::Response& res) {
    auto lease = pool.acquire();
    if (!lease) return send_db_error(res, lease.error());
    auto dev = device_of_request(**lease, req, res);
    if (!dev) return;
    auto a = assigned_update(**lease, dev->device_id, true);
    if (!a) return send_db_error(res, a.error());
    if (!a->has_value()) {
      res.status = 204;
      return;
    }
    const auto& u = **a;
    res.set_content(json{{"update_id", u.update_id}, {"version", u.version}, {"sha256", u.sha256}, {"size", u.size},
                         {"url", "/v1/update/" + std::to_string(u.update_id) + "/bundle"}}
                        .dump(),
                    "application/json");
  });

  term.Get(R"(/v1/update/([0-9]{1,18})/bundle)", [&pool](const httplib::Request& req, httplib::Response& res) {
    auto id = parse_id(req.matches[1]);
    if (!id) return send_error(res, 404, "unknown_update", "no such update");
    std::uint64_t size = 0;
    std::string sha;
    {
      auto lease = pool.acquire();
      if (!lease) return send_db_error(res, lease.error());
      auto dev = device_of_request(**lease, req, res);
      if (!dev) return;
      auto u = (*lease)->exec("SELECT size, sha256 FROM updates WHERE id = $1", {std::to_string(*id)});
      if (!u) return send_db_error(res, u.error());
      if (u->empty()) return send_error(res, 404, "unknown_update", "no such update");
      auto in = device_in_rollout(**lease, dev->device_id, *id, false);
      if (!in) return send_db_error(res, in.error());
      if (!*in) return send_error(res, 403, "not_assigned", "this update is not assigned to this device (now)");
      size = static_cast<std::uint64_t>(u->int64(0, 0));
      sha = u->text(0, 1);
    }
    std::uint64_t first = 0, last = size - 1;
    res.set_header("Accept-Ranges", "bytes");
    res.set_header("ETag", "\"" + sha + "\"");
    if (req.has_header("Range")) {
      auto r = parse_range(req.get_header_value("Range"), size);
      // httplib applies req.ranges to the response by itself and checks nothing; this handler does it.
      const_cast<httplib::Request&>(req).ranges.clear();
      if (!r) {
        res.set_header("Content-Range", "bytes */" + std::to_string(size));
        return send_error(res, 416, "bad_range", "the range cannot be satisfied (size " + std::to_string(size) + ")");
      }
      first = r->first;
      last = r->second;
      res.status = 206;
      res.set_header("Content-Range", "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" +
                                          std::to_string(size));
    }
    auto cursor = std::make_shared<ChunkCursor>();
    const std::int64_t uid = *id;
    res.set_content_provider(
        static_cast<std::size_t>(last - first + 1), "application/x-tar",
        [&pool, cursor, uid, first](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
          const std::uint64_t abs = first + offset;
          const auto idx = static_cast<std::int64_t>(abs / kUpdateChunkBytes);
          if (cursor->idx != idx) {
            auto lease = pool.acquire();
            if (!lease) return false;
            auto c = update_chunk(**lease, uid, idx);
            if (!c || !c->has_value()) return false;  // the connection is cut; the terminal resumes later
            cursor->data = std::move(**c);
            cursor->idx = idx;
          }
          const std::size_t within = static_cast<std::size_t>(abs % kUpdateChunkBytes);
          if (within >= cursor->data.size()) return false;
          const std::size_t n = std::min(length, cursor->data.size() - within);
          return sink.write(cursor->data.data() + within, n);
        });
  });

  term.Post("/v1/update/report", [&pool](const httplib::Request& req, httplib::Response& res) {
    if (!is_json_request(req)) return send_error(res, 415, "unsupported_media_type", "Content-Type must be application/json");
    auto lease = pool.acquire();
    if (!lease) return send_db_error(res, lease.error());
    auto dev = device_of_request(**lease, req, res);
    if (!dev) return;
    auto b = json::parse(req.body, nullptr, false);
    const char* shape = "body must be {\"update_id\": N, \"version\": N, \"state\": \"downloaded|installed|blessed|rolled_back|failed\", \"detail\": \"...\"}";
    if (b.is_discarded() || !b.is_object() || !b.contains("update_id") || !b["update_id"].is_number_integer() ||
        !b.contains("version") || !b["version"].is_number_integer() || !b.contains("state") || !b["state"].is_string())
      return send_error(res, 400, "invalid_report", shape);
    for (const auto& [k, v] : b.items())
      if (k != "update_id" && k != "version" && k != "state" && k != "detail")
        return send_error(res, 400, "invalid_report", "unknown field " + k);
    std::string detail;
    if (b.contains("detail")) {
      if (!b["detail"].is_string() || b["detail"].get<std::string>().size() > 500)
        return send_error(res, 400, "invalid_report", "detail must be a string of at most 500 bytes");
      detail = b["detail"].get<std::string>();
    }
    const std::string state = b["state"].get<std::string>();
    if (state != "downloaded" && state != "installed" && state != "blessed" && state != "rolled_back" &&
        state != "failed")
      return send_error(res, 400, "invalid_report", shape);
    auto out = record_update_report(**lease, dev->device_id, b["update_id"].get<std::int64_t>(),
                                    b["version"].get<std::int64_t>(), state, detail);
    if (!out) return send_db_error(res, out.error());
    using K = ReportOutcome::Kind;
    switch (out->kind) {
      case K::UnknownUpdate: return send_error(res, 404, "unknown_update", "no such update");
      case K::VersionMismatch: return send_error(res, 400, "version_mismatch", "the version is not this update's");
      case K::NotAssigned: return send_error(res, 403, "not_assigned", "this update was not assigned to this device");
      case K::Recorded:
      case K::Duplicate:
        if (out->halted) std::fprintf(stderr, "balie-coa: rollout of update %lld halted after roll-backs\n",
                                      static_cast<long long>(b["update_id"].get<std::int64_t>()));
        res.set_content(json{{"recorded", out->kind == K::Recorded}, {"rollout_halted", out->halted}}.dump(),
                        "application/json");
        return;
    }
  });
}

}  // namespace balie::coa
