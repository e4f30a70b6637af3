// balie-inbox document / evidence / evidence-checks (see inbox_doc_cmd.h).
#include "inbox_doc_cmd.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

#include "balie/record/codec.h"
#include "balie/record/evidence.h"
#include "document.h"

namespace balie::inbox {
namespace {

// Default place of the text packs when installed (--texts overrides).
constexpr const char* kDefaultTextsDir = "/usr/share/balie/texts";

int fail(int code, const std::string& m) {
  std::fprintf(stderr, "balie-inbox: %s\n", m.c_str());
  return code;
}

// Personal data: written 0600, replaced atomically.
bool write_private(const std::string& path, const std::string& bytes) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  std::size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + off, bytes.size() - off);
    if (n <= 0) {
      ::close(fd);
      ::unlink(tmp.c_str());
      return false;
    }
    off += static_cast<std::size_t>(n);
  }
  const bool ok = ::fsync(fd) == 0 && ::close(fd) == 0;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

bool read_seed_hex(const std::string& p, record::Key32* k) {
  std::ifstream f(p);
  std::string s;
  if (!f || !std::getline(f, s)) return false;
  auto b = record::from_hex(s);
  if (!b || b->size() != 32) return false;
  std::copy(b->begin(), b->end(), k->begin());
  return true;
}

}  // namespace

int run_document_command(InboxDb& db, const std::string& what, const std::map<std::string, std::string>& opt) {
  auto get = [&](const char* k) {
    auto it = opt.find(k);
    return it == opt.end() ? std::string() : it->second;
  };
  const std::string id = get("record-id");
  if (!record::is_uuid(id)) return fail(2, what + ": --record-id must be a record UUID (got '" + id.substr(0, 40) + "')");
  auto src = db.evidence_source(id);
  if (!src) return fail(1, src.error().message);
  switch (src->state) {
    case EvidenceSource::State::unknown: return fail(3, "record " + id + " is not in this inbox: no " + what);
    case EvidenceSource::State::deleted:
      return fail(3, "record " + id + " was deleted (" + src->deleted_reason + ", " + src->deleted_at + "): no " + what);
    case EvidenceSource::State::no_envelope:
      return fail(4, "record " + id + " was stored before envelopes were kept: no evidence package can be built");
    case EvidenceSource::State::found: break;
  }
  const std::time_t now = std::time(nullptr);
  src->in.exported_at = record::format_utc(now);
  const std::string package = record::make_evidence_package(src->in);

  const std::string texts_dir = opt.count("texts") ? get("texts") : kDefaultTextsDir;
  auto registry = record::TextRegistry::load_dir(texts_dir);
  if (!registry) return fail(1, registry.error().message);
  record::EvidenceVerifyOptions vo;
  vo.registry = &*registry;
  record::BoxKey box;
  if (opt.count("keys")) {
    record::Key32 seed{};
    if (!read_seed_hex(get("keys") + "/box.seed", &seed)) return fail(1, "cannot read " + get("keys") + "/box.seed");
    box = record::BoxKey::from_seed(seed);
    vo.box = &box;
  }
  const record::EvidenceReport rep = record::verify_evidence_package(package, vo);
  const int code = static_cast<int>(rep.exit);
  std::string first_failure;
  for (const auto& l : rep.lines)
    if (l.result == "failed") {
      first_failure = l.check + ": " + l.detail;
      break;
    }
  if (auto s = db.record_evidence_check(id, what, code, first_failure.empty() ? rep.to_json()["result"].get<std::string>()
                                                                              : first_failure, now);
      !s)
    return fail(1, s.error().message);
  if (code > 1)
    return fail(5, "record " + id + " does not verify (exit class " + std::to_string(code) + ", " + first_failure +
                       "); the failure is recorded (evidence-checks) and no " + what + " is written");

  if (what == "evidence") {
    if (!write_private(get("out"), package)) return fail(1, "cannot write " + get("out"));
    std::printf("%s\n", rep.to_json().dump().c_str());
    return 0;
  }
  if (rep.env.kind != record::kPvtRecordKind)
    return fail(6, "record " + id + " is a " + rep.env.kind + ", not a signed declaration: no document (use evidence)");
  std::vector<std::pair<std::string, std::string>> known;
  if (auto k = db.resident_known(rep.sensitive.value("resident_id", std::string()))) known = *k;
  const std::string icc = opt.count("icc") ? get("icc") : document::default_icc_path();
  auto d = document::declaration_from_report(rep, package, known, record::format_utc(now));
  auto pdf = document::render_declaration(d, package, icc);
  if (!pdf) return fail(1, pdf.error().message);
  if (!write_private(get("out"), *pdf)) return fail(1, "cannot write " + get("out"));
  std::printf("%s\n", rep.to_json().dump().c_str());
  return 0;
}

}  // namespace balie::inbox
