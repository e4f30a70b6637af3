// balie-inbox's sealing key ring: loading (ring or older single box.seed), opening with every key,
// the two-phase rotation and the server's reload on change (see key_ring.h).
#include "key_ring.h"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "balie/platform/secure_wipe.h"
#include "balie/record/codec.h"
#include "balie/record/json_limits.h"

namespace balie::inbox {
namespace {
using json = nlohmann::json;
using record::Errc;
using record::make_error;
using record::Status;

bool slurp(const std::string& p, std::string* out) {
  std::ifstream f(p, std::ios::binary);
  if (!f) return false;
  std::ostringstream ss;
  ss << f.rdbuf();
  *out = ss.str();
  return static_cast<bool>(f) || f.eof();
}

record::Result<record::Key32> read_seed(const std::string& p, bool must_be_private) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return make_error(Errc::invalid_input, "cannot read " + p + ": " + std::strerror(errno));
  if (must_be_private && (st.st_mode & 077) != 0)
    return make_error(Errc::invalid_input, p + " must be readable by its owner only (mode 0600)");
  std::string s;
  if (!slurp(p, &s) || s.size() > 200) return make_error(Errc::invalid_input, "cannot read " + p);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  auto b = record::from_hex(s);
  platform::secure_wipe(s);
  if (!b || b->size() != 32) return make_error(Errc::invalid_input, p + " is not a 32-byte seed in hex");
  record::Key32 k;
  std::copy(b->begin(), b->end(), k.begin());
  sodium_memzero(b->data(), b->size());
  return k;
}

bool is_key_id(const std::string& s) {
  return s.size() == 16 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

std::string ring_path(const std::string& d) { return d + "/box/ring"; }
std::string seed_path(const std::string& d, const std::string& id) { return d + "/box/" + id + ".seed"; }

Status fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return make_error(Errc::io, "cannot open folder " + dir + ": " + std::strerror(errno));
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return make_error(Errc::io, "fsync of folder " + dir + " failed: " + std::strerror(errno));
  return Status::Ok();
}

std::string ring_json(const KeyRing& r) {
  json prev = json::array(), open_only = json::array();
  for (std::size_t i = 1; i < r.keys().size(); ++i) {
    prev.push_back(r.keys()[i].id);
    if (!r.keys()[i].prove) open_only.push_back(r.keys()[i].id);
  }
  return json{{"version", 1}, {"current", r.current().id}, {"previous", prev}, {"open_only", open_only}}.dump(1) + "\n";
}

}  // namespace

std::string key_id(const record::Key32& pk) { return record::to_hex(pk.data(), pk.size()).substr(0, 16); }

Status write_secret_file(const std::string& path, const std::string& content) {
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  const std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());  // a leftover of an earlier crash
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return make_error(Errc::io, "cannot create " + tmp + ": " + std::strerror(errno));
  std::size_t off = 0;
  bool ok = true;
  while (ok && off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) off += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  const int e = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e2 = ok ? errno : e;
    ::unlink(tmp.c_str());
    return make_error(Errc::io, "cannot write " + path + ": " + std::strerror(e2));
  }
  return fsync_dir(dir);
}

record::Result<KeyRing> KeyRing::load(const std::string& d) {
  KeyRing r;
  struct stat st {};
  if (::stat(ring_path(d).c_str(), &st) != 0) {  // the older layout: one box.seed
    auto s = read_seed(d + "/box.seed", false);
    if (!s) return make_error(Errc::invalid_input, "no sealing key ring (box/ring) and " + s.error().message);
    RingKey k{"", record::BoxKey::from_seed(*s), true};
    sodium_memzero(s->data(), s->size());
    k.id = key_id(k.key.public_key);
    r.keys_.push_back(std::move(k));
    r.legacy_ = true;
    return r;
  }
  if ((st.st_mode & 077) != 0) return make_error(Errc::invalid_input, ring_path(d) + " must have mode 0600");
  std::string text;
  if (!slurp(ring_path(d), &text)) return make_error(Errc::invalid_input, "cannot read " + ring_path(d));
  auto j = record::parse_json_limited(text, record::JsonLimits{64 * 1024}, ring_path(d));
  if (!j) return j.error();
  auto bad = [&](const std::string& m) { return make_error(Errc::invalid_input, ring_path(d) + ": " + m); };
  if (!j->is_object() || !j->contains("current") || !(*j)["current"].is_string() || !j->contains("previous") ||
      !(*j)["previous"].is_array())
    return bad("needs \"current\" (key id) and \"previous\" (array of key ids)");
  std::vector<std::string> ids = {(*j)["current"].get<std::string>()};
  for (const auto& p : (*j)["previous"]) {
    if (!p.is_string()) return bad("\"previous\" must hold key ids");
    ids.push_back(p.get<std::string>());
  }
  std::vector<std::string> open_only;
  if (j->contains("open_only")) {
    if (!(*j)["open_only"].is_array()) return bad("\"open_only\" must be an array of key ids");
    for (const auto& p : (*j)["open_only"]) {
      if (!p.is_string()) return bad("\"open_only\" must hold key ids");
      open_only.push_back(p.get<std::string>());
    }
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (!is_key_id(ids[i])) return bad("key id '" + ids[i].substr(0, 40) + "' is not 16 lowercase hex characters");
    for (std::size_t k = 0; k < i; ++k)
      if (ids[k] == ids[i]) return bad("key " + ids[i] + " is named twice");
    auto s = read_seed(seed_path(d, ids[i]), true);
    if (!s) return s.error();
    RingKey k{ids[i], record::BoxKey::from_seed(*s), true};
    sodium_memzero(s->data(), s->size());
    if (key_id(k.key.public_key) != ids[i]) return bad("the seed in box/" + ids[i] + ".seed is of another key");
    k.prove = std::find(open_only.begin(), open_only.end(), ids[i]) == open_only.end();
    r.keys_.push_back(std::move(k));
  }
  if (!r.keys_.front().prove) return bad("the current key cannot be open_only");
  return r;
}

record::Result<std::string> KeyRing::open(const record::Envelope& e, std::string* opened_by) const {
  for (const auto& k : keys_) {
    auto p = record::open_sealed(e, k.key);
    if (p) {
      if (opened_by) *opened_by = k.id;
      return p;
    }
  }
  return make_error(Errc::crypto, "sealed part cannot be opened with any of this municipality's " +
                                      std::to_string(keys_.size()) + " sealing key(s)");
}

const RingKey& KeyRing::key_to_prove(const std::string& route_pk_hex) const {
  if (!route_pk_hex.empty())
    for (const auto& k : keys_)
      if (k.prove && record::to_hex(k.key.public_key.data(), 32) == route_pk_hex) return k;
  return current();
}

std::string KeyRing::describe() const {
  json keys = json::array();
  for (std::size_t i = 0; i < keys_.size(); ++i)
    keys.push_back({{"id", keys_[i].id},
                    {"x25519_pk", record::to_hex(keys_[i].key.public_key.data(), 32)},
                    {"current", i == 0},
                    {"prove", keys_[i].prove}});
  return json{{"current", current().id}, {"legacy_layout", legacy_}, {"keys", keys}}.dump(1);
}

record::Result<KeyRing> rotate_sealing_key(const std::string& d, bool compromised) {
  auto old = KeyRing::load(d);
  if (!old) return old.error();
  if (::mkdir((d + "/box").c_str(), 0700) != 0 && errno != EEXIST)
    return make_error(Errc::io, "cannot make " + d + "/box: " + std::strerror(errno));
  // Phase 1: every seed the new ring names exists on disk (durably) before the ring switches.
  record::Key32 seed = record::random_key32();
  KeyRing next;
  next.keys_.push_back({"", record::BoxKey::from_seed(seed), true});
  next.keys_.front().id = key_id(next.keys_.front().key.public_key);
  auto write_seed = [&](const std::string& id, const record::Key32& s) {
    std::string hex = record::to_hex(s.data(), s.size()) + "\n";
    auto st = write_secret_file(seed_path(d, id), hex);
    platform::secure_wipe(hex);
    return st;
  };
  if (auto s = write_seed(next.keys_.front().id, seed); !s) return s.error();
  sodium_memzero(seed.data(), seed.size());
  if (old->legacy()) {  // the older box.seed moves into the ring as the first previous key
    auto legacy = read_seed(d + "/box.seed", false);
    if (!legacy) return legacy.error();
    auto s = write_seed(old->current().id, *legacy);
    sodium_memzero(legacy->data(), legacy->size());
    if (!s) return s.error();
  }
  if (const char* c = std::getenv("BALIE_INBOX_TEST_CRASH"); c && std::strcmp(c, "after-seed") == 0) _exit(75);
  // Phase 2: the ring switches in one rename.
  for (std::size_t i = 0; i < old->keys().size(); ++i) {
    RingKey k = old->keys()[i];
    if (i == 0 && compromised) k.prove = false;
    next.keys_.push_back(std::move(k));
  }
  if (auto s = write_secret_file(ring_path(d), ring_json(next)); !s) return s.error();
  if (old->legacy()) ::unlink((d + "/box.seed").c_str());  // its copy is box/<id>.seed now
  return next;
}

RingWatcher::RingWatcher(std::string d, KeyRing initial)
    : dir_(std::move(d)), ring_(std::make_shared<const KeyRing>(std::move(initial))) {
  seen_ok_ = ::stat(ring_path(dir_).c_str(), &seen_) == 0;
}

std::shared_ptr<const KeyRing> RingWatcher::get() {
  std::lock_guard l(mu_);
  struct stat st {};
  const bool ok = ::stat(ring_path(dir_).c_str(), &st) == 0;
  const bool changed = ok != seen_ok_ || (ok && (st.st_ino != seen_.st_ino || st.st_mtim.tv_sec != seen_.st_mtim.tv_sec ||
                                                 st.st_mtim.tv_nsec != seen_.st_mtim.tv_nsec || st.st_size != seen_.st_size));
  if (!changed) return ring_;
  auto r = KeyRing::load(dir_);
  if (!r) {
    if (r.error().message != last_error_)
      std::fprintf(stderr, "balie-inbox: the changed key ring is not used: %s\n", r.error().message.c_str());
    last_error_ = r.error().message;
    return ring_;  // checked again on the next request
  }
  std::fprintf(stderr, "balie-inbox: sealing key ring reloaded; current key %s, %zu key(s)\n", r->current().id.c_str(),
               r->keys().size());
  ring_ = std::make_shared<const KeyRing>(std::move(*r));
  seen_ = st;
  seen_ok_ = ok;
  last_error_.clear();
  return ring_;
}

}  // namespace balie::inbox
