// balie-verify: the standalone verifier a municipality's auditor runs without the receiver (issue 17
// item 3). Input: an evidence package (balie-evidence-package/1) or a PDF from `balie-inbox document`
// with the package embedded. Checks: device signature, sealed hash, payload vs package (and the sealed
// part itself with --box-key-file), chain position, texts against the registry, the ack, the reference
// code. One exit code per failure class (man/balie-verify.1; the classes are record/evidence_package.h's).
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "balie/record/codec.h"
#include "balie/record/evidence_package.h"
#include "document.h"

using namespace balie;

namespace {

const char* kUsage =
    "usage: balie-verify --texts DIR [--box-key-file F] [--device-pk HEX] [--municipality-pk HEX] [--json] FILE\n"
    "  FILE                    an evidence package (balie-evidence-package/1, JSON) or a PDF from\n"
    "                          `balie-inbox document` with the package embedded\n"
    "  --texts DIR             the text packs (assets/texts/*.json) the texts are checked against\n"
    "  --box-key-file F        the municipality's X25519 box seed (64 hex): open the sealed part and\n"
    "                          compare it with the package's payload; without it that check is skipped\n"
    "  --device-pk HEX         the device's Ed25519 key as the auditor knows it (else the package's)\n"
    "  --municipality-pk HEX   the municipality's ack key as the auditor knows it (else the package's)\n"
    "  --json                  print the report as JSON\n"
    "  --help                  this text\n"
    "Exit status (the first failing check decides):\n"
    "  0   verified, the sealed part included\n"
    "  1   verified, but sealed part: not checked, no key (--box-key-file not given)\n"
    "  2   usage error\n"
    "  3   input malformed: not an evidence package, wrong format, limits, missing fields\n"
    "  4   a file (input, key, text packs) cannot be read\n"
    "  10  device signature fails, or the device key is not the one given with --device-pk\n"
    "  11  sealed_sha256 does not match the sealed bytes\n"
    "  12  the payload is not the one sealed, or does not belong to the package\n"
    "  13  chain position or prev hash differs from what the package records\n"
    "  14  a text is unknown or differs from the registry, or the canonical text hash differs\n"
    "  15  the ack's signature or contents fail, or its key is not the one given with --municipality-pk\n"
    "  16  the reference code does not belong to the record id\n"
    "  17  the PDF is damaged or carries no single evidence package\n";

int usage_error(const std::string& m) {
  std::fprintf(stderr, "balie-verify: %s\n%s", m.c_str(), kUsage);
  return 2;
}

bool read_file(const std::string& p, std::string* out, std::size_t max) {
  std::ifstream f(p, std::ios::binary);
  if (!f) return false;
  std::ostringstream ss;
  ss << f.rdbuf();
  *out = ss.str();
  return out->size() <= max;
}

std::optional<record::Key32> key_hex(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  auto b = record::from_hex(s);
  if (!b || b->size() != 32) return std::nullopt;
  record::Key32 k{};
  std::copy(b->begin(), b->end(), k.begin());
  return k;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> opt;
  std::string file;
  bool json_out = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (a == "--json") {
      json_out = true;
      continue;
    }
    if (a.rfind("--", 0) == 0) {
      const std::string k = a.substr(2);
      if (k != "texts" && k != "box-key-file" && k != "device-pk" && k != "municipality-pk")
        return usage_error("unknown option '" + a + "'");
      if (opt.count(k)) return usage_error("--" + k + " given twice");
      if (i + 1 >= argc || argv[i + 1][0] == '\0') return usage_error(a + " needs a value");
      opt[k] = argv[++i];
      continue;
    }
    if (!file.empty()) return usage_error("one input file only");
    file = a;
  }
  if (file.empty()) return usage_error("an input file is required");
  if (!opt.count("texts")) return usage_error("--texts DIR is required");
  record::crypto_ready();

  std::string input;
  if (!read_file(file, &input, 64u * 1024 * 1024)) {
    std::fprintf(stderr, "balie-verify: cannot read %s (or it is larger than 64 MiB)\n", file.c_str());
    return 4;
  }
  auto registry = record::TextRegistry::load_dir(opt["texts"]);
  if (!registry) {
    std::fprintf(stderr, "balie-verify: %s\n", registry.error().message.c_str());
    return 4;
  }
  record::EvidenceVerifyOptions vo;
  vo.registry = &*registry;
  record::BoxKey box;
  if (opt.count("box-key-file")) {
    std::string s;
    auto seed = read_file(opt["box-key-file"], &s, 200) ? key_hex(s) : std::nullopt;
    if (!seed) {
      std::fprintf(stderr, "balie-verify: cannot read a 64-hex-digit box seed from %s\n", opt["box-key-file"].c_str());
      return 4;
    }
    box = record::BoxKey::from_seed(*seed);
    vo.box = &box;
  }
  for (const char* k : {"device-pk", "municipality-pk"}) {
    if (!opt.count(k)) continue;
    auto key = key_hex(opt[k]);
    if (!key) return usage_error(std::string("--") + k + " must be 64 hex digits");
    (std::strcmp(k, "device-pk") == 0 ? vo.pin_device_pk : vo.pin_municipality_pk) = *key;
  }

  std::string package = input;
  std::string source = "evidence package";
  if (input.rfind("%PDF-", 0) == 0) {
    source = "PDF";
    auto extracted = document::extract_evidence_package(input);
    if (!extracted) {
      if (json_out)
        std::printf("%s\n", nlohmann::json({{"result", "refused"}, {"exit_code", 17},
                                            {"checks", {{{"check", "pdf"}, {"result", "failed"},
                                                         {"detail", extracted.error().message}}}}})
                                .dump(1)
                                .c_str());
      else
        std::printf("pdf: failed: %s\nresult: refused (exit 17)\n", extracted.error().message.c_str());
      return 17;
    }
    package = std::move(*extracted);
  }
  const record::EvidenceReport rep = record::verify_evidence_package(package, vo);
  const int code = static_cast<int>(rep.exit);
  if (json_out) {
    auto j = rep.to_json();
    j["input"] = source;
    std::printf("%s\n", j.dump(1).c_str());
  } else {
    std::printf("input: %s %s\n", source.c_str(), file.c_str());
    for (const auto& l : rep.lines) std::printf("%s: %s: %s\n", l.check.c_str(), l.result.c_str(), l.detail.c_str());
    std::printf("result: %s (exit %d)\n", rep.to_json()["result"].get<std::string>().c_str(), code);
  }
  return code;
}
