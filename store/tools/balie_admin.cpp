// balie-admin: the technician's and operator's tool for the record store (store/ layer, command
// line, no UI): inspection, the outbox, enrolment bundles, staff, routes, texts, device, health.
// The key comes from the platform KeyProvider (production: systemd credential; demo: state dir).
// Only `bundle apply` and `seed-demo` (demo) create a database. Every change is audited.
// Exit codes: 0 ok, 2 usage, 3 cannot open the store (wrong key, corrupt, missing, ...), 4 a check
// found a problem or a bundle was refused, 5 the operation failed.
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include "balie/platform/key_provider.h"
#include "balie/platform/paths.h"
#include "balie/record/problems.h"
#include "balie/store/store.h"
#include "admin_common.h"

namespace {

using namespace balie;

const char* kUsage =
    "usage: balie-admin [--db FILE] <command>\n"
    "  status                 schema, counts, outbox per municipality, file sizes\n"
    "  verify-audit           check the audit log's hash chain\n"
    "  integrity-check        run SQLite's integrity check on the encrypted file\n"
    "  export-resident <id>   AVG right of access: one resident's data as JSON on stdout\n"
    "  seed-demo              fill an empty demo store with the fictional demo data\n"
    "  outbox                 held and failed records with their reasons (and what to do)\n"
    "  release <record-id>    a held record back to the queue (the cause is fixed); audited\n"
    "  release --gemeente GM  every held record of one municipality back to the queue; audited\n"
    "  retry <record-id>      a failed record back to the queue for another try; audited\n"
    "  bundle verify FILE     check an enrolment bundle's signature and content (no store)\n"
    "  bundle apply FILE      apply an enrolment bundle (one transaction; older, unsigned, other-device\n"
    "                         and other-location bundles are refused) and write the configuration files\n"
    "  bundle apply --device DEV   the same from a provisioning partition (all zeros: nothing to do)\n"
    "  bundle show            the applied bundle: version, device, location, COA, NTP, sync window\n"
    "  staff list             accounts with role, mandates, active, first-login PIN pending\n"
    "  staff add ID --name NAME --role coa_staff|municipality_host|technician [--gemeente GM..]\n"
    "                         new account; its first-login PIN is read from stdin (4-12 digits) or,\n"
    "                         without stdin, made up and printed once; it must be changed at first login\n"
    "  staff disable ID | staff enable ID\n"
    "  staff reset-pin ID     a new first-login PIN (stdin or printed once); clears the lockout\n"
    "  hosts list             municipality hosts and the municipalities they are mandated for\n"
    "  routes show            municipality routes (endpoint, pins, keys)\n"
    "  routes import FILE     {\"routes\":[...]} as in a bundle; replaces those routes\n"
    "  texts list             declaration and consent texts per municipality, current version marked\n"
    "  texts import FILE      {\"texts\":[...]} as in a bundle (gemeentecode, kind, version, language, ...)\n"
    "  device show            device id, location, bundle version, device key, TLS certificate pin\n"
    "  health                 the health document (JSON, no personal data; store/schemas/health.schema.json)\n"
    "  --help                 this text\n"
    "Environment: BALIE_STATE_DIR, BALIE_CONFIG_DIR, BALIE_MODE=production, CREDENTIALS_DIRECTORY,\n"
    "BALIE_PROVISIONING_KEYS (folder of trusted *.pub; default /usr/share/balie/provisioning-keys).\n"
    "Exit status: 0 ok, 2 usage, 3 cannot open the store, 4 a check found a problem, 5 failed.\n";

int usage() {
  std::fputs(kUsage, stderr);
  return 2;
}

std::string fmt_time(const std::optional<store::UtcTime>& t) {
  if (!t) return "-";
  std::time_t tt = static_cast<std::time_t>(t->time_since_epoch().count());
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path db_path;
  int i = 1;
  for (int k = 1; k < argc; ++k)
    if (std::strcmp(argv[k], "--help") == 0 || std::strcmp(argv[k], "-h") == 0) {
      std::fputs(kUsage, stdout);
      return 0;
    }
  if (i < argc && std::strcmp(argv[i], "--db") == 0) {
    if (i + 1 >= argc || argv[i + 1][0] == '\0') {
      std::fprintf(stderr, "balie-admin: --db needs a file name\n");
      return usage();
    }
    db_path = argv[i + 1];
    i += 2;
  }
  if (i >= argc) return usage();
  std::string cmd = argv[i++];
  if (admin::is_config_command(cmd)) return admin::run_config_command(cmd, argc - i, argv + i, db_path);
  if (cmd != "status" && cmd != "verify-audit" && cmd != "integrity-check" && cmd != "export-resident" &&
      cmd != "seed-demo" && cmd != "outbox" && cmd != "release" && cmd != "retry") {
    std::fprintf(stderr, "balie-admin: unknown command '%s'\n", cmd.c_str());
    return usage();
  }
  if ((cmd == "release" || cmd == "retry") && (i >= argc || (std::strcmp(argv[i], "--gemeente") == 0 &&
                                                              (cmd == "retry" || i + 1 >= argc)))) {
    std::fprintf(stderr, "balie-admin: %s needs a record id%s\n", cmd.c_str(),
                 cmd == "release" ? " or --gemeente GM0363" : "");
    return 2;
  }
  if (cmd == "export-resident" && i >= argc) {
    std::fprintf(stderr, "balie-admin: export-resident needs a resident id\n");
    return 2;
  }
  // Every command's arguments are exactly what it takes: nothing is silently ignored.
  const bool by_gemeente = (cmd == "release" || cmd == "retry") && std::strcmp(argv[i], "--gemeente") == 0;
  const int takes = cmd == "export-resident" ? 1 : by_gemeente ? 2 : (cmd == "release" || cmd == "retry") ? 1 : 0;
  if (argc - i > takes) {
    std::fprintf(stderr, "balie-admin: %s takes %s (got '%s')\n", cmd.c_str(),
                 cmd == "export-resident" ? "one resident id"
                 : by_gemeente            ? "--gemeente GM.."
                 : takes                  ? "one record id"
                                          : "no arguments",
                 argv[i + takes]);
    return usage();
  }

  const bool may_create_demo = cmd == "seed-demo";
  auto opened = admin::open_store(db_path, may_create_demo ? admin::Create::DemoOnly : admin::Create::Never);
  if (!opened.store) return opened.exit_code;
  auto& keys = opened.keys;
  db_path = opened.db_path;
  auto& st = *opened.store;

  if (cmd == "status") {
    auto s = st.status();
    if (!s.ok()) {
      std::fprintf(stderr, "balie-admin: status failed [%s]: %s\n", store::to_string(s.error().code), s.error().message.c_str());
      return 5;
    }
    auto dev = st.device_config();
    std::printf("database        %s\n", db_path.c_str());
    std::printf("key mode        %s\n", platform::to_string(keys.mode()));
    std::printf("schema version  %d\n", s->schema_version);
    std::printf("sqlcipher       %s (SQLite %s)\n", s->sqlcipher_version.c_str(), s->sqlite_version.c_str());
    if (dev.ok() && dev.value()) {
      std::printf("kiosk           %s at %s (%s)\n", dev.value()->kiosk_id.c_str(), dev.value()->location_id.c_str(),
                  dev.value()->location_name.c_str());
    }
    std::printf("residents       %lld\n", static_cast<long long>(s->residents));
    std::printf("records         %lld (tombstones %lld)\n", static_cast<long long>(s->records),
                static_cast<long long>(s->tombstones));
    std::printf("audit entries   %lld\n", static_cast<long long>(s->audit_entries));
    std::printf("file size       %lld bytes (WAL %lld bytes)\n", static_cast<long long>(s->file_bytes),
                static_cast<long long>(s->wal_bytes));
    std::printf("outbox          %s\n", s->outbox.empty() ? "empty" : "");
    for (const auto& c : s->outbox) {
      std::printf("  %-8s waiting %d, held %d, failed %d, oldest waiting %s\n",
                  c.gemeentecode.empty() ? "(none)" : c.gemeentecode.c_str(), c.waiting, c.held, c.failed,
                  fmt_time(c.oldest_waiting).c_str());
    }
    return 0;
  }
  if (cmd == "verify-audit") {
    auto v = st.verify_audit();
    if (!v.ok()) {
      std::fprintf(stderr, "balie-admin: cannot read the audit log [%s]: %s\n", store::to_string(v.error().code),
                   v.error().message.c_str());
      return 5;
    }
    if (v->ok) {
      std::printf("audit log ok: %lld entries, chain intact\n", static_cast<long long>(v->entries));
      return 0;
    }
    std::printf("audit log BROKEN at entry %lld of %lld: %s\n", static_cast<long long>(*v->first_broken_seq),
                static_cast<long long>(v->entries), v->reason.c_str());
    return 4;
  }
  if (cmd == "integrity-check") {
    auto r = st.integrity_check();
    if (!r.ok()) {
      std::printf("integrity check FAILED [%s]: %s\n", store::to_string(r.error().code), r.error().message.c_str());
      return 4;
    }
    if (r.value().empty()) {
      std::printf("integrity check ok\n");
      return 0;
    }
    std::printf("integrity check found %zu problem(s):\n", r.value().size());
    for (const auto& p : r.value()) std::printf("  %s\n", p.c_str());
    return 4;
  }
  if (cmd == "export-resident") {
    auto j = st.export_resident_json(argv[i]);
    if (!j.ok()) {
      std::fprintf(stderr, "balie-admin: export failed [%s]: %s\n", store::to_string(j.error().code),
                   j.error().message.c_str());
      return 5;
    }
    std::cout << j.value() << "\n";
    return 0;
  }
  if (cmd == "outbox") {
    int n = 0;
    for (auto state : {store::OutboxState::Held, store::OutboxState::Failed}) {
      auto list = st.list_outbox(state, 100000);
      if (!list.ok()) {
        std::fprintf(stderr, "balie-admin: cannot read the outbox [%s]: %s\n", store::to_string(list.error().code),
                     list.error().message.c_str());
        return 5;
      }
      for (const auto& e : list.value()) {
        const std::string& reason = state == store::OutboxState::Held ? e.held_reason : e.last_error;
        auto advice = record::staff_text_for_reason(reason);
        std::printf("%s  %-6s  %s  signed %s  attempts %d\n  reason: %s\n", e.record_id.c_str(),
                    store::to_string(state), e.addressee.c_str(), fmt_time(e.created_at).c_str(), e.attempts,
                    reason.empty() ? "-" : reason.c_str());
        if (!advice.empty()) std::printf("  uitleg: %.*s\n", static_cast<int>(advice.size()), advice.data());
        std::printf("  %s: balie-admin %s %s\n", state == store::OutboxState::Held ? "release" : "retry",
                    state == store::OutboxState::Held ? "release" : "retry", e.record_id.c_str());
        ++n;
      }
    }
    if (n == 0) std::printf("no held or failed records\n");
    return 0;
  }
  if (cmd == "release" || cmd == "retry") {
    const auto want = cmd == "release" ? store::OutboxState::Held : store::OutboxState::Failed;
    std::vector<std::string> ids;
    if (std::strcmp(argv[i], "--gemeente") == 0) {
      auto list = st.list_outbox(store::OutboxState::Held, 100000);
      if (!list.ok()) {
        std::fprintf(stderr, "balie-admin: cannot read the outbox: %s\n", list.error().message.c_str());
        return 5;
      }
      for (const auto& e : list.value())
        if (e.addressee == argv[i + 1]) ids.push_back(e.record_id);
    } else {
      auto e = st.outbox_entry(argv[i]);
      if (!e.ok() || !e.value() || e.value()->state != want) {
        std::fprintf(stderr, "balie-admin: no %s record %s%s\n", store::to_string(want), argv[i],
                     e.ok() && e.value() ? (std::string(" (it is ") + store::to_string(e.value()->state) + ")").c_str() : "");
        return 5;
      }
      ids.push_back(argv[i]);
    }
    for (const auto& id : ids) {
      auto r = st.release(id, "admin", cmd == "release" ? "balie-admin release" : "balie-admin retry");
      if (!r.ok()) {
        std::fprintf(stderr, "balie-admin: %s %s failed [%s]: %s\n", cmd.c_str(), id.c_str(),
                     store::to_string(r.error().code), r.error().message.c_str());
        return 5;
      }
      std::printf("%s: back in the queue; balie-syncd sends it on its next pass\n", id.c_str());
    }
    if (ids.empty()) std::printf("no held records for %s\n", argv[i + 1]);
    return 0;
  }
  if (cmd == "seed-demo") {
    if (keys.mode() == platform::KeyMode::Production) {
      std::fprintf(stderr, "balie-admin: refusing to seed demo data in production mode\n");
      return 5;
    }
    auto r = store::seed_demo_data(st);
    if (!r.ok()) {
      std::fprintf(stderr, "balie-admin: seeding failed [%s]: %s\n", store::to_string(r.error().code), r.error().message.c_str());
      return 5;
    }
    std::printf(r.value() ? "demo data seeded\n" : "store not empty; nothing seeded\n");
    return 0;
  }
  return usage();
}

namespace balie::admin {

Opened open_store(std::filesystem::path db_path, Create create) {
  auto paths = platform::Paths::from_environment();
  if (db_path.empty()) db_path = paths.state_dir / store::kDatabaseFileName;
  Opened o{nullptr, platform::KeyProvider::from_environment(db_path.parent_path()), db_path, 0};
  std::error_code ec;
  // Only seed-demo (demo mode) and bundle apply may create a database; every other command needs one.
  const bool may_create = create == Create::Always || (create == Create::DemoOnly && o.keys.mode() == platform::KeyMode::Demo);
  if (!may_create && !std::filesystem::exists(db_path, ec)) {
    std::fprintf(stderr, "balie-admin: no database at %s\n", db_path.c_str());
    o.exit_code = 3;
    return o;
  }
  auto key = o.keys.db_key();
  if (!key.ok()) {
    std::fprintf(stderr, "balie-admin: cannot get the database key (%s mode): %s\n", platform::to_string(o.keys.mode()),
                 key.error().message.c_str());
    o.exit_code = 3;
    return o;
  }
  store::OpenOptions opts;
  opts.create_if_missing = may_create;
  auto opened = store::Store::open(db_path, key.value().bytes(), opts);
  key.value().wipe();
  if (!opened.ok()) {
    std::fprintf(stderr, "balie-admin: cannot open the store [%s]: %s\n", store::to_string(opened.error().code),
                 opened.error().message.c_str());
    o.exit_code = 3;
    return o;
  }
  o.store = std::move(opened.value());
  return o;
}

}  // namespace balie::admin
