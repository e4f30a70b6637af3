// balie-inbox's per-request access log (issue 17 item 5): one line per request on stderr (the journal
// under systemd) with method, path TEMPLATE (never the raw path or query), status, bytes, duration,
// the client certificate's device id and a request id. Nothing from the request body, query or
// headers is logged, so no BSN or name can reach the log whatever a client sends.
#pragma once
#include <string>

namespace balie::inbox {

// The route template of a request path ("/v1/locaties/{locatiecode}/dossierupdates"), or "(other)".
std::string path_template(const std::string& path);
// The method if it is a standard one, else "(other)".
std::string log_method(const std::string& method);
// The methods a known path template answers ("GET, HEAD"), empty for an unknown template.
std::string allowed_methods(const std::string& tmpl, bool case_listener);
// A device id as logged: the certificate CN if it is a token ([A-Za-z0-9._-]{1,64}), else "-".
std::string log_device(const std::string& cn);
// One access-log line: "balie-inbox: access listener=inbox request_id=... method=GET path=/v1/health
// status=200 bytes=42 duration_ms=3 device=kiosk-01".
std::string access_log_line(const std::string& listener, const std::string& request_id, const std::string& method,
                            const std::string& tmpl, int status, std::size_t bytes, long duration_ms,
                            const std::string& device);

}  // namespace balie::inbox
