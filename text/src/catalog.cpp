// gettext .po parsing, validation and placeholder filling (text/, any thread).
// The parser accepts the subset Balie's catalogs use: comments, msgctxt (rejected), msgid, msgstr,
// multi-line strings with C escapes. See catalog.h for the conventions.
#include "balie/text/catalog.h"

#include <algorithm>
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
  bool has_msgid = false, has_msgstr = false;
  bool spoken = false, fuzzy = false;
};

}  // namespace

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
    if (cur.entry.key.empty()) {  // header
      std::istringstream hs(cur.entry.text);
      std::string h;
      while (std::getline(hs, h)) {
        auto colon = h.find(':');
        if (colon != std::string::npos)
          cat.headers[trim(std::string_view(h).substr(0, colon))] =
              trim(std::string_view(h).substr(colon + 1));
      }
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
      cur.has_msgstr = true;
      target = &cur.entry.text;
    } else if (kw == "msgctxt") {
      return Error{where(line_no) + "msgctxt is not used in Balie catalogs; put the context in the key"};
    } else if (kw == "msgid_plural" || kw.rfind("msgstr[", 0) == 0) {
      return Error{where(line_no) + "plural forms are not supported yet; use a placeholder"};
    } else {
      return Error{where(line_no) + "unknown keyword '" + kw + "'"};
    }
    if (!parse_quoted(rest, *target, err)) return Error{where(line_no) + err};
  }
  if (auto st = finish(); !st) return Error{st.error().message};
  for (const auto& e : cat.entries) {
    if (sanitize_utf8(e.text) != e.text || sanitize_utf8(e.key) != e.key)
      return Error{where(e.line) + "invalid UTF-8 in entry '" + sanitize_utf8(e.key) + "'"};
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

Status check_entry(const CatalogEntry& base_entry, const CatalogEntry& entry) {
  if (entry.fuzzy) return Error{"entry is marked fuzzy (not reviewed)"};
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
    if (!e && fallback) e = fallback->find(be.key);
    if (!e) {
      out.push_back({catalog.source, be.key, "missing (the Dutch catalog has it)"});
      continue;
    }
    if (auto st = check_entry(be, *e); !st) out.push_back({catalog.source, be.key, st.error().message});
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
      out += it->untrusted ? isolate_untrusted(it->value) : sanitize_utf8(it->value);
    }
    i = close;
  }
  if (!unknown.empty()) {
    secure_wipe(out);
    return Error{"no value for placeholder(s): " + unknown};
  }
  return out;
}

}  // namespace balie::text
