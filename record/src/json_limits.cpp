// Limited JSON parsing (see json_limits.h): size check, linear depth pre-scan, then nlohmann's
// iterative parser without exceptions.
#include "balie/record/json_limits.h"

#include <string>

namespace balie::record {

std::size_t json_nesting_depth(std::string_view text, std::size_t stop_above) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '[':
      case '{':
        if (++depth > deepest) {
          deepest = depth;
          if (deepest > stop_above) return stop_above + 1;
        }
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default: break;
    }
  }
  return deepest;
}

Result<nlohmann::json> parse_json_limited(std::string_view text, const JsonLimits& lim, std::string_view what) {
  const std::string w(what);
  if (text.size() > lim.max_bytes)
    return make_error(Errc::limit, w + " is " + std::to_string(text.size()) + " bytes, more than the limit of " +
                                       std::to_string(lim.max_bytes));
  if (json_nesting_depth(text, lim.max_depth) > lim.max_depth)
    return make_error(Errc::limit, w + " nests deeper than " + std::to_string(lim.max_depth) + " levels");
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& e) {
    // e.what() names the byte position and the token; it never echoes more than a short excerpt.
    std::string m = e.what();
    if (m.size() > 200) m.resize(200);
    return make_error(Errc::invalid_input, w + " is not valid JSON: " + m);
  } catch (const std::exception& e) {
    return make_error(Errc::limit, w + " could not be parsed: " + e.what());
  }
}

const char* json_type_name(const nlohmann::json& j) {
  if (j.is_number_integer() || j.is_number_unsigned()) return "integer";
  return j.type_name();
}

namespace {
const char* kind_name(JsonKind k) {
  switch (k) {
    case JsonKind::string: return "a string";
    case JsonKind::integer: return "an integer";
    case JsonKind::boolean: return "true or false";
    case JsonKind::object: return "an object";
    case JsonKind::array: return "an array";
  }
  return "?";
}
bool has_kind(const nlohmann::json& v, JsonKind k) {
  switch (k) {
    case JsonKind::string: return v.is_string();
    case JsonKind::integer: return v.is_number_integer();
    case JsonKind::boolean: return v.is_boolean();
    case JsonKind::object: return v.is_object();
    case JsonKind::array: return v.is_array();
  }
  return false;
}
}  // namespace

Status check_fields(const nlohmann::json& j, std::initializer_list<JsonField> fields, std::string_view where) {
  const std::string w(where);
  if (!j.is_object()) return make_error(Errc::invalid_input, w + " must be a JSON object (got " + json_type_name(j) + ")");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const JsonField* f = nullptr;
    for (const auto& c : fields)
      if (it.key() == c.name) f = &c;
    if (!f) {
      std::string known;
      for (const auto& c : fields) known += std::string(known.empty() ? "" : ", ") + c.name;
      return make_error(Errc::invalid_input, w + ": unknown key \"" + it.key().substr(0, 64) + "\" (known keys: " + known + ")");
    }
    const auto& v = it.value();
    std::string expected = kind_name(f->kind);
    if (f->kind == JsonKind::integer) expected += " from " + std::to_string(f->min) + " to " + std::to_string(f->max);
    bool ok = has_kind(v, f->kind);
    if (ok && f->kind == JsonKind::integer) {
      std::string got;
      bool in_range;
      if (v.is_number_unsigned()) {  // every non-negative integer nlohmann reads, up to 2^64-1
        const auto u = v.get<unsigned long long>();
        in_range = u <= static_cast<unsigned long long>(f->max) && (f->min <= 0 || u >= static_cast<unsigned long long>(f->min));
        got = std::to_string(u);
      } else {
        const auto n = v.get<long long>();
        in_range = n >= f->min && n <= f->max;
        got = std::to_string(n);
      }
      if (!in_range) return make_error(Errc::invalid_input, w + ": \"" + f->name + "\" must be " + expected + " (got " + got + ")");
    }
    if (!ok) return make_error(Errc::invalid_input, w + ": \"" + f->name + "\" must be " + expected + " (got " + json_type_name(v) + ")");
  }
  for (const auto& c : fields)
    if (c.required && !j.contains(c.name))
      return make_error(Errc::invalid_input, w + ": \"" + c.name + "\" is required (" + kind_name(c.kind) + ")");
  return Status::Ok();
}

}  // namespace balie::record
