// Update bundles and rollouts of balie-coa (coa/src/updates.h): a small tar reader (headers only; the
// data is read where it lies), the bundle checks an upload must pass (the same ones the terminal's
// installer makes, so a bundle every terminal would refuse never reaches a ring), chunked storage in
// PostgreSQL, the rings and the roll-back rule, and the `update` / `rollout` administration commands.
#include "updates.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "balie/record/codec.h"

namespace balie::coa {

using json = nlohmann::json;
using record::Errc;
using record::make_error;
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kBlock = 512;
constexpr std::size_t kMaxEntries = 64;
constexpr std::uint64_t kMaxManifest = 64 * 1024;

// An octal field (NUL/space terminated) or GNU base-256 (high bit of the first byte set).
std::optional<std::uint64_t> tar_number(const unsigned char* p, std::size_t n) {
  if (n > 0 && (p[0] & 0x80)) {
    if (p[0] != 0x80) return std::nullopt;  // negative or too large
    std::uint64_t v = 0;
    for (std::size_t i = 1; i < n; ++i) {
      if (v >> 56) return std::nullopt;
      v = (v << 8) | p[i];
    }
    return v;
  }
  std::size_t i = 0;
  while (i < n && p[i] == ' ') ++i;
  std::uint64_t v = 0;
  bool any = false;
  for (; i < n && p[i] >= '0' && p[i] <= '7'; ++i) {
    if (v >> 60) return std::nullopt;
    v = v * 8 + static_cast<std::uint64_t>(p[i] - '0');
    any = true;
  }
  for (; i < n; ++i)
    if (p[i] != ' ' && p[i] != '\0') return std::nullopt;
  if (!any) return std::nullopt;
  return v;
}

std::string tar_string(const unsigned char* p, std::size_t n) {
  std::size_t len = 0;
  while (len < n && p[len] != '\0') ++len;
  return std::string(reinterpret_cast<const char*>(p), len);
}

bool read_at(std::ifstream& f, std::uint64_t off, char* buf, std::size_t n) {
  f.clear();
  f.seekg(static_cast<std::streamoff>(off));
  f.read(buf, static_cast<std::streamsize>(n));
  return f.gcount() == static_cast<std::streamsize>(n);
}

std::optional<std::string> read_range(const std::string& path, std::uint64_t off, std::uint64_t n) {
  std::ifstream f(path, std::ios::binary);
  std::string s(n, '\0');
  if (!f || !read_at(f, off, s.data(), n)) return std::nullopt;
  return s;
}

// Runs argv (no shell) and returns its exit status with stdout+stderr in *out; -1 when it cannot run.
int run_program(const std::vector<std::string>& argv, std::string* out) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return -1;
  std::vector<char*> a;
  for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
  a.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return -1;
  }
  if (pid == 0) {
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    execvp(a[0], a.data());
    _exit(127);
  }
  close(fds[1]);
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n > 0) {
      if (out && out->size() < 64 * 1024) out->append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string first_line(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  if (s.size() > 300) s.resize(300);
  return s;
}

bool valid_device_id(const std::string& id) {
  static const std::regex re("^[A-Za-z0-9._-]{1,64}$");
  return std::regex_match(id, re);
}

DbError invalid(std::string m) { return DbError{DbError::Kind::Invalid, std::move(m)}; }

std::string pg_array(const std::vector<std::string>& ids) {  // ids are checked: no quoting needed
  std::string s = "{";
  for (std::size_t i = 0; i < ids.size(); ++i) s += (i ? "," : "") + ids[i];
  return s + "}";
}

bool stage_includes(const std::string& stage, int percent, bool is_canary, const std::string& device_id) {
  if (stage == "canary") return is_canary;
  if (stage == "percent") return is_canary || rollout_bucket(device_id) < percent * 100;
  return stage == "all";
}

DbStatus audit(Db& d, const std::string& actor, const std::string& action, const std::string& detail) {
  auto a = d.exec("INSERT INTO audit (actor, action, detail) VALUES ($1, $2, $3)", {actor, action, detail});
  if (!a) return a.error();
  return {};
}

}  // namespace

// --- tar ----------------------------------------------------------------------------------------------

record::Result<std::vector<TarEntry>> read_tar_index(const std::string& path) {
  std::error_code ec;
  const std::uint64_t file_size = fs::file_size(path, ec);
  if (ec) return make_error(Errc::io, "cannot read " + path + ": " + ec.message());
  std::ifstream f(path, std::ios::binary);
  if (!f) return make_error(Errc::io, "cannot open " + path);
  std::vector<TarEntry> out;
  std::string long_name;
  std::uint64_t pos = 0;
  for (;;) {
    std::array<unsigned char, kBlock> h{};
    if (pos + kBlock > file_size || !read_at(f, pos, reinterpret_cast<char*>(h.data()), kBlock))
      return make_error(Errc::invalid_input, "not a complete tar file: it ends at byte " + std::to_string(file_size) +
                                                 " without the end-of-archive blocks (truncated?)");
    if (std::all_of(h.begin(), h.end(), [](unsigned char c) { return c == 0; })) {
      std::array<unsigned char, kBlock> h2{};
      if (pos + 2 * kBlock > file_size || !read_at(f, pos + kBlock, reinterpret_cast<char*>(h2.data()), kBlock) ||
          !std::all_of(h2.begin(), h2.end(), [](unsigned char c) { return c == 0; }))
        return make_error(Errc::invalid_input, "not a complete tar file: a single zero block at byte " +
                                                   std::to_string(pos) + " (truncated?)");
      break;
    }
    auto sum = tar_number(h.data() + 148, 8);
    std::uint64_t computed = 0;
    for (std::size_t i = 0; i < kBlock; ++i) computed += (i >= 148 && i < 156) ? ' ' : h[i];
    if (!sum || *sum != computed)
      return make_error(Errc::invalid_input, "not a tar file (header checksum wrong at byte " + std::to_string(pos) + ")");
    auto size = tar_number(h.data() + 124, 12);
    if (!size) return make_error(Errc::invalid_input, "bad size field in the tar header at byte " + std::to_string(pos));
    const char type = static_cast<char>(h[156]);
    const std::uint64_t data = pos + kBlock;
    const std::uint64_t padded = (*size + kBlock - 1) / kBlock * kBlock;
    if (*size > file_size || data + padded > file_size)
      return make_error(Errc::invalid_input, "tar entry at byte " + std::to_string(pos) + " runs past the end of the file (" +
                                                 std::to_string(file_size) + " bytes; truncated?)");
    if (type == 'L') {  // GNU long name: the data is the next entry's name
      if (*size > 4096) return make_error(Errc::invalid_input, "tar long name too long");
      auto n = read_range(path, data, *size);
      if (!n) return make_error(Errc::io, "cannot read " + path);
      long_name = tar_string(reinterpret_cast<const unsigned char*>(n->data()), n->size());
      pos = data + padded;
      continue;
    }
    if (type == 'x' || type == 'g')
      return make_error(Errc::invalid_input, "pax extended headers are not supported (make bundles with image/bundle.sh)");
    TarEntry e;
    e.type = type;
    e.size = *size;
    e.offset = data;
    if (!long_name.empty()) {
      e.name = long_name;
      long_name.clear();
    } else {
      e.name = tar_string(h.data(), 100);
      // POSIX ustar keeps a path prefix in its own field (GNU uses that space for other things).
      if (std::memcmp(h.data() + 257, "ustar\0", 6) == 0) {
        const std::string prefix = tar_string(h.data() + 345, 155);
        if (!prefix.empty()) e.name = prefix + "/" + e.name;
      }
    }
    if (e.name.rfind("./", 0) == 0) e.name = e.name.substr(2);
    out.push_back(std::move(e));
    if (out.size() > kMaxEntries) return make_error(Errc::invalid_input, "too many entries in the tar file");
    pos = data + padded;
  }
  return out;
}

// --- bundles ------------------------------------------------------------------------------------------

json BundleManifest::to_json() const {
  return json{{"version", version}, {"roothash", roothash}, {"squashfs_size", squashfs_size},
              {"verity_size", verity_size}, {"commit", commit}};
}

record::Result<BundleManifest> parse_bundle_manifest(std::string_view text) {
  std::map<std::string, std::string> kv;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    const auto eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0)
      return make_error(Errc::invalid_input, "manifest: line without key=value: " + std::string(line.substr(0, 80)));
    const std::string key(line.substr(0, eq));
    if (!kv.emplace(key, std::string(line.substr(eq + 1))).second)
      return make_error(Errc::invalid_input, "manifest: " + key + " appears twice");
  }
  auto number = [&](const char* key, std::size_t max_digits) -> std::optional<std::uint64_t> {
    auto it = kv.find(key);
    if (it == kv.end() || it->second.empty() || it->second.size() > max_digits ||
        it->second.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    return std::stoull(it->second);
  };
  BundleManifest m;
  auto v = number("version", 18);
  if (!v) return make_error(Errc::invalid_input, "manifest: version must be a number (got '" + kv["version"] + "')");
  m.version = static_cast<std::int64_t>(*v);
  m.roothash = kv["roothash"];
  static const std::regex hex64("^[0-9a-f]{64}$");
  if (!std::regex_match(m.roothash, hex64)) return make_error(Errc::invalid_input, "manifest: roothash must be 64 hex characters");
  auto sq = number("squashfs_size", 15), vt = number("verity_size", 15);
  if (!sq || !vt || *sq == 0 || *vt == 0)
    return make_error(Errc::invalid_input, "manifest: squashfs_size and verity_size must be positive numbers");
  m.squashfs_size = *sq;
  m.verity_size = *vt;
  m.commit = kv.count("commit") ? kv["commit"].substr(0, 64) : "";
  return m;
}

record::Result<CheckedBundle> check_update_bundle(const std::string& path, const std::string& signer_cert) {
  if (signer_cert.empty() || !fs::exists(signer_cert))
    return make_error(Errc::io, "no update signer certificate (set update_signer_cert in the service configuration)");
  auto idx = read_tar_index(path);
  if (!idx) return idx.error();
  if (idx->empty() || idx->front().name != "manifest")
    return make_error(Errc::invalid_input, "not an update bundle: the manifest must be the first entry of the tar");
  static const std::set<std::string> expected = {"manifest", "balie-a.efi", "balie-b.efi", "root.squashfs", "root.verity"};
  std::map<std::string, TarEntry> by_name;
  for (const auto& e : *idx) {
    if (e.type != '0' && e.type != '\0')
      return make_error(Errc::invalid_input, "bundle entry " + e.name + " is not a regular file");
    if (!expected.count(e.name)) return make_error(Errc::invalid_input, "unexpected entry in the bundle: " + e.name);
    if (!by_name.emplace(e.name, e).second) return make_error(Errc::invalid_input, "bundle entry " + e.name + " appears twice");
  }
  for (const auto& n : expected)
    if (!by_name.count(n)) return make_error(Errc::invalid_input, "the bundle has no " + n);
  const TarEntry& me = by_name["manifest"];
  if (me.size > kMaxManifest) return make_error(Errc::invalid_input, "the manifest is too large");
  auto mtext = read_range(path, me.offset, me.size);
  if (!mtext) return make_error(Errc::io, "cannot read the manifest");
  auto m = parse_bundle_manifest(*mtext);
  if (!m) return m.error();
  if (by_name["root.squashfs"].size != m->squashfs_size)
    return make_error(Errc::invalid_input, "root.squashfs is " + std::to_string(by_name["root.squashfs"].size) +
                                               " bytes, the manifest says " + std::to_string(m->squashfs_size));
  if (by_name["root.verity"].size != m->verity_size)
    return make_error(Errc::invalid_input, "root.verity is " + std::to_string(by_name["root.verity"].size) +
                                               " bytes, the manifest says " + std::to_string(m->verity_size));

  // Both UKIs: signed by the update signer (sbverify), and their signed command line boots their slot
  // with the manifest's root hash (as the installer checks; image/rootfs/usr/lib/balie/update).
  char tmpl[] = "/tmp/balie-coa-upload.XXXXXX";
  const char* tmpdir = mkdtemp(tmpl);
  if (!tmpdir) return make_error(Errc::io, std::string("mkdtemp: ") + std::strerror(errno));
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code e;
      fs::remove_all(dir, e);
    }
  } cleanup{tmpdir};
  for (const char slot : {'a', 'b'}) {
    const std::string name = std::string("balie-") + slot + ".efi";
    const TarEntry& e = by_name[name];
    auto bytes = read_range(path, e.offset, e.size);
    if (!bytes) return make_error(Errc::io, "cannot read " + name);
    const std::string file = cleanup.dir + "/" + name;
    { std::ofstream(file, std::ios::binary) << *bytes; }
    std::string out;
    const int rc = run_program({"sbverify", "--cert", signer_cert, file}, &out);
    if (rc == -1 || rc == 127) return make_error(Errc::io, "cannot run sbverify (install sbsigntool)");
    if (rc != 0)
      return make_error(Errc::crypto, name + " is not signed by the update signer certificate (sbverify: " +
                                          first_line(out) + ")");
    const std::string dev = std::string("/dev/disk/by-partlabel/root-") + slot;
    const std::string verity = "balie.verity=" + dev + "," + dev + "-verity," + m->roothash;
    const auto at = bytes->find(verity);
    if (at == std::string::npos || at + verity.size() >= bytes->size() ||
        ((*bytes)[at + verity.size()] != ' ' && (*bytes)[at + verity.size()] != '\0'))
      return make_error(Errc::invalid_input, name + " does not boot slot " + slot + " with the manifest's root hash");
    if (bytes->find("IMAGE_VERSION=" + std::to_string(m->version) + "\n") == std::string::npos)
      return make_error(Errc::invalid_input, name + " is not version " + std::to_string(m->version));
  }

  CheckedBundle b;
  b.manifest = *m;
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  std::ifstream f(path, std::ios::binary);
  std::vector<char> buf(kUpdateChunkBytes);
  while (f) {
    f.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto n = f.gcount();
    if (n <= 0) break;
    crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(buf.data()), static_cast<unsigned long long>(n));
    b.size += static_cast<std::uint64_t>(n);
  }
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&st, h);
  b.sha256 = record::to_hex(h, sizeof h);
  return b;
}

DbResult<StoredUpdate> store_update(Db& db, const std::string& path, const CheckedBundle& b, const std::string& actor) {
  StoredUpdate out;
  DbStatus st = db.transaction([&](Db& d) -> DbStatus {
    auto mx = d.exec("SELECT coalesce(max(version), -1) FROM updates");
    if (!mx) return mx.error();
    if (mx->int64(0, 0) >= b.manifest.version)
      return invalid("version " + std::to_string(b.manifest.version) + " is not newer than the newest uploaded version " +
                     std::to_string(mx->int64(0, 0)));
    auto ins = d.exec(
        "INSERT INTO updates (version, sha256, size, manifest, uploaded_by) VALUES ($1, $2, $3, $4::jsonb, $5) RETURNING id",
        {std::to_string(b.manifest.version), b.sha256, std::to_string(b.size), b.manifest.to_json().dump(), actor});
    if (!ins) return ins.error();
    out.id = ins->int64(0, 0);
    out.version = b.manifest.version;
    // The file is read again here: what is stored must hash to what was checked.
    std::ifstream f(path, std::ios::binary);
    if (!f) return invalid("cannot read " + path + " again");
    crypto_hash_sha256_state hs;
    crypto_hash_sha256_init(&hs);
    std::vector<char> buf(kUpdateChunkBytes);
    std::uint64_t total = 0;
    const std::string id = std::to_string(out.id);
    for (int idx = 0;; ++idx) {
      f.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      const auto n = static_cast<std::size_t>(f.gcount());
      if (n == 0) break;
      crypto_hash_sha256_update(&hs, reinterpret_cast<const unsigned char*>(buf.data()), n);
      total += n;
      auto c = d.exec("INSERT INTO update_chunks (update_id, idx, data) VALUES ($1, $2, $3::bytea)",
                      {id, std::to_string(idx), "\\x" + record::to_hex(reinterpret_cast<const std::uint8_t*>(buf.data()), n)});
      if (!c) return c.error();
      if (n < buf.size()) break;
    }
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&hs, h);
    if (total != b.size || record::to_hex(h, sizeof h) != b.sha256)
      return invalid(path + " changed while it was being uploaded; nothing stored");
    return audit(d, actor, "update_upload",
                 "version " + std::to_string(out.version) + ", " + std::to_string(b.size) + " bytes, sha256 " + b.sha256);
  });
  if (!st.ok()) return st.error();
  return out;
}

// --- rollouts -----------------------------------------------------------------------------------------

int rollout_bucket(const std::string& device_id) {
  const std::string in = "balie-rollout:" + device_id;
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, reinterpret_cast<const unsigned char*>(in.data()), in.size());
  const std::uint32_t v = (std::uint32_t{h[0]} << 24) | (std::uint32_t{h[1]} << 16) | (std::uint32_t{h[2]} << 8) | h[3];
  return static_cast<int>(v % 10000);
}

DbStatus start_rollout(Db& db, std::int64_t version, const std::vector<std::string>& canary, const std::string& actor,
                       double halt_threshold, int halt_min_count) {
  if (canary.empty()) return invalid("a rollout starts with at least one canary device");
  for (const auto& c : canary)
    if (!valid_device_id(c)) return invalid("not a device id: '" + c + "'");
  return db.transaction([&](Db& d) -> DbStatus {
    auto u = d.exec("SELECT id FROM updates WHERE version = $1", {std::to_string(version)});
    if (!u) return u.error();
    if (u->empty()) return invalid("no update with version " + std::to_string(version) + " (update upload first)");
    const std::string id = u->text(0, 0);
    auto newer = d.exec("SELECT coalesce(max(u.version), -1) FROM rollouts r JOIN updates u ON u.id = r.update_id");
    if (!newer) return newer.error();
    if (newer->int64(0, 0) >= version)
      return invalid("a rollout of version " + std::to_string(newer->int64(0, 0)) + " exists; rollouts only go forward");
    auto known = d.exec("SELECT device_id FROM devices WHERE device_id = ANY($1::text[]) AND revoked_at IS NULL",
                        {pg_array(canary)});
    if (!known) return known.error();
    std::set<std::string> found;
    for (int i = 0; i < known->size(); ++i) found.insert(known->text(i, 0));
    for (const auto& c : canary)
      if (!found.count(c)) return invalid("canary device " + c + " is not an enrolled, unrevoked device");
    auto old = d.exec(
        "UPDATE rollouts SET stopped_in = stage, stage = 'done', changed_by = $1, changed_at = now() "
        "WHERE stage IN ('canary', 'percent', 'all')",
        {actor});
    if (!old) return old.error();
    auto ins = d.exec(
        "INSERT INTO rollouts (update_id, stage, canary_devices, halt_threshold, halt_min_count, created_by, changed_by) "
        "VALUES ($1, 'canary', $2::text[], $3, $4, $5, $5)",
        {id, pg_array(canary), std::to_string(halt_threshold), std::to_string(halt_min_count), actor});
    if (!ins) return ins.error();
    std::string list;
    for (const auto& c : canary) list += (list.empty() ? "" : ",") + c;
    return audit(d, actor, "rollout_start", "version " + std::to_string(version) + ", canary " + list);
  });
}

DbResult<std::string> advance_rollout(Db& db, std::int64_t version, std::optional<int> percent, const std::string& actor) {
  if (percent && (*percent < 1 || *percent > 100)) return invalid("the percentage must be 1..100");
  std::string result;
  DbStatus st = db.transaction([&](Db& d) -> DbStatus {
    auto r = d.exec("SELECT r.update_id, r.stage, r.percent FROM rollouts r JOIN updates u ON u.id = r.update_id "
                    "WHERE u.version = $1",
                    {std::to_string(version)});
    if (!r) return r.error();
    if (r->empty()) return invalid("no rollout of version " + std::to_string(version));
    const std::string stage = r->text(0, 1);
    const int current = static_cast<int>(r->int64(0, 2));
    std::string next_stage;
    int next_percent = 100;
    if (stage == "canary" || stage == "percent") {
      if (!percent || *percent == 100) {
        next_stage = "all";
      } else if (stage == "percent" && *percent <= current) {
        return invalid("the rollout is at " + std::to_string(current) + "%; a next stage must be larger");
      } else {
        next_stage = "percent";
        next_percent = *percent;
      }
    } else if (stage == "all") {
      return invalid("the rollout of version " + std::to_string(version) + " reaches all devices already");
    } else {
      return invalid("the rollout of version " + std::to_string(version) + " is " + stage +
                     "; it cannot go further (upload and roll out a newer version)");
    }
    auto up = d.exec(
        "UPDATE rollouts SET stage = $2, percent = $3, stage_started_at = now(), changed_by = $4, changed_at = now() "
        "WHERE update_id = $1",
        {r->text(0, 0), next_stage, std::to_string(next_percent), actor});
    if (!up) return up.error();
    result = next_stage == "percent" ? "percent " + std::to_string(next_percent) : next_stage;
    return audit(d, actor, "rollout_advance", "version " + std::to_string(version) + " -> " + result);
  });
  if (!st.ok()) return st.error();
  return result;
}

namespace {

DbStatus halt_in(Db& d, const std::string& update_id, const std::string& actor, const std::string& reason,
                 const std::string& what) {
  auto up = d.exec(
      "UPDATE rollouts SET stopped_in = stage, stage = 'halted', halt_reason = $2, changed_by = $3, changed_at = now() "
      "WHERE update_id = $1 AND stage IN ('canary', 'percent', 'all')",
      {update_id, reason, actor});
  if (!up) return up.error();
  return audit(d, actor, "rollout_halt", what + ": " + reason);
}

}  // namespace

DbStatus halt_rollout(Db& db, std::int64_t version, const std::string& actor, const std::string& reason) {
  return db.transaction([&](Db& d) -> DbStatus {
    auto r = d.exec("SELECT r.update_id, r.stage FROM rollouts r JOIN updates u ON u.id = r.update_id WHERE u.version = $1",
                    {std::to_string(version)});
    if (!r) return r.error();
    if (r->empty()) return invalid("no rollout of version " + std::to_string(version));
    const std::string stage = r->text(0, 1);
    if (stage == "halted" || stage == "done")
      return invalid("the rollout of version " + std::to_string(version) + " is " + stage + " already");
    return halt_in(d, r->text(0, 0), actor, reason, "version " + std::to_string(version));
  });
}

DbResult<json> show_rollout(Db& db, std::int64_t version) {
  auto r = db.exec(
      "SELECT u.id, u.version, u.sha256, u.size, r.stage, r.percent, array_to_string(r.canary_devices, ','), "
      "coalesce(r.stopped_in, ''), r.halt_reason, r.halt_threshold, r.halt_min_count, "
      "to_char(r.stage_started_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), r.changed_by "
      "FROM updates u JOIN rollouts r ON r.update_id = u.id WHERE u.version = $1",
      {std::to_string(version)});
  if (!r) return r.error();
  if (r->empty()) return invalid("no rollout of version " + std::to_string(version));
  json canary = json::array();
  for (std::size_t s = 0, e; s < r->text(0, 6).size(); s = e + 1) {
    e = r->text(0, 6).find(',', s);
    if (e == std::string::npos) e = r->text(0, 6).size();
    canary.push_back(r->text(0, 6).substr(s, e - s));
  }
  json j = {{"update_id", r->int64(0, 0)}, {"version", r->int64(0, 1)}, {"sha256", r->text(0, 2)},
            {"size", r->int64(0, 3)}, {"stage", r->text(0, 4)}, {"percent", r->int64(0, 5)},
            {"canary", canary}, {"stopped_in", r->text(0, 7)}, {"halt_reason", r->text(0, 8)},
            {"halt_threshold", std::stod(r->text(0, 9))}, {"halt_min_count", r->int64(0, 10)},
            {"stage_started_at", r->text(0, 11)}, {"changed_by", r->text(0, 12)}};
  auto devs = db.exec(
      "SELECT device_id, state, to_char(at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), detail FROM update_device_states "
      "WHERE update_id = $1 ORDER BY device_id",
      {r->text(0, 0)});
  if (!devs) return devs.error();
  json d = json::array();
  json counts = json::object();
  for (int i = 0; i < devs->size(); ++i) {
    d.push_back({{"device_id", devs->text(i, 0)}, {"state", devs->text(i, 1)}, {"at", devs->text(i, 2)},
                 {"detail", devs->text(i, 3)}});
    counts[devs->text(i, 1)] = counts.value(devs->text(i, 1), 0) + 1;
  }
  j["devices"] = d;
  j["counts"] = counts;
  return j;
}

DbResult<std::optional<Assignment>> assigned_update(Db& db, const std::string& device_id, bool offer) {
  auto r = db.exec(
      "SELECT r.update_id, u.version, u.size, u.sha256, r.stage, r.percent, $1 = ANY(r.canary_devices) "
      "FROM rollouts r JOIN updates u ON u.id = r.update_id WHERE r.stage IN ('canary', 'percent', 'all') "
      "ORDER BY u.version DESC LIMIT 1",
      {device_id});
  if (!r) return r.error();
  if (r->empty()) return std::optional<Assignment>{};
  if (!stage_includes(r->text(0, 4), static_cast<int>(r->int64(0, 5)), r->boolean(0, 6), device_id))
    return std::optional<Assignment>{};
  Assignment a;
  a.update_id = r->int64(0, 0);
  a.version = r->int64(0, 1);
  a.size = r->int64(0, 2);
  a.sha256 = r->text(0, 3);
  if (offer) {
    auto s = db.exec("SELECT state FROM update_reports WHERE update_id = $1 AND device_id = $2 ORDER BY id DESC LIMIT 1",
                     {std::to_string(a.update_id), device_id});
    if (!s) return s.error();
    if (!s->empty() && s->text(0, 0) != "downloaded") return std::optional<Assignment>{};
  }
  return std::optional<Assignment>{a};
}

DbResult<bool> device_in_rollout(Db& db, const std::string& device_id, std::int64_t update_id, bool include_stopped) {
  auto r = db.exec("SELECT stage, coalesce(stopped_in, ''), percent, $2 = ANY(canary_devices) FROM rollouts WHERE update_id = $1",
                   {std::to_string(update_id), device_id});
  if (!r) return r.error();
  if (r->empty()) return false;
  std::string stage = r->text(0, 0);
  if (stage == "halted" || stage == "done") {
    if (!include_stopped) return false;
    stage = r->text(0, 1);
  }
  return stage_includes(stage, static_cast<int>(r->int64(0, 2)), r->boolean(0, 3), device_id);
}

DbResult<ReportOutcome> record_update_report(Db& db, const std::string& device_id, std::int64_t update_id,
                                             std::int64_t version, const std::string& state, const std::string& detail) {
  using K = ReportOutcome::Kind;
  static const std::set<std::string> states = {"downloaded", "installed", "blessed", "rolled_back", "failed"};
  if (!states.count(state)) return invalid("state must be downloaded, installed, blessed, rolled_back or failed");
  ReportOutcome out;
  DbStatus st = db.transaction([&](Db& d) -> DbStatus {
    out = ReportOutcome{};
    const std::string id = std::to_string(update_id);
    auto u = d.exec("SELECT version FROM updates WHERE id = $1", {id});
    if (!u) return u.error();
    if (u->empty()) {
      out.kind = K::UnknownUpdate;
      return {};
    }
    if (u->int64(0, 0) != version) {
      out.kind = K::VersionMismatch;
      return {};
    }
    auto in = device_in_rollout(d, device_id, update_id, true);
    if (!in) return in.error();
    if (!*in) {
      out.kind = K::NotAssigned;
      return {};
    }
    auto last = d.exec("SELECT state FROM update_reports WHERE update_id = $1 AND device_id = $2 ORDER BY id DESC LIMIT 1",
                       {id, device_id});
    if (!last) return last.error();
    if (!last->empty() && last->text(0, 0) == state) {
      out.kind = K::Duplicate;  // a retried report is stored once
      return {};
    }
    auto ins = d.exec("INSERT INTO update_reports (device_id, update_id, state, detail) VALUES ($1, $2, $3, $4)",
                      {device_id, id, state, detail});
    if (!ins) return ins.error();
    if (state == "rolled_back" || state == "failed") {
      // An installer that refused the bundle counts like a roll-back: the version does not run there.
      const std::string kind = state == "failed" ? "update_failed" : "rolled_back";
      auto a = d.exec(
          "INSERT INTO alerts (device_id, kind, detail) VALUES ($1, $2, $3) "
          "ON CONFLICT (device_id, kind) WHERE cleared_at IS NULL DO UPDATE SET detail = $3",
          {device_id, kind,
           ("version " + std::to_string(version) + (state == "failed" ? " not installed " : " rolled back ") + detail)
               .substr(0, 200)});
      if (!a) return a.error();
    }
    // The halt rule, over the devices that reported since the current stage began.
    auto r = d.exec(
        "SELECT r.stage, r.halt_threshold, r.halt_min_count, "
        "  (SELECT count(DISTINCT device_id) FROM update_reports x WHERE x.update_id = r.update_id "
        "     AND x.at >= r.stage_started_at AND x.state IN ('rolled_back', 'failed')), "
        "  (SELECT count(DISTINCT device_id) FROM update_reports x WHERE x.update_id = r.update_id "
        "     AND x.at >= r.stage_started_at) "
        "FROM rollouts r WHERE r.update_id = $1",
        {id});
    if (!r) return r.error();
    const std::string stage = r->text(0, 0);
    if (stage != "canary" && stage != "percent" && stage != "all") return {};
    const double threshold = std::stod(r->text(0, 1));
    const long long min_count = r->int64(0, 2), rolled = r->int64(0, 3), reporting = r->int64(0, 4);
    if (static_cast<double>(rolled) >= std::max(static_cast<double>(min_count), threshold * static_cast<double>(reporting))) {
      out.halted = true;
      return halt_in(d, id, "balie-coa",
                     std::to_string(rolled) + " of " + std::to_string(reporting) + " reporting devices rolled back or failed in stage " +
                         stage,
                     "version " + std::to_string(version));
    }
    return {};
  });
  if (!st.ok()) return st.error();
  return out;
}

DbResult<std::optional<std::string>> update_chunk(Db& db, std::int64_t update_id, std::int64_t idx) {
  auto r = db.exec("SELECT data FROM update_chunks WHERE update_id = $1 AND idx = $2",
                   {std::to_string(update_id), std::to_string(idx)});
  if (!r) return r.error();
  if (r->empty()) return std::optional<std::string>{};
  const std::string hex = r->text(0, 0);
  if (hex.rfind("\\x", 0) != 0) return DbError{DbError::Kind::Other, "bytea not in hex output format"};
  auto raw = record::from_hex(std::string_view(hex).substr(2));
  if (!raw) return DbError{DbError::Kind::Other, "bad bytea hex"};
  return std::optional<std::string>{std::string(raw->begin(), raw->end())};
}

}  // namespace balie::coa

// --- administration commands --------------------------------------------------------------------------

namespace balie::coa {

const char* const kUpdateUsage =
    "  update upload FILE                   check and store a signed update bundle (image/bundle.sh)\n"
    "  rollout start VERSION DEV[,DEV..]    roll VERSION out to these canary devices\n"
    "  rollout advance VERSION [PERCENT]    canary -> PERCENT % of the fleet -> all (no PERCENT: all)\n"
    "  rollout halt VERSION                 stop offering VERSION\n"
    "  rollout show VERSION                 the rollout and what each device reported (JSON)\n";

namespace {

int refused(const std::string& m) {
  std::fprintf(stderr, "balie-coa: %s\n", m.c_str());
  return 4;
}
int db_failed(const DbError& e) {
  std::fprintf(stderr, "balie-coa: %s\n", e.message.c_str());
  return e.kind == DbError::Kind::Invalid || e.kind == DbError::Kind::Conflict ? 4 : 3;
}
std::optional<std::int64_t> parse_version(const std::string& s) {
  if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stoll(s);
}

}  // namespace

std::optional<int> run_update_command(Db& db, const std::string& signer_cert, const std::vector<std::string>& args,
                                      const std::string& actor) {
  if (args.size() < 2 || (args[0] != "update" && args[0] != "rollout")) return std::nullopt;
  const std::string cmd = args[0] + " " + args[1];
  auto usage = [] {
    std::fputs(kUpdateUsage, stderr);
    return 2;
  };
  if (cmd == "update upload") {
    if (args.size() != 3) return usage();
    if (signer_cert.empty()) {
      std::fputs("balie-coa: update upload needs --config with update_signer_cert\n", stderr);
      return 2;
    }
    auto checked = check_update_bundle(args[2], signer_cert);
    if (!checked) return refused(args[2] + ": " + checked.error().message);
    auto stored = store_update(db, args[2], *checked, actor);
    if (!stored) return db_failed(stored.error());
    std::printf("update %lld: version %lld, %llu bytes, sha256 %s\n", static_cast<long long>(stored->id),
                static_cast<long long>(stored->version), static_cast<unsigned long long>(checked->size),
                checked->sha256.c_str());
    return 0;
  }
  if (args.size() < 3) return usage();
  auto version = parse_version(args[2]);
  if (!version) return refused("VERSION must be a number");
  if (cmd == "rollout start" && args.size() == 4) {
    std::vector<std::string> canary;
    for (std::size_t s = 0, e; s <= args[3].size(); s = e + 1) {
      e = args[3].find(',', s);
      if (e == std::string::npos) e = args[3].size();
      if (e > s) canary.push_back(args[3].substr(s, e - s));
    }
    auto st = start_rollout(db, *version, canary, actor);
    if (!st.ok()) return db_failed(st.error());
    std::printf("rollout of version %lld: canary (%zu devices)\n", static_cast<long long>(*version), canary.size());
    return 0;
  }
  if (cmd == "rollout advance" && (args.size() == 3 || args.size() == 4)) {
    std::optional<int> percent;
    if (args.size() == 4) {
      const std::string p = args[3].back() == '%' ? args[3].substr(0, args[3].size() - 1) : args[3];
      if (p.empty() || p.size() > 3 || p.find_first_not_of("0123456789") != std::string::npos)
        return refused("PERCENT must be 1..100");
      percent = std::stoi(p);
    }
    auto r = advance_rollout(db, *version, percent, actor);
    if (!r) return db_failed(r.error());
    std::printf("rollout of version %lld: %s\n", static_cast<long long>(*version), r->c_str());
    return 0;
  }
  if (cmd == "rollout halt" && args.size() == 3) {
    auto st = halt_rollout(db, *version, actor, "halted by " + actor);
    if (!st.ok()) return db_failed(st.error());
    std::printf("rollout of version %lld: halted\n", static_cast<long long>(*version));
    return 0;
  }
  if (cmd == "rollout show" && args.size() == 3) {
    auto j = show_rollout(db, *version);
    if (!j) return db_failed(j.error());
    std::printf("%s\n", j->dump(2).c_str());
    return 0;
  }
  return usage();
}

}  // namespace balie::coa
