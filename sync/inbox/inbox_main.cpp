// balie-inbox: the reference municipality receiver (command line).
//   balie-inbox keygen --dir D                 write signing.seed + box.seed, print public keys (JSON)
//   balie-inbox serve --gemeentecode GM.. --db F --cert F --key F --client-ca F --keys D
//                     [--listen 127.0.0.1:PORT] [--port-file F] [--max-body N]
//   balie-inbox enroll-device --db F --gemeentecode GM.. --device-id ID --ed25519-pk HEX --locatiecode LOC
//   balie-inbox feed-problems --db F --gemeentecode GM..   feed items terminals refused (JSON)
//   balie-inbox deletions --db F --gemeentecode GM..       records deleted on terminals' requests (JSON)
//   balie-inbox check-chain --db F --gemeentecode GM..     each device's record chain, voids included (JSON; exit 1 if broken)
//   balie-inbox import-dossiers --db F --gemeentecode GM.. --file F.json
//   balie-inbox dump --db F --gemeentecode GM.. [--sensitive]
//   balie-inbox export-pvt --db F --gemeentecode GM.. [--today YYYY-MM-DD] [--pip-required yes|no]
//   balie-inbox pubkeys --keys D | seed-pubkey --file F
//   balie-inbox document|evidence --db F --gemeentecode GM.. --record-id ID --out F [--texts D] [--keys D] [--icc F]
//   balie-inbox evidence-checks --db F --gemeentecode GM..   verifications documents/exports ran (JSON)
//     abuse limits (defaults in sync/README.md): --max-connections N --max-pending N
//     --handshake-timeout S --header-timeout S --request-timeout S
//     --rate-limit-per-minute N (0: off) --rate-limit-burst N
//   serve --clock-skew-seconds N: records dated more than N s ahead are refused (default 600)
//   test-only serve options: --chaos-500-every N, --chaos-duplicate-acks
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "balie/record/codec.h"
#include "balie/platform/dutch_calendar.h"
#include "inbox_db.h"
#include "inbox_doc_cmd.h"
#include "inbox_server.h"

using namespace balie;

namespace {

const char* kUsage =
    "usage: balie-inbox COMMAND [--options]\n"
    "  keygen --dir D                 write signing.seed + box.seed, print public keys (JSON)\n"
    "  serve --gemeentecode GM.. --db F --cert F --key F --client-ca F --keys D\n"
    "        [--listen HOST:PORT] [--port-file F] [--max-body BYTES] [--max-connections N]\n"
    "        [--max-pending N] [--handshake-timeout S] [--header-timeout S] [--request-timeout S]\n"
    "        [--rate-limit-per-minute N] [--rate-limit-burst N]   (defaults: sync/README.md)\n"
    "        [--clock-skew-seconds N] [--crl F (COA's revocation list, re-read on change)]\n"
    "  enroll-device --db F --gemeentecode GM.. --device-id ID --ed25519-pk HEX --locatiecode LOC\n"
    "  feed-problems --db F --gemeentecode GM..   feed items terminals refused (JSON)\n"
    "  deletions --db F --gemeentecode GM..       records deleted on terminals' deletion requests (JSON)\n"
    "  check-chain --db F --gemeentecode GM..     each device's record chain, voids included (JSON; exit 1 if broken)\n"
    "  import-dossiers --db F --gemeentecode GM.. --file F.json\n"
    "  dump --db F --gemeentecode GM.. [--sensitive]\n"
    "  export-pvt --db F --gemeentecode GM.. [--today YYYY-MM-DD] [--pip-required yes|no]\n"
    "  pubkeys --keys D | seed-pubkey --file F\n"
    "  document --db F --gemeentecode GM.. --record-id ID --out F.pdf [--texts D] [--keys D] [--icc F]\n"
    "                                 PDF/A-3b of a signed declaration, evidence package embedded\n"
    "  evidence --db F --gemeentecode GM.. --record-id ID --out F.json [--texts D] [--keys D]\n"
    "                                 the record's evidence package (balie-evidence-package/1)\n"
    "  evidence-checks --db F --gemeentecode GM..   verifications document/evidence ran (JSON)\n"
    "    document/evidence exit 3: unknown or deleted record; 4: no envelope kept; 5: does not verify;\n"
    "    6: document of a record that is not a signed declaration\n"
    "  --help                         this text\n"
    "Exit status 2: a usage error (unknown command or option, missing or malformed value).\n"
    "See sync/README.md.\n";

int usage_error(const std::string& m) {
  std::fprintf(stderr, "balie-inbox: %s\n%s", m.c_str(), kUsage);
  return 2;
}

// The options each command takes (value options; `flags` take no value). Anything else is an error.
struct CommandSpec {
  const char* name;
  std::vector<std::string> required, optional, flags;
};
const std::vector<CommandSpec>& commands() {
  static const std::vector<CommandSpec> c = {
      {"keygen", {"dir"}, {}, {}},
      {"seed-pubkey", {"file"}, {}, {}},
      {"pubkeys", {"keys"}, {}, {}},
      {"serve", {"gemeentecode", "db", "cert", "key", "client-ca", "keys"},
       {"listen", "port-file", "max-body", "max-connections", "max-pending", "handshake-timeout", "header-timeout",
        "request-timeout", "rate-limit-per-minute", "rate-limit-burst", "clock-skew-seconds", "chaos-500-every", "crl"},
       {"chaos-duplicate-acks"}},
      {"enroll-device", {"db", "gemeentecode", "device-id", "ed25519-pk", "locatiecode"}, {}, {}},
      {"feed-problems", {"db", "gemeentecode"}, {}, {}},
      {"deletions", {"db", "gemeentecode"}, {}, {}},
      {"check-chain", {"db", "gemeentecode"}, {}, {}},
      {"import-dossiers", {"db", "gemeentecode", "file"}, {}, {}},
      {"document", {"db", "gemeentecode", "record-id", "out"}, {"texts", "keys", "icc"}, {}},
      {"evidence", {"db", "gemeentecode", "record-id", "out"}, {"texts", "keys"}, {}},
      {"evidence-checks", {"db", "gemeentecode"}, {}, {}},
      {"dump", {"db", "gemeentecode"}, {}, {"sensitive"}},
      {"export-pvt", {"db", "gemeentecode"}, {"today", "pip-required"}, {}},
  };
  return c;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// A decimal integer in [lo, hi]; the message names the option and the expected range.
bool parse_int(const std::string& flag, const std::string& v, long long lo, long long hi, long long* out,
               std::string* err) {
  const bool digits = !v.empty() && v.size() <= 18 && v.find_first_not_of("0123456789") == std::string::npos;
  const long long n = digits ? std::stoll(v) : 0;
  if (!digits || n < lo || n > hi) {
    *err = "--" + flag + " must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi) + " (got '" +
           v.substr(0, 40) + "')";
    return false;
  }
  *out = n;
  return true;
}

bool read_file(const std::string& p, std::string* out, std::size_t max) {
  std::ifstream f(p, std::ios::binary);
  if (!f) return false;
  std::ostringstream ss;
  ss << f.rdbuf();
  *out = ss.str();
  return out->size() <= max;
}

bool read_seed(const std::string& p, record::Key32* k) {
  std::string s;
  if (!read_file(p, &s, 200)) return false;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  auto b = record::from_hex(s);
  if (!b || b->size() != 32) return false;
  std::copy(b->begin(), b->end(), k->begin());
  return true;
}

bool write_seed(const std::string& p, const record::Key32& k) {
  std::ofstream f(p, std::ios::trunc);
  f << record::to_hex(k.data(), k.size()) << "\n";
  f.close();
  chmod(p.c_str(), 0600);
  return static_cast<bool>(f);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 ||
                    std::strcmp(argv[1], "help") == 0)) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (argc < 2) return usage_error("a command is required");
  std::string cmd = argv[1];
  const CommandSpec* spec = nullptr;
  for (const auto& c : commands())
    if (cmd == c.name) spec = &c;
  if (!spec) return usage_error("unknown command '" + cmd + "'");
  std::map<std::string, std::string> opt;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (a.rfind("--", 0) != 0) return usage_error(cmd + ": unexpected argument '" + a + "'");
    const std::string k = a.substr(2);
    if (opt.count(k)) return usage_error(cmd + ": --" + k + " given twice");
    if (contains(spec->flags, k)) {
      opt[k] = "1";
      continue;
    }
    if (!contains(spec->required, k) && !contains(spec->optional, k))
      return usage_error(cmd + ": unknown option '" + a + "'");
    if (i + 1 >= argc || argv[i + 1][0] == '\0') return usage_error(cmd + ": " + a + " needs a value");
    opt[k] = argv[++i];
  }
  for (const auto& k : spec->required)
    if (!opt.count(k)) return usage_error(cmd + ": --" + k + " is required");
  auto need = [&](const char* k) -> const std::string& { return opt[k]; };
  if (opt.count("gemeentecode") && !record::is_gemeentecode(opt["gemeentecode"]))
    return usage_error(cmd + ": --gemeentecode must look like GM0363 (got '" + opt["gemeentecode"].substr(0, 40) + "')");
  if (opt.count("today") && !record::is_date(opt["today"]))
    return usage_error(cmd + ": --today must be a date YYYY-MM-DD (got '" + opt["today"].substr(0, 40) + "')");
  record::crypto_ready();

  if (cmd == "keygen") {
    std::string dir = need("dir");
    record::Key32 s1 = record::random_key32(), box_seed = record::random_key32();
    auto sk = record::SigningKey::from_seed(s1);
    if (!write_seed(dir + "/signing.seed", s1) || !write_seed(dir + "/box.seed", box_seed)) {
      std::fprintf(stderr, "balie-inbox keygen: cannot write seeds in %s\n", dir.c_str());
      return 1;
    }
    auto bx = record::BoxKey::from_seed(box_seed);
    std::printf("{\"ed25519_pk\":\"%s\",\"x25519_pk\":\"%s\"}\n", record::to_hex(sk.public_key.data(), 32).c_str(),
                record::to_hex(bx.public_key.data(), 32).c_str());
    return 0;
  }
  if (cmd == "seed-pubkey") {  // Ed25519 public key of a seed file (device enrollment in tests/demo)
    record::Key32 s1;
    if (!read_seed(need("file"), &s1)) return 1;
    std::printf("%s\n", record::to_hex(record::SigningKey::from_seed(s1).public_key.data(), 32).c_str());
    return 0;
  }
  if (cmd == "pubkeys") {
    record::Key32 s1, s2;
    if (!read_seed(need("keys") + "/signing.seed", &s1) || !read_seed(need("keys") + "/box.seed", &s2)) {
      std::fprintf(stderr, "balie-inbox pubkeys: cannot read seeds\n");
      return 1;
    }
    std::printf("{\"ed25519_pk\":\"%s\",\"x25519_pk\":\"%s\"}\n",
                record::to_hex(record::SigningKey::from_seed(s1).public_key.data(), 32).c_str(),
                record::to_hex(record::BoxKey::from_seed(s2).public_key.data(), 32).c_str());
    return 0;
  }
  if (cmd == "serve") {
    inbox::ServerConfig c;
    c.gemeentecode = need("gemeentecode");
    c.db_path = need("db");
    c.cert_file = need("cert");
    c.key_file = need("key");
    c.client_ca_file = need("client-ca");
    if (opt.count("crl")) c.crl_file = opt["crl"];
    if (!read_seed(need("keys") + "/signing.seed", &c.signing_seed) || !read_seed(need("keys") + "/box.seed", &c.box_seed)) {
      std::fprintf(stderr, "balie-inbox: cannot read signing.seed / box.seed in %s\n", opt["keys"].c_str());
      return 2;
    }
    std::string err;
    long long n = 0;
    if (opt.count("listen")) {
      auto l = opt["listen"];
      auto colon = l.rfind(':');
      if (colon == std::string::npos || colon == 0)
        return usage_error("serve: --listen must be HOST:PORT, e.g. 127.0.0.1:8443 (got '" + l.substr(0, 60) + "')");
      c.host = l.substr(0, colon);
      if (!parse_int("listen port", l.substr(colon + 1), 0, 65535, &n, &err)) return usage_error("serve: " + err);
      c.port = static_cast<int>(n);
    }
    if (opt.count("port-file")) c.port_file = opt["port-file"];
    if (opt.count("max-body")) {
      if (!parse_int("max-body", opt["max-body"], 1024, 1LL << 30, &n, &err)) return usage_error("serve: " + err);
      c.max_body_bytes = static_cast<std::size_t>(n);
    }
    if (opt.count("chaos-500-every")) {
      if (!parse_int("chaos-500-every", opt["chaos-500-every"], 1, 1000000, &n, &err)) return usage_error("serve: " + err);
      c.chaos_500_every = static_cast<int>(n);
    }
    if (opt.count("clock-skew-seconds")) {
      if (!parse_int("clock-skew-seconds", opt["clock-skew-seconds"], 0, 999999, &n, &err)) return usage_error("serve: " + err);
      c.clock_skew_seconds = static_cast<long>(n);
    }
    // The connection guard's limits (inbox/connection_guard.h).
    struct IntFlag {
      const char* name;
      long long lo, hi;
      int* out;
    };
    int per_minute = static_cast<int>(c.guard.rate_per_minute), burst = static_cast<int>(c.guard.rate_burst);
    for (const IntFlag& f : {IntFlag{"max-connections", 1, 4096, &c.guard.max_connections},
                             IntFlag{"max-pending", 0, 65536, &c.guard.max_pending},
                             IntFlag{"handshake-timeout", 1, 3600, &c.guard.handshake_timeout_s},
                             IntFlag{"header-timeout", 1, 3600, &c.guard.header_timeout_s},
                             IntFlag{"request-timeout", 1, 86400, &c.guard.request_timeout_s},
                             IntFlag{"rate-limit-per-minute", 0, 1000000, &per_minute},
                             IntFlag{"rate-limit-burst", 1, 1000000, &burst}}) {
      if (!opt.count(f.name)) continue;
      if (!parse_int(f.name, opt[f.name], f.lo, f.hi, &n, &err)) return usage_error("serve: " + err);
      *f.out = static_cast<int>(n);
    }
    c.guard.rate_per_minute = per_minute;
    c.guard.rate_burst = burst;
    if (opt.count("chaos-duplicate-acks")) c.chaos_duplicate_acks = true;
    return inbox::run_server(c);
  }

  auto dbr = inbox::InboxDb::open(need("db"), need("gemeentecode"));
  if (!dbr) {
    std::fprintf(stderr, "balie-inbox: %s\n", dbr.error().message.c_str());
    return 2;
  }
  auto& db = **dbr;
  if (cmd == "enroll-device") {
    auto s = db.enroll_device(need("device-id"), need("ed25519-pk"), need("locatiecode"));
    if (!s) std::fprintf(stderr, "balie-inbox: %s\n", s.error().message.c_str());
    return s ? 0 : 1;
  }
  if (cmd == "import-dossiers") {
    std::string text;
    if (!read_file(need("file"), &text, inbox::InboxDb::kMaxDossierImportBytes)) {
      std::fprintf(stderr, "balie-inbox: cannot read %s, or it is larger than %zu bytes\n", opt["file"].c_str(),
                   inbox::InboxDb::kMaxDossierImportBytes);
      return 1;
    }
    auto s = db.import_dossiers(text);
    if (!s) std::fprintf(stderr, "balie-inbox: %s\n", s.error().message.c_str());
    return s ? 0 : 1;
  }
  if (cmd == "dump") {
    auto r = db.dump_records(opt.count("sensitive") > 0);
    if (!r) return 1;
    std::printf("%s\n", r->c_str());
    return 0;
  }
  if (cmd == "check-chain") {
    auto r = db.check_chains();
    if (!r) return 1;
    std::printf("%s\n", r->c_str());
    return r->find("\"ok\": true") != std::string::npos ? 0 : 1;
  }
  if (cmd == "feed-problems") {
    auto r = db.dump_feed_problems();
    if (!r) return 1;
    std::printf("%s\n", r->c_str());
    return 0;
  }
  if (cmd == "deletions") {
    auto r = db.dump_deletions();
    if (!r) return 1;
    std::printf("%s\n", r->c_str());
    return 0;
  }
  if (cmd == "export-pvt") {
    // "Today" for DUO is the Amsterdam calendar day, not the UTC one.
    std::string today = opt.count("today") ? opt["today"]
                                           : calendar::to_iso(calendar::local_day(std::chrono::system_clock::now()));
    // The municipality's setting: is a vastgesteld PIP required before the PVT (default yes)?
    const std::string pip = opt.count("pip-required") ? opt["pip-required"] : "yes";
    if (pip != "yes" && pip != "no") return usage_error("--pip-required must be yes or no");
    auto r = db.export_pvt(today, pip == "yes");
    if (!r) {
      std::fprintf(stderr, "balie-inbox: %s\n", r.error().message.c_str());
      return 1;
    }
    std::printf("%s\n", r->c_str());
    return 0;
  }
  if (cmd == "document" || cmd == "evidence") return inbox::run_document_command(db, cmd, opt);
  if (cmd == "evidence-checks") {
    auto r = db.dump_evidence_checks();
    if (!r) return 1;
    std::printf("%s\n", r->c_str());
    return 0;
  }
  return usage_error("unknown command '" + cmd + "'");
}
