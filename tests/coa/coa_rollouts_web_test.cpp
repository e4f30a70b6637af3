// balie-coa's rollout pages through the real service: a private PostgreSQL cluster, a signed bundle
// made by image/bundle.sh and uploaded with `balie-coa update upload`, enrolled terminals reporting
// over mutual TLS, and an operator signed in with a one-time link who starts, advances and halts the
// rollout with the pages' forms. Checks what the database and the audit log hold after each form,
// that refusals come back as the page in Dutch with nothing changed, that every form needs the
// session's CSRF token, and (headless Chromium) what the pages look like; no resident data on them.
#include <gtest/gtest.h>

#include "chromium.h"
#include "update_bundles.h"

using namespace balie::coa::testing;

namespace {

bool has(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

}  // namespace

class CoaRolloutPages : public CoaUpdateFixture {
 protected:
  void SetUp() override { start_service("coa-rollweb-"); }
  void upload(std::int64_t version) {
    std::string log, out;
    const fs::path b = make_bundle(dir_, {.version = version, .root_bytes = 300'000, .verity_bytes = 8'000}, &log);
    ASSERT_FALSE(b.empty()) << log;
    ASSERT_EQ(coa_->admin({"update", "upload", b.string()}, &out), 0) << out;
  }
  void report(const TestTerminal& t, std::int64_t version, const std::string& state, const std::string& detail) {
    const std::int64_t id = std::stoll(pg_.psql("SELECT id FROM updates WHERE version = " + std::to_string(version)));
    auto r = t.client(*pki_, coa_->terminal_port)
                 ->Post("/v1/update/report",
                        json{{"update_id", id}, {"version", version}, {"state", state}, {"detail", detail}}.dump(),
                        "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
  }
  // A one-time login link of ops-1 (path and query, or the full URL for a browser).
  std::string link_path(const std::string& then = "") {
    std::string o;
    EXPECT_EQ(coa_->admin({"operator", "link", "ops-1"}, &o), 0) << o;
    const std::string t = trim(o);
    return t.substr(t.find("/login/link/")) + then;
  }
  std::unique_ptr<httplib::SSLClient> web() {
    auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", coa_->web_port);
    c->set_ca_cert_path((pki_->dir / "ca.pem").c_str());
    c->enable_server_certificate_verification(true);
    c->set_read_timeout(20);
    return c;
  }
  // Signs in through a link; returns the session cookie header.
  httplib::Headers sign_in() {
    auto r = web()->Get(link_path());
    EXPECT_TRUE(r && r->status == 303);
    const std::string set = r ? r->get_header_value("Set-Cookie") : "";
    EXPECT_EQ(set.rfind("balie_coa_session=", 0), 0u) << set;
    return {{"Cookie", "balie_coa_session=" + set.substr(18, 64)}};
  }
  static std::string csrf_of(const std::string& body) {
    const auto at = body.find("name=\"csrf\" value=\"");
    return at == std::string::npos ? "" : body.substr(at + 19, 32);
  }
  std::string q(const std::string& sql) { return pg_.psql(sql); }
};

TEST_F(CoaRolloutPages, StartAdvanceAndHaltThroughTheFormsAuditedAsTheOperatorWithDutchRefusals) {
  auto c1 = enrolled("c1");
  auto f0 = enrolled("f0");
  std::string out;
  json residents = json::array({{{"id", "r1"}, {"location_id", "azc-a"}, {"naam_latijns", "Yohannes Tesfay"},
                                 {"v_nummer", "1000000001"}, {"geboortedatum", "1990-01-01"}, {"regime", "Wi2021"},
                                 {"gemeentecode", "GM0363"}, {"gekoppeld_sinds", "2026-11-01"}}});
  spit(dir_ / "r.json", residents.dump());
  ASSERT_EQ(coa_->admin({"resident", "put", (dir_ / "r.json").string()}, &out), 0) << out;
  upload(7);
  auto w = web();
  const std::string form = "application/x-www-form-urlencoded";

  // Without a session: the login page, and a form post changes nothing.
  auto anon = w->Get("/rollouts");
  ASSERT_TRUE(anon);
  EXPECT_EQ(anon->status, 303);
  EXPECT_EQ(anon->get_header_value("Location"), "/login");
  auto anon_post = w->Post("/rollouts/7/start", httplib::Params{{"canary", c1->device_id}});
  ASSERT_TRUE(anon_post);
  EXPECT_EQ(anon_post->status, 303);

  const httplib::Headers auth = sign_in();
  auto list = w->Get("/rollouts", auth);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->status, 200) << list->body;
  EXPECT_TRUE(has(list->body, "<a href=\"/rollouts\" class=\"current\" aria-current=\"page\">Uitrol</a>"));
  EXPECT_TRUE(has(list->body, "<a class=\"version\" href=\"/rollouts/7\">7</a>"));
  EXPECT_TRUE(has(list->body, "Niet uitgerold"));
  EXPECT_TRUE(has(list->body, "door cli:"));
  const std::string csrf = csrf_of(list->body);
  ASSERT_EQ(csrf.size(), 32u) << list->body;
  auto none = w->Get("/rollouts/8", auth);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 404);
  EXPECT_TRUE(has(none->body, "Er is geen update met versie 8.")) << none->body;

  // CSRF: no token or another token is refused before anything happens.
  for (const std::string& token : {std::string(), std::string(32, '0')}) {
    httplib::Params p{{"canary", c1->device_id}};
    if (!token.empty()) p.emplace("csrf", token);
    auto forged = w->Post("/rollouts/7/start", auth, p);
    ASSERT_TRUE(forged);
    EXPECT_EQ(forged->status, 403);
    EXPECT_TRUE(has(forged->body, "Ongeldig formulier."));
  }
  for (const char* path : {"/rollouts/7/advance", "/rollouts/7/halt"}) {
    auto forged = w->Post(path, auth, httplib::Params{{"percent", "all"}, {"reason", "x"}});
    ASSERT_TRUE(forged);
    EXPECT_EQ(forged->status, 403) << path;
  }
  EXPECT_EQ(q("SELECT count(*) FROM rollouts"), "0");

  // Start: refusals come back as the page, in Dutch, with what was typed; nothing stored.
  auto post = [&](const std::string& path, httplib::Params p) {
    p.emplace("csrf", csrf);
    auto r = w->Post(path, auth, p);
    EXPECT_TRUE(r);
    return r;
  };
  auto empty = post("/rollouts/7/start", {{"canary", " , "}});
  EXPECT_EQ(empty->status, 400);
  EXPECT_TRUE(has(empty->body, "role=\"alert\">Geef ten minste één canary-terminal op")) << empty->body;
  const std::string typed = c1->device_id + ", no-such-device";
  auto unknown = post("/rollouts/7/start", {{"canary", typed}});
  EXPECT_EQ(unknown->status, 409);
  EXPECT_TRUE(has(unknown->body, "Canary-terminal no-such-device is niet ingeschreven of is ingetrokken.")) << unknown->body;
  EXPECT_TRUE(has(unknown->body, "value=\"" + typed + "\""));
  auto hostile = post("/rollouts/7/start", {{"canary", "<script>alert(1)</script>"}});
  EXPECT_EQ(hostile->status, 409);
  EXPECT_TRUE(has(hostile->body, "Geen geldige terminal-id: &#39;&lt;script&gt;alert(1)&lt;/script&gt;&#39;.")) << hostile->body;
  EXPECT_FALSE(has(hostile->body, "<script"));
  EXPECT_EQ(q("SELECT count(*) FROM rollouts"), "0");
  EXPECT_EQ(q("SELECT count(*) FROM audit WHERE action LIKE 'rollout%'"), "0");

  auto started = post("/rollouts/7/start", {{"canary", " " + c1->device_id + " "}});
  ASSERT_EQ(started->status, 303) << started->body;
  EXPECT_EQ(started->get_header_value("Location"), "/rollouts/7?done=start");
  EXPECT_EQ(q("SELECT stage || ' ' || array_to_string(canary_devices, ',') || ' ' || created_by FROM rollouts"),
            "canary " + c1->device_id + " ops-1");
  EXPECT_EQ(q("SELECT actor || ' | ' || detail FROM audit WHERE action = 'rollout_start'"),
            "ops-1 | version 7, canary " + c1->device_id);
  auto after_start = w->Get("/rollouts/7?done=start", auth);
  ASSERT_TRUE(after_start);
  EXPECT_TRUE(has(after_start->body, "role=\"status\">De uitrol is gestart.</p>"));
  EXPECT_TRUE(has(after_start->body, "<span class=\"stage stage-canary\">Canary</span>"));
  EXPECT_TRUE(has(after_start->body, "Nog niets gemeld"));  // c1 has not reported yet
  // A second start of the same version is refused in Dutch.
  auto again = post("/rollouts/7/start", {{"canary", c1->device_id}});
  EXPECT_EQ(again->status, 409);
  EXPECT_TRUE(has(again->body, "Er bestaat al een uitrol van versie 7")) << again->body;

  // The canary reports; its latest state and detail (escaped) reach both pages.
  report(*c1, 7, "downloaded", "");
  report(*c1, 7, "installed", "slot b <img src=x onerror=alert(1)>");
  auto detail = w->Get("/rollouts/7", auth);
  ASSERT_TRUE(detail);
  EXPECT_TRUE(has(detail->body, "<span class=\"state state-installed\">Geïnstalleerd</span>")) << detail->body;
  EXPECT_TRUE(has(detail->body, "<td>slot b &lt;img src=x onerror=alert(1)&gt;</td>"));
  EXPECT_FALSE(has(detail->body, "<img"));
  auto counted = w->Get("/rollouts", auth);
  ASSERT_TRUE(counted);
  EXPECT_TRUE(has(counted->body, "<td class=\"num\"><span class=\"zero\">0</span></td><td class=\"num\"><span "
                                 "class=\"ok\">1</span></td>"))
      << counted->body;

  // Advance: bad percentages, then 50 %, a smaller step (refused), then all.
  for (const char* bad : {"abc", "0", "101", ""}) {
    auto r = post("/rollouts/7/advance", {{"percent", bad}});
    EXPECT_EQ(r->status, 400) << bad;
    EXPECT_TRUE(has(r->body, "Geef een percentage van 1 tot en met 100 op")) << bad;
  }
  auto to50 = post("/rollouts/7/advance", {{"percent", "50"}});
  ASSERT_EQ(to50->status, 303) << to50->body;
  EXPECT_EQ(q("SELECT stage || ' ' || percent || ' ' || changed_by FROM rollouts"), "percent 50 ops-1");
  auto to30 = post("/rollouts/7/advance", {{"percent", "30%"}});
  EXPECT_EQ(to30->status, 409);
  EXPECT_TRUE(has(to30->body, "De uitrol staat al op 50%; een volgende stap moet een groter percentage zijn.")) << to30->body;
  auto to_all = post("/rollouts/7/advance", {{"percent", "all"}});
  ASSERT_EQ(to_all->status, 303) << to_all->body;
  EXPECT_EQ(q("SELECT stage FROM rollouts"), "all");
  auto beyond = post("/rollouts/7/advance", {{"percent", "all"}});
  EXPECT_EQ(beyond->status, 409);
  EXPECT_TRUE(has(beyond->body, "De uitrol van versie 7 bereikt al alle terminals.")) << beyond->body;
  EXPECT_EQ(q("SELECT string_agg(actor || ' ' || detail, '; ' ORDER BY id) FROM audit WHERE action = 'rollout_advance'"),
            "ops-1 version 7 -> percent 50; ops-1 version 7 -> all");

  // A fleet device rolls back; then the operator halts with a reason.
  report(*f0, 7, "rolled_back", "boot failed: kernel panic");
  auto rolled = w->Get("/rollouts/7", auth);
  ASSERT_TRUE(rolled);
  EXPECT_TRUE(has(rolled->body, "<span class=\"state state-rolled_back bad\">Teruggedraaid</span>")) << rolled->body;
  auto no_reason = post("/rollouts/7/halt", {{"reason", "  "}});
  EXPECT_EQ(no_reason->status, 400);
  EXPECT_TRUE(has(no_reason->body, "Geef een reden op om de uitrol te stoppen"));
  EXPECT_EQ(q("SELECT stage FROM rollouts"), "all");
  auto halted = post("/rollouts/7/halt", {{"reason", "Terugdraaiing op Ter Apel"}});
  ASSERT_EQ(halted->status, 303) << halted->body;
  EXPECT_EQ(q("SELECT stage || ' ' || stopped_in || ' ' || halt_reason || ' ' || changed_by FROM rollouts"),
            "halted all Terugdraaiing op Ter Apel ops-1");
  EXPECT_EQ(q("SELECT actor || ' | ' || detail FROM audit WHERE action = 'rollout_halt'"),
            "ops-1 | version 7: Terugdraaiing op Ter Apel");
  auto twice = post("/rollouts/7/halt", {{"reason", "nogmaals"}});
  EXPECT_EQ(twice->status, 409);
  EXPECT_TRUE(has(twice->body, "De uitrol van versie 7 is al gestopt.")) << twice->body;
  EXPECT_FALSE(has(twice->body, "action=\"/rollouts/7/halt\""));  // halted: no halt form any more
  auto after_halt = post("/rollouts/7/advance", {{"percent", "all"}});
  EXPECT_EQ(after_halt->status, 409);
  EXPECT_TRUE(has(after_halt->body, "De uitrol van versie 7 is gestopt en kan niet verder.")) << after_halt->body;
  EXPECT_EQ(q("SELECT count(*) FROM audit WHERE action LIKE 'rollout%'"), "4");  // start, 2 advances, halt

  // Version 8 with both terminals as canaries; one rolls back, the other's installer refuses it
  // ("failed"), so the roll-back rule halts it. Its reason is shown in Dutch, the operator's reason
  // for 7 as typed.
  upload(8);
  ASSERT_EQ(post("/rollouts/8/start", {{"canary", c1->device_id + "," + f0->device_id}})->status, 303);
  report(*c1, 8, "rolled_back", "");
  report(*f0, 8, "failed", "balie-update: error: slot b does not verify");
  EXPECT_EQ(q("SELECT stage || ' ' || changed_by FROM rollouts r JOIN updates u ON u.id = r.update_id WHERE version = 8"),
            "halted balie-coa");
  auto auto_halted = w->Get("/rollouts/8", auth);
  ASSERT_TRUE(auto_halted);
  EXPECT_TRUE(has(auto_halted->body, "<dt>Reden van stoppen</dt><dd>Automatisch gestopt: 2 van de 2 meldende terminals "
                                     "teruggedraaid of niet geïnstalleerd in fase canary.</dd>"))
      << auto_halted->body;
  EXPECT_TRUE(has(auto_halted->body, "Niet geïnstalleerd</span>")) << auto_halted->body;
  EXPECT_TRUE(has(auto_halted->body, "automatisch (terugdraairegel)"));
  auto final_list = w->Get("/rollouts", auth);
  ASSERT_TRUE(final_list);
  const std::string& fl = final_list->body;
  EXPECT_LT(fl.find("href=\"/rollouts/8\""), fl.find("href=\"/rollouts/7\""));
  EXPECT_TRUE(has(fl, "<span class=\"stage stage-halted\">Gestopt</span><br><span class=\"sub\">in fase: Alle terminals</span>"));
  EXPECT_TRUE(has(fl, "<td class=\"c-reason\">Terugdraaiing op Ter Apel</td>"));
  EXPECT_TRUE(has(fl, "<td class=\"c-reason\">Automatisch gestopt: 2 van de 2 meldende terminals"));
  auto final_page = w->Get("/rollouts/7", auth);
  ASSERT_TRUE(final_page);
  EXPECT_TRUE(has(final_page->body, "Deze uitrol is gestopt en kan niet worden hervat."));
  EXPECT_FALSE(has(final_page->body, "action=\"/rollouts/7/"));  // no forms left
  for (const std::string* body : std::initializer_list<const std::string*>{&fl, &final_page->body, &detail->body})
    EXPECT_FALSE(has(*body, "Yohannes") || has(*body, "1000000001") || has(*body, "1990-01-01"));

  // The same pages from this service in headless Chromium (screenshots in BALIE_SHOTS_DIR when set).
  BALIE_REQUIRE_CHROMIUM();
  const char* shots_env = std::getenv("BALIE_SHOTS_DIR");
  const fs::path shots = shots_env && *shots_env ? fs::path(shots_env) : dir_ / "shots";
  fs::create_directories(shots);
  const std::string base = "https://127.0.0.1:" + std::to_string(coa_->web_port);
  const std::string pin = pki_->pin("coa-web");
  auto page = balie::test::chromium_run(base + link_path("?next=/rollouts/7"), pin, true,
                                        (shots / "coa-rollout-service.png").string());
  ASSERT_EQ(page.exit_code, 0) << page.log;
  std::cout << "[ screenshot ] " << (shots / "coa-rollout-service.png").string() << "\n";
  EXPECT_TRUE(has(page.dom, "Update versie 7")) << page.dom.substr(0, 2000);
  EXPECT_TRUE(has(page.dom, "Teruggedraaid"));
  EXPECT_TRUE(has(page.dom, "slot b &lt;img src=x onerror=alert(1)&gt;"));
  EXPECT_FALSE(has(page.dom, "<img"));
  auto listing = balie::test::chromium_run(base + link_path("?next=/rollouts"), pin, true,
                                           (shots / "coa-rollouts-service.png").string());
  ASSERT_EQ(listing.exit_code, 0) << listing.log;
  std::cout << "[ screenshot ] " << (shots / "coa-rollouts-service.png").string() << "\n";
  EXPECT_TRUE(has(listing.dom, "Uitrol van updates")) << listing.dom.substr(0, 2000);
  EXPECT_TRUE(has(listing.dom, "href=\"/rollouts/8\""));
}
