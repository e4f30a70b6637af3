// Test helper: searches every writable mapping of a running process (/proc/PID/maps + /proc/PID/mem)
// for personal strings, and builds the needle list of the demo data set (every resident's names in
// both scripts, BSN, V-nummer, birth date and room, plus the demo staff PIN). Used by the session
// memory test and the soak test (tests/kiosk).
#pragma once
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace balie::kiosk::testing {

struct Needle {
  std::string text;
  std::string what;  // e.g. "demo-03 bsn" (never the value itself in messages about hits)
};

struct MemoryHit {
  std::string what;
  std::string mapping;  // the line of /proc/PID/maps holding the hit (address range and name)
  unsigned long address = 0;
  std::string context;  // bytes around the hit, escaped; filled only with BALIE_SCAN_CONTEXT=1 (debugging)
};

struct MemoryScan {
  bool opened = false;
  size_t scanned = 0;  // bytes read
  std::vector<MemoryHit> hits;
  std::string summary() const {
    std::map<std::string, int> per;
    for (const auto& h : hits) ++per[h.what];
    std::ostringstream o;
    for (const auto& [w, n] : per) o << "  " << w << ": " << n << " hit(s)\n";
    std::map<std::string, int> where;
    for (const auto& h : hits) ++where[h.mapping];
    for (const auto& [m, n] : where) o << "  in " << m << ": " << n << "\n";
    for (const auto& h : hits)
      if (!h.context.empty()) o << "  around " << h.what << ": " << h.context << "\n";
    return o.str();
  }
};

// Every resident of the demo set (assets/demo/demo.json) and the PIN of the staff member the
// scripts unlock with (demo-coa, assets/demo/README.md).
inline std::vector<Needle> demo_personal_needles(const std::string& demo_json_path) {
  std::vector<Needle> out;
  std::ifstream f(demo_json_path);
  const auto doc = nlohmann::json::parse(f);
  for (const auto& entry : doc.at("residents")) {
    const auto& r = entry.at("resident");
    const std::string id = r.at("id").get<std::string>();
    for (const char* field : {"naam_latijns", "naam_eigen_schrift", "bsn", "v_nummer", "geboortedatum", "kamer"}) {
      const std::string v = r.at(field).get<std::string>();
      if (!v.empty()) out.push_back({v, id + " " + field});
    }
  }
  out.push_back({"246810", "staff PIN of demo-coa"});
  return out;
}

// 64 bytes either side of a hit, printable ASCII kept and everything else as \xNN: shows what kind of
// buffer still holds the value (a formatted label, a cache key, a freed block).
inline std::string escaped_around(std::string_view hay, size_t at, size_t len) {
  const size_t from = at > 64 ? at - 64 : 0, to = std::min(hay.size(), at + len + 64);
  std::string out;
  char b[8];
  for (size_t i = from; i < to; ++i) {
    const unsigned char c = static_cast<unsigned char>(hay[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') out += static_cast<char>(c);
    else { std::snprintf(b, sizeof b, "\\x%02x", c); out += b; }
  }
  return out;
}

// Reads every readable and writable mapping of `pid` and counts each needle's occurrences.
inline MemoryScan scan_process_memory(pid_t pid, const std::vector<Needle>& needles) {
  MemoryScan scan;
  const char* ctx_env = std::getenv("BALIE_SCAN_CONTEXT");
  const bool with_context = ctx_env && std::string_view(ctx_env) == "1";
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  const int mem = open(("/proc/" + std::to_string(pid) + "/mem").c_str(), O_RDONLY);
  if (mem < 0 || !maps) {
    if (mem >= 0) close(mem);
    return scan;
  }
  scan.opened = true;
  std::string line;
  std::vector<char> buf;
  while (std::getline(maps, line)) {
    unsigned long lo = 0, hi = 0;
    char perms[5] = {};
    if (std::sscanf(line.c_str(), "%lx-%lx %4s", &lo, &hi, perms) != 3) continue;
    if (perms[0] != 'r' || perms[1] != 'w') continue;
    buf.resize(hi - lo);
    const ssize_t n = pread(mem, buf.data(), buf.size(), static_cast<off_t>(lo));
    if (n <= 0) continue;
    scan.scanned += static_cast<size_t>(n);
    const std::string_view hay(buf.data(), static_cast<size_t>(n));
    for (const auto& nd : needles)
      for (size_t p = hay.find(nd.text); p != std::string_view::npos; p = hay.find(nd.text, p + 1))
        scan.hits.push_back({nd.what, line, lo + p, with_context ? escaped_around(hay, p, nd.text.size()) : ""});
  }
  close(mem);
  return scan;
}

// Resident set size, open file descriptors and threads of `pid` (from /proc).
struct ProcessFigures {
  long rss_kb = -1;
  long rss_anon_kb = -1, rss_file_kb = -1, rss_shmem_kb = -1;
  int fds = -1;
  int threads = -1;
};

inline ProcessFigures process_figures(pid_t pid) {
  ProcessFigures f;
  const std::string base = "/proc/" + std::to_string(pid);
  std::ifstream st(base + "/status");
  std::string line;
  while (std::getline(st, line)) {
    if (line.rfind("VmRSS:", 0) == 0) f.rss_kb = std::stol(line.substr(6));
    if (line.rfind("RssAnon:", 0) == 0) f.rss_anon_kb = std::stol(line.substr(8));
    if (line.rfind("RssFile:", 0) == 0) f.rss_file_kb = std::stol(line.substr(8));
    if (line.rfind("RssShmem:", 0) == 0) f.rss_shmem_kb = std::stol(line.substr(9));
    if (line.rfind("Threads:", 0) == 0) f.threads = std::stoi(line.substr(8));
  }
  std::error_code ec;
  f.fds = 0;
  for (auto it = std::filesystem::directory_iterator(base + "/fd", ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec))
    ++f.fds;
  if (ec) f.fds = -1;
  return f;
}

}  // namespace balie::kiosk::testing
