// The SQL port's backend-independent parts: rows, the retrying write transaction and the two
// dialect translations (placeholders for libpq, the DO NOTHING upsert for SQLite 3.15).
#include "sql_port.h"

#include <cctype>
#include <chrono>
#include <algorithm>
#include <regex>

#include <sodium.h>
#include <thread>

namespace balie::inbox::sql {

std::int64_t Row::int64(std::size_t i) const {
  if (is_null(i)) return 0;
  try {
    return std::stoll(*cols[i]);
  } catch (...) {
    return 0;
  }
}

Status Connection::transaction(const std::function<Status()>& body) {
  constexpr int kAttempts = 40;
  for (int attempt = 1;; ++attempt) {
    if (auto s = begin(); !s) return s;
    Status s = body();
    if (s) s = commit();
    if (s) return s;
    const bool retry = last_error_retryable();
    rollback();
    if (!retry || attempt == kAttempts) return s;
    // Another instance won the race: back off (exponential up to 256 ms, random jitter so two
    // instances do not collide again in step) and run the body again.
    const std::uint32_t cap = 1u << std::min(attempt, 8);
    std::this_thread::sleep_for(std::chrono::milliseconds(1 + randombytes_uniform(cap)));
  }
}

std::string to_dollar_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int next = 0;
  char quote = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote) {
      out += c;
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      out += c;
      continue;
    }
    if (c != '?') {
      out += c;
      continue;
    }
    std::size_t j = i + 1;
    while (j < sql.size() && std::isdigit(static_cast<unsigned char>(sql[j]))) ++j;
    if (j > i + 1) {
      out += '$';
      out.append(sql.substr(i + 1, j - i - 1));
      i = j - 1;
    } else {
      out += '$' + std::to_string(++next);
    }
  }
  return out;
}

std::string to_sqlite_dialect(std::string_view sql) {
  static const std::regex kDoNothing(R"(\s+ON\s+CONFLICT\s*(\([^)]*\))?\s*DO\s+NOTHING)", std::regex::icase);
  static const std::regex kInsert(R"(^\s*INSERT\s+INTO)", std::regex::icase);
  std::string s(sql);
  if (!std::regex_search(s, kDoNothing)) return s;
  s = std::regex_replace(s, kDoNothing, "");
  return std::regex_replace(s, kInsert, "INSERT OR IGNORE INTO", std::regex_constants::format_first_only);
}

}  // namespace balie::inbox::sql
