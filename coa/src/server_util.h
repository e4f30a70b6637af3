// Shared pieces of balie-coa's HTTP handlers (coa/src/*_routes.cpp, server.cpp): JSON error answers,
// the mapping of database failures to statuses (unavailable -> 503 + Retry-After), and the device of
// a terminal request (found by its client certificate's public-key pin; revoked devices refused).
#pragma once
#include <optional>
#include <string>

#include "balie/coa/db.h"
#include "balie/coa/ops.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace balie::coa {

void send_error(httplib::Response& res, int status, const std::string& code, const std::string& message);
void send_db_error(httplib::Response& res, const DbError& e);
// "sha256//..." pin of the request's client certificate, "" without one.
std::string peer_pin(const httplib::Request& req);
// The enrolled, unrevoked device of this request's certificate; nullopt after answering 401/403/503.
std::optional<Device> device_of_request(Db& db, const httplib::Request& req, httplib::Response& res);
bool is_json_request(const httplib::Request& req);

}  // namespace balie::coa
