// gettext .po parsing, validation and placeholder filling (text/, any thread).
// The parser accepts the subset Balie's catalogs use: comments, msgctxt (rejected), msgid, msgstr,
// msgid_plural with msgstr[n], multi-line strings with C escapes, the Plural-Forms header (its C
// expression evaluated here). See catalog.h for the conventions.
#include "balie/text/catalog.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "balie/text/utf8.h"

namespace balie::text {

const CatalogEntry* Catalog::find(std::string_view key) const {
  auto it = index_.find(std::string(key));
  return it == index_.end() ? nullptr : &entries[it->second];
}

void Catalog::reindex() {
  index_.clear();
  for (size_t i = 0; i < entries.size(); ++i) index_[entries[i].key] = i;
}

std::string Catalog::fallback() const {
  auto it = headers.find("X-Balie-Fallback");
  return it == headers.end() ? std::string() : it->second;
}

namespace {

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) --e;
  return std::string(s.substr(b, e - b));
}

// Parses a quoted C string at the start of `s` ("..."), appending to `out`.
bool parse_quoted(std::string_view s, std::string& out, std::string& err) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') {
    err = "expected a quoted string";
    return false;
  }
  for (size_t i = 1; i + 1 < s.size(); ++i) {
    char c = s[i];
    if (c == '"') {
      err = "unescaped quote inside string";
      return false;
    }
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (i + 2 >= s.size()) {
      err = "dangling backslash";
      return false;
    }
    char e = s[++i];
    switch (e) {
      case 'n': out.push_back('\n'); break;
      case 't': out.push_back('\t'); break;
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      default: err = std::string("unknown escape \\") + e; return false;
    }
  }
  return true;
}

struct Pending {
  CatalogEntry entry;
  bool has_msgid = false, has_msgstr = false, has_plural = false;
  bool spoken = false, fuzzy = false;
  bool spoken_context = false;  // msgctxt "spoken": the text read aloud for the key (vocalised Arabic)
  std::string context;
  std::string plural_id;  // msgid_plural (repeats the key; not used further)
};

// Recursive-descent evaluator of a Plural-Forms expression in n (C precedence). Sets ok=false on a
// syntax error or a division by zero.
class PluralEval {
 public:
  PluralEval(std::string_view e, unsigned long n) : e_(e), n_(n) {}
  bool run(long* out) {
    long v = ternary();
    skip();
    if (!ok_ || i_ != e_.size()) return false;
    *out = v;
    return true;
  }

 private:
  void skip() {
    while (i_ < e_.size() && (e_[i_] == ' ' || e_[i_] == '\t')) ++i_;
  }
  bool eat(std::string_view t) {
    skip();
    if (e_.substr(i_, t.size()) != t) return false;
    // "<" must not eat the start of "<=", "!" not the start of "!=", "=" never stands alone.
    if (t.size() == 1 && i_ + 1 < e_.size() && e_[i_ + 1] == '=' && (t == "<" || t == ">" || t == "!")) return false;
    i_ += t.size();
    return true;
  }
  long ternary() {
    long c = lor();
    if (eat("?")) {
      long a = ternary();
      if (!eat(":")) ok_ = false;
      long b = ternary();
      return c ? a : b;
    }
    return c;
  }
  long lor() {
    long v = land();
    while (eat("||")) v = (land() != 0) || v;
    return v;
  }
  long land() {
    long v = eq();
    while (eat("&&")) v = (eq() != 0) && v;
    return v;
  }
  long eq() {
    long v = rel();
    for (;;) {
      if (eat("==")) v = v == rel();
      else if (eat("!=")) v = v != rel();
      else return v;
    }
  }
  long rel() {
    long v = add();
    for (;;) {
      if (eat("<=")) v = v <= add();
      else if (eat(">=")) v = v >= add();
      else if (eat("<")) v = v < add();
      else if (eat(">")) v = v > add();
      else return v;
    }
  }
  long add() {
    long v = mul();
    for (;;) {
      if (eat("+")) v = v + mul();
      else if (eat("-")) v = v - mul();
      else return v;
    }
  }
  long mul() {
    long v = unary();
    for (;;) {
      bool div = false;
      if (eat("*")) {
        v = v * unary();
        continue;
      }
      if (eat("/")) div = true;
      else if (!eat("%")) return v;
      long r = unary();
      if (r == 0) {
        ok_ = false;
        return 0;
      }
      v = div ? v / r : v % r;
    }
  }
  long unary() {
    if (eat("!")) return !unary();
    return primary();
  }
  long primary() {
    skip();
    if (eat("(")) {
      long v = ternary();
      if (!eat(")")) ok_ = false;
      return v;
    }
    if (i_ < e_.size() && e_[i_] == 'n') {
      ++i_;
      return static_cast<long>(n_);
    }
    if (i_ < e_.size() && e_[i_] >= '0' && e_[i_] <= '9') {
      long v = 0;
      while (i_ < e_.size() && e_[i_] >= '0' && e_[i_] <= '9' && v < 1000000000) v = v * 10 + (e_[i_++] - '0');
      return v;
    }
    ok_ = false;
    return 0;
  }

  std::string_view e_;
  unsigned long n_;
  std::size_t i_ = 0;
  bool ok_ = true;
};

}  // namespace

Result<PluralRule> PluralRule::parse(std::string_view value) {
  // "nplurals=N; plural=EXPR;" (spaces allowed; the trailing ';' optional).
  PluralRule r;
  std::string v(value);
  auto np = v.find("nplurals");
  auto pl = v.find("plural=");
  if (np == std::string::npos || pl == std::string::npos) return Error{"Plural-Forms must be \"nplurals=N; plural=EXPR;\""};
  auto eq = v.find('=', np);
  const int n = std::atoi(v.c_str() + eq + 1);
  if (n < 1 || n > 6) return Error{"Plural-Forms: nplurals must be 1 to 6"};
  std::string expr = trim(std::string_view(v).substr(pl + 7));
  if (!expr.empty() && expr.back() == ';') expr.pop_back();
  r.nplurals_ = n;
  r.expr_ = trim(expr);
  // The expression must be valid and stay within [0, nplurals) for every n we could show.
  for (unsigned long k = 0; k <= 1100; ++k) {
    long idx = 0;
    if (!PluralEval(r.expr_, k).run(&idx)) return Error{"Plural-Forms: cannot evaluate \"" + r.expr_ + "\""};
    if (idx < 0 || idx >= n) return Error{"Plural-Forms: plural(" + std::to_string(k) + ") = " + std::to_string(idx) + " is not below nplurals"};
  }
  return r;
}

int PluralRule::index(unsigned long n) const {
  long idx = 0;
  if (!PluralEval(expr_, n).run(&idx) || idx < 0) return 0;
  return idx >= nplurals_ ? nplurals_ - 1 : static_cast<int>(idx);
}

bool parse_plural_count(std::string_view v, unsigned long* n) {
  if (!v.empty() && v.front() == '-') v.remove_prefix(1);
  if (v.empty() || v.size() > 9) return false;
  unsigned long x = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return false;
    x = x * 10 + static_cast<unsigned long>(c - '0');
  }
  *n = x;
  return true;
}

const std::string& select_form(const CatalogEntry& e, const PluralRule& rule, unsigned long n) {
  if (!e.plural()) return e.text;
  const auto i = static_cast<std::size_t>(rule.index(n));
  return i < e.plural_forms.size() ? e.plural_forms[i] : e.plural_forms.back();
}

Result<Catalog> parse_po(std::string_view content, std::string_view source) {
  if (content.size() > kMaxCatalogBytes)
    return Error{std::string(source) + ": catalog is " + std::to_string(content.size()) + " bytes, more than the limit of " +
                 std::to_string(kMaxCatalogBytes)};
  Catalog cat;
  cat.source = std::string(source);
  std::set<std::string> seen;
  Pending cur;
  std::string* target = nullptr;  // where continuation lines go
  int line_no = 0;
  auto where = [&](int line) { return std::string(source) + ":" + std::to_string(line) + ": "; };

  auto finish = [&]() -> Status {
    if (!cur.has_msgid && !cur.has_msgstr) {
      cur = Pending{};
      return Status::Ok();
    }
    if (!cur.has_msgid || !cur.has_msgstr)
      return Error{where(cur.entry.line) + "entry needs both msgid and msgstr"};
    if (cur.has_plural) cur.entry.text = cur.entry.plural_forms.front();
    if (cur.entry.key.empty()) {  // header
      std::istringstream hs(cur.entry.text);
      std::string h;
      while (std::getline(hs, h)) {
        auto colon = h.find(':');
        if (colon != std::string::npos)
          cat.headers[trim(std::string_view(h).substr(0, colon))] =
              trim(std::string_view(h).substr(colon + 1));
      }
    } else if (cur.spoken_context) {
      if (cur.has_plural) return Error{where(cur.entry.line) + "a spoken variant (msgctxt \"spoken\") cannot be a plural entry"};
      if (!cat.spoken_variants.emplace(cur.entry.key, cur.entry.text).second)
        return Error{where(cur.entry.line) + "duplicate spoken variant of '" + cur.entry.key + "'"};
    } else {
      if (!seen.insert(cur.entry.key).second)
        return Error{where(cur.entry.line) + "duplicate key '" + cur.entry.key + "'"};
      cur.entry.spoken = cur.spoken;
      cur.entry.fuzzy = cur.fuzzy;
      cat.entries.push_back(std::move(cur.entry));
    }
    cur = Pending{};
    return Status::Ok();
  };

  size_t pos = 0;
  while (pos <= content.size()) {
    size_t nl = content.find('\n', pos);
    if (nl == std::string_view::npos) nl = content.size();
    std::string line = trim(content.substr(pos, nl - pos));
    pos = nl + 1;
    ++line_no;
    if (line.empty()) {
      target = nullptr;
      continue;
    }
    if (line[0] == '#') {
      // A comment starts a new entry once the previous one is complete.
      if (cur.has_msgstr) {
        if (auto st = finish(); !st) return Error{st.error().message};
      }
      target = nullptr;
      if (line.rfind("#.", 0) == 0 && trim(std::string_view(line).substr(2)) == "spoken")
        cur.spoken = true;
      if (line.rfind("#,", 0) == 0 && line.find("fuzzy") != std::string::npos) cur.fuzzy = true;
      continue;
    }
    std::string err;
    if (line[0] == '"') {
      if (!target) return Error{where(line_no) + "string continuation without msgid/msgstr"};
      if (!parse_quoted(line, *target, err)) return Error{where(line_no) + err};
      continue;
    }
    auto space = line.find_first_of(" \t");
    std::string kw = line.substr(0, space);
    std::string rest = space == std::string::npos ? "" : trim(std::string_view(line).substr(space));
    if (kw == "msgid") {
      if (cur.has_msgstr || cur.has_msgid) {
        if (auto st = finish(); !st) return Error{st.error().message};
      }
      cur.has_msgid = true;
      cur.entry.line = line_no;
      target = &cur.entry.key;
    } else if (kw == "msgstr") {
      if (!cur.has_msgid || cur.has_msgstr)
        return Error{where(line_no) + "msgstr without a preceding msgid"};
      if (cur.has_plural) return Error{where(line_no) + "a plural entry has msgstr[0], msgstr[1], ... instead of msgstr"};
      cur.has_msgstr = true;
      target = &cur.entry.text;
    } else if (kw == "msgctxt") {
      // Only the context "spoken" exists: the text read aloud for a key (see catalog.h).
      if (cur.has_msgstr || cur.has_msgid) {
        if (auto st = finish(); !st) return Error{st.error().message};
      }
      cur.context.clear();
      if (!parse_quoted(rest, cur.context, err)) return Error{where(line_no) + err};
      if (cur.context != "spoken")
        return Error{where(line_no) + "msgctxt \"" + sanitize_utf8(cur.context).substr(0, 40) +
                     "\" is not used in Balie catalogs (only \"spoken\"); put the context in the key"};
      cur.spoken_context = true;
      target = nullptr;
      continue;
    } else if (kw == "msgid_plural") {
      if (!cur.has_msgid || cur.has_msgstr || cur.has_plural)
        return Error{where(line_no) + "msgid_plural must follow the msgid"};
      cur.has_plural = true;
      target = &cur.plural_id;
    } else if (kw.rfind("msgstr[", 0) == 0) {
      if (!cur.has_plural) return Error{where(line_no) + "msgstr[n] without a preceding msgid_plural"};
      const std::string expect = "msgstr[" + std::to_string(cur.entry.plural_forms.size()) + "]";
      if (kw != expect) return Error{where(line_no) + "expected " + expect + " (forms in order from 0)"};
      cur.has_msgstr = true;
      cur.entry.plural_forms.emplace_back();
      target = &cur.entry.plural_forms.back();
    } else {
      return Error{where(line_no) + "unknown keyword '" + kw + "'"};
    }
    if (!parse_quoted(rest, *target, err)) return Error{where(line_no) + err};
  }
  if (auto st = finish(); !st) return Error{st.error().message};
  bool any_plural = false;
  for (const auto& [k, v] : cat.spoken_variants)
    if (sanitize_utf8(k) != k || sanitize_utf8(v) != v)
      return Error{std::string(source) + ": invalid UTF-8 in the spoken variant of '" + sanitize_utf8(k) + "'"};
  for (const auto& e : cat.entries) {
    bool valid = sanitize_utf8(e.text) == e.text && sanitize_utf8(e.key) == e.key;
    for (const auto& f : e.plural_forms) valid = valid && sanitize_utf8(f) == f;
    if (!valid) return Error{where(e.line) + "invalid UTF-8 in entry '" + sanitize_utf8(e.key) + "'"};
    any_plural = any_plural || e.plural();
  }
  if (auto pf = cat.headers.find("Plural-Forms"); pf != cat.headers.end()) {
    auto rule = PluralRule::parse(pf->second);
    if (!rule) return Error{std::string(source) + ": " + rule.error().message};
    cat.plural_rule = std::move(rule).value();
    cat.has_plural_header = true;
  } else if (any_plural) {
    return Error{std::string(source) + ": plural entries need a \"Plural-Forms\" header"};
  }
  auto lang = cat.headers.find("Language");
  if (lang != cat.headers.end()) cat.language = lang->second;
  cat.reindex();
  return cat;
}

Result<Catalog> load_po_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot open catalog " + path.string()};
  std::ostringstream ss;
  ss << in.rdbuf();
  auto cat = parse_po(ss.str(), path.filename().string());
  if (cat && cat->language.empty()) cat->language = path.stem().string();
  return cat;
}

Result<std::vector<std::string>> placeholders(std::string_view text) {
  std::vector<std::string> names;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '}') return Error{"unmatched '}' at byte " + std::to_string(i)};
    if (text[i] != '{') continue;
    size_t close = text.find('}', i + 1);
    if (close == std::string_view::npos) return Error{"unclosed '{' at byte " + std::to_string(i)};
    std::string_view name = text.substr(i + 1, close - i - 1);
    bool valid = !name.empty() && name[0] >= 'a' && name[0] <= 'z';
    for (char c : name)
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) valid = false;
    if (!valid) return Error{"bad placeholder '{" + std::string(name) + "}' (use {lower_snake_case})"};
    names.emplace_back(name);
    i = close;
  }
  return names;
}

namespace {
std::multiset<std::string> placeholder_set(const std::vector<std::string>& v) {
  return {v.begin(), v.end()};
}
std::string join(const std::multiset<std::string>& s) {
  std::string out;
  for (const auto& n : s) out += (out.empty() ? "{" : ", {") + n + "}";
  return out.empty() ? "none" : out;
}
bool valid_key(std::string_view k) {
  if (k.empty() || k.front() == '.' || k.back() == '.' || k.find('.') == std::string_view::npos)
    return false;
  for (char c : k)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.')) return false;
  return k.find("..") == std::string_view::npos;
}
}  // namespace

Status check_entry(const CatalogEntry& base_entry, const CatalogEntry& entry, int nplurals) {
  if (entry.fuzzy) return Error{"entry is marked fuzzy (not reviewed)"};
  if (base_entry.plural() != entry.plural())
    return Error{base_entry.plural() ? "must be a plural entry (msgid_plural, msgstr[n]) as in Dutch"
                                     : "is a plural entry but the Dutch one is not"};
  if (entry.plural()) {
    if (nplurals > 0 && static_cast<int>(entry.plural_forms.size()) != nplurals)
      return Error{"has " + std::to_string(entry.plural_forms.size()) + " plural forms; this language's Plural-Forms has " +
                   std::to_string(nplurals)};
    // Each form: not empty, only the Dutch placeholders (a form may leave the number out: "one day").
    auto theirs = placeholders(base_entry.text);
    if (!theirs) return Error{"Dutch text: " + theirs.error().message};
    std::set<std::string> allowed(theirs->begin(), theirs->end());
    for (std::size_t i = 0; i < entry.plural_forms.size(); ++i) {
      const std::string& f = entry.plural_forms[i];
      if (trim(f).empty()) return Error{"empty msgstr[" + std::to_string(i) + "]"};
      auto mine = placeholders(f);
      if (!mine) return Error{"msgstr[" + std::to_string(i) + "]: " + mine.error().message};
      for (const auto& n : *mine)
        if (!allowed.count(n)) return Error{"msgstr[" + std::to_string(i) + "] has {" + n + "}, which the Dutch text lacks"};
    }
    return Status::Ok();
  }
  if (trim(entry.text).empty()) return Error{"empty msgstr"};
  auto mine = placeholders(entry.text);
  if (!mine) return Error{mine.error().message};
  auto theirs = placeholders(base_entry.text);
  if (!theirs) return Error{"Dutch text: " + theirs.error().message};
  auto a = placeholder_set(*mine), b = placeholder_set(*theirs);
  // Compare as sets of names: a translation may use a placeholder once where Dutch uses it twice.
  std::set<std::string> sa(a.begin(), a.end()), sb(b.begin(), b.end());
  if (sa != sb)
    return Error{"placeholders " + join(a) + " differ from the Dutch text's " + join(b)};
  return Status::Ok();
}

std::vector<ValidationIssue> validate_base(const Catalog& base) {
  std::vector<ValidationIssue> out;
  for (const auto& e : base.entries) {
    if (!valid_key(e.key))
      out.push_back({base.source, e.key, "key must be screen.name in lower_snake_case parts"});
    if (e.fuzzy) out.push_back({base.source, e.key, "Dutch entry is marked fuzzy"});
    if (trim(e.text).empty()) out.push_back({base.source, e.key, "empty msgstr"});
    if (e.plural()) {
      if (static_cast<int>(e.plural_forms.size()) != base.plural_rule.nplurals())
        out.push_back({base.source, e.key, "plural forms do not match the Plural-Forms header"});
      bool has_count = false;
      for (const auto& f : e.plural_forms) {
        auto names = placeholders(f);
        if (!names) continue;
        for (const auto& n : *names)
          has_count = has_count || std::find(std::begin(kPluralCountArgs), std::end(kPluralCountArgs), n) != std::end(kPluralCountArgs);
      }
      if (!has_count) out.push_back({base.source, e.key, "a plural entry needs a {count} or {days} placeholder"});
      if (e.spoken) out.push_back({base.source, e.key, "a spoken text cannot be a plural entry"});
    }
    auto ph = placeholders(e.text);
    if (!ph) out.push_back({base.source, e.key, ph.error().message});
    else if (e.spoken && !ph->empty())
      out.push_back({base.source, e.key, "a spoken text cannot have placeholders (audio is pre-generated)"});
  }
  return out;
}

std::vector<ValidationIssue> validate_against_base(const Catalog& base, const Catalog& catalog,
                                                   const Catalog* fallback) {
  std::vector<ValidationIssue> out;
  for (const auto& be : base.entries) {
    const CatalogEntry* e = catalog.find(be.key);
    const Catalog* from = &catalog;
    if (!e && fallback) {
      e = fallback->find(be.key);
      from = fallback;
    }
    if (!e) {
      out.push_back({catalog.source, be.key, "missing (the Dutch catalog has it)"});
      continue;
    }
    // A fuzzy entry is not reviewed: it shows the fallback (Dutch) and the build warns, not fails.
    if (e->fuzzy) {
      out.push_back({from->source, be.key, "fuzzy (not reviewed): shows Dutch until it is reviewed", false});
      continue;
    }
    if (e->plural() && !from->has_plural_header)
      out.push_back({from->source, be.key, "plural entry without a Plural-Forms header"});
    if (auto st = check_entry(be, *e, from->plural_rule.nplurals()); !st)
      out.push_back({from->source, be.key, st.error().message});
  }
  for (const auto& e : catalog.entries) {
    if (!base.find(e.key))
      out.push_back({catalog.source, e.key, "key is not in the Dutch catalog (stale?)", false});
  }
  return out;
}

Result<std::string> fill_placeholders(std::string_view text, std::initializer_list<Arg> args) {
  std::string out;
  out.reserve(text.size() + 16);
  std::string unknown;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '{') {
      out.push_back(text[i]);
      continue;
    }
    size_t close = text.find('}', i + 1);
    if (close == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    std::string_view name = text.substr(i + 1, close - i - 1);
    auto it = std::find_if(args.begin(), args.end(), [&](const Arg& a) { return a.name == name; });
    if (it == args.end()) {
      out.append(text.substr(i, close - i + 1));
      unknown += (unknown.empty() ? "" : ", ") + std::string(name);
    } else {
      out += it->untrusted ? isolate_value(it->value) : sanitize_utf8(it->value);
    }
    i = close;
  }
  if (!unknown.empty()) {
    secure_wipe(out);
    return Error{"no value for placeholder(s): " + unknown};
  }
  return out;
}

namespace {
std::string po_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default: out.push_back(c);
    }
  }
  return out + "\"";
}
}  // namespace

std::string make_pot(const Catalog& base) {
  std::string out =
      "# Balie user-facing texts: template for translators (generated from nl.po by balie_text_tool pot;\n"
      "# do not edit). msgid is the key; the Dutch text is in the \"#. nl:\" comment. Plural entries\n"
      "# need one msgstr[n] per form of the language's Plural-Forms header.\n"
      "msgid \"\"\nmsgstr \"\"\n\"Project-Id-Version: balie\\n\"\n\"Language: \\n\"\n\"MIME-Version: 1.0\\n\"\n"
      "\"Content-Type: text/plain; charset=UTF-8\\n\"\n\"Content-Transfer-Encoding: 8bit\\n\"\n"
      "\"Plural-Forms: nplurals=INTEGER; plural=EXPRESSION;\\n\"\n";
  for (const auto& e : base.entries) {
    out += "\n";
    if (e.spoken) out += "#. spoken\n";
    const auto& forms = e.plural() ? e.plural_forms : std::vector<std::string>{e.text};
    for (std::size_t i = 0; i < forms.size(); ++i) {
      std::string t = forms[i];
      std::replace(t.begin(), t.end(), '\n', ' ');
      out += "#. nl" + (e.plural() ? "[" + std::to_string(i) + "]" : std::string()) + ": " + t + "\n";
    }
    out += "msgid " + po_quote(e.key) + "\n";
    if (e.plural()) {
      out += "msgid_plural " + po_quote(e.key) + "\nmsgstr[0] \"\"\nmsgstr[1] \"\"\n";
    } else {
      out += "msgstr \"\"\n";
    }
  }
  return out;
}

// --- spoken variants (msgctxt "spoken") ---

std::string strip_harakat(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  for (size_t i = 0; i < utf8.size();) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    if ((c == 0xD9 || c == 0xDB) && i + 1 < utf8.size()) {
      // U+064B..U+065F (D9 8B..D9 9F), U+0670 (D9 B0), U+06D6..U+06ED (DB 96..DB AD)
      const uint32_t cp = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(utf8[i + 1]) & 0x3Fu);
      if ((cp >= 0x64B && cp <= 0x65F) || cp == 0x670 || (cp >= 0x6D6 && cp <= 0x6ED)) {
        i += 2;
        continue;
      }
    }
    out.push_back(utf8[i++]);
  }
  return out;
}

std::vector<ValidationIssue> validate_spoken_variants(const Catalog& base, const Catalog& catalog) {
  std::vector<ValidationIssue> out;
  for (const auto& [key, spoken] : catalog.spoken_variants) {
    if (spoken.empty()) {
      out.push_back({catalog.source, key, "empty spoken variant"});
      continue;
    }
    if (key.rfind(kSpokenTextPrefix, 0) == 0) continue;  // a text series: checked by balie_text_tool audio
    const CatalogEntry* be = base.find(key);
    if (!be || !be->spoken) {
      out.push_back({catalog.source, key, "a spoken variant for a key that is not marked '#. spoken' in nl.po"});
      continue;
    }
    const CatalogEntry* e = catalog.find(key);
    if (e && strip_harakat(e->text) != strip_harakat(spoken))
      out.push_back({catalog.source, key,
                     "the spoken variant differs from the displayed text in more than its vowel marks (harakat): "
                     "not used, the displayed text is spoken",
                     false});
  }
  return out;
}

}  // namespace balie::text
