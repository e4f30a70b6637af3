// COA update step of the terminal (sync/src/update_client.h): libcurl with mutual TLS, COA's CA and
// pins; the bundle is streamed to <state>/update-partial (never held in memory) and resumed with a
// Range request; only a file whose size and SHA-256 match COA's offer reaches the drop folder.
#include "update_client.h"

#include <curl/curl.h>
#include <sodium.h>
#include <unistd.h>

#include <strings.h>

#include <cstdio>
#include <map>
#include <optional>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "balie/platform/atomic_file.h"
#include "detail/curl_tls_policy.h"

namespace balie::sync {

namespace fs = std::filesystem;
using json = nlohmann::json;
using record::Errc;
using record::make_error;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

struct Download {
  FILE* file = nullptr;
  std::uint64_t resume_from = 0, limit = 0, written = 0;
  CURL* h = nullptr;
  bool started = false, to_file = false, too_long = false, bad_range = false;
  std::string content_range, error_body;
};

size_t on_header(char* p, size_t size, size_t n, void* ud) {
  auto* d = static_cast<Download*>(ud);
  std::string line(p, size * n);
  if (line.size() > 14 && strncasecmp(line.c_str(), "content-range:", 14) == 0) {
    std::string v = line.substr(14);
    while (!v.empty() && (v.front() == ' ')) v.erase(0, 1);
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.pop_back();
    d->content_range = v;
  }
  return size * n;
}

size_t on_body(char* p, size_t size, size_t n, void* ud) {
  auto* d = static_cast<Download*>(ud);
  const size_t len = size * n;
  if (!d->started) {
    d->started = true;
    long status = 0;
    curl_easy_getinfo(d->h, CURLINFO_RESPONSE_CODE, &status);
    if (status == 206) {
      // Must continue exactly where the partial file ends.
      if (d->content_range.rfind("bytes " + std::to_string(d->resume_from) + "-", 0) != 0) {
        d->bad_range = true;
        return 0;
      }
      d->to_file = true;
    } else if (status == 200) {
      // The whole file (no range was asked, or the server ignored it): start again.
      if (ftruncate(fileno(d->file), 0) != 0) return 0;
      fseek(d->file, 0, SEEK_SET);
      d->resume_from = 0;
      d->to_file = true;
    }
  }
  if (!d->to_file) {
    if (d->error_body.size() < 4096) d->error_body.append(p, std::min<size_t>(len, 4096));
    return len;
  }
  if (d->resume_from + d->written + len > d->limit) {
    d->too_long = true;
    return 0;
  }
  if (fwrite(p, 1, len, d->file) != len) return 0;
  d->written += len;
  return len;
}

size_t on_memory(char* p, size_t size, size_t n, void* ud) {
  auto* s = static_cast<std::string*>(ud);
  if (s->size() + size * n > 256 * 1024) return 0;
  s->append(p, size * n);
  return size * n;
}

struct Curl {
  CURL* h;
  curl_slist* headers = nullptr;
  Curl() : h(curl_easy_init()) {}
  ~Curl() {
    if (headers) curl_slist_free_all(headers);
    if (h) curl_easy_cleanup(h);
  }
};

// Sets up mutual TLS to COA for `url`.
void setup(Curl& c, const CoaUpdateEndpoint& coa, const std::string& url, curl_blob* ca, curl_blob* cert, curl_blob* key,
           const std::string& pins) {
  static const bool global = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  (void)global;
  curl_easy_setopt(c.h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c.h, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(c.h, CURLOPT_FOLLOWLOCATION, 0L);
  sync::detail::apply_tls_policy(c.h);  // TLS 1.3, or TLS 1.2 with an AEAD suite (tls_policy.h)
  curl_easy_setopt(c.h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c.h, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(c.h, CURLOPT_CAINFO_BLOB, ca);
  curl_easy_setopt(c.h, CURLOPT_CAPATH, nullptr);
  if (!pins.empty()) curl_easy_setopt(c.h, CURLOPT_PINNEDPUBLICKEY, pins.c_str());
  curl_easy_setopt(c.h, CURLOPT_SSLCERTTYPE, "PEM");
  curl_easy_setopt(c.h, CURLOPT_SSLCERT_BLOB, cert);
  curl_easy_setopt(c.h, CURLOPT_SSLKEYTYPE, "PEM");
  curl_easy_setopt(c.h, CURLOPT_SSLKEY_BLOB, key);
  curl_easy_setopt(c.h, CURLOPT_CONNECTTIMEOUT, coa.connect_timeout_s);
  curl_easy_setopt(c.h, CURLOPT_LOW_SPEED_LIMIT, 64L);
  curl_easy_setopt(c.h, CURLOPT_LOW_SPEED_TIME, coa.low_speed_time_s);
  curl_easy_setopt(c.h, CURLOPT_TIMEOUT, coa.total_timeout_s);
  curl_easy_setopt(c.h, CURLOPT_NOSIGNAL, 1L);
}

class Coa {
 public:
  explicit Coa(const CoaUpdateEndpoint& coa) : coa_(coa) {
    for (const auto& p : coa.pins) pins_ += (pins_.empty() ? "" : ";") + p;
    ca_ = blob(coa_.ca_pem);
    cert_ = blob(coa_.cert_pem);
    key_ = blob(coa_.key_pem);
  }
  // GET or POST (JSON) with a small answer.
  record::Result<std::pair<long, std::string>> call(const std::string& path, const std::string* json_body) {
    Curl c;
    if (!c.h) return make_error(Errc::internal, "curl_easy_init failed");
    setup(c, coa_, coa_.base_url + path, &ca_, &cert_, &key_, pins_);
    std::string body;
    curl_easy_setopt(c.h, CURLOPT_WRITEFUNCTION, on_memory);
    curl_easy_setopt(c.h, CURLOPT_WRITEDATA, &body);
    if (json_body) {
      c.headers = curl_slist_append(c.headers, "Content-Type: application/json");
      curl_easy_setopt(c.h, CURLOPT_HTTPHEADER, c.headers);
      curl_easy_setopt(c.h, CURLOPT_POSTFIELDS, json_body->c_str());
      curl_easy_setopt(c.h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(json_body->size()));
    }
    const CURLcode rc = curl_easy_perform(c.h);
    if (rc != CURLE_OK) return net_error(rc, path);
    long status = 0;
    curl_easy_getinfo(c.h, CURLINFO_RESPONSE_CODE, &status);
    return std::pair{status, body};
  }
  // Downloads `path` into `file` from its current size on; returns the bytes written.
  record::Result<std::uint64_t> download(const std::string& path, const fs::path& file, std::uint64_t size) {
    std::error_code ec;
    const std::uint64_t have = fs::exists(file) ? fs::file_size(file, ec) : 0;
    FILE* f = std::fopen(file.c_str(), "ab");
    if (!f) return make_error(Errc::io, "cannot write " + file.string());
    Curl c;
    Download d;
    d.file = f;
    d.h = c.h;
    d.resume_from = have;
    d.limit = size;
    setup(c, coa_, coa_.base_url + path, &ca_, &cert_, &key_, pins_);
    if (have > 0) curl_easy_setopt(c.h, CURLOPT_RANGE, (std::to_string(have) + "-").c_str());
    curl_easy_setopt(c.h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c.h, CURLOPT_HEADERDATA, &d);
    curl_easy_setopt(c.h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c.h, CURLOPT_WRITEDATA, &d);
    const CURLcode rc = curl_easy_perform(c.h);
    const bool flushed = std::fflush(f) == 0 && fsync(fileno(f)) == 0;
    std::fclose(f);
    if (d.too_long) return make_error(Errc::invalid_input, "the bundle is longer than COA's offer said");
    if (d.bad_range) return make_error(Errc::server, "COA answered another range than asked: " + d.content_range);
    if (rc != CURLE_OK) return net_error(rc, path);
    if (!flushed) return make_error(Errc::io, "cannot write " + file.string());
    long status = 0;
    curl_easy_getinfo(c.h, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200 && status != 206)
      return make_error(status == 416 ? Errc::invalid_input : Errc::rejected,
                        "download " + path + ": HTTP " + std::to_string(status) + " " + d.error_body.substr(0, 200));
    return d.written;
  }

 private:
  static curl_blob blob(std::string& s) { return curl_blob{s.data(), s.size(), CURL_BLOB_NOCOPY}; }
  static record::Error net_error(CURLcode rc, const std::string& path) {
    const bool tls = rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH || rc == CURLE_PEER_FAILED_VERIFICATION ||
                     rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_CONNECT_ERROR;
    return make_error(tls ? Errc::tls : Errc::network, path + ": " + curl_easy_strerror(rc));
  }
  CoaUpdateEndpoint coa_;
  std::string pins_;
  curl_blob ca_{}, cert_{}, key_{};
};

std::optional<std::string> file_sha256(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) return std::nullopt;
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  std::vector<char> buf(1 << 20);
  while (f) {
    f.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (f.gcount() > 0)
      crypto_hash_sha256_update(&st, reinterpret_cast<unsigned char*>(buf.data()), static_cast<unsigned long long>(f.gcount()));
  }
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&st, h);
  char hex[2 * sizeof h + 1];
  sodium_bin2hex(hex, sizeof hex, h, sizeof h);
  return std::string(hex);
}

json read_json(const fs::path& p) {
  if (!fs::exists(p)) return json::object();
  auto j = json::parse(slurp(p), nullptr, false);
  return j.is_object() ? j : json::object();
}

record::Status write_json(const fs::path& p, const json& j) {
  std::string err;
  if (!platform::write_file_atomic(p, j.dump(), 0600, &err)) return make_error(Errc::io, err);
  return {};
}

record::Result<long> report(Coa& coa, std::int64_t id, std::int64_t version, const std::string& state,
                            const std::string& detail) {
  const std::string body =
      json{{"update_id", id}, {"version", version}, {"state", state}, {"detail", detail.substr(0, 500)}}.dump();
  auto r = coa.call("/v1/update/report", &body);
  if (!r) return r.error();
  if (r->first >= 500) return make_error(Errc::server, "report: HTTP " + std::to_string(r->first));
  return r->first;
}

// Moves the verified bundle into the drop folder under its final *.tar name in one rename; across
// file systems via a hidden temporary name the path unit does not match. The bundle (public firmware,
// nothing personal) becomes readable by the folder's group: on the terminal the installer runs as root
// without capabilities and reads it as group root of the setgid drop folder (tmpfiles.d/balie.conf).
record::Status deliver(const fs::path& partial, const fs::path& target) {
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  fs::permissions(partial, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read,
                  fs::perm_options::replace, ec);
  if (ec) return make_error(Errc::io, "cannot make the bundle readable for the installer: " + ec.message());
  fs::rename(partial, target, ec);
  if (!ec) return {};
  if (ec != std::errc::cross_device_link) return make_error(Errc::io, "cannot move the bundle to " + target.string() + ": " + ec.message());
  const fs::path tmp = target.parent_path() / ("." + target.filename().string() + ".tmp");
  fs::copy_file(partial, tmp, fs::copy_options::overwrite_existing, ec);
  if (ec) return make_error(Errc::io, "cannot copy the bundle to " + tmp.string() + ": " + ec.message());
  fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read, fs::perm_options::replace, ec);
  FILE* f = std::fopen(tmp.c_str(), "rb");
  if (f) {
    (void)fsync(fileno(f));
    std::fclose(f);
  }
  fs::rename(tmp, target, ec);
  if (ec) return make_error(Errc::io, "cannot rename " + tmp.string() + ": " + ec.message());
  fs::remove(partial, ec);
  return {};
}

}  // namespace

record::Result<UpdateStep> run_update_step(const CoaUpdateEndpoint& endpoint, const UpdateClientPaths& paths) {
  if (sodium_init() < 0) return make_error(Errc::internal, "libsodium");
  std::error_code ec;
  fs::create_directories(paths.state_dir, ec);
  if (ec) return make_error(Errc::io, "cannot make " + paths.state_dir.string() + ": " + ec.message());
  const fs::path partial = paths.state_dir / "update-partial", partial_meta = paths.state_dir / "update-partial.json",
                 delivered_meta = paths.state_dir / "update-delivered.json",
                 reported_file = paths.state_dir / "update-reported";
  Coa coa(endpoint);
  UpdateStep step;

  // 1. What the installer and the boot left behind: report it once.
  json delivered = read_json(delivered_meta);
  if (fs::exists(paths.last_result)) {
    std::map<std::string, std::string> kv;
    std::istringstream in(slurp(paths.last_result));
    for (std::string line; std::getline(in, line);)
      if (auto eq = line.find('='); eq != std::string::npos) kv[line.substr(0, eq)] = line.substr(eq + 1);
    const std::string state = kv["state"], version = kv["version"];
    const bool known_state = state == "installed" || state == "blessed" || state == "rolled_back" || state == "failed";
    if (known_state && delivered.contains("version") && std::to_string(delivered["version"].get<std::int64_t>()) == version &&
        slurp(reported_file) != version + " " + state) {
      auto r = report(coa, delivered["update_id"].get<std::int64_t>(), delivered["version"].get<std::int64_t>(), state,
                      kv["detail"]);
      if (!r) return r.error();
      std::string err;
      if (!platform::write_file_atomic(reported_file, version + " " + state, 0600, &err)) return make_error(Errc::io, err);
      step.reported = state;
    }
  }

  if (paths.report_only) return step;

  // 2. The update COA assigns this terminal now.
  auto offer = coa.call("/v1/update", nullptr);
  if (!offer) return offer.error();
  if (offer->first == 204) return step;
  if (offer->first != 200)
    return make_error(offer->first >= 500 ? Errc::server : Errc::rejected,
                      "GET /v1/update: HTTP " + std::to_string(offer->first) + " " + offer->second.substr(0, 200));
  auto o = json::parse(offer->second, nullptr, false);
  static const std::regex hex64("^[0-9a-f]{64}$"), url_re("^/v1/update/[0-9]{1,18}/bundle$");
  if (o.is_discarded() || !o.is_object() || !o.contains("update_id") || !o["update_id"].is_number_integer() ||
      !o.contains("version") || !o["version"].is_number_integer() || !o.contains("size") ||
      !o["size"].is_number_unsigned() || o["size"].get<std::uint64_t>() == 0 || !o.contains("sha256") ||
      !o["sha256"].is_string() || !std::regex_match(o["sha256"].get<std::string>(), hex64) || !o.contains("url") ||
      !o["url"].is_string() || !std::regex_match(o["url"].get<std::string>(), url_re))
    return make_error(Errc::server, "GET /v1/update: not an update offer: " + offer->second.substr(0, 200));
  step.update_id = o["update_id"].get<std::int64_t>();
  step.version = o["version"].get<std::int64_t>();
  const std::string sha = o["sha256"].get<std::string>();
  const std::uint64_t size = o["size"].get<std::uint64_t>();
  const fs::path target = paths.incoming / ("balie-update-" + std::to_string(step.version) + ".tar");

  if (delivered.value("update_id", std::int64_t{-1}) == step.update_id && delivered.value("sha256", "") == sha) {
    step.kind = UpdateStep::Kind::AlreadyDelivered;
    step.delivered = target;
    if (!delivered.value("reported", false)) {
      auto r = report(coa, step.update_id, step.version, "downloaded", "");
      if (!r) return r.error();
      delivered["reported"] = true;
      if (auto st = write_json(delivered_meta, delivered); !st.ok()) return st.error();
    }
    return step;
  }

  // 3. Download (resuming a partial file of the same offer), verify, deliver.
  const json meta = {{"update_id", step.update_id}, {"version", step.version}, {"sha256", sha}, {"size", size}};
  if (read_json(partial_meta) != meta || (fs::exists(partial) && fs::file_size(partial, ec) > size)) {
    fs::remove(partial, ec);
    if (auto st = write_json(partial_meta, meta); !st.ok()) return st.error();
  }
  if (!fs::exists(partial) || fs::file_size(partial, ec) < size) {
    // The bundle shares /var with the store: never let it take the room records need. What is still
    // to come plus the reserve must be free, or nothing is fetched this pass (COA sees disk_full in
    // the health document; the next pass looks again).
    const std::uint64_t have_now = fs::exists(partial) ? fs::file_size(partial, ec) : 0;
    const auto space = fs::space(paths.state_dir, ec);
    if (ec) return make_error(Errc::io, "cannot tell the free space of " + paths.state_dir.string() + ": " + ec.message());
    if (space.available < size - have_now + paths.reserve_bytes)
      return make_error(Errc::io, "update " + std::to_string(step.version) + ": not enough free space: " +
                                      std::to_string((size - have_now) >> 20) + " MiB to download + " +
                                      std::to_string(paths.reserve_bytes >> 20) + " MiB kept for the store, " +
                                      std::to_string(space.available >> 20) + " MiB free; not downloaded");
    auto got = coa.download(o["url"].get<std::string>(), partial, size);
    if (!got) {
      if (got.error().code == Errc::invalid_input) fs::remove(partial, ec);  // 416 or too long: start again
      return got.error();
    }
    step.bytes_downloaded = *got;
  }
  const std::uint64_t have = fs::file_size(partial, ec);
  if (have != size)
    return make_error(Errc::network, "update " + std::to_string(step.version) + ": " + std::to_string(have) + " of " +
                                         std::to_string(size) + " bytes; the next pass resumes");
  auto h = file_sha256(partial);
  if (!h || *h != sha) {
    fs::remove(partial, ec);
    fs::remove(partial_meta, ec);
    return make_error(Errc::crypto, "update " + std::to_string(step.version) +
                                        ": SHA-256 does not match COA's offer; the download starts again next pass");
  }
  if (auto st = deliver(partial, target); !st.ok()) return st.error();
  fs::remove(partial_meta, ec);
  json d = meta;
  d["reported"] = false;
  if (auto st = write_json(delivered_meta, d); !st.ok()) return st.error();
  step.kind = UpdateStep::Kind::Delivered;
  step.delivered = target;
  auto r = report(coa, step.update_id, step.version, "downloaded", "");
  if (!r) return r.error();  // delivered; the next pass reports it
  d["reported"] = true;
  if (auto st = write_json(delivered_meta, d); !st.ok()) return st.error();
  return step;
}

}  // namespace balie::sync
