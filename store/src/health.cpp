// The health document (see health.h): the store's counts and sync states plus system facts probed
// from the kernel (adjtimex(2), statvfs(3), /proc/self/mountinfo, sysfs) and small files of the image.
// Free text that reaches the document (sync errors, held reasons, update result) is cleaned to
// printable UTF-8 and capped; it holds codes and reasons, never record content.
#include "balie/store/health.h"

#include <sys/statvfs.h>
#include <sys/timex.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "balie/platform/dutch_calendar.h"
#include "balie/record/codec.h"
#include "balie/record/deadline.h"
#include "balie/record/utf8.h"

#ifndef BALIE_VERSION
#error "BALIE_VERSION must be defined by the build (store/CMakeLists.txt)"
#endif

namespace balie::store {
namespace {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

// Printable UTF-8 of at most max_bytes: control characters become spaces, invalid bytes U+FFFD.
std::string clean_text(std::string_view s, std::size_t max_bytes = 300) {
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    char32_t cp = record::utf8_next(s, i);
    if (cp == record::kInvalidCodePoint) cp = 0xFFFD;
    if (cp < 0x20 || cp == 0x7F) cp = ' ';
    std::string one;
    record::utf8_append(one, cp);
    if (out.size() + one.size() > max_bytes) break;
    out += one;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::optional<std::string> first_line(const fs::path& p, std::size_t max_bytes = 4096) {
  std::ifstream f(p, std::ios::binary);
  if (!f) return std::nullopt;
  std::string line(max_bytes, '\0');
  f.read(line.data(), static_cast<std::streamsize>(max_bytes));
  line.resize(static_cast<std::size_t>(f.gcount()));
  if (auto nl = line.find('\n'); nl != std::string::npos) line.resize(nl);
  return line;
}

std::string image_version(const HealthInputs& in) {
  if (auto v = first_line(in.image_version_file); v && !clean_text(*v, 64).empty()) return clean_text(*v, 64);
  std::ifstream f(in.os_release_file);
  std::string line, found;
  while (std::getline(f, line)) {
    for (const char* key : {"IMAGE_VERSION=", "BUILD_ID="}) {
      if (line.rfind(key, 0) == 0 && found.empty()) {
        std::string v = line.substr(std::string_view(key).size());
        if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) v = v.substr(1, v.size() - 2);
        found = clean_text(v, 64);
      }
    }
  }
  return found.empty() ? "unknown" : found;
}

ojson clock_facts() {
  ojson c;
  struct timex tx {};
  tx.modes = 0;  // read only
  const int state = ::adjtimex(&tx);
  if (state < 0) {
    c["synchronised"] = false;
    c["state"] = "unknown";
    c["offset_us"] = nullptr;
    c["estimated_error_us"] = nullptr;
    c["maximum_error_us"] = nullptr;
    return c;
  }
  const bool unsync = state == TIME_ERROR || (tx.status & STA_UNSYNC) != 0;
  c["synchronised"] = !unsync;
  c["state"] = state == TIME_OK ? "ok" : state == TIME_ERROR ? "error" : "leap";
  const long long offset = (tx.status & STA_NANO) != 0 ? static_cast<long long>(tx.offset) / 1000 : static_cast<long long>(tx.offset);
  c["offset_us"] = offset;
  c["estimated_error_us"] = static_cast<long long>(tx.esterror);
  c["maximum_error_us"] = static_cast<long long>(tx.maxerror);
  return c;
}

ojson disk_facts(const fs::path& dir) {
  ojson d;
  d["path"] = dir.string();
  struct statvfs sv {};
  if (dir.empty() || ::statvfs(dir.c_str(), &sv) != 0) {
    d["free_bytes"] = nullptr;
    d["total_bytes"] = nullptr;
    return d;
  }
  d["free_bytes"] = static_cast<long long>(sv.f_bavail) * static_cast<long long>(sv.f_frsize);
  d["total_bytes"] = static_cast<long long>(sv.f_blocks) * static_cast<long long>(sv.f_frsize);
  return d;
}

ojson tpm_facts(const fs::path& version_file) {
  ojson t;
  auto v = first_line(version_file, 16);
  int major = 0;
  if (v && std::sscanf(v->c_str(), "%d", &major) == 1 && major > 0) {
    t["present"] = true;
    t["version_major"] = major;
  } else {
    t["present"] = false;
    t["version_major"] = nullptr;
  }
  return t;
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape_mount(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      int v = 0;
      if (std::sscanf(s.substr(i + 1, 3).c_str(), "%3o", &v) == 1) {
        out += static_cast<char>(v);
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

// The mount holding `dir` (longest mount point that is a prefix; the last such line wins, as later
// mounts cover earlier ones) and whether its source is the encrypted data volume.
ojson data_unlock_facts(const HealthInputs& in) {
  ojson u;
  std::error_code ec;
  fs::path dir = fs::weakly_canonical(in.state_dir, ec);
  if (ec) dir = in.state_dir;
  std::ifstream f(in.mountinfo_file);
  std::string line, best_point, best_source, best_devno;
  while (std::getline(f, line)) {
    std::istringstream ls(line);
    std::string id, parent, devno, root, point;
    if (!(ls >> id >> parent >> devno >> root >> point)) continue;
    auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream tail(line.substr(dash + 3));
    std::string fstype, source;
    tail >> fstype >> source;
    point = unescape_mount(point);
    const std::string d = dir.string();
    const bool covers = point == "/" || d == point || (d.rfind(point, 0) == 0 && d.size() > point.size() && d[point.size()] == '/');
    if (covers && point.size() >= best_point.size()) {
      best_point = point;
      best_source = unescape_mount(source);
      best_devno = devno;
    }
  }
  bool encrypted = !best_source.empty() && best_source == in.data_mapper_device;
  if (!encrypted && !best_devno.empty()) {
    // The source may read /dev/dm-N: ask device-mapper for the volume's name.
    const std::string want = fs::path(in.data_mapper_device).filename().string();
    if (auto name = first_line(fs::path("/sys/dev/block") / best_devno / "dm" / "name", 256); name && *name == want)
      encrypted = true;
  }
  u["data_volume"] = in.data_mapper_device;
  u["unlocked"] = encrypted;
  u["mount_point"] = best_point.empty() ? ojson(nullptr) : ojson(clean_text(best_point, 256));
  u["mount_source"] = best_source.empty() ? ojson(nullptr) : ojson(clean_text(best_source, 256));
  return u;
}

ojson last_update(const fs::path& file) {
  auto v = first_line(file, 1024);
  if (!v) return nullptr;
  ojson r;
  r["result"] = clean_text(*v);
  std::error_code ec;
  auto t = fs::last_write_time(file, ec);
  if (ec) {
    r["at"] = nullptr;
  } else {
    auto sys = std::chrono::file_clock::to_sys(t);
    r["at"] = record::format_utc(std::chrono::floor<std::chrono::seconds>(sys));
  }
  return r;
}

ojson opt_time(const std::optional<UtcTime>& t) { return t ? ojson(record::format_utc(*t)) : ojson(nullptr); }

}  // namespace

const char* software_version() { return BALIE_VERSION; }

Result<std::string> health_json(const HealthInputs& in, Store& store) {
  auto status = store.status();
  if (!status.ok()) return status.error();
  auto counts = store.outbox_counts();
  if (!counts.ok()) return counts.error();
  auto states = store.sync_states();
  if (!states.ok()) return states.error();
  auto device = store.device_config();
  if (!device.ok()) return device.error();

  ojson doc;
  doc["format"] = "balie-health";
  doc["format_version"] = 1;
  doc["generated_at"] = record::format_utc(in.now);
  if (device.value()) {
    doc["device"] = {{"device_id", clean_text(device.value()->kiosk_id, 64)},
                     {"location_id", clean_text(device.value()->location_id, 64)},
                     {"location_name", clean_text(device.value()->location_name, 200)}};
  } else {
    doc["device"] = nullptr;
  }
  doc["versions"] = {{"image", image_version(in)},
                     {"software", software_version()},
                     {"bundle", in.bundle_version ? ojson(*in.bundle_version) : ojson(nullptr)}};
  const StoreStatus& st = status.value();
  doc["store"] = {{"schema_version", st.schema_version}, {"sqlcipher_version", st.sqlcipher_version},
                  {"records", st.records},               {"residents", st.residents},
                  {"audit_entries", st.audit_entries},   {"file_bytes", st.file_bytes},
                  {"wal_bytes", st.wal_bytes}};

  // One row per municipality that has outbox entries or a sync state, sorted by gemeentecode.
  std::map<std::string, std::pair<const OutboxCounts*, const SyncState*>> rows;
  for (const auto& c : counts.value()) rows[c.gemeentecode].first = &c;
  for (const auto& s : states.value()) rows[s.gemeentecode].second = &s;
  ojson list = ojson::array();
  long long waiting = 0, held = 0, failed = 0;
  std::optional<std::string> fleet_oldest_deadline;
  bool any_overdue = false;
  const auto now_tp = std::chrono::system_clock::time_point(in.now);
  for (const auto& [code, row] : rows) {
    const OutboxCounts* c = row.first;
    const SyncState* s = row.second;
    ojson m;
    m["gemeentecode"] = clean_text(code, 16);
    m["waiting"] = c ? c->waiting : 0;
    m["held"] = c ? c->held : 0;
    m["failed"] = c ? c->failed : 0;
    m["acknowledged"] = c ? c->acknowledged : 0;
    m["held_reason"] = (c && !c->held_reason.empty()) ? ojson(clean_text(c->held_reason)) : ojson(nullptr);
    m["last_success"] = s ? opt_time(s->last_success) : ojson(nullptr);
    m["last_attempt"] = s ? opt_time(s->last_attempt) : ojson(nullptr);
    m["last_error"] = (s && !s->last_error.empty()) ? ojson(clean_text(s->last_error)) : ojson(nullptr);
    if (c && c->oldest_waiting) {
      auto dl = record::registration_deadline(std::chrono::system_clock::time_point(*c->oldest_waiting), now_tp);
      const std::string last_day = calendar::to_iso(dl.last_day);
      m["oldest_waiting"] = {{"created_at", record::format_utc(*c->oldest_waiting)},
                             {"deadline", last_day},
                             {"working_days_left", dl.working_days_left},
                             {"overdue", dl.overdue}};
      if (!fleet_oldest_deadline || last_day < *fleet_oldest_deadline) fleet_oldest_deadline = last_day;
      any_overdue = any_overdue || dl.overdue;
    } else {
      m["oldest_waiting"] = nullptr;
    }
    if (c) {
      waiting += c->waiting;
      held += c->held;
      failed += c->failed;
    }
    list.push_back(std::move(m));
  }
  doc["outbox"] = {{"waiting", waiting},
                   {"held", held},
                   {"failed", failed},
                   {"earliest_deadline", fleet_oldest_deadline ? ojson(*fleet_oldest_deadline) : ojson(nullptr)},
                   {"any_overdue", any_overdue}};
  doc["municipalities"] = std::move(list);
  doc["clock"] = clock_facts();
  doc["disk"] = disk_facts(in.state_dir);
  doc["tpm"] = tpm_facts(in.tpm_version_file);
  doc["data_unlock"] = data_unlock_facts(in);
  doc["kiosk_restarts"] = in.kiosk_restarts ? ojson(*in.kiosk_restarts) : ojson(nullptr);
  doc["last_update"] = last_update(in.last_update_file);
  // Issue 20: a development image (test keys: anyone can sign for it) says so wherever it reports.
  const ImageTrust trust = read_image_trust(in.trust_file);
  doc["keys"] = to_string(trust.keys);
  auto hex_or_null = [](const std::string& v, std::size_t max) { return v.empty() ? ojson(nullptr) : ojson(clean_text(v, max)); };
  doc["trust"] = {{"file_present", trust.file_present},
                  {"sb_cert_sha256", hex_or_null(trust.sb_cert_sha256, 64)},
                  {"pcr_policy_pubkey_sha256", hex_or_null(trust.pcr_policy_pubkey_sha256, 1024)}};
  return doc.dump();
}

}  // namespace balie::store
