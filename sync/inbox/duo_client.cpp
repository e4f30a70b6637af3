// DuoClient (see duo_client.h): libcurl PUT to DUO's MAP/PVT API with mTLS and Balie's TLS policy.
#include "duo_client.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "balie/record/codec.h"
#include "balie/record/json_limits.h"
#include "detail/curl_tls_policy.h"

namespace balie::inbox {
namespace {
using record::Errc;
using record::make_error;

constexpr std::size_t kMaxAnswerBytes = 64 * 1024;  // DUO's answers are a few hundred bytes

struct Sink {
  std::string* body;
  bool overflow = false;
};

size_t on_write(char* p, size_t size, size_t n, void* ud) {
  auto* s = static_cast<Sink*>(ud);
  if (s->body->size() + size * n > kMaxAnswerBytes) {
    s->overflow = true;
    return 0;
  }
  s->body->append(p, size * n);
  return size * n;
}

size_t on_header(char* p, size_t size, size_t n, void* ud) {
  auto* a = static_cast<DuoAnswer*>(ud);
  std::string line(p, size * n);
  auto colon = line.find(':');
  if (colon == std::string::npos) return size * n;
  std::string k = line.substr(0, colon);
  std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string v = line.substr(colon + 1);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.erase(0, 1);
  while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.pop_back();
  if (k == "berichtid") a->bericht_id = v;
  if (k == "api-version") a->api_version = v;
  return size * n;
}

bool all_digits(const std::string& s, std::size_t n) {
  return s.size() == n && std::all_of(s.begin(), s.end(), [](unsigned char c) { return c >= '0' && c <= '9'; });
}

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

// Every run of 8 or more digits becomes '*' (BSNs, A-numbers, phone numbers).
std::string mask_digits(std::string s) {
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] < '0' || s[i] > '9') {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
    if (j - i >= 8) std::fill(s.begin() + static_cast<long>(i), s.begin() + static_cast<long>(j), '*');
    i = j;
  }
  return s;
}

}  // namespace

DuoClient::DuoClient(DuoClientConfig c) : c_(std::move(c)) {
  static CurlGlobal g;
  h_ = curl_easy_init();
}

DuoClient::~DuoClient() {
  if (h_) curl_easy_cleanup(h_);
}

record::Result<DuoAnswer> DuoClient::put_pvt(const std::string& bsn, const std::string& bericht_id,
                                             const std::string& body) {
  if (!h_) return make_error(Errc::internal, "curl_easy_init failed");
  if (!all_digits(bsn, 9)) return make_error(Errc::invalid_input, "BSN must be 9 digits");
  if (!all_digits(c_.bron_oin, 20) || !all_digits(c_.doel_oin, 20))
    return make_error(Errc::invalid_input, "bron and doel OIN must be 20 digits");
  if (!record::is_uuid(bericht_id)) return make_error(Errc::invalid_input, "berichtId must be a UUID");
  if (c_.base_url.rfind("https://", 0) != 0) return make_error(Errc::routing, "DUO URL is not https://");
  DuoAnswer a;
  Sink sink{&a.body};
  std::string base = c_.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  const std::string url = base + "/personen/" + bsn + "/pvt";
  curl_easy_reset(h_);
  curl_easy_setopt(h_, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h_, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(h_, CURLOPT_FOLLOWLOCATION, 0L);
  sync::detail::apply_tls_policy(h_);
  curl_easy_setopt(h_, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h_, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(h_, CURLOPT_CAINFO, c_.ca_file.c_str());  // DUO's CA only, not the system store
  curl_easy_setopt(h_, CURLOPT_CAPATH, nullptr);
  curl_easy_setopt(h_, CURLOPT_SSLCERTTYPE, "PEM");
  curl_easy_setopt(h_, CURLOPT_SSLCERT, c_.cert_file.c_str());
  curl_easy_setopt(h_, CURLOPT_SSLKEYTYPE, "PEM");
  curl_easy_setopt(h_, CURLOPT_SSLKEY, c_.key_file.c_str());
  curl_easy_setopt(h_, CURLOPT_CONNECTTIMEOUT, c_.connect_timeout_s);
  curl_easy_setopt(h_, CURLOPT_TIMEOUT, c_.timeout_s);
  curl_easy_setopt(h_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h_, CURLOPT_CUSTOMREQUEST, "PUT");
  curl_easy_setopt(h_, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(h_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(h_, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(h_, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h_, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h_, CURLOPT_HEADERDATA, &a);
  const std::string h_id = "berichtId: " + bericht_id, h_bron = "bron: " + c_.bron_oin, h_doel = "doel: " + c_.doel_oin;
  curl_slist* hdrs = nullptr;
  hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
  hdrs = curl_slist_append(hdrs, "Accept: application/json");
  hdrs = curl_slist_append(hdrs, h_id.c_str());
  hdrs = curl_slist_append(hdrs, h_bron.c_str());
  hdrs = curl_slist_append(hdrs, h_doel.c_str());
  hdrs = curl_slist_append(hdrs, "Expect:");
  curl_easy_setopt(h_, CURLOPT_HTTPHEADER, hdrs);
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h_, CURLOPT_ERRORBUFFER, errbuf);
  const CURLcode rc = curl_easy_perform(h_);
  curl_easy_setopt(h_, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(h_, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(hdrs);
  if (rc != CURLE_OK) {
    const std::string m = std::string(curl_easy_strerror(rc)) + (errbuf[0] ? std::string(": ") + errbuf : "");
    switch (rc) {
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_SSL_CACERT_BADFILE:
      case CURLE_SSL_CERTPROBLEM:
      case CURLE_SSL_ISSUER_ERROR:
        return make_error(Errc::tls, "DUO TLS refused: " + m);
      case CURLE_WRITE_ERROR:
        if (sink.overflow) return make_error(Errc::network, "DUO answer larger than 64 KiB");
        return make_error(Errc::network, m);
      case CURLE_SSL_CONNECT_ERROR:
        return make_error(Errc::network, "TLS handshake with DUO failed: " + m + " (" + sync::kTlsPolicyText + ")");
      default:
        return make_error(Errc::network, m);
    }
  }
  curl_easy_getinfo(h_, CURLINFO_RESPONSE_CODE, &a.status);
  return a;
}

DuoOutcome classify(const DuoAnswer& a, const std::string& bericht_id) {
  if (a.status >= 200 && a.status < 300)
    return a.bericht_id == bericht_id && !a.api_version.empty() ? DuoOutcome::accepted : DuoOutcome::retry;
  if (a.status == 408 || a.status == 429) return DuoOutcome::retry;
  if (a.status >= 400 && a.status < 500) return DuoOutcome::rejected;
  return DuoOutcome::retry;  // 5xx, 1xx/3xx: not an answer DUO's API gives for a PUT
}

std::string mask_duo_answer(const std::string& body, const std::string& bsn) {
  std::string text;
  auto j = record::parse_json_limited(body, record::JsonLimits{kMaxAnswerBytes}, "DUO answer");
  if (j && j->is_array()) {
    // DUO's Foutmelding list: keep the fouttekst of each, nothing else.
    nlohmann::json out = nlohmann::json::array();
    for (const auto& f : *j)
      if (f.is_object() && f.contains("fouttekst") && f["fouttekst"].is_string())
        out.push_back({{"fouttekst", f["fouttekst"]}});
    text = out.dump();
  } else {
    text = body;
    for (char& c : text)
      if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  if (!bsn.empty())
    for (std::size_t p = text.find(bsn); p != std::string::npos; p = text.find(bsn, p)) text.replace(p, bsn.size(), "*********");
  text = mask_digits(std::move(text));
  if (text.size() > 1000) text = text.substr(0, 1000) + "...";
  return text;
}

}  // namespace balie::inbox
