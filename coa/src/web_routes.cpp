// balie-coa operator pages: HTTP side (see web_routes.h). Sessions: cookie "balie_coa_session"
// (HttpOnly, Secure, SameSite=Strict), stored as SHA-256; the CSRF token is derived from it. The login
// form is protected by a pre-login cookie the same way. No page shows residents' names or
// dossiers; /residents shows COA's resident ids with their consent state (issue 16).
#include "web_routes.h"

#include <httplib.h>

#include <chrono>
#include <ctime>
#include <map>
#include <sodium.h>
#include <algorithm>
#include <nlohmann/json.hpp>

#include "balie/record/codec.h"
#include "balie/coa/ops.h"
#include "balie/coa/web.h"
#include "rollout_views.h"
#include "updates.h"

namespace balie::coa {

namespace {

using json = nlohmann::json;
constexpr const char* kSessionCookie = "balie_coa_session";
constexpr const char* kLoginCookie = "balie_coa_login";
constexpr int kMaxFleetRows = 5000;
constexpr int kMaxUpdateRows = 200;
constexpr std::size_t kMaxCanaryField = 2000;

std::string cookie(const httplib::Request& req, const std::string& name) {
  const std::string all = req.get_header_value("Cookie");
  size_t i = 0;
  while (i < all.size()) {
    size_t end = all.find(';', i);
    if (end == std::string::npos) end = all.size();
    std::string part = all.substr(i, end - i);
    while (!part.empty() && part.front() == ' ') part.erase(0, 1);
    if (part.rfind(name + "=", 0) == 0) return part.substr(name.size() + 1);
    i = end + 1;
  }
  return "";
}

void set_cookie(httplib::Response& res, const std::string& name, const std::string& value, int max_age) {
  res.set_header("Set-Cookie", name + "=" + value + "; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=" +
                                   std::to_string(max_age));
}

void html(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "text/html; charset=utf-8");
}

void redirect(httplib::Response& res, const std::string& to) {
  res.status = 303;
  res.set_header("Location", to);
}

void db_failure(httplib::Response& res, const DbError& e) {
  if (e.kind == DbError::Kind::Unavailable) {
    res.set_header("Retry-After", "30");
    return html(res, 503, render_error_page(503, "De database is even niet bereikbaar. Probeer het zo opnieuw."));
  }
  if (e.kind == DbError::Kind::Invalid) return html(res, 400, render_error_page(400, e.message));
  std::fprintf(stderr, "balie-coa: web: database error: %s\n", e.message.c_str());
  html(res, 500, render_error_page(500, "Interne fout."));
}

std::string random_hex(size_t n) {
  std::string s(2 * n + 1, '\0');
  std::vector<unsigned char> b(n);
  randombytes_buf(b.data(), n);
  sodium_bin2hex(s.data(), s.size(), b.data(), n);
  s.pop_back();
  return s;
}

bool same(const std::string& a, const std::string& b) {
  return a.size() == b.size() && !a.empty() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

// Figures of one health document for the fleet table and the history.
void read_health(const json& doc, long& waiting, long& held, long& failed, std::optional<long>& clock_ms,
                 std::optional<int>& disk, std::string& software, std::string& image) {
  const auto& o = doc.value("outbox", json::object());
  waiting = o.value("waiting", 0L);
  held = o.value("held", 0L);
  failed = o.value("failed", 0L);
  const auto& c = doc.value("clock", json::object());
  if (c.contains("offset_us") && c["offset_us"].is_number_integer()) clock_ms = c["offset_us"].get<long>() / 1000;
  const auto& d = doc.value("disk", json::object());
  if (d.contains("free_bytes") && d["free_bytes"].is_number_integer() && d.contains("total_bytes") &&
      d["total_bytes"].is_number_integer() && d["total_bytes"].get<long long>() > 0)
    disk = static_cast<int>(100 - (100 * d["free_bytes"].get<long long>()) / d["total_bytes"].get<long long>());
  const auto& v = doc.value("versions", json::object());
  software = v.value("software", "");
  image = v.value("image", "");
}

DbResult<std::vector<FleetRow>> fleet_rows(Db& db, const std::string& only_device = "") {
  auto r = db.exec(
      "SELECT d.device_id, d.location_id, l.name, d.revoked_at IS NOT NULL, h.document::text, "
      "to_char(h.received_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
      "coalesce(h.received_at, d.enrolled_at) < now() - interval '36 hours' "
      "FROM devices d JOIN locations l ON l.id = d.location_id "
      "LEFT JOIN LATERAL (SELECT document, received_at FROM health_reports WHERE device_id = d.device_id "
      "ORDER BY received_at DESC LIMIT 1) h ON true "
      "WHERE $1 = '' OR d.device_id = $1 ORDER BY l.name, d.device_id LIMIT " +
          std::to_string(kMaxFleetRows),
      {only_device});
  if (!r) return r.error();
  auto a = db.exec("SELECT device_id, kind FROM alerts WHERE cleared_at IS NULL AND ($1 = '' OR device_id = $1) ORDER BY kind",
                   {only_device});
  if (!a) return a.error();
  std::map<std::string, std::vector<std::string>> alerts;
  for (int i = 0; i < a->size(); ++i) alerts[a->text(i, 0)].push_back(a->text(i, 1));
  std::vector<FleetRow> rows;
  for (int i = 0; i < r->size(); ++i) {
    FleetRow row;
    row.device_id = r->text(i, 0);
    row.location_id = r->text(i, 1);
    row.location_name = r->text(i, 2);
    row.revoked = r->boolean(i, 3);
    if (auto doc = r->get(i, 4)) {
      auto j = json::parse(*doc, nullptr, false);
      if (!j.is_discarded())
        read_health(j, row.waiting, row.held, row.failed, row.clock_offset_ms, row.disk_percent, row.software_version,
                    row.image_version);
      if (!j.is_discarded() && j.contains("keys") && j["keys"].is_string()) row.keys = j["keys"].get<std::string>().substr(0, 16);
      row.last_pass_utc = r->get(i, 5);
    }
    row.alerts = alerts[row.device_id];
    row.alerts.erase(std::remove(row.alerts.begin(), row.alerts.end(), "revoked"), row.alerts.end());
    if (r->boolean(i, 6) && !row.revoked) row.alerts.insert(row.alerts.begin(), "no_pass");
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

void WebRoutes::install(httplib::Server& svr) {
  // The signed-in operator, or an answer (redirect to the login page) already given.
  auto session = [this](const httplib::Request& req, httplib::Response& res, Db& db) -> std::optional<OperatorSession> {
    const std::string c = cookie(req, kSessionCookie);
    auto s = c.empty() ? DbResult<std::optional<OperatorSession>>(std::optional<OperatorSession>{})
                       : find_operator_session(db, c);
    if (!s) {
      db_failure(res, s.error());
      return std::nullopt;
    }
    if (!s->has_value()) {
      redirect(res, "/login");
      return std::nullopt;
    }
    return **s;
  };
  auto chrome = [](const OperatorSession& s) { return PageChrome{s.display_name, s.csrf_token, record::format_utc(std::time(nullptr))}; };
  auto csrf_ok = [](const httplib::Request& req, const OperatorSession& s) {
    return same(req.get_param_value(std::string(kCsrfField)), s.csrf_token);
  };

  svr.Get("/static/coa.css", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(coa_stylesheet()), "text/css; charset=utf-8");
  });

  svr.Get("/login", [](const httplib::Request&, httplib::Response& res) {
    const std::string pre = random_hex(32);
    set_cookie(res, kLoginCookie, pre, 600);
    html(res, 200, render_login_page("", csrf_for(pre)));
  });

  svr.Post("/login", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string pre = cookie(req, kLoginCookie);
    auto again = [&](const std::string& msg, int status) {
      const std::string fresh = random_hex(32);
      set_cookie(res, kLoginCookie, fresh, 600);
      html(res, status, render_login_page(msg, csrf_for(fresh)));
    };
    if (pre.size() != 64 || !same(req.get_param_value(std::string(kCsrfField)), csrf_for(pre)))
      return again("Het formulier is verlopen. Probeer het opnieuw.", 400);
    auto lease = pool_.acquire();
    if (!lease) return db_failure(res, lease.error());
    const std::string id = req.get_param_value(std::string(kLoginIdField));
    auto ok = check_operator_password(**lease, id, req.get_param_value(std::string(kLoginPasswordField)));
    if (!ok) return db_failure(res, ok.error());
    if (!ok->has_value()) {
      (void)audit(**lease, "web", "operator.login_failed", id.substr(0, 64));
      return again("Onbekende naam of verkeerd wachtwoord.", 401);
    }
    auto s = open_operator_session(**lease, id, cfg_.session_hours);
    if (!s) return db_failure(res, s.error());
    (void)audit(**lease, id, "operator.login", "");
    set_cookie(res, kSessionCookie, *s, cfg_.session_hours * 3600);
    set_cookie(res, kLoginCookie, "", 0);
    redirect(res, "/");
  });

  svr.Get(R"(/login/link/([0-9a-f]{64}))", [this](const httplib::Request& req, httplib::Response& res) {
    auto lease = pool_.acquire();
    if (!lease) return db_failure(res, lease.error());
    auto c = redeem_operator_link(**lease, req.matches[1].str(), cfg_.session_hours);
    if (!c) return db_failure(res, c.error());
    if (!c->has_value())
      return html(res, 403, render_error_page(403, "Deze inloglink is verlopen of al gebruikt."));
    set_cookie(res, kSessionCookie, **c, cfg_.session_hours * 3600);
    // ?next=/terminal/T1001 opens that page (a local path only: no scheme, no "//", plain characters).
    const std::string next = req.get_param_value("next");
    const bool local = next.size() > 1 && next.size() <= 200 && next[0] == '/' && next.find("//") == std::string::npos &&
                       next.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-") ==
                           std::string::npos;
    redirect(res, local ? next : "/");
  });

  svr.Post("/logout", [=, this](const httplib::Request& req, httplib::Response& res) {
    auto lease = pool_.acquire();
    if (!lease) return db_failure(res, lease.error());
    auto s = session(req, res, **lease);
    if (!s) return;
    if (!csrf_ok(req, *s)) return html(res, 403, render_error_page(403, "Ongeldig formulier."));
    (void)close_operator_session(**lease, cookie(req, kSessionCookie));
    set_cookie(res, kSessionCookie, "", 0);
    redirect(res, "/login");
  });

  svr.Get("/", [=, this](const httplib::Request& req, httplib::Response& res) {
    auto lease = pool_.acquire();
    if (!lease) return db_failure(res, lease.error());
    auto s = session(req, res, **lease);
    if (!s) return;
    auto rows = fleet_rows(**lease);
    if (!rows) return db_failure(res, rows.error());
    FleetQuery q;
    q.location = req.get_param_value("location").substr(0, 64);
    q.alert = req.get_param_value("alert").substr(0, 32);
    if (req.has_param("sort")) q.sort = req.get_param_value("sort").substr(0, 16);
    if (req.has_param("dir")) q.dir = req.get_param_value("dir").substr(0, 4);
    html(res, 200, render_fleet_page(*rows, q, chrome(*s)));
  });

  svr.Get(R"(/terminal/([A-Za-z0-9._-]{1,64}))", [=, this](const httplib::Request& req, httplib::Response& res) {
    auto lease = pool_.acquire();
    if (!lease) return db_failure(res, lease.error());
    auto s = session(req, res, **lease);
    if (!s) return;
    const std::string id = req.matches[1].str();
    auto rows = fleet_rows(**lease, id);
    if (!rows) return db_failure(res, rows.error());
    if (rows->empty()) return html(res, 404, render_error_page(404, "Onbekende terminal."));
    auto dev = device_by_id(**lease, id);
    if (!dev || !dev->has_value()) return db_failure(res, dev ? DbError{DbError::Kind::Other, "gone"} : dev.error());
    TerminalView v;
    v.row = rows->front();
    v.enrolled_at = (*dev)->enrolled_at;
    v.cert_serial = std::to_string((*dev)->cert_serial);
    v.revoked_at = (*dev)->revoked_at;
    v.revoke_reason = (*dev)->revoke_reason;
    auto h = (*lease)->exec(
        "SELECT to_char(received_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), to_char(generated_at, "
        "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), document::text FROM health_reports WHERE device_id = $1 "
        "ORDER BY received_at DESC LIMIT $2",
        {id, std::to_string(kHistoryRows)});
    if (!h) return db_failure(res, h.error());
    for (int i = 0; i < h->size(); ++i) {
      HealthPoint p;
      p.received_at = h->text(i, 0);
      p.generated_at = h->text(i, 1);
      auto j = json::parse(h->text(i, 2), nullptr, false);
      std::string image;
      if (!j.is_discarded())
        read_health(j, p.waiting, p.held, p.failed, p.clock_offset_ms, p.disk_percent, p.software_version, image);
      v.history.push_back(std::move(p));
    }
    auto a = (*lease)->exec(
        "SELECT kind, detail, to_char(raised_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
        "to_char(cleared_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM alerts WHERE device_id = $1 "
        "ORDER BY raised_at DESC LIMIT 100",
        {id});
    if (!a) return db_failure(res, a.error());
    for (int i = 0; i < a->size(); ++i) v.alerts.push_back({a->text(i, 0), a->text(i, 1), a->text(i, 2), a->get(i, 3)});
    html(res, 200, render_terminal_page(v, chrome(*s)));
  });

  svr.Post(R"(/terminal/([A-Za-z0-9._-]{1,64})/revoke)", [=, this](const httplib::Request& req, httplib::Response& res) {
    auto lease = pool_.acquire();
    if (!lease) return db_failure(res, lease.error());
    auto s = session(req, res, **lease);
    if (!s) return;
    if (!csrf_ok(req, *s)) return html(res, 403, render_error_page(403, "Ongeldig formulier."));
    const std::string id = req.matches[1].str();
    const std::string reason = req.get_param_value(std::string(kRevokeReasonField));
    if (reason.empty() || reason.size() > static_cast<size_t>(kRevokeReasonMaxLength))
      return html(res, 400, render_error_page(400, "Geef een reden op (hoogstens 200 tekens)."));
    if (auto st = revoke_device(**lease, id, reason, s->operator_id); !st.ok()) return db_failure(res, st.error());
    redirect(res, "/terminal/" + id);
  });

  auto enrolment_page = [=, this](Db& db, const OperatorSession& s, const std::optional<std::string>& code,
                                  httplib::Response& res) {
    auto codes = list_enrolment_codes(db, 200);
    if (!codes) return db_failure(res, codes.error());
    auto locs = list_locations(db);
    if (!locs) return db_failure(res, locs.error());
    std::vector<CodeRow> rows;
    for (const auto& c : *codes) rows.push_back({c.hint, c.location_id, c.created_by, c.created_at, c.expires_at, c.used_at, c.used_by});
    std::vector<LocationOption> opts;
    for (const auto& l : *locs) opts.push_back({l.id, l.name});
    html(res, 200, render_enrolment_page(rows, opts, code, chrome(s)));
  };

  // issue 16: residents and their current consent (ids only, no names).
  svr.Get("/residents", [=, this](const httplib::Request& req, httplib::Response& res) {
    auto lease = pool_.acquire();
    if (!lease) return db_failure(res, lease.error());
    auto s = session(req, res, **lease);
    if (!s) return;
    std::string loc = req.get_param_value("location").substr(0, 64);
    if (!loc.empty() && !record::is_token(loc, 64)) loc.clear();
    auto rows = resident_consent_rows(**lease, loc);
    if (!rows) return db_failure(res, rows.error());
    std::vector<ConsentCell> cells;
    for (const auto& r : *rows)
      cells.push_back({r.resident_id, r.location_id, r.regime, r.gemeentecode.value_or(""), r.purpose, r.decision,
                       r.decided_at, r.expires_at, r.expired});
    html(res, 200, render_residents_page(cells, loc, chrome(*s)));
  });

  svr.Get("/enrolment", [=, this](const httplib::Request& req, httplib::Response& res) {
    auto lease = pool_.acquire();
    if (!lease) return db_failure(res, lease.error());
    auto s = session(req, res, **lease);
    if (!s) return;
    enrolment_page(**lease, *s, std::nullopt, res);
  });

  svr.Post("/enrolment", [=, this](const httplib::Request& req, httplib::Response& res) {
    auto lease = pool_.acquire();
    if (!lease) return db_failure(res, lease.error());
    auto s = session(req, res, **lease);
    if (!s) return;
    if (!csrf_ok(req, *s)) return html(res, 403, render_error_page(403, "Ongeldig formulier."));
    auto code = create_enrolment_code(**lease, req.get_param_value(std::string(kEnrolLocationField)), s->operator_id,
                                      cfg_.code_minutes);
    if (!code) return db_failure(res, code.error());
    enrolment_page(**lease, *s, *code, res);
  });

  // ---- rollouts: the list, one update's rollout, and its start / advance / halt forms. The actions go
  // through updates.cpp (which audits them with the operator as actor); a refusal is shown on the page
  // in Dutch with what was typed, so nothing is lost.
  svr.Get("/rollouts", [=, this](const httplib::Request& req, httplib::Response& res) {
    auto lease = pool_.acquire();
    if (!lease) return db_failure(res, lease.error());
    auto s = session(req, res, **lease);
    if (!s) return;
    auto updates = list_update_summaries(**lease, kMaxUpdateRows);
    if (!updates) return db_failure(res, updates.error());
    html(res, 200, render_rollouts_page(*updates, chrome(*s)));
  });

  auto rollout_page = [=](Db& db, const OperatorSession& s, std::int64_t version, const RolloutFormState& form,
                          int status, httplib::Response& res) {
    auto v = rollout_view(db, version);
    if (!v) return db_failure(res, v.error());
    if (!v->has_value()) return html(res, 404, render_error_page(404, "Er is geen update met versie " + std::to_string(version) + "."));
    html(res, status, render_rollout_page(**v, form, chrome(s)));
  };

  svr.Get(R"(/rollouts/([0-9]{1,18}))", [=, this](const httplib::Request& req, httplib::Response& res) {
    auto lease = pool_.acquire();
    if (!lease) return db_failure(res, lease.error());
    auto s = session(req, res, **lease);
    if (!s) return;
    RolloutFormState form;
    const std::string done = req.get_param_value("done");
    if (done == "start") form.notice = "De uitrol is gestart.";
    if (done == "advance") form.notice = "De uitrol is uitgebreid.";
    if (done == "halt") form.notice = "De uitrol is gestopt.";
    rollout_page(**lease, *s, std::stoll(req.matches[1].str()), form, 200, res);
  });

  svr.Post(R"(/rollouts/([0-9]{1,18})/(start|advance|halt))", [=, this](const httplib::Request& req, httplib::Response& res) {
    auto lease = pool_.acquire();
    if (!lease) return db_failure(res, lease.error());
    auto s = session(req, res, **lease);
    if (!s) return;
    if (!csrf_ok(req, *s)) return html(res, 403, render_error_page(403, "Ongeldig formulier."));
    const std::int64_t version = std::stoll(req.matches[1].str());
    const std::string action = req.matches[2].str();
    RolloutFormState form;
    form.canary = req.get_param_value(std::string(kRolloutCanaryField)).substr(0, kMaxCanaryField);
    form.percent = req.get_param_value(std::string(kRolloutPercentField)).substr(0, 16);
    form.reason = req.get_param_value(std::string(kHaltReasonField)).substr(0, kHaltReasonMaxLength);
    auto refuse = [&](int status, const std::string& message) {
      form.message = message;
      rollout_page(**lease, *s, version, form, status, res);
    };
    // A refusal by updates.cpp (Invalid) or a concurrent change (Conflict) goes back to the page.
    auto failed = [&](const DbError& e) {
      if (e.kind == DbError::Kind::Invalid) return refuse(409, rollout_refusal_dutch(e.message));
      if (e.kind == DbError::Kind::Conflict)
        return refuse(409, "Iemand anders wijzigde de uitrol tegelijk. Bekijk de nieuwe stand en probeer het opnieuw.");
      db_failure(res, e);
    };
    if (action == "start") {
      std::vector<std::string> canary;
      std::string cur;
      for (char c : form.canary + ",") {
        if (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
          if (!cur.empty()) canary.push_back(cur);
          cur.clear();
        } else {
          cur += c;
        }
      }
      if (canary.empty()) return refuse(400, "Geef ten minste één canary-terminal op (terminal-id's, gescheiden door komma's).");
      if (req.get_param_value(std::string(kRolloutCanaryField)).size() > kMaxCanaryField)
        return refuse(400, "De lijst met canary-terminals is te lang (hoogstens 2000 tekens).");
      if (auto st = start_rollout(**lease, version, canary, s->operator_id); !st.ok()) return failed(st.error());
    } else if (action == "advance") {
      std::string p = form.percent;
      while (!p.empty() && p.back() == ' ') p.pop_back();
      while (!p.empty() && p.front() == ' ') p.erase(0, 1);
      if (!p.empty() && p.back() == '%') p.pop_back();
      std::optional<int> percent;
      if (p != "all") {
        if (p.empty() || p.size() > 3 || p.find_first_not_of("0123456789") != std::string::npos || std::stoi(p) < 1 ||
            std::stoi(p) > 100)
          return refuse(400, "Geef een percentage van 1 tot en met 100 op, of kies 'Naar alle terminals'.");
        if (std::stoi(p) < 100) percent = std::stoi(p);
      }
      if (auto r = advance_rollout(**lease, version, percent, s->operator_id); !r) return failed(r.error());
    } else {
      const std::string reason = req.get_param_value(std::string(kHaltReasonField));
      if (reason.find_first_not_of(" \t\r\n") == std::string::npos || reason.size() > static_cast<size_t>(kHaltReasonMaxLength))
        return refuse(400, "Geef een reden op om de uitrol te stoppen (hoogstens 200 tekens).");
      if (auto st = halt_rollout(**lease, version, s->operator_id, reason); !st.ok()) return failed(st.error());
    }
    redirect(res, "/rollouts/" + std::to_string(version) + "?done=" + action);
  });

  svr.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) html(res, res.status, render_error_page(res.status, ""));
  });
}

}  // namespace balie::coa
