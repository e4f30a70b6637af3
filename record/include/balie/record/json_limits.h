// The one way Balie parses JSON (record/, any thread): every parser in the project (sync payloads
// both ways, acks, dossier feed, store's dossier JSON, config, routing, text series, inbox imports)
// calls parse_json_limited() with a stated size and nesting-depth limit. Depth is refused by a linear
// pre-scan BEFORE a DOM exists: nlohmann::json parses iteratively, but dump(), copies and
// comparisons recurse once per level, so a 100k-deep value overflows the stack later.
#pragma once
#include <cstddef>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string_view>

#include "balie/record/result.h"

namespace balie::record {

// Default nesting limit (objects and arrays; `{}` is depth 1). Balie's deepest real document, the
// demo data set, nests 7 levels; a feed page with its dossiers about 10.
inline constexpr std::size_t kMaxJsonDepth = 32;

struct JsonLimits {
  std::size_t max_bytes;
  std::size_t max_depth = kMaxJsonDepth;
};

// Nesting depth of `text`, counting brackets outside strings; stops counting once it exceeds
// `stop_above` (returns stop_above + 1). Exact for valid JSON; for invalid JSON a bound that the
// parser's rejection makes harmless.
std::size_t json_nesting_depth(std::string_view text, std::size_t stop_above);

// Parses `text` as one JSON value. Errors name `what` (e.g. "push response", "syncd.json"):
//   Errc::limit          longer than max_bytes, or nested deeper than max_depth
//   Errc::invalid_input  not JSON (with nlohmann's byte position), including numbers out of range
// Never throws.
Result<nlohmann::json> parse_json_limited(std::string_view text, const JsonLimits& lim, std::string_view what);

// JSON type name for messages ("string", "integer", "number", "object", ...).
const char* json_type_name(const nlohmann::json& j);

// One expected key of a configuration-like JSON object (config files, routing, imports).
enum class JsonKind { string, integer, boolean, object, array };
struct JsonField {
  const char* name;
  JsonKind kind;
  bool required = false;
  long long min = 0, max = 0;  // integer bounds (inclusive), checked when kind == integer
};

// Checks that `j` is an object whose every key is one of `fields` (unknown keys are errors), each of
// its type (integers within [min, max], no fractions), and that required keys are present. The first
// problem comes back as Errc::invalid_input naming `where` and the key, e.g.
//   syncd.json: "max_retries" must be an integer from 0 to 20 (got string)
Status check_fields(const nlohmann::json& j, std::initializer_list<JsonField> fields, std::string_view where);

}  // namespace balie::record
