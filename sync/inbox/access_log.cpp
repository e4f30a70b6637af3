// balie-inbox's access log lines and route templates (access_log.h). The templates are also the
// list of known paths used for 405 + Allow in inbox_server.cpp.
#include "access_log.h"

#include <regex>
#include <utility>
#include <vector>

namespace balie::inbox {
namespace {
struct Route {
  std::regex re;
  const char* tmpl;
  const char* inbox_allow;  // methods on the kiosk listener ("" when not served there)
  const char* case_allow;   // methods on the case-system listener
};
const std::vector<Route>& routes() {
  static const std::vector<Route> r = {
      {std::regex("/v1/health"), "/v1/health", "GET, HEAD", "GET, HEAD"},
      {std::regex("/v1/openapi\\.json"), "/v1/openapi.json", "GET, HEAD", "GET, HEAD"},
      {std::regex("/v1/identiteit"), "/v1/identiteit", "GET, HEAD", ""},
      {std::regex("/v1/records"), "/v1/records", "POST", ""},
      {std::regex("/v1/keten"), "/v1/keten", "GET, HEAD", ""},
      {std::regex("/v1/verwijderverzoeken"), "/v1/verwijderverzoeken", "POST", ""},
      {std::regex("/v1/locaties/[A-Za-z0-9._-]{1,64}/dossierupdates"), "/v1/locaties/{locatiecode}/dossierupdates",
       "GET, HEAD", ""},
      {std::regex("/v1/locaties/[A-Za-z0-9._-]{1,64}/dossierproblemen"), "/v1/locaties/{locatiecode}/dossierproblemen",
       "POST", ""},
      {std::regex("/v1/wijzigingen"), "/v1/wijzigingen", "", "GET, HEAD"},
  };
  return r;
}
bool is_token(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
      return false;
  return true;
}
}  // namespace

std::string path_template(const std::string& path) {
  if (path.size() > 200) return "(other)";
  for (const auto& r : routes())
    if (std::regex_match(path, r.re)) return r.tmpl;
  return "(other)";
}

std::string log_method(const std::string& m) {
  for (const char* k : {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"})
    if (m == k) return m;
  return "(other)";
}

std::string allowed_methods(const std::string& tmpl, bool case_listener) {
  for (const auto& r : routes())
    if (tmpl == r.tmpl) return case_listener ? r.case_allow : r.inbox_allow;
  return "";
}

std::string log_device(const std::string& cn) { return is_token(cn) ? cn : "-"; }

std::string access_log_line(const std::string& listener, const std::string& request_id, const std::string& method,
                            const std::string& tmpl, int status, std::size_t bytes, long duration_ms,
                            const std::string& device) {
  return "balie-inbox: access listener=" + listener + " request_id=" + (is_token(request_id) ? request_id : "-") +
         " method=" + log_method(method) + " path=" + tmpl + " status=" + std::to_string(status) +
         " bytes=" + std::to_string(bytes) + " duration_ms=" + std::to_string(duration_ms) +
         " device=" + log_device(device);
}

}  // namespace balie::inbox
