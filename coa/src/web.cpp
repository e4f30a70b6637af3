// COA's operator web pages (coa/include/balie/coa/web.h): HTML escaping, the fleet table's filtering
// and sorting, and the page renderers. Pure functions: strings in, HTML out. Every value from the
// database or the request goes through esc() (element text, attribute values) or url_encode() + esc()
// (links); constant markup is written inline.
#include "balie/coa/web.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

#include "balie/record/utf8.h"

namespace balie::coa {

namespace {

bool is_bidi_control(char32_t cp) {
  return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

std::string esc(std::string_view s) { return html_escape(s); }

// ---- alert kinds -------------------------------------------------------------------------------

struct KindInfo {
  std::string_view kind, label, level;  // level: CSS class of the badge
};
constexpr std::array<KindInfo, 8> kKinds = {{
    {"unlock_failed", "Ontsleutelen mislukt na opstart", "crit"},
    {"rolled_back", "Update teruggedraaid", "crit"},
    {"update_failed", "Update niet geïnstalleerd", "crit"},
    {"deadline_near", "Records bijna over termijn", "crit"},
    {"no_pass", "Geen synchronisatie > 36 uur", "warn"},
    {"clock_offset", "Klok wijkt > 60 s af", "warn"},
    {"disk_full", "Schijf > 80% vol", "warn"},
    {"revoked", "Ingetrokken", "revoked"},
}};

const KindInfo* kind_info(std::string_view kind) {
  for (const auto& k : kKinds)
    if (k.kind == kind) return &k;
  return nullptr;
}

std::string badge(std::string_view kind) {
  const KindInfo* k = kind_info(kind);
  std::string level = k ? std::string(k->level) : "unknown";
  return "<span class=\"badge " + level + "\" data-kind=\"" + esc(kind) + "\">" + esc(alert_label(kind)) + "</span>";
}

// The row's open alert kinds: known kinds in alert_kinds() order, then unknown ones as given, each once;
// a revoked row has "revoked" even when the caller did not list it.
std::vector<std::string> open_kinds(const FleetRow& r) {
  std::set<std::string> have(r.alerts.begin(), r.alerts.end());
  if (r.revoked) have.insert("revoked");
  std::vector<std::string> out;
  for (const auto& k : kKinds)
    if (have.count(std::string(k.kind))) out.emplace_back(k.kind);
  std::set<std::string> seen;
  for (const auto& a : r.alerts)
    if (!kind_info(a) && seen.insert(a).second) out.push_back(a);
  return out;
}

// ---- formatting --------------------------------------------------------------------------------

// ---- time --------------------------------------------------------------------------------------

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool digits(std::string_view s, std::size_t at, std::size_t n, int& out) {
  if (at + n > s.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (!is_digit(s[i])) return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
long long days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

void civil_from_days(long long z, int& y, int& m, int& d) {
  z += 719468;
  const long long era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = static_cast<int>(yoe + era * 400 + (m <= 2));
}

// "YYYY-MM-DD[T ]HH:MM[:SS[.fraction]][Z | +HH[:MM] | -HH[:MM]]" (no zone = UTC; PostgreSQL's
// timestamptz text and ISO 8601 both fit) -> seconds since the epoch; anything else -> nullopt.
std::optional<long long> parse_time(std::string_view s) {
  int y, mo, d, h, mi, se = 0;
  if (!digits(s, 0, 4, y) || s.size() < 16 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != ' ') || !digits(s, 11, 2, h) || s[13] != ':' ||
      !digits(s, 14, 2, mi))
    return std::nullopt;
  std::size_t i = 16;
  if (i < s.size() && s[i] == ':') {
    if (!digits(s, 17, 2, se)) return std::nullopt;
    i = 19;
    if (i < s.size() && s[i] == '.') {
      ++i;
      const std::size_t f = i;
      while (i < s.size() && is_digit(s[i])) ++i;
      if (i == f) return std::nullopt;
    }
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return std::nullopt;
  long long offset = 0;
  if (i < s.size() && s[i] == 'Z') {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    const int sign = s[i] == '-' ? -1 : 1;
    int oh, om = 0;
    if (!digits(s, i + 1, 2, oh)) return std::nullopt;
    i += 3;
    if (i < s.size() && s[i] == ':') ++i;
    if (i < s.size()) {
      if (!digits(s, i, 2, om)) return std::nullopt;
      i += 2;
    }
    if (oh > 23 || om > 59) return std::nullopt;
    offset = sign * (oh * 3600LL + om * 60LL);
  }
  if (i != s.size()) return std::nullopt;
  return days_from_civil(y, mo, d) * 86400 + h * 3600LL + mi * 60LL + se - offset;
}

// A timestamp as "YYYY-MM-DD HH:MM[:SS]" (UTC) in a <time> element that keeps the original in its
// title; a value that is not a timestamp is shown escaped as it is.
std::string time_html(std::string_view s, bool seconds) {
  const auto t = parse_time(s);
  if (!t) return html_escape(s);
  long long days = *t / 86400, rem = *t % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  int y, m, d;
  civil_from_days(days, y, m, d);
  char iso[40], shown[40];
  const int hh = static_cast<int>(rem / 3600), mm = static_cast<int>(rem % 3600 / 60), ss = static_cast<int>(rem % 60);
  std::snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, hh, mm, ss);
  if (seconds)
    std::snprintf(shown, sizeof shown, "%04d-%02d-%02d %02d:%02d:%02d", y, m, d, hh, mm, ss);
  else
    std::snprintf(shown, sizeof shown, "%04d-%02d-%02d %02d:%02d", y, m, d, hh, mm);
  return std::string("<time datetime=\"") + iso + "\" title=\"" + html_escape(s) + "\">" + shown + "</time>";
}

// How long ago `then` was at `now` ("3 u 5 min geleden"); "" when either is not a timestamp.
std::string age_text(std::string_view then, std::string_view now) {
  const auto a = parse_time(then), b = parse_time(now);
  if (!a || !b) return "";
  const long long s = *b - *a;
  if (s < 0) return "in de toekomst";
  if (s < 60) return "zojuist";
  char buf[64];
  if (s < 3600)
    std::snprintf(buf, sizeof buf, "%lld min geleden", s / 60);
  else if (s < 86400)
    std::snprintf(buf, sizeof buf, "%lld u %lld min geleden", s / 3600, s % 3600 / 60);
  else
    std::snprintf(buf, sizeof buf, "%lld d %lld u geleden", s / 86400, s % 86400 / 3600);
  return buf;
}

std::string last_pass_html(const std::optional<std::string>& last, const std::string& now) {
  if (!last) return "<span class=\"missing\">nooit</span>";
  std::string h = time_html(*last, false);
  const std::string age = age_text(*last, now);
  if (!age.empty()) h += "<br><span class=\"sub\">" + age + "</span>";
  return h;
}

unsigned long uabs(long v) { return v < 0 ? static_cast<unsigned long>(-(v + 1)) + 1UL : static_cast<unsigned long>(v); }

std::string format_clock(long ms) {
  const unsigned long a = uabs(ms);
  const char* sign = a < 100 ? "" : (ms > 0 ? "+" : "-");  // no sign on what shows as 0,0 s
  char buf[64];
  if (a < 60'000UL) {
    std::snprintf(buf, sizeof buf, "%s%lu,%lu s", sign, a / 1000, (a % 1000) / 100);
  } else if (a < 3'600'000UL) {
    std::snprintf(buf, sizeof buf, "%s%lu min %lu s", sign, a / 60'000, (a % 60'000) / 1000);
  } else if (a < 86'400'000UL) {
    std::snprintf(buf, sizeof buf, "%s%lu u %lu min", sign, a / 3'600'000, (a % 3'600'000) / 60'000);
  } else {
    std::snprintf(buf, sizeof buf, "%s%lu d %lu u", sign, a / 86'400'000, (a % 86'400'000) / 3'600'000);
  }
  return buf;
}

bool clock_bad(long ms) { return ms > 60'000 || ms < -60'000; }

std::string clock_cell(const std::optional<long>& ms) {
  if (!ms) return "<span class=\"missing\">onbekend</span>";
  return std::string("<span class=\"") + (clock_bad(*ms) ? "bad" : "ok") + "\">" + esc(format_clock(*ms)) + "</span>";
}

std::string disk_cell(const std::optional<int>& pct) {
  if (!pct) return "<span class=\"missing\">onbekend</span>";
  return std::string("<span class=\"") + (*pct > 80 ? "bad" : "ok") + "\">" + std::to_string(*pct) + "% vol</span>";
}

std::string queue_cell(long waiting, long held, long failed) {
  std::string s = "<span class=\"queue\" title=\"wachtend / vastgehouden / mislukt\">";
  s += "<span>" + std::to_string(waiting) + "</span> / ";
  s += std::string("<span class=\"") + (held > 0 ? "warn" : "ok") + "\">" + std::to_string(held) + "</span> / ";
  s += std::string("<span class=\"") + (failed > 0 ? "bad" : "ok") + "\">" + std::to_string(failed) + "</span>";
  return s + "</span>";
}

std::string location_label(const FleetRow& r) { return r.location_name.empty() ? r.location_id : r.location_name; }

std::string terminal_href(std::string_view device_id) { return "/terminal/" + url_encode(device_id); }

// ---- page frame --------------------------------------------------------------------------------

enum class Nav { None, Fleet, Enrolment, Rollouts, Residents };

std::string page_start(std::string_view title, const PageChrome* chrome, Nav current) {
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"nl\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  // Defence in depth next to the server's own headers: no script, no inline style, forms post home.
  h += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'self'; "
       "img-src 'self'; form-action 'self'; base-uri 'none'\">\n";
  h += "<meta name=\"referrer\" content=\"no-referrer\">\n";
  h += "<title>" + esc(title) + " — Balie COA beheer</title>\n";
  h += "<link rel=\"stylesheet\" href=\"/static/coa.css\">\n</head>\n<body>\n<header class=\"top\">\n";
  h += "<div class=\"brand\">Balie — COA beheer</div>\n";
  if (chrome) {
    auto link = [&](const char* href, const char* label, Nav n) {
      h += std::string("<a href=\"") + href + "\"" + (n == current ? " class=\"current\" aria-current=\"page\"" : "") +
           ">" + label + "</a>";
    };
    h += "<nav>";
    link("/", "Vloot", Nav::Fleet);
    link("/enrolment", "Inschrijfcodes", Nav::Enrolment);
    link("/rollouts", "Uitrol", Nav::Rollouts);
    link("/residents", "Toestemming", Nav::Residents);
    h += "</nav>\n<div class=\"who\"><span class=\"operator\">" + esc(chrome->operator_name) + "</span>\n";
    h += "<form method=\"post\" action=\"/logout\" class=\"logout\">"
         "<input type=\"hidden\" name=\"" + std::string(kCsrfField) + "\" value=\"" + esc(chrome->csrf_token) +
         "\"><button type=\"submit\">Afmelden</button></form></div>\n";
  }
  h += "</header>\n<main>\n";
  return h;
}

std::string page_end(const PageChrome* chrome) {
  std::string h = "</main>\n";
  if (chrome && !chrome->now_utc.empty()) h += "<footer>Stand van " + time_html(chrome->now_utc, true) + " (UTC)</footer>\n";
  return h + "</body>\n</html>\n";
}

std::string csrf_input(const std::string& token) {
  return "<input type=\"hidden\" name=\"" + std::string(kCsrfField) + "\" value=\"" + esc(token) + "\">";
}

// ---- sorting -----------------------------------------------------------------------------------

char fold(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

int cmp_fold(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const char x = fold(a[i]), y = fold(b[i]);
    if (x != y) return static_cast<unsigned char>(x) < static_cast<unsigned char>(y) ? -1 : 1;
  }
  return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}

int cmp_str(std::string_view a, std::string_view b) {
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

template <class T>
int cmp_num(T a, T b) {
  return a < b ? -1 : (a > b ? 1 : 0);
}

// "1.9.2" < "1.10.0": digit runs compare as numbers (any length), everything else bytewise.
int cmp_version(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      std::size_t i2 = i, j2 = j;
      while (i2 < a.size() && is_digit(a[i2])) ++i2;
      while (j2 < b.size() && is_digit(b[j2])) ++j2;
      std::string_view x = a.substr(i, i2 - i), y = b.substr(j, j2 - j);
      while (x.size() > 1 && x[0] == '0') x.remove_prefix(1);
      while (y.size() > 1 && y[0] == '0') y.remove_prefix(1);
      if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
      if (int c = cmp_str(x, y)) return c;
      i = i2;
      j = j2;
    } else {
      if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]) ? -1 : 1;
      ++i;
      ++j;
    }
  }
  return cmp_num(a.size() - i, b.size() - j);
}

constexpr std::array<std::string_view, 7> kSortKeys = {"location", "terminal", "version", "last_pass",
                                                       "queue",    "clock",    "alerts"};

std::string effective_sort(const FleetQuery& q) {
  for (auto k : kSortKeys)
    if (k == q.sort) return std::string(k);
  return "location";
}
bool effective_desc(const FleetQuery& q) { return q.dir == "desc"; }

// Three-way comparison of a and b under `key` in direction `desc`; absent values last both ways.
int compare_rows(const FleetRow& a, const FleetRow& b, const std::string& key, bool desc) {
  const int d = desc ? -1 : 1;
  auto optional_cmp = [&](bool ha, bool hb, auto&& present_cmp) -> int {
    if (ha != hb) return ha ? -1 : 1;
    if (!ha) return 0;
    return d * present_cmp();
  };
  if (key == "terminal") return d * cmp_str(a.device_id, b.device_id);
  if (key == "version") return d * cmp_version(a.software_version, b.software_version);
  if (key == "last_pass")
    return optional_cmp(a.last_pass_utc.has_value(), b.last_pass_utc.has_value(),
                        [&] {
                          const auto x = parse_time(*a.last_pass_utc), y = parse_time(*b.last_pass_utc);
                          return x && y ? cmp_num(*x, *y) : cmp_str(*a.last_pass_utc, *b.last_pass_utc);
                        });
  if (key == "queue") {
    if (int c = cmp_num(a.failed, b.failed)) return d * c;
    if (int c = cmp_num(a.held, b.held)) return d * c;
    return d * cmp_num(a.waiting, b.waiting);
  }
  if (key == "clock")
    return optional_cmp(a.clock_offset_ms.has_value(), b.clock_offset_ms.has_value(), [&] {
      return cmp_num(uabs(*a.clock_offset_ms), uabs(*b.clock_offset_ms));
    });
  if (key == "alerts") {
    const std::size_t na = open_kinds(a).size(), nb = open_kinds(b).size();
    return optional_cmp(na > 0, nb > 0, [&] { return cmp_num(na, nb); });
  }
  // location
  if (int c = cmp_fold(location_label(a), location_label(b))) return d * c;
  if (int c = cmp_str(location_label(a), location_label(b))) return d * c;
  return d * cmp_str(a.location_id, b.location_id);
}

// ---- fleet page pieces -------------------------------------------------------------------------

std::string fleet_href(const FleetQuery& q, std::string_view sort, std::string_view dir) {
  std::string u = "/?";
  if (!q.location.empty()) u += "location=" + url_encode(q.location) + "&";
  if (!q.alert.empty()) u += "alert=" + url_encode(q.alert) + "&";
  u += "sort=" + url_encode(sort) + "&dir=" + url_encode(dir);
  return u;
}

struct Column {
  std::string_view key, label, css;
};
constexpr std::array<Column, 7> kColumns = {{
    {"location", "Locatie", "c-location"},
    {"terminal", "Terminal", "c-terminal"},
    {"version", "Versie", "c-version"},
    {"last_pass", "Laatste synchronisatie", "c-last"},
    {"queue", "Wachtend / Vastgehouden / Mislukt", "c-queue"},
    {"clock", "Klok", "c-clock"},
    {"alerts", "Alerts", "c-alerts"},
}};

}  // namespace

// ---- public helpers ----------------------------------------------------------------------------

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  std::size_t i = 0;
  while (i < s.size()) {
    const char32_t cp = record::utf8_next(s, i);
    switch (cp) {
      case '&': out += "&amp;"; continue;
      case '<': out += "&lt;"; continue;
      case '>': out += "&gt;"; continue;
      case '"': out += "&quot;"; continue;
      case '\'': out += "&#39;"; continue;
      default: break;
    }
    if (cp == record::kInvalidCodePoint || (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
        (cp >= 0x7F && cp <= 0x9F)) {
      out += "\xEF\xBF\xBD";  // U+FFFD
    } else if (is_bidi_control(cp)) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "[U+%04X]", static_cast<unsigned>(cp));
      out += buf;
    } else {
      record::utf8_append(out, cp);
    }
  }
  return out;
}

std::string url_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string alert_label(std::string_view kind) {
  if (const KindInfo* k = kind_info(kind)) return std::string(k->label);
  return "Onbekende alert: " + std::string(kind);
}

const std::vector<std::string_view>& alert_kinds() {
  static const std::vector<std::string_view> kinds = [] {
    std::vector<std::string_view> v;
    for (const auto& k : kKinds) v.push_back(k.kind);
    return v;
  }();
  return kinds;
}

std::vector<FleetRow> filter_and_sort_fleet(const std::vector<FleetRow>& rows, const FleetQuery& q) {
  std::vector<FleetRow> out;
  for (const auto& r : rows) {
    if (!q.location.empty() && r.location_id != q.location) continue;
    if (!q.alert.empty()) {
      const auto kinds = open_kinds(r);
      if (q.alert == "any" ? kinds.empty() : std::find(kinds.begin(), kinds.end(), q.alert) == kinds.end()) continue;
    }
    out.push_back(r);
  }
  const std::string key = effective_sort(q);
  const bool desc = effective_desc(q);
  std::stable_sort(out.begin(), out.end(),
                   [&](const FleetRow& a, const FleetRow& b) { return compare_rows(a, b, key, desc) < 0; });
  return out;
}

// ---- pages -------------------------------------------------------------------------------------

std::string render_fleet_page(const std::vector<FleetRow>& rows, const FleetQuery& query, const PageChrome& chrome) {
  const std::string sort = effective_sort(query);
  const bool desc = effective_desc(query);
  const auto shown = filter_and_sort_fleet(rows, query);

  std::size_t with_alerts = 0, revoked = 0;
  for (const auto& r : rows) {
    if (!open_kinds(r).empty()) ++with_alerts;
    if (r.revoked) ++revoked;
  }

  std::string h = page_start("Vloot", &chrome, Nav::Fleet);
  h += "<div class=\"titlebar\"><h1>Vloot</h1><p class=\"counts\">" + std::to_string(rows.size()) + " terminals, " +
       std::to_string(with_alerts) + " met open alerts, " + std::to_string(revoked) + " ingetrokken";
  if (shown.size() != rows.size()) h += " — getoond: " + std::to_string(shown.size());
  h += "</p></div>\n";

  // Filter form (GET): the location choices are the locations in the data, by name.
  std::map<std::string, std::string> loc_names;  // id -> label
  for (const auto& r : rows) loc_names.emplace(r.location_id, location_label(r));
  std::vector<std::pair<std::string, std::string>> locs(loc_names.begin(), loc_names.end());
  std::stable_sort(locs.begin(), locs.end(), [](const auto& a, const auto& b) {
    if (int c = cmp_fold(a.second, b.second)) return c < 0;
    return a.first < b.first;
  });
  h += "<form method=\"get\" action=\"/\" class=\"filters\">\n<label>Locatie <select name=\"location\">"
       "<option value=\"\">Alle locaties</option>";
  for (const auto& [id, name] : locs)
    h += "<option value=\"" + esc(id) + "\"" + (id == query.location ? " selected" : "") + ">" + esc(name) + "</option>";
  h += "</select></label>\n<label>Alert <select name=\"alert\"><option value=\"\">Alle terminals</option>";
  h += std::string("<option value=\"any\"") + (query.alert == "any" ? " selected" : "") + ">Met een open alert</option>";
  for (const auto& k : kKinds)
    h += "<option value=\"" + std::string(k.kind) + "\"" + (k.kind == query.alert ? " selected" : "") + ">" +
         esc(k.label) + "</option>";
  h += "</select></label>\n";
  h += "<input type=\"hidden\" name=\"sort\" value=\"" + sort + "\"><input type=\"hidden\" name=\"dir\" value=\"" +
       (desc ? "desc" : "asc") + "\">\n";
  h += "<button type=\"submit\">Filteren</button> <a href=\"/\" class=\"reset\">Filter wissen</a>\n</form>\n";

  h += "<table class=\"fleet\">\n<thead><tr>";
  for (const auto& c : kColumns) {
    const bool current = c.key == sort;
    const std::string next_dir = current && !desc ? "desc" : "asc";
    h += "<th scope=\"col\" class=\"" + std::string(c.css) + "\"";
    if (current) h += std::string(" aria-sort=\"") + (desc ? "descending" : "ascending") + "\"";
    h += "><a href=\"" + esc(fleet_href(query, c.key, next_dir)) + "\">" + std::string(c.label);
    if (current) h += desc ? " <span class=\"arrow\">▼</span>" : " <span class=\"arrow\">▲</span>";
    h += "</a></th>";
  }
  h += "</tr></thead>\n<tbody>\n";
  if (shown.empty()) {
    h += "<tr><td colspan=\"7\" class=\"empty\">" +
         std::string(rows.empty() ? "Er zijn nog geen terminals ingeschreven."
                                  : "Geen terminals die aan het filter voldoen.") +
         "</td></tr>\n";
  }
  for (const auto& r : shown) {
    const auto kinds = open_kinds(r);
    std::string cls = r.revoked ? "revoked" : (kinds.empty() ? "" : "alerting");
    h += "<tr" + (cls.empty() ? std::string() : " class=\"" + cls + "\"") + ">";
    h += "<td class=\"c-location\">" + esc(location_label(r));
    if (!r.location_name.empty()) h += "<br><span class=\"sub\">" + esc(r.location_id) + "</span>";
    h += "</td>";
    h += "<td class=\"c-terminal\"><a href=\"" + esc(terminal_href(r.device_id)) + "\">" + esc(r.device_id) + "</a>";
    if (r.revoked) h += " <span class=\"tag-revoked\">Ingetrokken</span>";
    h += "</td>";
    h += "<td class=\"c-version\">" + esc(r.software_version);
    if (!r.image_version.empty()) h += "<br><span class=\"sub\">image " + esc(r.image_version) + "</span>";
    if (r.keys == "test") h += "<br><span class=\"tag-testkeys\" title=\"ontwikkelimage met openbare testsleutels\">TEST KEYS</span>";
    h += "</td>";
    h += "<td class=\"c-last\">" + last_pass_html(r.last_pass_utc, chrome.now_utc) + "</td>";
    h += "<td class=\"c-queue\">" + queue_cell(r.waiting, r.held, r.failed) + "</td>";
    h += "<td class=\"c-clock\">" + clock_cell(r.clock_offset_ms) + "</td>";
    h += "<td class=\"c-alerts\">";
    if (kinds.empty()) h += "<span class=\"none\">geen</span>";
    for (const auto& k : kinds) h += badge(k) + " ";
    h += "</td></tr>\n";
  }
  h += "</tbody>\n</table>\n";
  return h + page_end(&chrome);
}

std::string render_terminal_page(const TerminalView& v, const PageChrome& chrome) {
  const FleetRow& r = v.row;
  const bool revoked = r.revoked || v.revoked_at.has_value();
  std::string h = page_start("Terminal " + r.device_id, &chrome, Nav::Fleet);
  h += "<p class=\"crumbs\"><a href=\"/\">← Vloot</a></p>\n";
  h += "<div class=\"titlebar\"><h1>Terminal <span class=\"mono\">" + esc(r.device_id) + "</span></h1>";
  if (revoked) h += "<span class=\"tag-revoked big\">Ingetrokken</span>";
  h += "</div>\n";

  h += "<section class=\"summary\"><h2>Overzicht</h2><dl>\n";
  auto item = [&](const char* label, const std::string& html_value) {
    h += std::string("<div><dt>") + label + "</dt><dd>" + html_value + "</dd></div>\n";
  };
  item("Locatie", esc(location_label(r)) + (r.location_name.empty() ? "" : " <span class=\"sub\">" + esc(r.location_id) + "</span>"));
  item("Softwareversie", esc(r.software_version));
  item("Image", r.image_version.empty() ? "<span class=\"missing\">onbekend</span>" : esc(r.image_version));
  item("Sleutels", r.keys == "test"         ? "<span class=\"tag-testkeys\">TEST KEYS</span> ontwikkelimage met openbare testsleutels"
                   : r.keys == "production" ? std::string("productie")
                                            : std::string("<span class=\"missing\">niet gemeld</span>"));
  item("Ingeschreven", time_html(v.enrolled_at, false));
  item("Certificaat-serienummer", "<span class=\"mono\">" + esc(v.cert_serial) + "</span>");
  item("Laatste synchronisatie", last_pass_html(r.last_pass_utc, chrome.now_utc));
  item("Wachtend / vastgehouden / mislukt", queue_cell(r.waiting, r.held, r.failed));
  item("Klok", clock_cell(r.clock_offset_ms));
  item("Schijf", disk_cell(r.disk_percent));
  if (revoked) {
    std::string s = "<span class=\"bad\">Ingetrokken";
    if (v.revoked_at) s += " op " + time_html(*v.revoked_at, false);
    s += "</span>";
    if (v.revoke_reason && !v.revoke_reason->empty()) s += "<br>Reden: " + esc(*v.revoke_reason);
    item("Status", s);
  } else {
    item("Status", "<span class=\"ok\">Actief</span>");
  }
  h += "</dl></section>\n";

  std::vector<const AlertRow*> open, cleared;
  for (const auto& a : v.alerts) (a.cleared_at ? cleared : open).push_back(&a);
  h += "<section class=\"alerts\"><h2>Open alerts (" + std::to_string(open.size()) + ")</h2>\n";
  if (open.empty()) {
    h += "<p class=\"none\">Geen open alerts.</p>\n";
  } else {
    h += "<table class=\"open-alerts\"><thead><tr><th scope=\"col\">Alert</th><th scope=\"col\">Details</th>"
         "<th scope=\"col\">Sinds</th></tr></thead>\n<tbody>\n";
    for (const auto* a : open)
      h += "<tr><td>" + badge(a->kind) + "</td><td>" + esc(a->detail) + "</td><td>" + time_html(a->raised_at, true) + "</td></tr>\n";
    h += "</tbody></table>\n";
  }
  h += "<h2>Opgeloste alerts (" + std::to_string(cleared.size()) + ")</h2>\n";
  if (cleared.empty()) {
    h += "<p class=\"none\">Geen opgeloste alerts.</p>\n";
  } else {
    h += "<table class=\"cleared-alerts\"><thead><tr><th scope=\"col\">Alert</th><th scope=\"col\">Details</th>"
         "<th scope=\"col\">Ontstaan</th><th scope=\"col\">Opgelost</th></tr></thead>\n<tbody>\n";
    for (const auto* a : cleared)
      h += "<tr><td><span class=\"label\">" + esc(alert_label(a->kind)) + "</span></td><td>" + esc(a->detail) +
           "</td><td>" + time_html(a->raised_at, true) + "</td><td>" + time_html(*a->cleared_at, true) + "</td></tr>\n";
    h += "</tbody></table>\n";
  }
  h += "</section>\n";

  if (!revoked) {
    h += "<section class=\"danger\"><h2>Terminal intrekken</h2>\n"
         "<p>Na intrekken weigert COA deze terminal meteen: hij krijgt geen configuratie en geen bewonersgegevens "
         "meer. Dit kan niet ongedaan worden gemaakt; de terminal moet daarna opnieuw worden ingeschreven.</p>\n";
    h += "<form method=\"post\" action=\"" + esc(terminal_href(r.device_id) + "/revoke") + "\" class=\"revoke\">" +
         csrf_input(chrome.csrf_token) + "\n<label>Reden <input type=\"text\" name=\"" + std::string(kRevokeReasonField) +
         "\" required maxlength=\"" + std::to_string(kRevokeReasonMaxLength) +
         "\" size=\"50\"></label>\n<button type=\"submit\" class=\"danger\">Terminal intrekken</button></form>\n"
         "</section>\n";
  }
  const std::size_t n = std::min(v.history.size(), kHistoryRows);
  h += "<section class=\"history\"><h2>Gezondheidsrapporten (laatste " + std::to_string(n) +
       (v.history.size() > n ? " van " + std::to_string(v.history.size()) : std::string()) + ")</h2>\n";
  if (n == 0) {
    h += "<p class=\"none\">Nog geen gezondheidsrapporten ontvangen.</p>\n";
  } else {
    h += "<table class=\"health\"><thead><tr><th scope=\"col\">Ontvangen</th><th scope=\"col\">Opgesteld</th>"
         "<th scope=\"col\">Versie</th><th scope=\"col\">Wachtend / Vastgehouden / Mislukt</th>"
         "<th scope=\"col\">Klok</th><th scope=\"col\">Schijf</th></tr></thead>\n<tbody>\n";
    for (std::size_t i = 0; i < n; ++i) {
      const auto& p = v.history[i];
      h += "<tr><td>" + time_html(p.received_at, true) + "</td><td>" + time_html(p.generated_at, true) + "</td><td>" +
           esc(p.software_version) + "</td><td>" + queue_cell(p.waiting, p.held, p.failed) + "</td><td>" +
           clock_cell(p.clock_offset_ms) + "</td><td>" + disk_cell(p.disk_percent) + "</td></tr>\n";
    }
    h += "</tbody></table>\n";
  }
  h += "</section>\n";

  return h + page_end(&chrome);
}

std::string render_residents_page(const std::vector<ConsentCell>& rows, const std::string& location, const PageChrome& chrome) {
  std::string h = page_start("Toestemming bewoners", &chrome, Nav::Residents);
  h += "<h1>Toestemming van bewoners</h1>\n";
  h += "<p>De huidige keuze per bewoner en doel, zoals de terminals die hebben doorgegeven. COA deelt het PID "
       "(de blauwe map) alleen met de gekoppelde gemeente zolang de toestemming geldt. Het klantprofiel deelt COA "
       "via TVS op grond van de wet; daarvoor wordt geen toestemming gevraagd.</p>\n";
  if (!location.empty()) h += "<p>Locatie: " + esc(location) + " — <a href=\"/residents\">alle locaties</a></p>\n";
  h += "<table class=\"fleet\">\n<thead><tr><th>Bewoner</th><th>Locatie</th><th>Regime</th><th>Gemeente</th>"
       "<th>Doel</th><th>Toestemming</th></tr></thead>\n<tbody>\n";
  for (const auto& r : rows) {
    std::string state;
    if (r.purpose.empty()) state = "niet gevraagd";
    else if (r.decision == "given" && r.expired) state = "verlopen op " + time_html(r.expires_at, false);
    else if (r.decision == "given")
      state = "gegeven op " + time_html(r.decided_at, false) + ", geldig tot " + time_html(r.expires_at, false);
    else if (r.decision == "refused") state = "geweigerd op " + time_html(r.decided_at, false);
    else if (r.decision == "withdrawn") state = "ingetrokken op " + time_html(r.decided_at, false);
    else state = esc(r.decision);
    const std::string cls = r.decision == "given" && !r.expired ? "consent-given" : "consent-not";
    h += "<tr class=\"" + cls + "\"><td>" + esc(r.resident_id) + "</td><td><a href=\"/residents?location=" +
         url_encode(r.location_id) + "\">" + esc(r.location_id) + "</a></td><td>" + esc(r.regime) + "</td><td>" +
         (r.gemeentecode.empty() ? std::string("—") : esc(r.gemeentecode)) + "</td><td>" +
         (r.purpose == "pid_sharing" ? std::string("PID (blauwe map) delen met de gemeente") : esc(r.purpose)) +
         "</td><td>" + state + "</td></tr>\n";
  }
  if (rows.empty()) h += "<tr><td colspan=\"6\">Geen bewoners.</td></tr>\n";
  h += "</tbody></table>\n";
  return h + page_end(&chrome);
}

std::string render_enrolment_page(const std::vector<CodeRow>& codes, const std::vector<LocationOption>& locations,
                                  const std::optional<std::string>& new_code, const PageChrome& chrome) {
  std::map<std::string, std::string> names;
  for (const auto& l : locations) names.emplace(l.id, l.name.empty() ? l.id : l.name);

  std::string h = page_start("Inschrijfcodes", &chrome, Nav::Enrolment);
  h += "<div class=\"titlebar\"><h1>Inschrijfcodes</h1></div>\n";
  if (new_code) {
    h += "<section class=\"newcode\" role=\"status\"><h2>Nieuwe inschrijfcode</h2>\n<p class=\"code\">" +
         esc(*new_code) +
         "</p>\n<p>Geef deze code nu door aan wie de terminal inschrijft. Hij wordt maar één keer getoond: COA "
         "bewaart alleen een controlewaarde en de laatste vier tekens.</p></section>\n";
  }
  h += "<section class=\"create\"><h2>Nieuwe code aanmaken</h2>\n";
  if (locations.empty()) {
    h += "<p class=\"none\">Er zijn nog geen locaties; maak eerst een locatie aan.</p>\n";
  } else {
    h += "<form method=\"post\" action=\"/enrolment\" class=\"enrol\">" + csrf_input(chrome.csrf_token) +
         "\n<label>Locatie <select name=\"" + std::string(kEnrolLocationField) +
         "\" required><option value=\"\" disabled selected>Kies een locatie</option>";
    for (const auto& l : locations)
      h += "<option value=\"" + esc(l.id) + "\">" + esc(l.name.empty() ? l.id : l.name) + "</option>";
    h += "</select></label>\n<button type=\"submit\">Code aanmaken</button></form>\n";
  }
  h += "</section>\n";

  // Expired: both times are timestamps and the expiry has passed ("Open" when that cannot be told).
  auto expired = [&](const CodeRow& c) {
    const auto e = parse_time(c.expires_at), now = parse_time(chrome.now_utc);
    return e && now && *e <= *now;
  };
  h += "<section class=\"codes\"><h2>Codes (" + std::to_string(codes.size()) + ")</h2>\n";
  if (codes.empty()) {
    h += "<p class=\"none\">Nog geen inschrijfcodes aangemaakt.</p>\n";
  } else {
    h += "<table class=\"codes\"><thead><tr><th scope=\"col\">Code</th><th scope=\"col\">Locatie</th>"
         "<th scope=\"col\">Aangemaakt door</th><th scope=\"col\">Aangemaakt</th><th scope=\"col\">Geldig tot</th>"
         "<th scope=\"col\">Status</th></tr></thead>\n<tbody>\n";
    for (const auto& c : codes) {
      auto it = names.find(c.location_id);
      h += "<tr><td class=\"mono\">…" + esc(c.hint) + "</td><td>" + esc(it != names.end() ? it->second : c.location_id) +
           "</td><td>" + esc(c.created_by) + "</td><td>" + time_html(c.created_at, false) + "</td><td>" + time_html(c.expires_at, false) +
           "</td><td>";
      if (c.used_at) {
        h += "<span class=\"used\">Gebruikt</span> op " + time_html(*c.used_at, false);
        if (c.used_by && !c.used_by->empty())
          h += "<br>door <a href=\"" + esc(terminal_href(*c.used_by)) + "\">" + esc(*c.used_by) + "</a>";
      } else if (expired(c)) {
        h += "<span class=\"missing\">Verlopen</span>";
      } else {
        h += "<span class=\"ok\">Open</span>";
      }
      h += "</td></tr>\n";
    }
    h += "</tbody></table>\n";
  }
  h += "</section>\n";
  return h + page_end(&chrome);
}

// ---- rollouts ----------------------------------------------------------------------------------

namespace {

std::string rollout_href(std::int64_t version) { return "/rollouts/" + std::to_string(version); }

// "2,5 MB" (decimal units, Dutch decimal comma) with the exact byte count in the title.
std::string size_html(std::int64_t bytes) {
  char shown[48];
  if (bytes < 1000)
    std::snprintf(shown, sizeof shown, "%lld bytes", static_cast<long long>(bytes));
  else if (bytes < 1'000'000)
    std::snprintf(shown, sizeof shown, "%lld,%lld kB", static_cast<long long>(bytes / 1000),
                  static_cast<long long>(bytes % 1000 / 100));
  else if (bytes < 1'000'000'000)
    std::snprintf(shown, sizeof shown, "%lld,%lld MB", static_cast<long long>(bytes / 1'000'000),
                  static_cast<long long>(bytes % 1'000'000 / 100'000));
  else
    std::snprintf(shown, sizeof shown, "%lld,%lld GB", static_cast<long long>(bytes / 1'000'000'000),
                  static_cast<long long>(bytes % 1'000'000'000 / 100'000'000));
  return "<span title=\"" + std::to_string(bytes) + " bytes\">" + shown + "</span>";
}

bool stage_active(std::string_view stage) { return stage == "canary" || stage == "percent" || stage == "all"; }

std::string stage_html(const std::optional<RolloutInfo>& r) {
  if (!r) return "<span class=\"stage stage-none\">Niet uitgerold</span>";
  std::string h = "<span class=\"stage stage-" + esc(r->stage) + "\">" + esc(rollout_stage_label(r->stage, r->percent)) +
                  "</span>";
  if (!r->stopped_in.empty())
    h += "<br><span class=\"sub\">in fase: " + esc(rollout_stage_label(r->stopped_in, r->percent)) + "</span>";
  return h;
}

std::string count_cell(long n, bool bad_when_positive) {
  const char* cls = n == 0 ? "zero" : (bad_when_positive ? "bad" : "ok");
  return std::string("<td class=\"num\"><span class=\"") + cls + "\">" + std::to_string(n) + "</span></td>";
}

std::string canary_links(const std::vector<std::string>& ids) {
  if (ids.empty()) return "<span class=\"none\">geen</span>";
  std::string h;
  for (std::size_t i = 0; i < ids.size(); ++i)
    h += (i ? ", " : "") + std::string("<a class=\"mono\" href=\"") + esc(terminal_href(ids[i])) + "\">" + esc(ids[i]) + "</a>";
  return h;
}

// Who changed a rollout last: the roll-back rule acts as "balie-coa".
std::string changed_by_html(const std::string& who) {
  if (who == "balie-coa") return "<span class=\"sub\">automatisch (terugdraairegel)</span>";
  return esc(who);
}

}  // namespace

std::string rollout_stage_label(std::string_view stage, int percent) {
  if (stage == "canary") return "Canary";
  if (stage == "percent") return std::to_string(percent) + "% van de terminals";
  if (stage == "all") return "Alle terminals";
  if (stage == "halted") return "Gestopt";
  if (stage == "done") return "Afgerond (vervangen)";
  return std::string(stage);
}

std::string update_state_label(std::string_view state) {
  if (state == "downloaded") return "Gedownload";
  if (state == "installed") return "Geïnstalleerd";
  if (state == "blessed") return "Bevestigd";
  if (state == "rolled_back") return "Teruggedraaid";
  if (state == "failed") return "Niet geïnstalleerd";
  if (state.empty()) return "Nog niets gemeld";
  return std::string(state);
}

std::string render_rollouts_page(const std::vector<UpdateSummary>& updates, const PageChrome& chrome) {
  std::size_t active = 0;
  for (const auto& u : updates)
    if (u.rollout && stage_active(u.rollout->stage)) ++active;
  std::string h = page_start("Uitrol", &chrome, Nav::Rollouts);
  h += "<div class=\"titlebar\"><h1>Uitrol van updates</h1><p class=\"counts\">" + std::to_string(updates.size()) +
       " geüploade updates, " + std::to_string(active) + " lopende uitrol</p></div>\n";
  h += "<p class=\"intro\">Een update gaat eerst naar de canary-terminals, daarna naar een vast percentage van de "
       "vloot en tot slot naar alle terminals. Updates worden geüpload met <span class=\"mono\">balie-coa update "
       "upload</span>; kies een versie om de uitrol te starten, uit te breiden of te stoppen.</p>\n";
  h += "<table class=\"rollouts\">\n<thead><tr><th scope=\"col\" class=\"c-version\">Versie</th>"
       "<th scope=\"col\" class=\"c-size\">Grootte</th><th scope=\"col\" class=\"c-uploaded\">Geüpload</th>"
       "<th scope=\"col\" class=\"c-stage\">Fase</th><th scope=\"col\" class=\"c-canary\">Canary-terminals</th>"
       "<th scope=\"col\" class=\"num\">Gedown&shy;load</th><th scope=\"col\" class=\"num\">Geïnstal&shy;leerd</th>"
       "<th scope=\"col\" class=\"num\">Beves&shy;tigd</th><th scope=\"col\" class=\"num\">Terug&shy;gedraaid / mislukt</th>"
       "<th scope=\"col\" class=\"c-reason\">Reden van stoppen</th></tr></thead>\n<tbody>\n";
  if (updates.empty())
    h += "<tr><td colspan=\"10\" class=\"empty\">Er zijn nog geen updates geüpload.</td></tr>\n";
  for (const auto& u : updates) {
    const RolloutCounts c = u.rollout ? u.rollout->counts : RolloutCounts{};
    const bool halted = u.rollout && u.rollout->stage == "halted";
    h += std::string("<tr") + (halted ? " class=\"alerting\"" : "") + ">";
    h += "<td><a class=\"version\" href=\"" + esc(rollout_href(u.version)) + "\">" + std::to_string(u.version) + "</a></td>";
    h += "<td class=\"c-size\">" + size_html(u.size) + "</td>";
    h += "<td>" + time_html(u.uploaded_at, false) + "<br><span class=\"sub\">door " + esc(u.uploaded_by) + "</span></td>";
    h += "<td>" + stage_html(u.rollout) + "</td>";
    h += "<td class=\"c-canary\">" + (u.rollout ? canary_links(u.rollout->canary) : "<span class=\"none\">—</span>") + "</td>";
    h += count_cell(c.downloaded, false) + count_cell(c.installed, false) + count_cell(c.blessed, false) +
         count_cell(c.rolled_back, true);
    h += "<td class=\"c-reason\">" + (halted && !u.rollout->halt_reason.empty() ? esc(u.rollout->halt_reason) : std::string()) + "</td>";
    h += "</tr>\n";
  }
  h += "</tbody>\n</table>\n";
  return h + page_end(&chrome);
}

std::string render_rollout_page(const RolloutView& v, const RolloutFormState& form, const PageChrome& chrome) {
  const UpdateSummary& u = v.update;
  const std::string base = rollout_href(u.version);
  std::string h = page_start("Update versie " + std::to_string(u.version), &chrome, Nav::Rollouts);
  h += "<p class=\"crumbs\"><a href=\"/rollouts\">← Uitrol</a></p>\n";
  h += "<div class=\"titlebar\"><h1>Update versie " + std::to_string(u.version) + "</h1>" + stage_html(u.rollout) +
       "</div>\n";
  if (!form.notice.empty()) h += "<p class=\"notice\" role=\"status\">" + esc(form.notice) + "</p>\n";
  if (!form.message.empty()) h += "<p class=\"message\" role=\"alert\">" + esc(form.message) + "</p>\n";

  h += "<section class=\"summary\"><h2>Overzicht</h2><dl>\n";
  auto item = [&](const char* label, const std::string& html_value) {
    h += std::string("<div><dt>") + label + "</dt><dd>" + html_value + "</dd></div>\n";
  };
  item("Grootte", size_html(u.size));
  item("Geüpload", time_html(u.uploaded_at, false) + " <span class=\"sub\">door " + esc(u.uploaded_by) + "</span>");
  item("SHA-256", "<span class=\"mono hash\">" + esc(u.sha256) + "</span>");
  if (u.rollout) {
    const RolloutInfo& r = *u.rollout;
    item("Fase", stage_html(u.rollout));
    item("Fase begonnen", time_html(r.stage_started_at, false));
    item("Laatst gewijzigd door", changed_by_html(r.changed_by));
    item("Canary-terminals", canary_links(r.canary));
    item("Meldingen", "Gedownload " + std::to_string(r.counts.downloaded) + " · Geïnstalleerd " +
                          std::to_string(r.counts.installed) + " · Bevestigd " + std::to_string(r.counts.blessed) +
                          " · <span class=\"" + (r.counts.rolled_back ? "bad" : "ok") + "\">Teruggedraaid of niet geïnstalleerd " +
                          std::to_string(r.counts.rolled_back) + "</span>");
    if (r.stage == "halted") item("Reden van stoppen", r.halt_reason.empty() ? "<span class=\"none\">geen</span>" : esc(r.halt_reason));
  } else {
    item("Fase", stage_html(std::nullopt));
  }
  h += "</dl></section>\n";

  // Actions, by stage.
  const std::string stage = u.rollout ? u.rollout->stage : "";
  if (!u.rollout) {
    h += "<section class=\"action\"><h2>Uitrol starten</h2>\n<p>De update wordt eerst alleen aangeboden aan de "
         "canary-terminals die u hier opgeeft. Daarna kunt u de uitrol uitbreiden naar een percentage van de vloot "
         "en naar alle terminals.</p>\n";
    h += "<form method=\"post\" action=\"" + esc(base + "/start") + "\" class=\"rollout\">" + csrf_input(chrome.csrf_token) +
         "\n<label>Canary-terminals <input type=\"text\" name=\"" + std::string(kRolloutCanaryField) +
         "\" required maxlength=\"2000\" size=\"60\" placeholder=\"bijv. T1001, T1002\" value=\"" + esc(form.canary) +
         "\"></label>\n<span class=\"sub\">terminal-id's, gescheiden door komma's</span>\n"
         "<button type=\"submit\">Uitrol starten</button></form>\n</section>\n";
  } else if (stage == "canary" || stage == "percent") {
    const int from = stage == "percent" ? u.rollout->percent + 1 : 1;
    h += "<section class=\"action\"><h2>Uitrol uitbreiden</h2>\n<p>Nu: " +
         esc(rollout_stage_label(stage, u.rollout->percent)) +
         ". Een percentage kiest een vaste groep terminals (op grond van hun terminal-id) naast de canary-terminals; "
         "een volgende stap moet groter zijn.</p>\n<div class=\"forms-row\">";
    if (from <= 99) {
      h += "<form method=\"post\" action=\"" + esc(base + "/advance") + "\" class=\"rollout\">" +
           csrf_input(chrome.csrf_token) + "\n<label>Percentage <input type=\"number\" name=\"" +
           std::string(kRolloutPercentField) + "\" min=\"" + std::to_string(from) +
           "\" max=\"99\" required size=\"4\" value=\"" + esc(form.percent) +
           "\"> %</label>\n<button type=\"submit\">Naar dit percentage</button></form>\n";
    }
    h += "<form method=\"post\" action=\"" + esc(base + "/advance") + "\" class=\"rollout\">" +
         csrf_input(chrome.csrf_token) + "<input type=\"hidden\" name=\"" + std::string(kRolloutPercentField) +
         "\" value=\"all\">\n<button type=\"submit\">Naar alle terminals</button></form>\n</div></section>\n";
  } else if (!stage_active(stage)) {
    h += "<section class=\"action\"><h2>Geen acties</h2>\n<p>Deze uitrol is " +
         std::string(stage == "halted" ? "gestopt" : "afgerond") +
         " en kan niet worden hervat. Upload een nieuwere versie en start daarvan een uitrol.</p>\n</section>\n";
  }
  if (stage_active(stage)) {
    h += "<section class=\"danger\"><h2>Uitrol stoppen</h2>\n<p>Na stoppen krijgt geen enkele terminal deze update "
         "nog aangeboden; terminals die hem al hebben, melden nog wat er gebeurde. Een gestopte uitrol kan niet worden "
         "hervat.</p>\n";
    h += "<form method=\"post\" action=\"" + esc(base + "/halt") + "\" class=\"revoke\">" + csrf_input(chrome.csrf_token) +
         "\n<label>Reden <input type=\"text\" name=\"" + std::string(kHaltReasonField) + "\" required maxlength=\"" +
         std::to_string(kHaltReasonMaxLength) + "\" size=\"50\" value=\"" + esc(form.reason) +
         "\"></label>\n<button type=\"submit\" class=\"danger\">Uitrol stoppen</button></form>\n</section>\n";
  }

  std::set<std::string> canary;
  if (u.rollout) canary.insert(u.rollout->canary.begin(), u.rollout->canary.end());
  h += "<section class=\"devices\"><h2>Terminals (" + std::to_string(v.devices.size()) + ")</h2>\n";
  if (!v.devices.empty())
    h += "<p class=\"sub\">De laatste melding van elke terminal die iets meldde, en de canary-terminals die nog niets "
         "meldden.</p>\n";
  if (v.devices.empty()) {
    h += std::string("<p class=\"none\">") +
         (u.rollout ? "Nog geen meldingen van terminals." : "Deze versie is nog niet uitgerold.") + "</p>\n";
  } else {
    h += "<table class=\"rollout-devices\"><thead><tr><th scope=\"col\">Terminal</th><th scope=\"col\">Laatste melding</th>"
         "<th scope=\"col\">Tijd</th><th scope=\"col\">Details</th></tr></thead>\n<tbody>\n";
    for (const auto& d : v.devices) {
      const bool bad = d.state == "rolled_back" || d.state == "failed";
      h += std::string("<tr") + (bad ? " class=\"alerting\"" : "") + "><td><a class=\"mono\" href=\"" +
           esc(terminal_href(d.device_id)) + "\">" + esc(d.device_id) + "</a>";
      if (canary.count(d.device_id)) h += " <span class=\"tag-canary\">canary</span>";
      h += "</td><td><span class=\"state state-" + esc(d.state.empty() ? "none" : d.state) + (bad ? " bad" : "") + "\">" +
           esc(update_state_label(d.state)) + "</span></td><td>" +
           (d.at.empty() ? std::string("<span class=\"none\">—</span>") : time_html(d.at, true)) + "</td><td>" +
           esc(d.detail) + "</td></tr>\n";
    }
    h += "</tbody></table>\n";
  }
  h += "</section>\n";
  return h + page_end(&chrome);
}

std::string render_login_page(const std::string& message, const std::string& csrf_token) {
  std::string h = page_start("Aanmelden", nullptr, Nav::None);
  h += "<section class=\"login\"><h1>Aanmelden</h1>\n";
  if (!message.empty()) h += "<p class=\"message\" role=\"alert\">" + esc(message) + "</p>\n";
  h += "<form method=\"post\" action=\"/login\">" + csrf_input(csrf_token) + "\n";
  h += "<label for=\"login-id\">Gebruikersnaam</label><input id=\"login-id\" type=\"text\" name=\"" +
       std::string(kLoginIdField) + "\" autocomplete=\"username\" required maxlength=\"64\" autofocus>\n";
  h += "<label for=\"login-password\">Wachtwoord</label><input id=\"login-password\" type=\"password\" name=\"" +
       std::string(kLoginPasswordField) + "\" autocomplete=\"current-password\" required>\n";
  h += "<button type=\"submit\">Aanmelden</button></form>\n</section>\n";
  return h + page_end(nullptr);
}

std::string render_error_page(int status, const std::string& message) {
  const char* title = "Fout";
  switch (status) {
    case 400: title = "Ongeldig verzoek"; break;
    case 401: title = "Niet aangemeld"; break;
    case 403: title = "Geen toegang"; break;
    case 404: title = "Niet gevonden"; break;
    case 405: title = "Methode niet toegestaan"; break;
    case 409: title = "Conflict"; break;
    case 413: title = "Verzoek te groot"; break;
    case 429: title = "Te veel verzoeken"; break;
    case 500: title = "Interne fout"; break;
    case 503: title = "Tijdelijk niet beschikbaar"; break;
    default: break;
  }
  const std::string heading = std::to_string(status) + " — " + title;
  std::string h = page_start(heading, nullptr, Nav::None);
  h += "<section class=\"error\"><h1>" + esc(heading) + "</h1>\n";
  if (!message.empty()) h += "<p class=\"message\">" + esc(message) + "</p>\n";
  h += "<p><a href=\"/\">Naar het vlootoverzicht</a></p></section>\n";
  return h + page_end(nullptr);
}

std::string_view coa_stylesheet() {
  return R"css(/* balie-coa operator pages: one stylesheet, no web fonts, laid out for 1280x800 and wider. */
*, *::before, *::after { box-sizing: border-box; }
html { font-size: 15px; }
body { margin: 0; font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #1b1f24;
  background: #f3f4f6; line-height: 1.4; }
a { color: #0b4f9c; }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible { outline: 3px solid #f0a500;
  outline-offset: 1px; }
header.top { display: flex; align-items: center; gap: 24px; padding: 0 24px; height: 52px; background: #0f2a4a;
  color: #fff; }
header.top .brand { font-weight: bold; font-size: 1.1rem; white-space: nowrap; }
header.top nav { display: flex; gap: 4px; flex: 1; }
header.top nav a { color: #dbe6f3; text-decoration: none; padding: 6px 12px; border-radius: 4px; }
header.top nav a:hover { background: #1d3f66; color: #fff; }
header.top nav a.current { background: #fff; color: #0f2a4a; font-weight: bold; }
header.top .who { display: flex; align-items: center; gap: 12px; min-width: 0; }
header.top .operator { max-width: 280px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
header.top .logout { margin: 0; }
header.top .logout button { background: transparent; color: #fff; border: 1px solid #9fb6d1; padding: 4px 10px; }
main { padding: 16px 24px 32px; max-width: 1600px; }
footer { padding: 8px 24px 24px; color: #4a5563; font-size: 0.85rem; }
h1 { font-size: 1.5rem; margin: 0; }
h2 { font-size: 1.1rem; margin: 20px 0 8px; }
.titlebar { display: flex; align-items: baseline; gap: 16px; margin-bottom: 12px; flex-wrap: wrap; }
.counts { margin: 0; color: #4a5563; }
.crumbs { margin: 0 0 8px; }
.mono, .code, td.mono { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; }
.sub { color: #4a5563; font-size: 0.85em; font-weight: normal; }
.missing, .none { color: #5b6472; font-style: italic; }
.ok { color: #1b1f24; }
.warn { color: #8a4b00; font-weight: bold; }
.bad { color: #b00020; font-weight: bold; }
td, th, dd, .operator, p { overflow-wrap: anywhere; }
button { font: inherit; padding: 6px 14px; border-radius: 4px; border: 1px solid #0b4f9c; background: #0b4f9c;
  color: #fff; cursor: pointer; }
button.danger { background: #b00020; border-color: #b00020; }
input, select { font: inherit; padding: 5px 8px; border: 1px solid #8791a0; border-radius: 4px; background: #fff;
  color: #1b1f24; max-width: 100%; }
label { font-weight: bold; }
form.filters { display: flex; flex-wrap: wrap; align-items: center; gap: 12px 20px; margin: 0 0 12px;
  padding: 10px 12px; background: #fff; border: 1px solid #d5d9e0; border-radius: 6px; }
form.filters label select { margin-left: 6px; font-weight: normal; max-width: 320px; }
table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid #d5d9e0; font-size: 0.93rem; }
th, td { text-align: left; vertical-align: top; padding: 7px 10px; border-bottom: 1px solid #e3e6eb; }
thead th { background: #e7ebf1; color: #1b1f24; font-weight: bold; white-space: normal; }
thead th a { color: #0f2a4a; text-decoration: none; }
thead th a:hover { text-decoration: underline; }
thead th[aria-sort] { background: #d3dcea; }
.arrow { font-size: 0.8em; }
tbody tr:nth-child(even) { background: #f8f9fb; }
tr.alerting td:first-child { box-shadow: inset 4px 0 0 #b00020; }
tr.revoked td { color: #5b6472; }
time { white-space: nowrap; }
td.mono { white-space: nowrap; }
tr.revoked td:first-child { box-shadow: inset 4px 0 0 #444b55; }
tr.revoked .c-terminal a { text-decoration: line-through; color: #4a5563; }
td.empty { text-align: center; padding: 24px; color: #5b6472; font-style: italic; }
table.fleet .c-location { width: 18%; }
table.fleet .c-terminal { width: 17%; }
table.fleet .c-version { width: 11%; }
table.fleet .c-last { width: 14%; }
table.fleet .c-queue { width: 12%; }
table.fleet .c-clock { width: 8%; }
table.fleet td.c-queue, table.fleet td.c-clock { white-space: nowrap; }
.badge { display: inline-block; margin: 1px 2px 1px 0; padding: 1px 7px; border-radius: 10px; font-size: 0.8rem;
  font-weight: bold; white-space: nowrap; border: 1px solid transparent; }
.badge.crit { background: #b00020; color: #fff; }
.badge.warn { background: #ffd98a; color: #3d2600; border-color: #c98a00; }
.badge.revoked { background: #3a4049; color: #fff; }
.badge.unknown { background: #e7ebf1; color: #1b1f24; border-color: #8791a0; white-space: normal; }
.tag-revoked { display: inline-block; padding: 0 6px; border: 1px solid #3a4049; border-radius: 3px; color: #3a4049;
  font-size: 0.8rem; font-weight: bold; text-transform: uppercase; letter-spacing: 0.03em; }
.tag-revoked.big { font-size: 1rem; padding: 2px 10px; color: #fff; background: #3a4049; }
.tag-testkeys { display: inline-block; padding: 0 6px; border-radius: 3px; color: #fff; background: #aa2020;
  font-size: 0.8rem; font-weight: bold; letter-spacing: 0.03em; }
section.summary dl { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 8px 24px; margin: 0;
  padding: 12px 16px; background: #fff; border: 1px solid #d5d9e0; border-radius: 6px; }
section.summary dt { font-size: 0.85rem; color: #4a5563; }
section.summary dd { margin: 0; font-weight: bold; }
section.danger { margin-top: 20px; padding: 12px 16px; background: #fff5f6; border: 1px solid #e3a1ab; border-radius: 6px; }
section.danger h2 { margin-top: 0; }
section.danger p { margin: 0 0 10px; max-width: 900px; }
form.revoke { display: flex; align-items: center; gap: 12px; flex-wrap: wrap; }
form.revoke input { margin-left: 6px; font-weight: normal; width: 480px; }
section.newcode { margin: 0 0 16px; padding: 16px 20px; background: #e8f4ea; border: 2px solid #2e7d32; border-radius: 6px; }
section.newcode h2 { margin-top: 0; }
section.newcode .code { font-size: 2.4rem; font-weight: bold; letter-spacing: 0.12em; margin: 4px 0 8px;
  padding: 10px 16px; background: #fff; border: 1px solid #2e7d32; border-radius: 4px; display: inline-block;
  user-select: all; }
section.create form { display: flex; align-items: center; gap: 12px; flex-wrap: wrap; }
section.create select { margin-left: 6px; font-weight: normal; max-width: 420px; }
.used { font-weight: bold; }
section.login, section.error { max-width: 420px; margin: 48px auto; padding: 24px; background: #fff;
  border: 1px solid #d5d9e0; border-radius: 6px; }
section.error { max-width: 640px; }
section.login form { display: grid; gap: 6px; margin-top: 12px; }
section.login button { margin-top: 10px; justify-self: start; }
.notice { padding: 8px 12px; background: #e8f4ea; border: 1px solid #2e7d32; border-radius: 4px; }
.intro { margin: 0 0 12px; max-width: 1000px; color: #333b47; }
td.num, th.num { text-align: right; white-space: nowrap; }
.zero { color: #5b6472; }
a.version { font-weight: bold; white-space: nowrap; }
.stage { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 0.85rem; font-weight: bold;
  white-space: nowrap; border: 1px solid #8791a0; background: #e7ebf1; color: #1b1f24; }
.stage-canary { background: #fff1c7; border-color: #c98a00; color: #3d2600; }
.stage-percent { background: #dbe9fb; border-color: #0b4f9c; color: #0b3a73; }
.stage-all { background: #e8f4ea; border-color: #2e7d32; color: #1d5a21; }
.stage-halted { background: #b00020; border-color: #b00020; color: #fff; }
.stage-done { background: #e7ebf1; color: #3a4049; }
.tag-canary { display: inline-block; padding: 0 6px; border: 1px solid #c98a00; border-radius: 3px; color: #6b4300;
  font-size: 0.8rem; font-weight: bold; }
.hash { font-size: 0.85em; }
section.action { margin-top: 20px; padding: 12px 16px; background: #fff; border: 1px solid #d5d9e0; border-radius: 6px; }
section.action h2 { margin-top: 0; }
section.action p { margin: 0 0 10px; max-width: 900px; }
form.rollout { display: flex; align-items: center; gap: 12px; flex-wrap: wrap; margin: 0 0 8px; }
.forms-row { display: flex; align-items: center; gap: 12px 40px; flex-wrap: wrap; }
form.rollout input[type=text] { margin-left: 6px; font-weight: normal; width: 480px; }
form.rollout input[type=number] { margin-left: 6px; font-weight: normal; width: 90px; }
section.devices { margin-top: 4px; }
table.rollouts { table-layout: fixed; }
table.rollouts .c-version { width: 9%; }
table.rollouts .c-size { width: 8%; white-space: nowrap; }
table.rollouts .c-uploaded { width: 11%; }
table.rollouts .c-stage { width: 12%; }
table.rollouts .c-canary { width: 14%; }
table.rollouts th.num { width: 8%; font-size: 0.85rem; white-space: normal; overflow-wrap: normal; hyphens: manual; }
table.rollouts .stage { white-space: normal; }
table.rollouts .c-reason { width: 14%; }
table.rollout-devices td:first-child { width: 28%; }
table.rollout-devices td:nth-child(2) { width: 14%; }
table.rollout-devices td:nth-child(3) { width: 16%; }
.message { padding: 8px 12px; background: #fff5f6; border: 1px solid #e3a1ab; border-radius: 4px; }
)css";
}

}  // namespace balie::coa
