// Unit tests of COA's operator pages (coa/src/web.cpp): HTML escaping of hostile names (markup,
// quotes, bidi overrides, broken UTF-8), the fleet table's filtering and sorting (every column, both
// directions, stability), the CSRF field in every POST form, the one-time enrolment code and the Dutch
// alert labels, and the rollout pages (stages, counts, forms by stage, hostile device ids and report
// details). The same pages in a real browser: web_browser_test.cpp.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "balie/coa/web.h"

using namespace balie::coa;

namespace {

const PageChrome kChrome{"Beheerder Één", "csrf-tok-123", "2026-12-06T10:00:00Z"};

bool contains(const std::string& h, const std::string& s) { return h.find(s) != std::string::npos; }

FleetRow row(std::string loc_id, std::string loc_name, std::string dev) {
  FleetRow r;
  r.location_id = std::move(loc_id);
  r.location_name = std::move(loc_name);
  r.device_id = std::move(dev);
  r.software_version = "1.4.0";
  r.image_version = "2026.11.1";
  r.last_pass_utc = "2026-12-06T09:00:00Z";
  return r;
}

std::vector<std::string> ids(const std::vector<FleetRow>& rows) {
  std::vector<std::string> v;
  for (const auto& r : rows) v.push_back(r.device_id);
  return v;
}

// Device ids in the order their rows appear in a rendered fleet page.
std::vector<std::string> page_order(const std::string& html) {
  std::vector<std::string> v;
  const std::regex re("<td class=\"c-terminal\"><a href=\"/terminal/([^\"]*)\">");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), re); it != std::sregex_iterator(); ++it)
    v.push_back((*it)[1]);
  return v;
}

// Every <form method="post" ...>...</form> in the page.
std::vector<std::string> post_forms(const std::string& html) {
  std::vector<std::string> v;
  std::size_t at = 0;
  while ((at = html.find("<form method=\"post\"", at)) != std::string::npos) {
    const std::size_t end = html.find("</form>", at);
    v.push_back(html.substr(at, end - at));
    at = end;
  }
  return v;
}

// What no page may ever contain: script, inline event handlers or inline styles (the CSP forbids them).
void expect_no_active_content(const std::string& html) {
  EXPECT_FALSE(contains(html, "<script")) << html;
  // Inside a tag (escaped text has no raw < or >, so "onerror=" shown as text does not count).
  EXPECT_FALSE(std::regex_search(html, std::regex("<[^>]*\\son[a-z]+\\s*=", std::regex::icase))) << html;
  EXPECT_FALSE(std::regex_search(html, std::regex("<[^>]*\\sstyle\\s*=", std::regex::icase))) << html;
}

const std::string kHostileScript = "<script>alert('x')</script>";
const std::string kHostileAttr = "\"><img src=x onerror=alert(1)>";
const std::string kRtl = "evil\xE2\x80\xAEgnp.exe";  // U+202E RIGHT-TO-LEFT OVERRIDE

}  // namespace

TEST(HtmlEscape, MarkupQuotesAndAmpersandsBecomeEntities) {
  EXPECT_EQ(html_escape(kHostileScript), "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
  EXPECT_EQ(html_escape(kHostileAttr), "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
  EXPECT_EQ(html_escape("A & B \"C\" 'D'"), "A &amp; B &quot;C&quot; &#39;D&#39;");
  EXPECT_EQ(html_escape("&amp;"), "&amp;amp;");
  EXPECT_EQ(html_escape(""), "");
}

TEST(HtmlEscape, BidiControlsAreShownNotObeyed) {
  EXPECT_EQ(html_escape(kRtl), "evil[U+202E]gnp.exe");
  EXPECT_EQ(html_escape("a\xE2\x80\xAA" "b\xE2\x81\xA6" "c\xE2\x80\x8F" "d\xD8\x9C" "e"),
            "a[U+202A]b[U+2066]c[U+200F]d[U+061C]e");
  // Letters of right-to-left scripts are text, not controls: they pass unchanged.
  EXPECT_EQ(html_escape("AZC \xD8\xB9\xD9\x84\xD9\x8A \xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D"),
            "AZC \xD8\xB9\xD9\x84\xD9\x8A \xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D");
}

TEST(HtmlEscape, BrokenUtf8AndControlCharactersBecomeReplacementCharacters) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(html_escape("a\xFF" "b"), "a" + fffd + "b");
  EXPECT_EQ(html_escape("a\xC3"), "a" + fffd);                     // truncated sequence
  EXPECT_EQ(html_escape("\xC0\xBC" "x"), fffd + fffd + "x");       // overlong '<' never becomes '<'
  EXPECT_EQ(html_escape(std::string("a\0b", 3)), "a" + fffd + "b");
  EXPECT_EQ(html_escape("a\x1b[31mb\x7f"), "a" + fffd + "[31mb" + fffd);
  EXPECT_EQ(html_escape("a\xC2\x85" "b"), "a" + fffd + "b");       // C1 control (NEL)
  EXPECT_EQ(html_escape("tab\tnl\n"), "tab\tnl\n");
  EXPECT_EQ(html_escape("Één ünïcødé ✓"), "Één ünïcødé ✓");
}

TEST(UrlEncode, OnlyUnreservedCharactersStay) {
  EXPECT_EQ(url_encode("AZC-Ter.Apel_1~"), "AZC-Ter.Apel_1~");
  EXPECT_EQ(url_encode("a b&c=d\"<>/?#%"), "a%20b%26c%3Dd%22%3C%3E%2F%3F%23%25");
  EXPECT_EQ(url_encode("é"), "%C3%A9");
}

TEST(AlertLabels, EveryKindHasItsDutchLabelAndBadge) {
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"no_pass", "Geen synchronisatie > 36 uur"},     {"deadline_near", "Records bijna over termijn"},
      {"clock_offset", "Klok wijkt > 60 s af"},         {"disk_full", "Schijf > 80% vol"},
      {"rolled_back", "Update teruggedraaid"},          {"unlock_failed", "Ontsleutelen mislukt na opstart"},
      {"revoked", "Ingetrokken"},                       {"update_failed", "Update niet geïnstalleerd"}};
  EXPECT_EQ(alert_kinds().size(), expected.size());
  FleetRow r = row("L1", "Ter Apel", "dev-1");
  for (const auto& [kind, label] : expected) {
    EXPECT_EQ(alert_label(kind), label) << kind;
    r.alerts.push_back(kind);
  }
  EXPECT_EQ(alert_label("bogus<b>"), "Onbekende alert: bogus<b>");
  r.alerts.push_back("bogus<b>");
  const std::string html = render_fleet_page({r}, {}, kChrome);
  for (const auto& [kind, label] : expected) {
    EXPECT_TRUE(contains(html, "data-kind=\"" + kind + "\">" + html_escape(label) + "</span>")) << kind;
    // and as a choice of the alert filter
    EXPECT_TRUE(contains(html, "<option value=\"" + kind + "\">" + html_escape(label) + "</option>")) << kind;
  }
  EXPECT_TRUE(contains(html, "<span class=\"badge unknown\" data-kind=\"bogus&lt;b&gt;\">Onbekende alert: bogus&lt;b&gt;"));
  EXPECT_TRUE(contains(html, "<span class=\"badge crit\" data-kind=\"unlock_failed\">"));
  EXPECT_TRUE(contains(html, "<span class=\"badge warn\" data-kind=\"clock_offset\">"));
  EXPECT_TRUE(contains(html, "<span class=\"badge revoked\" data-kind=\"revoked\">"));
}

TEST(FleetPage, HostileNamesAreTextEverywhere) {
  FleetRow r = row("loc<1>", kHostileScript, kHostileAttr);
  r.software_version = kRtl;
  r.image_version = "'><svg/onload=alert(1)>";
  r.last_pass_utc = "<b>bold</b>";
  r.alerts = {"<i>x</i>"};
  FleetQuery q;
  q.location = "\"><script>alert(2)</script>";
  q.alert = "'><img src=x onerror=alert(3)>";
  q.sort = "<x>";
  q.dir = "\"desc";
  PageChrome chrome{"<marquee>op</marquee>", "tok\"><script>", "<now>"};
  // The hostile query matches no row; the same rows without it show every hostile cell.
  const std::string html = render_fleet_page({r}, q, chrome) + render_fleet_page({r}, {}, chrome);
  expect_no_active_content(html);
  for (const std::string& raw : {kHostileScript, kHostileAttr, std::string("<svg"), std::string("<b>"),
                                std::string("<i>"), std::string("<marquee>"), std::string("\xE2\x80\xAE"),
                                std::string("<x>"), std::string("<now>"), std::string("<img")})
    EXPECT_FALSE(contains(html, raw)) << raw;
  EXPECT_TRUE(contains(html, html_escape(kHostileScript)));
  EXPECT_TRUE(contains(html, "evil[U+202E]gnp.exe"));
  EXPECT_TRUE(contains(html, "&lt;marquee&gt;op&lt;/marquee&gt;"));
  EXPECT_TRUE(contains(html, "value=\"tok&quot;&gt;&lt;script&gt;\""));
  // The terminal link is percent-encoded, then escaped.
  EXPECT_TRUE(contains(html, "href=\"/terminal/%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E\""));
  // Reflected filter values only ever appear percent-encoded inside the sort links.
  EXPECT_TRUE(contains(html, "location=%22%3E%3Cscript%3Ealert%282%29%3C%2Fscript%3E&amp;alert=%27%3E%3Cimg"));
  // An unknown sort key and direction fall back to location / asc.
  EXPECT_TRUE(contains(html, "<input type=\"hidden\" name=\"sort\" value=\"location\">"));
  EXPECT_TRUE(contains(html, "<input type=\"hidden\" name=\"dir\" value=\"asc\">"));
}

TEST(FleetPage, FiltersByLocationAlertAndAny) {
  FleetRow a = row("L1", "Ter Apel", "a"), b = row("L2", "Budel", "b"), c = row("L1", "Ter Apel", "c"),
           d = row("L2", "Budel", "d");
  b.alerts = {"disk_full"};
  c.alerts = {"no_pass", "clock_offset"};
  d.revoked = true;  // counts as an open "revoked" alert
  const std::vector<FleetRow> rows = {a, b, c, d};
  auto f = [&](std::string loc, std::string alert) {
    FleetQuery q;
    q.location = loc;
    q.alert = alert;
    q.sort = "terminal";
    return ids(filter_and_sort_fleet(rows, q));
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(f("", ""), (V{"a", "b", "c", "d"}));
  EXPECT_EQ(f("L1", ""), (V{"a", "c"}));
  EXPECT_EQ(f("L2", ""), (V{"b", "d"}));
  EXPECT_EQ(f("", "any"), (V{"b", "c", "d"}));
  EXPECT_EQ(f("", "clock_offset"), (V{"c"}));
  EXPECT_EQ(f("", "revoked"), (V{"d"}));
  EXPECT_EQ(f("L1", "disk_full"), V{});
  EXPECT_EQ(f("L2", "any"), (V{"b", "d"}));
  EXPECT_EQ(f("nowhere", ""), V{});

  FleetQuery q;
  q.location = "L2";
  q.sort = "terminal";
  const std::string html = render_fleet_page(rows, q, kChrome);
  EXPECT_EQ(page_order(html), (V{"b", "d"}));
  EXPECT_TRUE(contains(html, "4 terminals, 3 met open alerts, 1 ingetrokken — getoond: 2"));
  EXPECT_TRUE(contains(html, "<option value=\"L2\" selected>Budel</option>"));
  EXPECT_TRUE(contains(html, "<option value=\"L1\">Ter Apel</option>"));
  // Location choices by name: Budel before Ter Apel.
  EXPECT_LT(html.find(">Budel</option>"), html.find(">Ter Apel</option>"));
  q.location = "nowhere";
  EXPECT_TRUE(contains(render_fleet_page(rows, q, kChrome), "Geen terminals die aan het filter voldoen."));
  EXPECT_TRUE(contains(render_fleet_page({}, {}, kChrome), "Er zijn nog geen terminals ingeschreven."));
}

TEST(FleetPage, SortsEveryColumnBothDirectionsStably) {
  using V = std::vector<std::string>;
  // Input order is the tie-breaker: equal keys must stay in this order in both directions.
  std::vector<FleetRow> rows;
  auto add = [&](std::string dev, std::string loc_id, std::string loc_name, std::string ver,
                 std::optional<std::string> last, long w, long h, long f, std::optional<long> clock,
                 std::vector<std::string> alerts) {
    FleetRow r = row(loc_id, loc_name, dev);
    r.software_version = ver;
    r.last_pass_utc = last;
    r.waiting = w;
    r.held = h;
    r.failed = f;
    r.clock_offset_ms = clock;
    r.alerts = alerts;
    rows.push_back(r);
  };
  add("t3", "L2", "budel", "1.10.0", "2026-12-05T08:00:00Z", 5, 0, 0, 200, {});
  add("t1", "L1", "Ter Apel", "1.9.2", std::nullopt, 0, 2, 0, -90'000, {"no_pass", "clock_offset"});
  add("t2", "L3", "Assen", "1.9.2", "2026-12-06T08:00:00Z", 0, 0, 1, std::nullopt, {"disk_full"});
  add("t5", "L1", "Ter Apel", "1.10.0", "2026-12-05T08:00:00Z", 9, 0, 0, -200, {});
  add("t4", "L2", "budel", "1.2", "2026-12-04T08:00:00Z", 0, 2, 0, 0, {});
  auto s = [&](std::string key, std::string dir) {
    FleetQuery q;
    q.sort = key;
    q.dir = dir;
    const auto shown = ids(filter_and_sort_fleet(rows, q));
    EXPECT_EQ(page_order(render_fleet_page(rows, q, kChrome)), shown) << key << " " << dir;
    return shown;
  };
  // location: by name (case-insensitive), ties in input order.
  EXPECT_EQ(s("location", "asc"), (V{"t2", "t3", "t4", "t1", "t5"}));
  EXPECT_EQ(s("location", "desc"), (V{"t1", "t5", "t3", "t4", "t2"}));
  EXPECT_EQ(s("terminal", "asc"), (V{"t1", "t2", "t3", "t4", "t5"}));
  EXPECT_EQ(s("terminal", "desc"), (V{"t5", "t4", "t3", "t2", "t1"}));
  // version: 1.2 < 1.9.2 < 1.10.0 (numeric pieces), ties in input order.
  EXPECT_EQ(s("version", "asc"), (V{"t4", "t1", "t2", "t3", "t5"}));
  EXPECT_EQ(s("version", "desc"), (V{"t3", "t5", "t1", "t2", "t4"}));
  // last_pass: never synchronised sorts last both ways.
  EXPECT_EQ(s("last_pass", "asc"), (V{"t4", "t3", "t5", "t2", "t1"}));
  EXPECT_EQ(s("last_pass", "desc"), (V{"t2", "t3", "t5", "t4", "t1"}));
  // queue: failed, then held, then waiting.
  EXPECT_EQ(s("queue", "asc"), (V{"t3", "t5", "t1", "t4", "t2"}));
  EXPECT_EQ(s("queue", "desc"), (V{"t2", "t1", "t4", "t5", "t3"}));
  // clock: |offset|, unknown last both ways.
  EXPECT_EQ(s("clock", "asc"), (V{"t4", "t3", "t5", "t1", "t2"}));
  EXPECT_EQ(s("clock", "desc"), (V{"t1", "t3", "t5", "t4", "t2"}));
  // alerts: rows with alerts first in both directions, then by their number.
  EXPECT_EQ(s("alerts", "asc"), (V{"t2", "t1", "t3", "t5", "t4"}));
  EXPECT_EQ(s("alerts", "desc"), (V{"t1", "t2", "t3", "t5", "t4"}));
  // Unknown key or direction: location ascending.
  EXPECT_EQ(s("bogus", "sideways"), (V{"t2", "t3", "t4", "t1", "t5"}));
}

TEST(FleetPage, AllEqualKeysKeepInputOrderInBothDirections) {
  std::vector<FleetRow> rows;
  for (const char* d : {"k", "c", "x", "a", "m", "b"}) rows.push_back(row("L1", "Zelfde", d));
  for (const char* key : {"location", "version", "last_pass", "queue", "clock", "alerts"})
    for (const char* dir : {"asc", "desc"}) {
      FleetQuery q;
      q.sort = key;
      q.dir = dir;
      EXPECT_EQ(ids(filter_and_sort_fleet(rows, q)), (std::vector<std::string>{"k", "c", "x", "a", "m", "b"}))
          << key << " " << dir;
    }
}

TEST(FleetPage, SortLinksKeepFiltersAndToggleDirection) {
  FleetQuery q;
  q.location = "L 1";
  q.alert = "no_pass";
  q.sort = "clock";
  q.dir = "asc";
  const std::string html = render_fleet_page({row("L 1", "Een", "d")}, q, kChrome);
  // The current column toggles to desc and is marked; the others start ascending.
  EXPECT_TRUE(contains(html, "<th scope=\"col\" class=\"c-clock\" aria-sort=\"ascending\"><a href=\"/?location=L%201&amp;"
                             "alert=no_pass&amp;sort=clock&amp;dir=desc\">Klok <span class=\"arrow\">▲</span></a></th>"));
  EXPECT_TRUE(contains(html, "<a href=\"/?location=L%201&amp;alert=no_pass&amp;sort=terminal&amp;dir=asc\">Terminal</a>"));
  q.dir = "desc";
  const std::string html2 = render_fleet_page({row("L 1", "Een", "d")}, q, kChrome);
  EXPECT_TRUE(contains(html2, "aria-sort=\"descending\"><a href=\"/?location=L%201&amp;alert=no_pass&amp;sort=clock&amp;"
                              "dir=asc\">Klok <span class=\"arrow\">▼</span>"));
  for (const char* label : {"Locatie", "Terminal", "Versie", "Laatste synchronisatie",
                            "Wachtend / Vastgehouden / Mislukt", "Klok", "Alerts"})
    EXPECT_TRUE(contains(html, std::string(">") + label)) << label;
}

// Issue 20: a terminal whose health document says "keys": "test" is marked TEST KEYS; production and
// older documents without the field are not.
TEST(FleetPage, TestKeyTerminalsAreMarked) {
  FleetRow test = row("L1", "Ter Apel", "dev-test"), prod = row("L1", "Ter Apel", "dev-prod"), old = row("L1", "Ter Apel", "dev-old");
  test.keys = "test";
  prod.keys = "production";
  const std::string html = render_fleet_page({test, prod, old}, {}, kChrome);
  const auto at = [&](const std::string& id) { return html.find(">" + id + "</a>"); };
  ASSERT_NE(at("dev-test"), std::string::npos);
  const auto mark = html.find(">TEST KEYS</span>");
  ASSERT_NE(mark, std::string::npos) << html;
  EXPECT_EQ(html.find(">TEST KEYS</span>", mark + 1), std::string::npos) << "only the test-key terminal";
  // The mark is in the test terminal's row (after its link, before the next row's).
  EXPECT_GT(mark, at("dev-test"));
  EXPECT_EQ(html.find("</tr>", at("dev-test")) > mark, true);
}

TEST(FleetPage, CellsShowQueueClockRevokedAndNeverSynchronised) {
  FleetRow r = row("L1", "Ter Apel", "dev-r");
  r.revoked = true;
  r.last_pass_utc.reset();
  r.waiting = 12;
  r.held = 3;
  r.failed = 1;
  r.clock_offset_ms = -75'500;
  FleetRow ok = row("L1", "Ter Apel", "dev-ok");
  ok.clock_offset_ms = 1'250;
  FleetRow far = row("L1", "Ter Apel", "dev-far");
  far.clock_offset_ms = 2L * 86'400'000 + 3 * 3'600'000;
  const std::string html = render_fleet_page({r, ok, far}, {}, kChrome);
  EXPECT_TRUE(contains(html, "<tr class=\"revoked\">"));
  EXPECT_TRUE(contains(html, "dev-r</a> <span class=\"tag-revoked\">Ingetrokken</span>"));
  EXPECT_TRUE(contains(html, "<span class=\"missing\">nooit</span>"));
  EXPECT_TRUE(contains(html, "<span>12</span> / <span class=\"warn\">3</span> / <span class=\"bad\">1</span>"));
  EXPECT_TRUE(contains(html, "<span class=\"bad\">-1 min 15 s</span>"));
  EXPECT_TRUE(contains(html, "<span class=\"ok\">+1,2 s</span>"));
  EXPECT_TRUE(contains(html, "<span class=\"bad\">+2 d 3 u</span>"));
  EXPECT_FALSE(contains(render_fleet_page({ok}, {}, kChrome), "Ingetrokken</span>"));
}

TEST(Pages, EveryPostFormCarriesTheCsrfToken) {
  TerminalView tv;
  tv.row = row("L1", "Ter Apel", "dev-1");
  const std::vector<std::pair<std::string, std::string>> pages = {
      {"fleet", render_fleet_page({row("L1", "Ter Apel", "dev-1")}, {}, kChrome)},
      {"terminal", render_terminal_page(tv, kChrome)},
      {"enrolment", render_enrolment_page({}, {{"L1", "Ter Apel"}}, std::string("ABCD-EFGH-JKLM"), kChrome)},
      {"login", render_login_page("", "csrf-tok-123")},
      {"rollouts", render_rollouts_page({}, kChrome)},
      {"rollout-new", render_rollout_page(RolloutView{UpdateSummary{7, 10, "ab", "", "x", std::nullopt}, {}}, {}, kChrome)},
  };
  const std::string field = "<input type=\"hidden\" name=\"csrf\" value=\"csrf-tok-123\">";
  std::map<std::string, int> actions;
  for (const auto& [name, html] : pages) {
    expect_no_active_content(html);
    const auto forms = post_forms(html);
    EXPECT_FALSE(forms.empty()) << name;
    for (const auto& f : forms) {
      EXPECT_TRUE(contains(f, field)) << name << ": " << f;
      std::smatch m;
      ASSERT_TRUE(std::regex_search(f, m, std::regex("action=\"([^\"]*)\""))) << f;
      ++actions[m[1]];
    }
    // GET forms carry no token (it would leak into URLs and logs).
    for (std::size_t at = html.find("<form method=\"get\""); at != std::string::npos;
         at = html.find("<form method=\"get\"", at + 1))
      EXPECT_FALSE(contains(html.substr(at, html.find("</form>", at) - at), "csrf")) << name;
  }
  EXPECT_EQ(actions["/logout"], 5);  // the header of every signed-in page
  EXPECT_EQ(actions["/terminal/dev-1/revoke"], 1);
  EXPECT_EQ(actions["/enrolment"], 1);
  EXPECT_EQ(actions["/login"], 1);
  EXPECT_EQ(actions["/rollouts/7/start"], 1);
}

TEST(TerminalPage, SummaryAlertsHistoryAndRevokeForm) {
  TerminalView tv;
  tv.row = row("L1", "Ter Apel", "kiosk-07");
  tv.row.disk_percent = 91;
  tv.row.clock_offset_ms = 61'000;
  tv.enrolled_at = "2026-10-01T12:00:00Z";
  tv.cert_serial = "1042";
  tv.alerts = {{"disk_full", "91% van /var/lib/balie", "2026-12-06T07:00:00Z", std::nullopt},
               {"no_pass", "laatste pass 2026-12-01", "2026-12-02T09:00:00Z", std::string("2026-12-03T09:00:00Z")},
               {"<u>x</u>", "<b>detail</b>", "t", std::nullopt}};
  for (int i = 0; i < 60; ++i) {
    HealthPoint p;
    p.received_at = "recv-" + std::to_string(i);
    p.generated_at = "gen-" + std::to_string(i);
    p.software_version = "1.4.0";
    tv.history.push_back(p);
  }
  const std::string html = render_terminal_page(tv, kChrome);
  expect_no_active_content(html);
  EXPECT_TRUE(contains(html, "Open alerts (2)"));
  EXPECT_TRUE(contains(html, "Opgeloste alerts (1)"));
  EXPECT_TRUE(contains(html, "data-kind=\"disk_full\">Schijf &gt; 80% vol</span></td><td>91% van /var/lib/balie</td>"));
  EXPECT_TRUE(contains(html, "Geen synchronisatie &gt; 36 uur</span></td><td>laatste pass 2026-12-01</td><td>"
                             "<time datetime=\"2026-12-02T09:00:00Z\" title=\"2026-12-02T09:00:00Z\">2026-12-02 09:00:00"
                             "</time></td><td><time datetime=\"2026-12-03T09:00:00Z\" title=\"2026-12-03T09:00:00Z\">"
                             "2026-12-03 09:00:00</time></td>"));
  EXPECT_TRUE(contains(html, "&lt;b&gt;detail&lt;/b&gt;"));
  EXPECT_FALSE(contains(html, "<b>detail"));
  EXPECT_TRUE(contains(html, "<span class=\"bad\">91% vol</span>"));
  EXPECT_TRUE(contains(html, "<span class=\"bad\">+1 min 1 s</span>"));
  // Only the newest 50 health reports.
  EXPECT_TRUE(contains(html, "recv-0<") && contains(html, "recv-49<"));
  EXPECT_FALSE(contains(html, "recv-50<"));
  EXPECT_TRUE(contains(html, "laatste 50 van 60"));
  // Revoke form with a required reason.
  EXPECT_TRUE(contains(html, "<form method=\"post\" action=\"/terminal/kiosk-07/revoke\" class=\"revoke\">"));
  EXPECT_TRUE(contains(html, "name=\"reason\" required maxlength=\"200\""));
  EXPECT_TRUE(contains(html, "<span class=\"ok\">Actief</span>"));

  tv.revoked_at = "2026-12-06T09:30:00Z";
  tv.revoke_reason = "Gestolen <laptop>";
  const std::string revoked = render_terminal_page(tv, kChrome);
  EXPECT_FALSE(contains(revoked, "/revoke"));
  EXPECT_FALSE(contains(revoked, "Terminal intrekken"));
  EXPECT_TRUE(contains(revoked, "Ingetrokken op <time datetime=\"2026-12-06T09:30:00Z\" title=\"2026-12-06T09:30:00Z\">"
                                "2026-12-06 09:30</time>"));
  EXPECT_TRUE(contains(revoked, "Reden: Gestolen &lt;laptop&gt;"));
  // A row marked revoked without a timestamp also hides the form.
  tv.revoked_at.reset();
  tv.row.revoked = true;
  EXPECT_FALSE(contains(render_terminal_page(tv, kChrome), "/revoke"));
}

TEST(EnrolmentPage, NewCodeShownOnlyWhenSet) {
  const std::vector<LocationOption> locs = {{"L1", "Ter Apel"}, {"L2", "Budel <Dorplein>"}};
  std::vector<CodeRow> codes = {
      {"JKLM", "L1", "beheer", "2026-12-06T09:00:00Z", "2026-12-07T09:00:00Z", std::nullopt, std::nullopt},
      {"WXYZ", "L2", "beheer", "2026-12-01T09:00:00Z", "2026-12-02T09:00:00Z", std::nullopt, std::nullopt},
      {"QRST", "L2", "beheer", "2026-12-01T09:00:00Z", "2026-12-02T09:00:00Z", std::string("2026-12-01T10:00:00Z"),
       std::string("kiosk-02")}};
  const std::string with = render_enrolment_page(codes, locs, std::string("ABCD-EFGH-JKLM"), kChrome);
  const std::string without = render_enrolment_page(codes, locs, std::nullopt, kChrome);
  EXPECT_TRUE(contains(with, "<p class=\"code\">ABCD-EFGH-JKLM</p>"));
  EXPECT_TRUE(contains(with, "maar één keer getoond"));
  EXPECT_FALSE(contains(without, "ABCD-EFGH"));
  EXPECT_FALSE(contains(without, "class=\"newcode\""));
  EXPECT_FALSE(contains(without, "class=\"code\""));
  for (const auto* h : {&with, &without}) {
    EXPECT_TRUE(contains(*h, "<td class=\"mono\">…JKLM</td><td>Ter Apel</td>"));
    EXPECT_TRUE(contains(*h, "<td class=\"mono\">…WXYZ</td><td>Budel &lt;Dorplein&gt;</td>"));
    EXPECT_TRUE(contains(*h, "<option value=\"L2\">Budel &lt;Dorplein&gt;</option>"));
    EXPECT_TRUE(contains(*h, "<select name=\"location\" required>"));
  }
  // Open, expired (now is 2026-12-06T10:00:00Z) and used.
  EXPECT_TRUE(contains(without, ">2026-12-07 09:00</time></td><td><span class=\"ok\">Open</span>"));
  EXPECT_TRUE(contains(without, ">2026-12-02 09:00</time></td><td><span class=\"missing\">Verlopen</span>"));
  EXPECT_TRUE(contains(without, "Gebruikt</span> op <time datetime=\"2026-12-01T10:00:00Z\" title=\"2026-12-01T10:00:00Z\">"
                                 "2026-12-01 10:00</time><br>door <a href=\"/terminal/kiosk-02\">kiosk-02</a>"));
  // A hostile code value is escaped too.
  EXPECT_TRUE(contains(render_enrolment_page({}, locs, std::string("<b>X</b>"), kChrome), "&lt;b&gt;X&lt;/b&gt;"));
  // No locations: no form, an explanation.
  const std::string none = render_enrolment_page({}, {}, std::nullopt, kChrome);
  EXPECT_FALSE(contains(none, "action=\"/enrolment\""));
  EXPECT_TRUE(contains(none, "Er zijn nog geen locaties"));
}

TEST(LoginAndErrorPages, FormsMessagesAndNoOperatorChrome) {
  const std::string login = render_login_page("Onbekende gebruiker of <fout> wachtwoord", "t\"k");
  expect_no_active_content(login);
  EXPECT_TRUE(contains(login, "<form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"csrf\" value=\"t&quot;k\">"));
  EXPECT_TRUE(contains(login, "name=\"id\" autocomplete=\"username\""));
  EXPECT_TRUE(contains(login, "type=\"password\" name=\"password\" autocomplete=\"current-password\""));
  EXPECT_TRUE(contains(login, "role=\"alert\">Onbekende gebruiker of &lt;fout&gt; wachtwoord</p>"));
  EXPECT_FALSE(contains(login, "/logout"));
  EXPECT_FALSE(contains(render_login_page("", "t"), "role=\"alert\""));

  const std::string err = render_error_page(404, "Terminal <x> bestaat niet");
  expect_no_active_content(err);
  EXPECT_TRUE(contains(err, "<h1>404 — Niet gevonden</h1>"));
  EXPECT_TRUE(contains(err, "Terminal &lt;x&gt; bestaat niet"));
  EXPECT_TRUE(contains(render_error_page(403, ""), "403 — Geen toegang"));
  EXPECT_TRUE(contains(render_error_page(503, ""), "503 — Tijdelijk niet beschikbaar"));
  EXPECT_TRUE(contains(render_error_page(418, ""), "418 — Fout"));
}

TEST(Pages, ChromeNavStylesheetAndNoResidentFields) {
  const std::string html = render_fleet_page({}, {}, kChrome);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>\n<html lang=\"nl\">", 0), 0u);
  EXPECT_TRUE(contains(html, "<div class=\"brand\">Balie — COA beheer</div>"));
  EXPECT_TRUE(contains(html, "<a href=\"/\" class=\"current\" aria-current=\"page\">Vloot</a>"
                             "<a href=\"/enrolment\">Inschrijfcodes</a><a href=\"/rollouts\">Uitrol</a>"));
  EXPECT_TRUE(contains(html, "<span class=\"operator\">Beheerder Één</span>"));
  EXPECT_TRUE(contains(html, "<link rel=\"stylesheet\" href=\"/static/coa.css\">"));
  EXPECT_TRUE(contains(html, "Stand van <time datetime=\"2026-12-06T10:00:00Z\" title=\"2026-12-06T10:00:00Z\">"
                             "2026-12-06 10:00:00</time> (UTC)"));
  const std::string css(coa_stylesheet());
  EXPECT_TRUE(contains(css, ".badge.crit"));
  EXPECT_FALSE(contains(css, "@import"));
  EXPECT_FALSE(contains(css, "url("));  // nothing fetched besides the stylesheet itself
  EXPECT_FALSE(contains(html, "v_nummer") || contains(html, "geboortedatum") || contains(html, "naam_"));
}

TEST(FleetPage, TimestampsShownInUtcWithTheAgeOfTheLastPass) {
  auto cell = [](std::optional<std::string> last) {
    FleetRow r = row("L1", "Ter Apel", "d");
    r.last_pass_utc = std::move(last);
    const std::string html = render_fleet_page({r}, {}, kChrome);  // now: 2026-12-06T10:00:00Z
    const std::size_t at = html.find("<td class=\"c-last\">");
    return html.substr(at, html.find("</td>", at) - at);
  };
  // PostgreSQL's timestamptz text with an offset and a fraction: converted to UTC.
  EXPECT_EQ(cell("2026-12-06 11:12:04.123456+02"),
            "<td class=\"c-last\"><time datetime=\"2026-12-06T09:12:04Z\" title=\"2026-12-06 11:12:04.123456+02\">"
            "2026-12-06 09:12</time><br><span class=\"sub\">47 min geleden</span>");
  EXPECT_TRUE(contains(cell("2026-12-04T07:30:00Z"), ">2026-12-04 07:30</time><br><span class=\"sub\">2 d 2 u geleden"));
  EXPECT_TRUE(contains(cell("2026-12-06T06:55:00-00:30"), ">2026-12-06 07:25</time><br><span class=\"sub\">2 u 35 min geleden"));
  EXPECT_TRUE(contains(cell("2026-12-06T09:59:30Z"), "<span class=\"sub\">zojuist</span>"));
  EXPECT_TRUE(contains(cell("2026-12-07T00:00:00Z"), "<span class=\"sub\">in de toekomst</span>"));
  // Not a timestamp: shown as it is, no age.
  EXPECT_EQ(cell("gisteren <laat>"), "<td class=\"c-last\">gisteren &lt;laat&gt;");
  EXPECT_EQ(cell("2026-13-01T00:00:00Z"), "<td class=\"c-last\">2026-13-01T00:00:00Z");
  EXPECT_EQ(cell("2026-12-06T10:00:00Zjunk"), "<td class=\"c-last\">2026-12-06T10:00:00Zjunk");
  EXPECT_EQ(cell(std::nullopt), "<td class=\"c-last\"><span class=\"missing\">nooit</span>");
}

TEST(FleetPage, LastPassSortsByInstantNotByText) {
  FleetRow a = row("L1", "X", "a"), b = row("L1", "X", "b");
  a.last_pass_utc = "2026-12-06T10:30:00+02:00";  // 08:30 UTC: earlier, although its text sorts later
  b.last_pass_utc = "2026-12-06T09:00:00Z";
  FleetQuery q;
  q.sort = "last_pass";
  EXPECT_EQ(ids(filter_and_sort_fleet({b, a}, q)), (std::vector<std::string>{"a", "b"}));
  q.dir = "desc";
  EXPECT_EQ(ids(filter_and_sort_fleet({a, b}, q)), (std::vector<std::string>{"b", "a"}));
}

// ---- rollouts ----------------------------------------------------------------------------------

namespace {

RolloutInfo rollout(std::string stage, int percent = 0) {
  RolloutInfo r;
  r.stage = std::move(stage);
  r.percent = percent;
  r.canary = {"T1001", "T1002"};
  r.stage_started_at = "2026-12-05T08:00:00Z";
  r.changed_by = "ops-1";
  return r;
}

UpdateSummary update(std::int64_t version, std::optional<RolloutInfo> r) {
  return UpdateSummary{version, 2'540'032, std::string(64, 'c'), "2026-12-04T12:30:00Z", "cli:beheer", std::move(r)};
}

// The start / advance / halt forms of a rendered rollout page: action -> how many.
std::map<std::string, int> form_actions(const std::string& html) {
  std::map<std::string, int> a;
  for (const auto& f : post_forms(html)) {
    std::smatch m;
    if (std::regex_search(f, m, std::regex("action=\"([^\"]*)\""))) ++a[m[1]];
  }
  a.erase("/logout");
  return a;
}

}  // namespace

TEST(RolloutsPage, ListsUpdatesWithStageCountsAndEscapedHaltReason) {
  RolloutInfo halted = rollout("halted", 20);
  halted.stopped_in = "percent";
  halted.halt_reason = "2 of 5 rolled back " + kHostileAttr + " " + kRtl;
  halted.counts = {1, 2, 3, 2};
  halted.canary = {kHostileScript};
  RolloutInfo done = rollout("done");
  done.stopped_in = "all";
  const std::string html =
      render_rollouts_page({update(9, std::nullopt), update(8, halted), update(7, done)}, kChrome);
  expect_no_active_content(html);
  EXPECT_TRUE(contains(html, "<a href=\"/rollouts\" class=\"current\" aria-current=\"page\">Uitrol</a>"));
  EXPECT_TRUE(contains(html, "<h1>Uitrol van updates</h1><p class=\"counts\">3 geüploade updates, 0 lopende uitrol</p>"));
  EXPECT_TRUE(contains(html, "<a class=\"version\" href=\"/rollouts/9\">9</a>"));
  EXPECT_TRUE(contains(html, "<span title=\"2540032 bytes\">2,5 MB</span>"));
  EXPECT_TRUE(contains(html, "door cli:beheer"));
  EXPECT_TRUE(contains(html, "<span class=\"stage stage-none\">Niet uitgerold</span>"));
  EXPECT_TRUE(contains(html, "<span class=\"stage stage-halted\">Gestopt</span><br><span class=\"sub\">in fase: 20% van de "
                             "terminals</span>"));
  EXPECT_TRUE(contains(html, "<span class=\"stage stage-done\">Afgerond (vervangen)</span>"));
  // Counts in the order downloaded, installed, blessed, rolled back; a roll-back is marked.
  EXPECT_TRUE(contains(html, "<td class=\"num\"><span class=\"ok\">1</span></td><td class=\"num\"><span class=\"ok\">2</span>"
                             "</td><td class=\"num\"><span class=\"ok\">3</span></td><td class=\"num\"><span "
                             "class=\"bad\">2</span></td>"));
  EXPECT_TRUE(contains(html, "2 of 5 rolled back &quot;&gt;&lt;img src=x onerror=alert(1)&gt; evil[U+202E]gnp.exe"));
  EXPECT_FALSE(contains(html, "\xE2\x80\xAE"));
  EXPECT_TRUE(contains(html, "href=\"/terminal/%3Cscript%3Ealert%28%27x%27%29%3C%2Fscript%3E\">&lt;script&gt;"));
  EXPECT_EQ(std::regex_search(html, std::regex("<tr class=\"alerting\">")), true);  // the halted one
  EXPECT_FALSE(contains(html, "v_nummer") || contains(html, "geboortedatum") || contains(html, "naam_"));

  const std::string empty = render_rollouts_page({}, kChrome);
  EXPECT_TRUE(contains(empty, "Er zijn nog geen updates geüpload."));
  RolloutInfo live = rollout("percent", 30);
  EXPECT_TRUE(contains(render_rollouts_page({update(9, live)}, kChrome), "1 geüploade updates, 1 lopende uitrol"));
}

TEST(RolloutPage, HostileDeviceIdsAndReportDetailsAreText) {
  RolloutInfo r = rollout("canary");
  r.canary = {"T1001", kHostileScript};
  r.counts = {0, 0, 1, 1};
  RolloutView v{update(7, r),
                {{"T1001", "blessed", "2026-12-05T09:10:11Z", "boot ok " + kRtl},
                 {"T2002", "rolled_back", "2026-12-05T09:12:00Z", kHostileAttr},
                 {kHostileScript, "", "", ""}}};
  const std::string html = render_rollout_page(v, {}, kChrome);
  expect_no_active_content(html);
  EXPECT_FALSE(contains(html, "<img"));
  EXPECT_FALSE(contains(html, "\xE2\x80\xAE"));
  EXPECT_TRUE(contains(html, "<h1>Update versie 7</h1><span class=\"stage stage-canary\">Canary</span>"));
  EXPECT_TRUE(contains(html, "<td>boot ok evil[U+202E]gnp.exe</td>"));
  EXPECT_TRUE(contains(html, "<td>&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</td>"));
  EXPECT_TRUE(contains(html, "<tr class=\"alerting\"><td><a class=\"mono\" href=\"/terminal/T2002\">T2002</a></td><td><span "
                             "class=\"state state-rolled_back bad\">Teruggedraaid</span></td><td><time "
                             "datetime=\"2026-12-05T09:12:00Z\""));
  EXPECT_TRUE(contains(html, "<a class=\"mono\" href=\"/terminal/T1001\">T1001</a> <span class=\"tag-canary\">canary</span>"
                             "</td><td><span class=\"state state-blessed\">Bevestigd</span>"));
  // A canary that has not reported: a row of its own, the id escaped and url-encoded.
  EXPECT_TRUE(contains(html, "<a class=\"mono\" href=\"/terminal/%3Cscript%3Ealert%28%27x%27%29%3C%2Fscript%3E\">"
                             "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</a> <span class=\"tag-canary\">canary</span>"
                             "</td><td><span class=\"state state-none\">Nog niets gemeld</span>"));
  EXPECT_TRUE(contains(html, "<h2>Terminals (3)</h2>"));
  EXPECT_TRUE(contains(html, "<span class=\"mono hash\">" + std::string(64, 'c') + "</span>"));
  EXPECT_FALSE(contains(html, "v_nummer") || contains(html, "geboortedatum") || contains(html, "naam_"));
}

TEST(RolloutPage, FormsFollowTheStage) {
  auto page = [](std::optional<RolloutInfo> r) { return render_rollout_page(RolloutView{update(7, r), {}}, {}, kChrome); };
  const std::string fresh = page(std::nullopt);
  EXPECT_EQ(form_actions(fresh), (std::map<std::string, int>{{"/rollouts/7/start", 1}}));
  EXPECT_TRUE(contains(fresh, "name=\"canary\" required maxlength=\"2000\""));
  EXPECT_TRUE(contains(fresh, "Deze versie is nog niet uitgerold."));

  const std::string canary = page(rollout("canary"));
  EXPECT_EQ(form_actions(canary), (std::map<std::string, int>{{"/rollouts/7/advance", 2}, {"/rollouts/7/halt", 1}}));
  EXPECT_TRUE(contains(canary, "name=\"percent\" min=\"1\" max=\"99\""));
  EXPECT_TRUE(contains(canary, "<input type=\"hidden\" name=\"percent\" value=\"all\">"));
  EXPECT_TRUE(contains(canary, "Nog geen meldingen van terminals."));

  const std::string at50 = page(rollout("percent", 50));
  EXPECT_TRUE(contains(at50, "name=\"percent\" min=\"51\" max=\"99\""));
  EXPECT_TRUE(contains(at50, "Nu: 50% van de terminals."));
  // At 99 % the only step left is all.
  EXPECT_EQ(form_actions(page(rollout("percent", 99))),
            (std::map<std::string, int>{{"/rollouts/7/advance", 1}, {"/rollouts/7/halt", 1}}));
  EXPECT_EQ(form_actions(page(rollout("all"))), (std::map<std::string, int>{{"/rollouts/7/halt", 1}}));

  RolloutInfo halted = rollout("halted", 20);
  halted.stopped_in = "percent";
  halted.halt_reason = "storing";
  halted.changed_by = "balie-coa";
  const std::string h = page(halted);
  EXPECT_TRUE(form_actions(h).empty());
  EXPECT_TRUE(contains(h, "Deze uitrol is gestopt en kan niet worden hervat."));
  EXPECT_TRUE(contains(h, "<dt>Reden van stoppen</dt><dd>storing</dd>"));
  EXPECT_TRUE(contains(h, "automatisch (terugdraairegel)"));
  RolloutInfo done = rollout("done");
  done.stopped_in = "canary";
  EXPECT_TRUE(form_actions(page(done)).empty());
  EXPECT_TRUE(contains(page(done), "Deze uitrol is afgerond en kan niet worden hervat."));
  // Every form of every stage carries the token.
  for (const auto& html : {fresh, canary, at50, h})
    for (const auto& f : post_forms(html))
      EXPECT_TRUE(contains(f, "<input type=\"hidden\" name=\"csrf\" value=\"csrf-tok-123\">")) << f;
}

TEST(RolloutPage, ARefusalIsShownWithWhatWasTyped) {
  RolloutFormState form;
  form.message = "Canary-terminal <b>x</b> is niet ingeschreven of is ingetrokken.";
  form.canary = "T1\"><b id=\"pwned\">x</b>";  // breaks out of the value attribute if not escaped
  const std::string fresh = render_rollout_page(RolloutView{update(7, std::nullopt), {}}, form, kChrome);
  expect_no_active_content(fresh);
  EXPECT_TRUE(contains(fresh, "<p class=\"message\" role=\"alert\">Canary-terminal &lt;b&gt;x&lt;/b&gt; is niet "
                              "ingeschreven of is ingetrokken.</p>"));
  EXPECT_TRUE(contains(fresh, "value=\"T1&quot;&gt;&lt;b id=&quot;pwned&quot;&gt;x&lt;/b&gt;\""));
  EXPECT_FALSE(contains(fresh, "<b id") || contains(fresh, "<b>"));
  EXPECT_FALSE(contains(fresh, "role=\"status\""));
  RolloutFormState ok;
  ok.notice = "De uitrol is gestart.";
  ok.reason = "klok <loopt> \"mis\"";
  const std::string live = render_rollout_page(RolloutView{update(7, rollout("canary")), {}}, ok, kChrome);
  EXPECT_TRUE(contains(live, "<p class=\"notice\" role=\"status\">De uitrol is gestart.</p>"));
  EXPECT_TRUE(contains(live, "name=\"reason\" required maxlength=\"200\" size=\"50\" value=\"klok &lt;loopt&gt; "
                             "&quot;mis&quot;\""));
  EXPECT_FALSE(contains(live, "role=\"alert\""));
}

TEST(RolloutPage, DutchLabels) {
  EXPECT_EQ(rollout_stage_label("canary", 0), "Canary");
  EXPECT_EQ(rollout_stage_label("percent", 25), "25% van de terminals");
  EXPECT_EQ(rollout_stage_label("all", 100), "Alle terminals");
  EXPECT_EQ(rollout_stage_label("halted", 0), "Gestopt");
  EXPECT_EQ(rollout_stage_label("done", 0), "Afgerond (vervangen)");
  EXPECT_EQ(update_state_label("downloaded"), "Gedownload");
  EXPECT_EQ(update_state_label("installed"), "Geïnstalleerd");
  EXPECT_EQ(update_state_label("blessed"), "Bevestigd");
  EXPECT_EQ(update_state_label("rolled_back"), "Teruggedraaid");
  EXPECT_EQ(update_state_label(""), "Nog niets gemeld");
}

// issue16-consent: the residents page shows each resident's current consent: given with its end,
// expired, refused, withdrawn, not asked; ids only (no names); escaped like every page.
TEST(CoaWeb, ResidentsPageShowsTheCurrentConsentAndItsExpiry) {
  std::vector<ConsentCell> rows = {
      {"r1", "azc-a", "Wi2021", "GM0363", "pid_sharing", "given", "2026-12-06T08:00:00Z", "2027-12-06T08:00:00Z", false},
      {"r2", "azc-a", "Wi2021", "GM0363", "pid_sharing", "given", "2025-10-01T08:00:00Z", "2026-10-01T08:00:00Z", true},
      {"r3", "azc-a", "Wi2021", "GM0344", "pid_sharing", "refused", "2026-12-01T08:00:00Z", "", false},
      {"r4", "azc-a", "Wi2021", "", "pid_sharing", "withdrawn", "2026-12-02T08:00:00Z", "", false},
      {"r5<b>", "azc-a", "Wi2013", "GM0363", "", "", "", "", false},
  };
  const std::string html = render_residents_page(rows, "azc-a", kChrome);
  expect_no_active_content(html);
  EXPECT_NE(html.find("gegeven op <time datetime=\"2026-12-06T08:00:00Z\""), std::string::npos) << html;
  EXPECT_NE(html.find("geldig tot <time datetime=\"2027-12-06T08:00:00Z\""), std::string::npos) << html;
  EXPECT_NE(html.find("verlopen op <time datetime=\"2026-10-01T08:00:00Z\""), std::string::npos) << html;
  EXPECT_NE(html.find("geweigerd op"), std::string::npos);
  EXPECT_NE(html.find("ingetrokken op"), std::string::npos);
  EXPECT_NE(html.find("niet gevraagd"), std::string::npos);
  EXPECT_NE(html.find("r5&lt;b&gt;"), std::string::npos);
  EXPECT_EQ(html.find("r5<b>"), std::string::npos);
  EXPECT_NE(html.find("PID (blauwe map)"), std::string::npos);
  EXPECT_NE(html.find("aria-current=\"page\">Toestemming"), std::string::npos);
}
