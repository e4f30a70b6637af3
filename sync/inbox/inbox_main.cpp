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
//   balie-inbox duo-register --db F --gemeentecode GM.. --duo-url URL --duo-cert F --duo-key F --duo-ca F
//                     --bron-oin OIN --doel-oin OIN [--pip-required yes|no] [--today D] [--max-attempts N]
//                     [--backoff-ms N] [--duo-timeout S]        one DUO registration pass (JSON; exit 1: retry left)
//   balie-inbox duo-status --db F --gemeentecode GM.. [--today D]   deadlines (JSON; exit 1: something overdue)
//   balie-inbox document|evidence --db F --gemeentecode GM.. --record-id ID --out F [--texts D] [--keys D] [--icc F]
//   balie-inbox evidence-checks --db F --gemeentecode GM..   verifications documents/exports ran (JSON)
//   balie-inbox export --db F --gemeentecode GM.. [--cursor C] [--limit N] [--include-personal]
//                     case systems' change feed (JSON lines; inbox_db_api.cpp)
//   balie-inbox rotate-keys --keys D [--compromised]   new current sealing key; the old one stays in the ring
//   balie-inbox key-ring --keys D [--db F --gemeentecode GM..]   the ring and which key opened how many records
//   balie-inbox delete --db F --gemeentecode GM.. --keys D --record-id ID|--resident-id R --reason R
//   balie-inbox retention --db F --gemeentecode GM.. --keys D [--today D] [--dry-run] [--pvt-days N]
//                         [--consent-days N] [--feed-problem-days N]
//     abuse limits (defaults in sync/README.md): --max-connections N --max-pending N
//     --handshake-timeout S --header-timeout S --request-timeout S
//     --rate-limit-per-minute N (0: off) --rate-limit-burst N
//   serve --clock-skew-seconds N: records dated more than N s ahead are refused (default 600)
//   test-only serve options: --chaos-500-every N, --chaos-duplicate-acks
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "balie/record/codec.h"
#include "balie/platform/dutch_calendar.h"
#include "duo_register.h"
#include "inbox_db.h"
#include "inbox_doc_cmd.h"
#include "inbox_server.h"
#include "webhook.h"

#include "key_ring.h"

using namespace balie;

namespace {

const char* kUsage =
    "usage: balie-inbox COMMAND [--options]\n"
    "  keygen --dir D                 write signing.seed + box.seed, print public keys (JSON)\n"
    "  serve --gemeentecode GM.. --db F|--pg CONNINFO --cert F --key F --client-ca F --keys D\n"
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
    "  duo-register --db F --gemeentecode GM.. --duo-url https://HOST/v1 --duo-cert F --duo-key F --duo-ca F\n"
    "        --bron-oin OIN --doel-oin OIN [--pip-required yes|no] [--today YYYY-MM-DD] [--max-attempts N]\n"
    "        [--backoff-ms N] [--duo-timeout S]\n"
    "                                 one DUO registration pass: PUT /personen/{bsn}/pvt per signed PVT\n"
    "                                 (JSON; exit 0 all decided, 1 something still to retry or an error)\n"
    "  duo-status --db F --gemeentecode GM.. [--today YYYY-MM-DD]\n"
    "                                 DUO registrations, ten-working-day deadlines (JSON; exit 1: overdue)\n"
    "  document --db F --gemeentecode GM.. --record-id ID --out F.pdf [--texts D] [--keys D] [--icc F]\n"
    "                                 PDF/A-3b of a signed declaration, evidence package embedded\n"
    "  evidence --db F --gemeentecode GM.. --record-id ID --out F.json [--texts D] [--keys D]\n"
    "                                 the record's evidence package (balie-evidence-package/1)\n"
    "  evidence-checks --db F --gemeentecode GM..   verifications document/evidence ran (JSON)\n"
    "    document/evidence exit 3: unknown or deleted record; 4: no envelope kept; 5: does not verify;\n"
    "    6: document of a record that is not a signed declaration\n"
    "  export --db F --gemeentecode GM.. [--cursor C] [--limit N] [--include-personal]\n"
    "        changes since the cursor as JSON lines (records, deletions, DUO results), then\n"
    "        {\"type\":\"cursor\",\"next_cursor\":...}; --include-personal adds BSN, names and\n"
    "        signature to standard output (sync/README.md, Integration for case systems)\n"
    "  serve, case systems: [--case-listen HOST:PORT --case-client-ca F] [--case-port-file F]\n"
    "        [--case-allow-personal] [--webhook-url URL --webhook-secret-file F] [--webhook-ca F]\n"
    "        [--access-log on|off]\n"
    "  rotate-keys --keys D [--compromised]   new current sealing key (two-phase); earlier keys still open records\n"
    "  key-ring --keys D [--db F --gemeentecode GM..]   sealing keys and which one opened how many records (JSON)\n"
    "  delete --db F --gemeentecode GM.. --keys D (--record-id ID | --resident-id R)\n"
    "         --reason end-of-obligation|wrongly-imposed|resident-request   signed deletion receipt (JSON)\n"
    "  retention --db F --gemeentecode GM.. --keys D [--today YYYY-MM-DD] [--dry-run] [--pvt-days N]\n"
    "         [--consent-days N] [--feed-problem-days N]   deletes what the retention periods let go (JSON)\n"
    "  db-keygen --file F             write a new random database key (64 hex digits), created 0600\n"
    "  migrate-plaintext --from OLD.db --db F --gemeentecode GM.. --db-key-file K\n"
    "                                 move a plaintext inbox database (before issue 17) into an encrypted one\n"
    "Storage (every command with --db): --db F is a SQLCipher file (created 0600); --pg CONNINFO uses\n"
    "  PostgreSQL instead. The key: --db-key-file K (32 raw bytes or 64 hex, mode 0600, owned by you) or\n"
    "  the systemd credential $CREDENTIALS_DIRECTORY/inbox-db-key. No key: balie-inbox refuses to start.\n"
    "  --help                         this text\n"
    "Exit status 2: a usage error (unknown command or option, missing or malformed value);\n"
    "exit status 1: the command failed (or its output could not be written).\n"
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
      {"serve", {"gemeentecode", "cert", "key", "client-ca", "keys"},
       {"db", "pg", "db-key-file", "listen", "port-file", "max-body", "max-connections", "max-pending", "handshake-timeout", "header-timeout",
        "request-timeout", "rate-limit-per-minute", "rate-limit-burst", "clock-skew-seconds", "chaos-500-every", "crl",
        "case-listen", "case-client-ca", "case-port-file", "webhook-url", "webhook-secret-file", "webhook-ca",
        "access-log"},
       {"chaos-duplicate-acks", "case-allow-personal"}},
      {"enroll-device", {"gemeentecode", "device-id", "ed25519-pk", "locatiecode"}, {"db", "pg", "db-key-file"}, {}},
      {"feed-problems", {"gemeentecode"}, {"db", "pg", "db-key-file"}, {}},
      {"deletions", {"gemeentecode"}, {"db", "pg", "db-key-file"}, {}},
      {"check-chain", {"gemeentecode"}, {"db", "pg", "db-key-file"}, {}},
      {"import-dossiers", {"gemeentecode", "file"}, {"db", "pg", "db-key-file"}, {}},
      {"document", {"gemeentecode", "record-id", "out"}, {"db", "pg", "db-key-file", "texts", "keys", "icc"}, {}},
      {"evidence", {"gemeentecode", "record-id", "out"}, {"db", "pg", "db-key-file", "texts", "keys"}, {}},
      {"evidence-checks", {"gemeentecode"}, {"db", "pg", "db-key-file"}, {}},
      {"dump", {"gemeentecode"}, {"db", "pg", "db-key-file"}, {"sensitive"}},
      {"export-pvt", {"gemeentecode"}, {"db", "pg", "db-key-file", "today", "pip-required"}, {}},
      {"duo-register", {"gemeentecode", "duo-url", "duo-cert", "duo-key", "duo-ca", "bron-oin", "doel-oin"},
       {"db", "pg", "db-key-file", "today", "pip-required", "max-attempts", "backoff-ms", "duo-timeout"}, {}},
      {"duo-status", {"gemeentecode"}, {"db", "pg", "db-key-file", "today"}, {}},
      {"export", {"gemeentecode"}, {"db", "pg", "db-key-file", "cursor", "limit"}, {"include-personal"}},
      {"rotate-keys", {"keys"}, {}, {"compromised"}},
      {"key-ring", {"keys"}, {"db", "pg", "db-key-file", "gemeentecode"}, {}},
      {"delete", {"gemeentecode", "keys", "reason"}, {"db", "pg", "db-key-file", "record-id", "resident-id"}, {}},
      {"retention", {"gemeentecode", "keys"}, {"db", "pg", "db-key-file", "today", "pvt-days", "consent-days", "feed-problem-days"}, {"dry-run"}},
      {"db-keygen", {"file"}, {}, {}},
      {"migrate-plaintext", {"from", "gemeentecode"}, {"db", "pg", "db-key-file"}, {}},
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
  return static_cast<bool>(inbox::write_secret_file(p, record::to_hex(k.data(), k.size()) + "\n"));
}

// Opens the inbox database the options name (--db F or --pg CONNINFO) with the key from --db-key-file
// or the systemd credential; prints the reason and returns null when it cannot.
std::unique_ptr<inbox::InboxDb> open_inbox_db(std::map<std::string, std::string>& opt) {
  auto key = inbox::load_db_key(opt.count("db-key-file") ? opt["db-key-file"] : std::string());
  if (!key) {
    std::fprintf(stderr, "balie-inbox: %s\n", key.error().message.c_str());
    return nullptr;
  }
  auto dbr = inbox::InboxDb::open(inbox::StorageConfig{opt.count("db") ? opt["db"] : "", opt.count("pg") ? opt["pg"] : ""},
                                  key->bytes(), opt["gemeentecode"]);
  key->wipe();
  if (!dbr) {
    std::fprintf(stderr, "balie-inbox: %s\n", dbr.error().message.c_str());
    return nullptr;
  }
  return std::move(*dbr);
}

// The commands of issue 17 items 6 and 7 that need the key directory (sealing key ring, signing key).
int keys_command(const std::string& cmd, std::map<std::string, std::string>& opt) {
  const std::string dir = opt["keys"];
  if (cmd == "rotate-keys") {
    auto r = inbox::rotate_sealing_key(dir, opt.count("compromised") > 0);
    if (!r) {
      std::fprintf(stderr, "balie-inbox rotate-keys: %s (the ring in force is unchanged)\n", r.error().message.c_str());
      return 1;
    }
    std::printf("%s\n", r->describe().c_str());
    return 0;
  }
  if (cmd == "key-ring") {
    auto r = inbox::KeyRing::load(dir);
    if (!r) {
      std::fprintf(stderr, "balie-inbox: %s\n", r.error().message.c_str());
      return 1;
    }
    auto j = nlohmann::json::parse(r->describe());
    const bool storage = opt.count("db") || opt.count("pg");
    if (storage != (opt.count("gemeentecode") > 0))
      return usage_error("key-ring: give --db (or --pg) and --gemeentecode together");
    if (storage) {
      auto db = open_inbox_db(opt);
      if (!db) return 2;
      auto use = db->opening_key_use();
      if (!use) return 1;
      j["opened_records"] = nlohmann::json::parse(*use);
    }
    std::printf("%s\n", j.dump(1).c_str());
    return 0;
  }
  record::Key32 seed;
  if (!read_seed(dir + "/signing.seed", &seed)) {
    std::fprintf(stderr, "balie-inbox: cannot read signing.seed in %s\n", dir.c_str());
    return 2;
  }
  const auto signer = record::SigningKey::from_seed(seed);
  auto dbp = open_inbox_db(opt);
  if (!dbp) return 2;
  auto& db = *dbp;
  if (cmd == "delete") {
    if (opt.count("record-id") == opt.count("resident-id")) return usage_error("delete: give exactly one of --record-id and --resident-id");
    if (!inbox::InboxDb::is_chain_deletion_reason(opt["reason"]))
      return usage_error("delete: --reason must be end-of-obligation, wrongly-imposed or resident-request (got '" +
                         opt["reason"].substr(0, 40) + "')");
    auto r = db.delete_for_chain(opt.count("record-id") ? opt["record-id"] : "",
                                 opt.count("resident-id") ? opt["resident-id"] : "", opt["reason"], signer,
                                 std::time(nullptr));
    if (!r) {
      std::fprintf(stderr, "balie-inbox delete: %s (nothing was deleted)\n", r.error().message.c_str());
      return 1;
    }
    std::printf("%s\n", r->c_str());
    return 0;
  }
  // retention
  inbox::InboxDb::RetentionPolicy p;
  std::string err;
  long long n = 0;
  for (auto [flag, out] : {std::pair<const char*, int*>{"pvt-days", &p.pvt_days_after_duo_accepted},
                           {"consent-days", &p.consent_days_after_withdrawal},
                           {"feed-problem-days", &p.feed_problem_days}}) {
    if (!opt.count(flag)) continue;
    if (!parse_int(flag, opt[flag], 0, 36500, &n, &err)) return usage_error("retention: " + err);
    *out = static_cast<int>(n);
  }
  const std::string today = opt.count("today") ? opt["today"]
                                               : calendar::to_iso(std::chrono::floor<std::chrono::days>(
                                                     std::chrono::system_clock::now()));
  auto r = db.enforce_retention(today, p, signer, std::time(nullptr), opt.count("dry-run") > 0);
  if (!r) {
    std::fprintf(stderr, "balie-inbox retention: %s (nothing was deleted)\n", r.error().message.c_str());
    return 1;
  }
  std::printf("%s\n", r->c_str());
  return 0;
}

std::string today_or(std::map<std::string, std::string>& opt) {
  // "Today" for DUO is the Amsterdam calendar day, not the UTC one.
  return opt.count("today") ? opt["today"] : calendar::to_iso(calendar::local_day(std::chrono::system_clock::now()));
}

// One DUO registration pass (sync/README.md "DUO registration"): exit 0 when every registrable record is
// decided (accepted or rejected), 1 when one is still to be retried or the pass stopped on an error.
int duo_register(inbox::InboxDb& db, std::map<std::string, std::string>& opt) {
  inbox::DuoPassConfig c;
  c.client.base_url = opt["duo-url"];
  c.client.cert_file = opt["duo-cert"];
  c.client.key_file = opt["duo-key"];
  c.client.ca_file = opt["duo-ca"];
  c.client.bron_oin = opt["bron-oin"];
  c.client.doel_oin = opt["doel-oin"];
  for (const char* k : {"bron-oin", "doel-oin"})
    if (opt[k].size() != 20 || opt[k].find_first_not_of("0123456789") != std::string::npos)
      return usage_error(std::string("duo-register: --") + k + " must be a 20-digit OIN");
  if (c.client.base_url.rfind("https://", 0) != 0) return usage_error("duo-register: --duo-url must start with https://");
  for (const char* k : {"duo-cert", "duo-key", "duo-ca"}) {
    std::string tmp;
    if (!read_file(opt[k], &tmp, 1 << 20)) return usage_error(std::string("duo-register: cannot read --") + k + " " + opt[k]);
  }
  c.today = today_or(opt);
  const std::string pip = opt.count("pip-required") ? opt["pip-required"] : "yes";
  if (pip != "yes" && pip != "no") return usage_error("--pip-required must be yes or no");
  c.pip_required = pip == "yes";
  std::string err;
  long long n = 0;
  if (opt.count("max-attempts")) {
    if (!parse_int("max-attempts", opt["max-attempts"], 1, 100, &n, &err)) return usage_error("duo-register: " + err);
    c.max_attempts = static_cast<int>(n);
  }
  if (opt.count("backoff-ms")) {
    if (!parse_int("backoff-ms", opt["backoff-ms"], 0, 60000, &n, &err)) return usage_error("duo-register: " + err);
    c.backoff_ms = static_cast<long>(n);
  }
  if (opt.count("duo-timeout")) {
    if (!parse_int("duo-timeout", opt["duo-timeout"], 1, 600, &n, &err)) return usage_error("duo-register: " + err);
    c.client.timeout_s = static_cast<long>(n);
  }
  auto r = inbox::duo_register_pass(db, c);
  if (!r) {
    std::fprintf(stderr, "balie-inbox duo-register: %s\n", r.error().message.c_str());
    return 1;
  }
  std::printf("%s\n", r->json.c_str());
  return r->retrying > 0 ? 1 : 0;
}

// DUO registration deadlines: exit 0 nothing overdue, 1 something overdue, 3 the database cannot be read.
int duo_status(inbox::InboxDb& db, std::map<std::string, std::string>& opt) {
  auto r = inbox::duo_status(db, today_or(opt));
  if (!r) {
    std::fprintf(stderr, "balie-inbox duo-status: %s\n", r.error().message.c_str());
    return 3;
  }
  std::printf("%s\n", r->json.c_str());
  return r->overdue > 0 ? 1 : 0;
}


// The case systems' export (inbox_db_api.cpp): JSON lines after the cursor, then the cursor line.
int export_changes(inbox::InboxDb& db, const std::map<std::string, std::string>& opt) {
  long long limit = 1000;
  std::string err;
  if (opt.count("limit") && !parse_int("limit", opt.at("limit"), 1, 100000, &limit, &err))
    return usage_error("export: " + err);
  const bool personal = opt.count("include-personal") > 0;
  if (auto d = db.capture_duo_changes(std::time(nullptr)); !d) {
    std::fprintf(stderr, "balie-inbox: %s\n", d.error().message.c_str());
    return 1;
  }
  auto r = db.export_changes(opt.count("cursor") ? opt.at("cursor") : "", static_cast<std::size_t>(limit), personal);
  if (!r) {
    std::fprintf(stderr, "balie-inbox export: %s\n", r.error().message.c_str());
    return r.error().code == record::Errc::invalid_input ? 2 : 1;
  }
  if (personal)
    std::fprintf(stderr, "balie-inbox export: --include-personal: the record lines on standard output carry "
                         "personal data (BSN, names, signature)\n");
  for (const auto& l : r->lines) std::printf("%s\n", l.c_str());
  std::printf("{\"type\":\"cursor\",\"next_cursor\":\"%lld\",\"more\":%s,\"records\":%zu,\"deletions\":%zu,\"duo\":%zu}\n",
              static_cast<long long>(r->next_cursor), r->more ? "true" : "false", r->records, r->deletions, r->duo);
  return 0;
}

// serve's case-system options (sync/README.md, Integration for case systems). 0, or an exit status.
int serve_integration_options(std::map<std::string, std::string>& opt, inbox::ServerConfig* c) {
  std::string err;
  long long n = 0;
  if (opt.count("case-listen") != opt.count("case-client-ca"))
    return usage_error("serve: --case-listen and --case-client-ca go together (the case systems' listener has its own client CA)");
  if (opt.count("case-listen")) {
    const std::string l = opt["case-listen"];
    const auto colon = l.rfind(':');
    if (colon == std::string::npos || colon == 0)
      return usage_error("serve: --case-listen must be HOST:PORT, e.g. 127.0.0.1:8444 (got '" + l.substr(0, 60) + "')");
    if (!parse_int("case-listen port", l.substr(colon + 1), 0, 65535, &n, &err)) return usage_error("serve: " + err);
    c->case_host = l.substr(0, colon);
    c->case_port = static_cast<int>(n);
    c->case_client_ca_file = opt["case-client-ca"];
  }
  if ((opt.count("case-port-file") || opt.count("case-allow-personal")) && !opt.count("case-listen"))
    return usage_error("serve: --case-port-file and --case-allow-personal need --case-listen");
  if (opt.count("case-port-file")) c->case_port_file = opt["case-port-file"];
  c->case_allow_personal = opt.count("case-allow-personal") > 0;
  if (opt.count("webhook-url") != opt.count("webhook-secret-file"))
    return usage_error("serve: --webhook-url and --webhook-secret-file go together");
  if (opt.count("webhook-ca") && !opt.count("webhook-url")) return usage_error("serve: --webhook-ca needs --webhook-url");
  if (opt.count("webhook-url")) {
    const std::string u = opt["webhook-url"];
    if ((u.rfind("https://", 0) != 0 && u.rfind("http://", 0) != 0) || u.size() > 2000)
      return usage_error("serve: --webhook-url must be an http:// or https:// URL (got '" + u.substr(0, 60) + "')");
    c->webhook_url = u;
    c->webhook_secret = inbox::read_webhook_secret(opt["webhook-secret-file"], &err);
    if (c->webhook_secret.empty()) return usage_error("serve: " + err);
    if (opt.count("webhook-ca")) c->webhook_ca_file = opt["webhook-ca"];
  }
  if (opt.count("access-log")) {
    if (opt["access-log"] != "on" && opt["access-log"] != "off") return usage_error("serve: --access-log must be on or off");
    c->access_log = opt["access-log"] == "on";
  }
  return 0;
}

int run(int argc, char** argv);

}  // namespace

// Every command's output goes to standard output; a write error there (a full disk, a closed pipe)
// is a failure (exit 1), never a silent success.
int main(int argc, char** argv) {
  int rc = run(argc, argv);
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    std::fprintf(stderr, "balie-inbox: cannot write to standard output: %s\n", std::strerror(errno));
    return rc == 0 ? 1 : rc;
  }
  return rc;
}

namespace {
int run(int argc, char** argv) {
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
    // A following option is not a value: `--dir --help` is a missing value, not a folder named --help.
    if (i + 1 >= argc || argv[i + 1][0] == '\0' || std::strncmp(argv[i + 1], "--", 2) == 0)
      return usage_error(cmd + ": " + a + " needs a value");
    opt[k] = argv[++i];
  }
  for (const auto& k : spec->required)
    if (!opt.count(k)) return usage_error(cmd + ": --" + k + " is required");
  // Every database command names exactly one store (key-ring reads one only when asked: --db or --pg).
  const bool storage_optional = cmd == "key-ring" && opt.count("db") + opt.count("pg") == 0;
  if (contains(spec->optional, "db") && !storage_optional && opt.count("db") + opt.count("pg") != 1)
    return usage_error(cmd + ": give exactly one of --db F (SQLCipher file) and --pg CONNINFO (PostgreSQL)");
  auto need = [&](const char* k) -> const std::string& { return opt[k]; };
  if (opt.count("gemeentecode") && !record::is_gemeentecode(opt["gemeentecode"]))
    return usage_error(cmd + ": --gemeentecode must look like GM0363 (got '" + opt["gemeentecode"].substr(0, 40) + "')");
  if (opt.count("today") && !record::is_date(opt["today"]))
    return usage_error(cmd + ": --today must be a date YYYY-MM-DD (got '" + opt["today"].substr(0, 40) + "')");
  record::crypto_ready();
  // Every file balie-inbox creates (database, -wal/-shm/-journal, keys, port file) is private.
  ::umask(077);

  if (cmd == "keygen") {
    std::string dir = need("dir");
    struct stat st {};
    for (const char* f : {"/signing.seed", "/box.seed", "/box/ring"})
      if (::stat((dir + f).c_str(), &st) == 0) {
        std::fprintf(stderr, "balie-inbox keygen: %s%s exists; keys are never overwritten (rotate-keys makes a new "
                             "sealing key)\n", dir.c_str(), f);
        return 1;
      }
    record::Key32 s1 = record::random_key32(), box_seed = record::random_key32();
    auto sk = record::SigningKey::from_seed(s1);
    // The sealing key starts as box.seed; the first rotate-keys moves it into the ring (box/).
    if (!write_seed(dir + "/signing.seed", s1) || !write_seed(dir + "/box.seed", box_seed)) {
      std::fprintf(stderr, "balie-inbox keygen: cannot write seeds in %s\n", dir.c_str());
      return 1;
    }
    auto bx = record::BoxKey::from_seed(box_seed);
    std::printf("{\"ed25519_pk\":\"%s\",\"x25519_pk\":\"%s\"}\n", record::to_hex(sk.public_key.data(), 32).c_str(),
                record::to_hex(bx.public_key.data(), 32).c_str());
    return 0;
  }
  if (cmd == "rotate-keys" || cmd == "key-ring" || cmd == "delete" || cmd == "retention") return keys_command(cmd, opt);
  if (cmd == "seed-pubkey") {  // Ed25519 public key of a seed file (device enrollment in tests/demo)
    record::Key32 s1;
    if (!read_seed(need("file"), &s1)) return 1;
    std::printf("%s\n", record::to_hex(record::SigningKey::from_seed(s1).public_key.data(), 32).c_str());
    return 0;
  }
  if (cmd == "pubkeys") {  // the signing key and the CURRENT sealing key of the ring
    record::Key32 s1;
    auto ring = inbox::KeyRing::load(need("keys"));
    if (!read_seed(need("keys") + "/signing.seed", &s1) || !ring) {
      std::fprintf(stderr, "balie-inbox pubkeys: cannot read seeds%s\n", ring ? "" : (": " + ring.error().message).c_str());
      return 1;
    }
    std::printf("{\"ed25519_pk\":\"%s\",\"x25519_pk\":\"%s\"}\n",
                record::to_hex(record::SigningKey::from_seed(s1).public_key.data(), 32).c_str(),
                record::to_hex(ring->current().key.public_key.data(), 32).c_str());
    return 0;
  }
  if (cmd == "serve") {
    inbox::ServerConfig c;
    c.gemeentecode = need("gemeentecode");
    if (opt.count("db")) c.db_path = opt["db"];
    if (opt.count("pg")) c.pg_conninfo = opt["pg"];
    if (opt.count("db-key-file")) c.db_key_file = opt["db-key-file"];
    c.cert_file = need("cert");
    c.key_file = need("key");
    c.client_ca_file = need("client-ca");
    if (opt.count("crl")) c.crl_file = opt["crl"];
    if (!read_seed(need("keys") + "/signing.seed", &c.signing_seed)) {
      std::fprintf(stderr, "balie-inbox: cannot read signing.seed in %s\n", opt["keys"].c_str());
      return 2;
    }
    c.keys_dir = need("keys");  // the sealing key ring (box/ring, or box.seed): read by the server
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
    if (int rc = serve_integration_options(opt, &c); rc != 0) return rc;
    return inbox::run_server(c);
  }

  if (cmd == "db-keygen") {
    auto s = inbox::write_new_db_key(need("file"));
    if (!s) std::fprintf(stderr, "balie-inbox: %s\n", s.error().message.c_str());
    return s ? 0 : 1;
  }
  auto key = inbox::load_db_key(opt.count("db-key-file") ? opt["db-key-file"] : std::string());
  if (!key) {
    std::fprintf(stderr, "balie-inbox: %s\n", key.error().message.c_str());
    return 2;
  }
  auto dbr = inbox::InboxDb::open(inbox::StorageConfig{opt.count("db") ? opt["db"] : "", opt.count("pg") ? opt["pg"] : ""},
                                  key->bytes(), need("gemeentecode"));
  key->wipe();
  if (!dbr) {
    std::fprintf(stderr, "balie-inbox: %s\n", dbr.error().message.c_str());
    return 2;
  }
  auto& db = **dbr;
  if (cmd == "migrate-plaintext") {
    auto n = db.import_plaintext(need("from"));
    if (!n) {
      std::fprintf(stderr, "balie-inbox: %s\n", n.error().message.c_str());
      return 1;
    }
    std::printf("{\"records\":%lld}\n", static_cast<long long>(*n));
    return 0;
  }
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
  if (cmd == "duo-register") return duo_register(db, opt);
  if (cmd == "duo-status") return duo_status(db, opt);

  if (cmd == "document" || cmd == "evidence") return inbox::run_document_command(db, cmd, opt);
  if (cmd == "evidence-checks") {
    auto r = db.dump_evidence_checks();
    if (!r) return 1;
    std::printf("%s\n", r->c_str());
    return 0;
  }

  if (cmd == "export") return export_changes(db, opt);
  return usage_error("unknown command '" + cmd + "'");
}
}  // namespace
