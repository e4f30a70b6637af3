// libcurl session implementation for the sync engine (sync/ internal). See detail/https_client.h.
// Maps curl failures to Errc::tls (refused certificate/pin) or Errc::network (retryable).
#include "detail/https_client.h"

#include <algorithm>
#include <cctype>

#include "balie/record/codec.h"
#include "detail/curl_tls_policy.h"

namespace balie::sync::detail {
namespace {

struct Sink {
  std::string* body;
  std::size_t max;
  bool overflow = false;
};

size_t on_write(char* p, size_t size, size_t n, void* ud) {
  auto* s = static_cast<Sink*>(ud);
  if (s->body->size() + size * n > s->max) {
    s->overflow = true;
    return 0;
  }
  s->body->append(p, size * n);
  return size * n;
}

size_t on_header(char* p, size_t size, size_t n, void* ud) {
  auto* r = static_cast<HttpResponse*>(ud);
  std::string line(p, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string k = line.substr(0, colon);
    std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string v = line.substr(colon + 1);
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.erase(0, 1);
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.pop_back();
    if (k == "content-type") r->content_type = v;
    if (k == "balie-signature") r->signature = v;
    if (k == "api-version") r->api_version = v;
    if (k == "retry-after" && !v.empty() && v.size() <= 6 && v.find_first_not_of("0123456789") == std::string::npos)
      r->retry_after_s = std::stol(v);  // delta-seconds only; an HTTP date counts as absent
  }
  return size * n;
}

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

}  // namespace

HttpsSession::HttpsSession(const Route& route, const TlsIdentity& id, const HttpLimits& lim)
    : route_(route), id_(id), lim_(lim) {
  static CurlGlobal g;
  h_ = curl_easy_init();
}

HttpsSession::~HttpsSession() {
  if (h_) curl_easy_cleanup(h_);
}

Result<HttpResponse> HttpsSession::get(const std::string& p) { return perform(p, nullptr, false); }

Result<HttpResponse> HttpsSession::post_json(const std::string& p, const std::string& body, bool gzip) {
  if (!gzip) return perform(p, &body, false);
  auto gz = gzip_compress(body);
  if (!gz) return gz.error();
  return perform(p, &*gz, true);
}

Result<HttpResponse> HttpsSession::perform(const std::string& path, const std::string* body, bool gzipped) {
  if (!h_) return make_error(Errc::internal, "curl_easy_init failed");
  if (route_.base_url.rfind("https://", 0) != 0) return make_error(Errc::routing, "endpoint is not https://");
  HttpResponse r;
  Sink sink{&r.body, lim_.max_response_bytes};
  std::string url = route_.base_url + path;
  curl_blob ca{const_cast<char*>(route_.ca_pem.data()), route_.ca_pem.size(), CURL_BLOB_COPY};
  curl_blob cert{const_cast<char*>(id_.cert_pem.data()), id_.cert_pem.size(), CURL_BLOB_COPY};
  curl_blob key{const_cast<char*>(id_.key_pem.data()), id_.key_pem.size(), CURL_BLOB_COPY};
  curl_easy_setopt(h_, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h_, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(h_, CURLOPT_FOLLOWLOCATION, 0L);
  apply_tls_policy(h_);  // TLS 1.3, or TLS 1.2 with an AEAD suite (tls_policy.h)
  curl_easy_setopt(h_, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h_, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(h_, CURLOPT_CAINFO_BLOB, &ca);
  curl_easy_setopt(h_, CURLOPT_CAPATH, nullptr);
  curl_easy_setopt(h_, CURLOPT_PINNEDPUBLICKEY, route_.pinned_key.c_str());
  if (!id_.cert_pem.empty()) {  // no client certificate before enrolment (balie-enrol online)
    curl_easy_setopt(h_, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(h_, CURLOPT_SSLCERT_BLOB, &cert);
    curl_easy_setopt(h_, CURLOPT_SSLKEYTYPE, "PEM");
    curl_easy_setopt(h_, CURLOPT_SSLKEY_BLOB, &key);
  }
  curl_easy_setopt(h_, CURLOPT_CERTINFO, 1L);
  curl_easy_setopt(h_, CURLOPT_CONNECTTIMEOUT, lim_.connect_timeout_s);
  curl_easy_setopt(h_, CURLOPT_LOW_SPEED_LIMIT, lim_.low_speed_limit_bps);
  curl_easy_setopt(h_, CURLOPT_LOW_SPEED_TIME, lim_.low_speed_time_s);
  curl_easy_setopt(h_, CURLOPT_TIMEOUT, lim_.total_timeout_s);
  curl_easy_setopt(h_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h_, CURLOPT_ACCEPT_ENCODING, "gzip");
  curl_easy_setopt(h_, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(h_, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h_, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h_, CURLOPT_HEADERDATA, &r);
  curl_slist* hdrs = nullptr;
  hdrs = curl_slist_append(hdrs, "Accept: application/json, application/problem+json");
  hdrs = curl_slist_append(hdrs, "API-Version: 1.0.0");
  if (body) {
    hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    if (gzipped) hdrs = curl_slist_append(hdrs, "Content-Encoding: gzip");
    hdrs = curl_slist_append(hdrs, "Expect:");
    curl_easy_setopt(h_, CURLOPT_POST, 1L);
    curl_easy_setopt(h_, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(h_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
  } else {
    curl_easy_setopt(h_, CURLOPT_HTTPGET, 1L);
  }
  curl_easy_setopt(h_, CURLOPT_HTTPHEADER, hdrs);
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h_, CURLOPT_ERRORBUFFER, errbuf);
  CURLcode rc = curl_easy_perform(h_);
  curl_easy_setopt(h_, CURLOPT_ERRORBUFFER, nullptr);
  curl_slist_free_all(hdrs);
  curl_off_t up = 0, down = 0, hdr = 0;
  curl_easy_getinfo(h_, CURLINFO_SIZE_UPLOAD_T, &up);
  curl_easy_getinfo(h_, CURLINFO_SIZE_DOWNLOAD_T, &down);
  long hs = 0, rs = 0;
  curl_easy_getinfo(h_, CURLINFO_HEADER_SIZE, &hs);
  curl_easy_getinfo(h_, CURLINFO_REQUEST_SIZE, &rs);
  (void)hdr;
  bytes_up_ += static_cast<std::size_t>(up) + static_cast<std::size_t>(rs);
  bytes_down_ += static_cast<std::size_t>(down) + static_cast<std::size_t>(hs);
  if (rc != CURLE_OK) {
    std::string m = std::string(curl_easy_strerror(rc)) + " (" + route_.gemeentecode + ")";
    switch (rc) {
      case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_SSL_CACERT_BADFILE:
      case CURLE_SSL_CERTPROBLEM:
      case CURLE_SSL_ISSUER_ERROR:
      case CURLE_SSL_INVALIDCERTSTATUS:
        return make_error(Errc::tls, "TLS refused: " + m);
      case CURLE_WRITE_ERROR:
        if (sink.overflow) return make_error(Errc::limit, "response body exceeds limit: " + m);
        return make_error(Errc::network, m);
      case CURLE_SSL_CONNECT_ERROR:  // also a connection cut mid-handshake: retried like one
        return make_error(Errc::network, "TLS handshake failed: " + std::string(errbuf[0] ? errbuf : curl_easy_strerror(rc)) +
                                             " (" + route_.gemeentecode + "; " + kTlsPolicyText + ")");
      case CURLE_UNSUPPORTED_PROTOCOL:
      case CURLE_URL_MALFORMAT:
        return make_error(Errc::routing, "endpoint URL unusable: " + m);
      default:
        return make_error(Errc::network, m);
    }
  }
  curl_easy_getinfo(h_, CURLINFO_RESPONSE_CODE, &r.status);
  curl_certinfo* ci = nullptr;
  if (curl_easy_getinfo(h_, CURLINFO_CERTINFO, &ci) == CURLE_OK && ci && ci->num_of_certs > 0) {
    for (curl_slist* s = ci->certinfo[0]; s; s = s->next)
      if (std::string(s->data).rfind("Subject:", 0) == 0) r.server_subject = s->data + 8;
  }
  return r;
}

}  // namespace balie::sync::detail
