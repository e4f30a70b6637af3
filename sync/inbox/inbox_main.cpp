// balie-inbox: the reference municipality receiver (command line).
//   balie-inbox keygen --dir D                 write signing.seed + box.seed, print public keys (JSON)
//   balie-inbox serve --gemeentecode GM.. --db F --cert F --key F --client-ca F --keys D
//                     [--listen 127.0.0.1:PORT] [--port-file F] [--max-body N]
//   balie-inbox enroll-device --db F --gemeentecode GM.. --device-id ID --ed25519-pk HEX --locatiecode LOC
//   balie-inbox feed-problems --db F --gemeentecode GM..   feed items terminals refused (JSON)
//   balie-inbox import-dossiers --db F --gemeentecode GM.. --file F.json
//   balie-inbox dump --db F --gemeentecode GM.. [--sensitive]
//   balie-inbox export-pvt --db F --gemeentecode GM.. [--today YYYY-MM-DD]
//   balie-inbox pubkeys --keys D | seed-pubkey --file F
//   serve --clock-skew-seconds N: records dated more than N s ahead are refused (default 600)
//   test-only serve options: --chaos-500-every N, --chaos-duplicate-acks
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "balie/record/codec.h"
#include "inbox_db.h"
#include "inbox_server.h"

using namespace balie;

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: balie-inbox keygen|serve|enroll-device|import-dossiers|dump|export-pvt|feed-problems [--options]\n"
               "see the comment at the top of sync/inbox/inbox_main.cpp or sync/README.md\n");
  return 64;
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
  if (argc < 2) return usage();
  std::string cmd = argv[1];
  std::map<std::string, std::string> opt;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0) return usage();
    if (a == "--sensitive" || a == "--chaos-duplicate-acks") {
      opt[a.substr(2)] = "1";
      continue;
    }
    if (i + 1 >= argc) return usage();
    opt[a.substr(2)] = argv[++i];
  }
  auto need = [&](const char* k) -> const std::string& {
    static const std::string empty;
    if (!opt.count(k)) {
      std::fprintf(stderr, "balie-inbox %s: --%s is required\n", cmd.c_str(), k);
      std::exit(64);
    }
    return opt[k];
  };
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
    if (!record::is_gemeentecode(c.gemeentecode)) {
      std::fprintf(stderr, "balie-inbox: gemeentecode must look like GM0363\n");
      return 64;
    }
    c.db_path = need("db");
    c.cert_file = need("cert");
    c.key_file = need("key");
    c.client_ca_file = need("client-ca");
    if (!read_seed(need("keys") + "/signing.seed", &c.signing_seed) || !read_seed(need("keys") + "/box.seed", &c.box_seed)) {
      std::fprintf(stderr, "balie-inbox: cannot read signing.seed / box.seed in %s\n", opt["keys"].c_str());
      return 2;
    }
    if (opt.count("listen")) {
      auto l = opt["listen"];
      auto colon = l.rfind(':');
      if (colon == std::string::npos) return usage();
      c.host = l.substr(0, colon);
      c.port = std::atoi(l.c_str() + colon + 1);
    }
    if (opt.count("port-file")) c.port_file = opt["port-file"];
    if (opt.count("max-body")) c.max_body_bytes = std::stoul(opt["max-body"]);
    if (opt.count("clock-skew-seconds")) {
      const std::string& v = opt["clock-skew-seconds"];
      if (v.empty() || v.size() > 6 || v.find_first_not_of("0123456789") != std::string::npos) {
        std::fprintf(stderr, "balie-inbox: --clock-skew-seconds must be a number of seconds (0-999999)\n");
        return 64;
      }
      c.clock_skew_seconds = std::stol(v);
    }
    if (opt.count("chaos-500-every")) c.chaos_500_every = std::stoi(opt["chaos-500-every"]);
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
    if (!read_file(need("file"), &text, 64u * 1024 * 1024)) {
      std::fprintf(stderr, "balie-inbox: cannot read %s\n", opt["file"].c_str());
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
  if (cmd == "feed-problems") {
    auto r = db.dump_feed_problems();
    if (!r) return 1;
    std::printf("%s\n", r->c_str());
    return 0;
  }
  if (cmd == "export-pvt") {
    std::string today = opt.count("today") ? opt["today"] : record::format_utc(std::time(nullptr)).substr(0, 10);
    auto r = db.export_pvt(today);
    if (!r) {
      std::fprintf(stderr, "balie-inbox: %s\n", r.error().message.c_str());
      return 1;
    }
    std::printf("%s\n", r->c_str());
    return 0;
  }
  return usage();
}
