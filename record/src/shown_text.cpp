// Canonical shown text, reference codes and the versioned text registry (see shown_text.h).
#include "balie/record/shown_text.h"

#include <sodium.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "balie/record/codec.h"
#include "balie/record/json_limits.h"

namespace balie::record {

namespace {
constexpr std::size_t kMaxPackBytes = 2u * 1024 * 1024;
constexpr std::size_t kMaxPacks = 64;

std::string str(const nlohmann::json& o, const char* k) {
  auto it = o.find(k);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}
}  // namespace

std::string canonical_shown_text(const ShownText& nl, const ShownText* own) {
  std::string out = "balie-shown-text/1\n";
  auto add = [&](const ShownText& t) {
    out += "version_id:" + t.version_id + "\nlanguage:" + t.language + "\ntitle:" + t.title +
           "\nbody_bytes:" + std::to_string(t.body.size()) + "\n" + t.body + "\n";
  };
  add(nl);
  if (own) add(*own);
  return out;
}

std::string reference_code(std::string_view record_id) {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";  // Crockford base32
  const std::string msg = "balie-ref/1:" + std::string(record_id);
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, reinterpret_cast<const unsigned char*>(msg.data()), msg.size());
  std::uint64_t bits = 0;
  for (int i = 0; i < 5; ++i) bits = (bits << 8) | h[i];
  std::string out;
  for (int i = 7; i >= 0; --i) out += kAlphabet[(bits >> (5 * i)) & 31];
  return out.substr(0, 4) + "-" + out.substr(4);
}

Status TextRegistry::add_pack(std::string_view text, std::string_view name) {
  auto parsed = parse_json_limited(text, JsonLimits{kMaxPackBytes}, name);
  if (!parsed) return parsed.error();
  const nlohmann::json& j = *parsed;
  if (!j.is_object() || str(j, "series").empty() || str(j, "kind").empty() || !j.contains("texts") ||
      !j["texts"].is_array())
    return make_error(Errc::invalid_input, std::string(name) + " is not a text pack ({series, kind, texts:[...]})");
  const std::string series = str(j, "series");
  for (const auto& t : j["texts"]) {
    if (!t.is_object()) continue;
    Entry e{series, str(j, "kind"), str(t, "language"), str(t, "title"), str(t, "body"), {}};
    if (e.language.empty() || e.body.empty()) continue;
    e.body_sha256 = sha256_hex(e.body);
    auto key = std::make_pair(e.series, e.language);
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.body_sha256 != e.body_sha256)
      return make_error(Errc::invalid_input, std::string(name) + ": series " + series + " language " + e.language +
                                                 " is already registered with another body (versions are immutable)");
    entries_[key] = std::move(e);
  }
  return {};
}

Result<TextRegistry> TextRegistry::load_dir(const std::filesystem::path& dir) {
  TextRegistry reg;
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().extension() == ".json") files.push_back(e.path());
  if (ec) return make_error(Errc::io, "text registry: cannot list " + dir.string() + ": " + ec.message());
  if (files.size() > kMaxPacks) return make_error(Errc::limit, "text registry: more than 64 packs in " + dir.string());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    if (std::filesystem::file_size(f, ec) > kMaxPackBytes || ec)
      return make_error(Errc::limit, "text registry: " + f.filename().string() + " too large or unreadable");
    std::ifstream in(f, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    if (!in && !in.eof()) return make_error(Errc::io, "text registry: cannot read " + f.filename().string());
    if (auto s = reg.add_pack(ss.str(), f.filename().string()); !s) return s.error();
  }
  if (reg.entries_.empty()) return make_error(Errc::invalid_input, "text registry: no text packs in " + dir.string());
  return reg;
}

const TextRegistry::Entry* TextRegistry::find(std::string_view version_id, std::string_view gemeentecode) const {
  for (const auto& [key, e] : entries_)
    if (version_id == e.series + "-" + std::string(gemeentecode) + "-" + e.language) return &e;
  return nullptr;
}

TextCheck check_signed_texts(const nlohmann::json& doc, std::string_view gemeentecode, const TextRegistry& reg) {
  TextCheck c;
  auto fail = [&](std::string m) {
    c.failure = std::move(m);
    return c;
  };
  if (!doc.is_object() || !doc.contains("texts") || !doc["texts"].is_array() || doc["texts"].empty() ||
      doc["texts"].size() > 2)
    return fail("the record names no texts (document.texts must hold one or two texts)");
  if (str(doc, "canonical_text_sha256").size() != 64)
    return fail("the record carries no canonical_text_sha256");
  if (doc.contains("canonical_format") && str(doc, "canonical_format") != "balie-shown-text/1")
    return fail("unknown canonical text format '" + str(doc, "canonical_format").substr(0, 40) + "'");
  for (const auto& t : doc["texts"]) {
    if (!t.is_object()) return fail("a text entry is not an object");
    const std::string vid = str(t, "version_id");
    const TextRegistry::Entry* e = reg.find(vid, gemeentecode);
    if (!e) return fail("unknown text version '" + vid.substr(0, 80) + "' (not in the text registry)");
    if (str(t, "language") != e->language) return fail("text " + vid + ": language differs from the registry");
    if (str(t, "title") != e->title) return fail("text " + vid + ": title differs from the registry");
    if (str(t, "body_sha256") != e->body_sha256)
      return fail("text " + vid + ": body_sha256 " + str(t, "body_sha256").substr(0, 64) +
                  " does not match the registry's body (" + e->body_sha256 + ")");
    c.texts.push_back(ShownText{vid, e->language, e->title, e->body});
    c.kinds.push_back(e->kind);
  }
  const std::string canon = sha256_hex(canonical_shown_text(c.texts[0], c.texts.size() > 1 ? &c.texts[1] : nullptr));
  if (canon != str(doc, "canonical_text_sha256"))
    return fail("canonical_text_sha256 does not match the registry texts (computed " + canon + ")");
  c.ok = true;
  return c;
}

}  // namespace balie::record
