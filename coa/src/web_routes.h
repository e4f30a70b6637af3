// The operator listener's routes of balie-coa (coa/src/web_routes.cpp): login (password or one-time
// link), fleet table, terminal page with revoke, enrolment codes, rollouts (start, advance, halt).
// Reads the database into the view structs of balie/coa/web.h and renders them; every POST checks the
// session's CSRF token.
#pragma once
#include "balie/coa/db.h"
#include "balie/coa/enrol.h"
#include "balie/coa/server.h"

namespace httplib {
class Server;
}

namespace balie::coa {

class WebRoutes {
 public:
  WebRoutes(const CoaConfig& cfg, Pool& pool, const Issuer& issuer) : cfg_(cfg), pool_(pool), issuer_(issuer) {}
  void install(httplib::Server& svr);

 private:
  const CoaConfig& cfg_;
  Pool& pool_;
  const Issuer& issuer_;
};

}  // namespace balie::coa
