// balie-coa: COA's service for its terminals, and its administration commands (run on the server by
// COA's operations team; all state is in PostgreSQL). `balie-coa --help` lists the commands; the
// manual page is man/balie-coa.8. Exit codes: 0 ok, 2 usage or configuration, 3 database, 4 refused.
#include <sodium.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "balie/coa/db.h"
#include "balie/coa/enrol.h"
#include "balie/coa/migrate.h"
#include "balie/coa/ops.h"
#include "balie/coa/server.h"
#include "updates.h"

using namespace balie::coa;
using json = nlohmann::json;

namespace {

constexpr const char* kUsage =
    "usage: balie-coa [--config FILE | --database CONNINFO] COMMAND ...\n"
    "  serve                                run both listeners (needs --config)\n"
    "  migrate                              apply pending schema migrations and print the version\n"
    "  location add ID NAME                 add or rename a location\n"
    "  location list\n"
    "  operator add ID NAME                 add an operator; the password is read from stdin\n"
    "  operator link ID [MINUTES]           print a one-time login URL (default 10 minutes)\n"
    "  code create LOCATION OPERATOR        print a one-time enrolment code for a terminal\n"
    "  code create-batch LOCATION OPERATOR N  print N one-time enrolment codes (one a line; 1..10000)\n"
    "  config put LOCATION FILE             store FILE as the location's next configuration version\n"
    "  config show LOCATION                 print the latest configuration and its version\n"
    "  staff add LOCATION ID NAME ROLE PIN  new configuration version with a staff account (first-login PIN)\n"
    "  resident put FILE                    add or change residents (JSON array; the koppeling)\n"
    "  resident withdraw ID REASON          the obligation ends as if it never was (REASON obligation_withdrawn\n"
    "                                       or regime_corrected): terminals drop unsent records, receivers delete\n"
    "  device revoke DEVICE REASON          refuse the device's certificate from now on\n"
    "  device list\n"
    "  crl                                  print the revocation list (PEM CRL by the device CA)\n"
    "BALIE_COA_DATABASE may give the conninfo instead of --database.\n";

int usage() {
  std::fputs(kUsage, stderr);
  std::fputs(kUpdateUsage, stderr);
  return 2;
}

int db_fail(const DbError& e) {
  std::fprintf(stderr, "balie-coa: %s\n", e.message.c_str());
  return e.kind == DbError::Kind::Invalid || e.kind == DbError::Kind::Conflict ? 4 : 3;
}

std::string read_all(std::istream& in) {
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

int main(int argc, char** argv) {
  if (sodium_init() < 0) return 3;
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string config_path, conninfo;
  if (const char* e = std::getenv("BALIE_COA_DATABASE")) conninfo = e;
  while (!args.empty() && args[0].rfind("--", 0) == 0) {
    if (args[0] == "--help" || args[0] == "-h") {
      std::fputs(kUsage, stdout);
      std::fputs(kUpdateUsage, stdout);
      return 0;
    }
    if (args.size() < 2) return usage();
    if (args[0] == "--config") config_path = args[1];
    else if (args[0] == "--database") conninfo = args[1];
    else return usage();
    args.erase(args.begin(), args.begin() + 2);
  }
  if (args.empty()) return usage();
  std::optional<CoaConfig> cfg;
  if (!config_path.empty()) {
    auto c = load_config(config_path);
    if (!c) {
      std::fprintf(stderr, "balie-coa: %s\n", c.error().message.c_str());
      return 2;
    }
    cfg = *c;
    if (conninfo.empty()) conninfo = cfg->database;
  }
  const std::string cmd = args[0] + (args.size() > 1 ? " " + args[1] : "");
  if (args[0] == "serve") {
    if (!cfg) return usage();
    if (!conninfo.empty()) cfg->database = conninfo;
    return serve(*cfg);
  }
  if (conninfo.empty()) {
    std::fputs("balie-coa: no database: give --config, --database or BALIE_COA_DATABASE\n", stderr);
    return 2;
  }
  auto dbr = Db::connect(conninfo);
  if (!dbr) return db_fail(dbr.error());
  Db& db = **dbr;
  if (args[0] == "migrate") {
    auto v = migrate(db);
    if (!v) return db_fail(v.error());
    std::printf("schema version %d\n", *v);
    return 0;
  }
  // Every other command needs the current schema.
  if (auto v = migrate(db); !v) return db_fail(v.error());
  auto need = [&](size_t n) { return args.size() == n; };
  // Update bundles and rollouts (coa/src/updates.cpp).
  if (auto rc = run_update_command(db, cfg ? cfg->update_signer_cert_file : "", args,
                                   "cli:" + std::string(getenv("USER") ? getenv("USER") : "?")))
    return *rc;
  if (cmd == "location add" && need(4)) {
    auto st = add_location(db, args[2], args[3]);
    return st.ok() ? 0 : db_fail(st.error());
  }
  if (cmd == "location list" && need(2)) {
    auto l = list_locations(db);
    if (!l) return db_fail(l.error());
    for (const auto& x : *l) std::printf("%s\t%s\n", x.id.c_str(), x.name.c_str());
    return 0;
  }
  if (cmd == "operator add" && need(4)) {
    std::string pw;
    std::getline(std::cin, pw);
    auto st = add_operator(db, args[2], args[3], pw);
    sodium_memzero(pw.data(), pw.size());
    return st.ok() ? 0 : db_fail(st.error());
  }
  if (cmd == "operator link" && (need(3) || need(4))) {
    const int minutes = need(4) ? std::atoi(args[3].c_str()) : 10;
    if (minutes < 1 || minutes > 60) {
      std::fputs("balie-coa: a login link lives 1 to 60 minutes\n", stderr);
      return 2;
    }
    auto t = create_operator_link(db, args[2], minutes);
    if (!t) return db_fail(t.error());
    std::string base = "https://" + (cfg ? cfg->web.host : std::string("localhost"));
    if (cfg && !cfg->web.port_file.empty()) {
      std::ifstream pf(cfg->web.port_file);
      int port = 0;
      if (pf >> port) base += ":" + std::to_string(port);
    } else if (cfg && cfg->web.port) {
      base += ":" + std::to_string(cfg->web.port);
    }
    std::printf("%s/login/link/%s\n", base.c_str(), t->c_str());
    return 0;
  }
  if (cmd == "code create" && need(4)) {
    auto c = create_enrolment_code(db, args[2], args[3], cfg ? cfg->code_minutes : 24 * 60);
    if (!c) return db_fail(c.error());
    std::printf("%s\n", c->c_str());
    return 0;
  }
  if (cmd == "code create-batch" && need(5)) {
    // One connection for many codes (a fleet roll-out; the fleet benchmark). Each code is its own
    // transaction, printed as soon as it is stored, so a failure half-way loses none already shown.
    const int n = std::atoi(args[4].c_str());
    if (n < 1 || n > 10000 || args[4].find_first_not_of("0123456789") != std::string::npos) {
      std::fputs("balie-coa: N must be 1 to 10000\n", stderr);
      return 2;
    }
    for (int i = 0; i < n; ++i) {
      auto c = create_enrolment_code(db, args[2], args[3], cfg ? cfg->code_minutes : 24 * 60);
      if (!c) return db_fail(c.error());
      std::printf("%s\n", c->c_str());
    }
    return 0;
  }
  if ((cmd == "config put" && need(4)) || (cmd == "staff add" && need(7))) {
    if (!cfg) {
      std::fputs("balie-coa: configuration changes need --config (the COA identity is part of the check)\n", stderr);
      return 2;
    }
    auto issuer = load_issuer(*cfg);
    if (!issuer) {
      std::fprintf(stderr, "balie-coa: %s\n", issuer.error().message.c_str());
      return 2;
    }
    json conf;
    if (cmd == "config put") {
      std::ifstream f(args[3]);
      conf = json::parse(read_all(f), nullptr, false);
      if (conf.is_discarded()) {
        std::fprintf(stderr, "balie-coa: %s is not JSON\n", args[3].c_str());
        return 4;
      }
    } else {
      auto cur = latest_location_config(db, args[2]);
      if (!cur) return db_fail(cur.error());
      if (!cur->has_value()) {
        std::fprintf(stderr, "balie-coa: location %s has no configuration yet (config put first)\n", args[2].c_str());
        return 4;
      }
      conf = (*cur)->second;
      for (const auto& s : conf["staff"])
        if (s.value("id", "") == args[3]) {
          std::fprintf(stderr, "balie-coa: staff account %s exists at %s\n", args[3].c_str(), args[2].c_str());
          return 4;
        }
      conf["staff"].push_back({{"id", args[3]}, {"display_name", args[4]}, {"role", args[5]}, {"first_login_pin", args[6]}});
    }
    auto v = put_location_config(db, args[2], conf, "cli:" + std::string(getenv("USER") ? getenv("USER") : "?"),
                                 issuer->coa);
    if (!v) return db_fail(v.error());
    std::printf("%s configuration version %lld\n", args[2].c_str(), static_cast<long long>(*v));
    return 0;
  }
  if (cmd == "config show" && need(3)) {
    auto cur = latest_location_config(db, args[2]);
    if (!cur) return db_fail(cur.error());
    if (!cur->has_value()) return 4;
    std::printf("%s\n", json{{"version", (*cur)->first}, {"config", (*cur)->second}}.dump(2).c_str());
    return 0;
  }
  if (cmd == "resident put" && need(3)) {
    std::ifstream f(args[2]);
    auto arr = json::parse(read_all(f), nullptr, false);
    if (arr.is_discarded() || !arr.is_array()) {
      std::fprintf(stderr, "balie-coa: %s must hold a JSON array of residents\n", args[2].c_str());
      return 4;
    }
    int bad = 0, done = 0;
    for (const auto& j : arr) {
      ResidentIn r;
      try {
        r.id = j.at("id").get<std::string>();
        r.location_id = j.at("location_id").get<std::string>();
        r.naam_latijns = j.at("naam_latijns").get<std::string>();
        r.naam_eigen_schrift = j.value("naam_eigen_schrift", "");
        r.v_nummer = j.at("v_nummer").get<std::string>();
        r.geboortedatum = j.at("geboortedatum").get<std::string>();
        r.kamer = j.value("kamer", "");
        r.regime = j.at("regime").get<std::string>();
        if (j.contains("gemeentecode") && !j["gemeentecode"].is_null()) r.gemeentecode = j["gemeentecode"].get<std::string>();
        if (j.contains("gekoppeld_sinds") && !j["gekoppeld_sinds"].is_null())
          r.gekoppeld_sinds = j["gekoppeld_sinds"].get<std::string>();
        r.active = j.value("active", true);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "balie-coa: item %d: %s\n", done + bad, e.what());
        ++bad;
        continue;
      }
      if (auto st = put_resident(db, r, "cli"); !st.ok()) {
        std::fprintf(stderr, "balie-coa: %s\n", st.error().message.c_str());
        if (st.error().kind == DbError::Kind::Unavailable) return 3;
        ++bad;
        continue;
      }
      ++done;
    }
    std::printf("%d residents stored, %d refused\n", done, bad);
    return bad ? 4 : 0;
  }
  if (cmd == "resident withdraw" && need(4)) {
    if (auto st = withdraw_resident(db, args[2], args[3], "cli"); !st.ok()) return db_fail(st.error());
    std::printf("resident %s withdrawn (%s)\n", args[2].c_str(), args[3].c_str());
    return 0;
  }
  if (cmd == "device revoke" && need(4)) {
    auto st = revoke_device(db, args[2], args[3], "cli");
    return st.ok() ? 0 : db_fail(st.error());
  }
  if (args[0] == "crl" && need(1)) {
    if (!cfg) return usage();
    auto issuer = load_issuer(*cfg);
    if (!issuer) {
      std::fprintf(stderr, "balie-coa: %s\n", issuer.error().message.c_str());
      return 2;
    }
    auto revoked = revoked_certificates(db);
    if (!revoked) return db_fail(revoked.error());
    auto crl = issuer->ca->crl(*revoked, 7);
    if (!crl) {
      std::fprintf(stderr, "balie-coa: %s\n", crl.error().message.c_str());
      return 3;
    }
    std::fputs(crl->c_str(), stdout);
    return 0;
  }
  if (cmd == "device list" && need(2)) {
    auto r = db.exec(
        "SELECT device_id, location_id, cert_serial, to_char(enrolled_at, 'YYYY-MM-DD HH24:MI'), "
        "coalesce(to_char(revoked_at, 'YYYY-MM-DD HH24:MI'), '-') FROM devices ORDER BY device_id");
    if (!r) return db_fail(r.error());
    for (int i = 0; i < r->size(); ++i)
      std::printf("%s\t%s\t%s\t%s\t%s\n", r->text(i, 0).c_str(), r->text(i, 1).c_str(), r->text(i, 2).c_str(),
                  r->text(i, 3).c_str(), r->text(i, 4).c_str());
    return 0;
  }
  return usage();
}
