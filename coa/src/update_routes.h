// The terminal listener's update routes of balie-coa (coa/src/update_routes.cpp): GET /v1/update (the
// update assigned to this device by its rollout stage, or 204), GET /v1/update/<id>/bundle (the
// bundle from the database, with single HTTP byte ranges for resumed downloads) and
// POST /v1/update/report (downloaded / installed / blessed / rolled_back; may halt the rollout).
#pragma once
#include "balie/coa/db.h"
#include "balie/coa/server.h"

namespace httplib {
class Server;
}

namespace balie::coa {

// `web` is unused for now (the /rollouts page is to come); both servers are passed as the contract says.
void install_update_routes(httplib::Server& term, httplib::Server& web, Pool& pool, const CoaConfig& cfg);

}  // namespace balie::coa
