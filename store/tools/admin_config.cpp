// balie-admin's configuration commands (store/tools): enrolment bundles (verify, apply from a file
// or the provisioning partition, show), staff accounts, municipality hosts, routes, texts, the device
// and its health document. Each change goes through one Store call that writes its own audit entry.
#include <sodium.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "admin_common.h"
#include "balie/platform/paths.h"
#include "balie/record/codec.h"
#include "balie/store/bundle.h"
#include "balie/store/health.h"
#include "balie/store/tls_pin.h"

namespace balie::admin {
namespace {

using Args = std::vector<std::string>;

int usage_error(const std::string& msg) {
  std::fprintf(stderr, "balie-admin: %s (balie-admin --help)\n", msg.c_str());
  return 2;
}

int failed(const char* what, const store::StoreError& e) {
  std::fprintf(stderr, "balie-admin: %s failed [%s]: %s\n", what, store::to_string(e.code), e.message.c_str());
  return 5;
}

std::optional<std::string> read_file(const std::string& path, std::size_t max, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ": cannot read (" + std::strerror(errno) + ")";
    return std::nullopt;
  }
  std::string data;
  data.resize(max + 1);
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<std::size_t>(in.gcount()));
  if (data.size() > max) {
    *error = path + ": larger than " + std::to_string(max) + " bytes";
    return std::nullopt;
  }
  return data;
}

std::filesystem::path provisioning_keys_dir() { return store::default_provisioning_keys_dir(); }

// The terminal's TLS key pin: production from the credential balie-tls-key, demo from tls.key.
std::optional<std::string> own_tls_pin(const platform::KeyProvider& keys, std::string* error) {
  auto pem = keys.tls_client_key_pem();
  if (!pem.ok()) {
    *error = "the terminal's TLS key is not available: " + pem.error().message;
    return std::nullopt;
  }
  auto pin = store::pin_of_private_key_pem(
      std::string_view(reinterpret_cast<const char*>(pem.value().data()), pem.value().size()));
  if (!pin.ok()) {
    *error = "the terminal's TLS key: " + pin.error().message;
    return std::nullopt;
  }
  return pin.value();
}

// A first-login PIN: one line on stdin when it is not a terminal, else made up (6 digits).
std::optional<std::string> first_login_pin(bool* made_up) {
  *made_up = false;
  if (!isatty(STDIN_FILENO)) {
    std::string line;
    if (std::getline(std::cin, line)) {
      while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
      if (!line.empty()) return line;
    }
  }
  *made_up = true;
  std::string pin;
  for (int k = 0; k < 6; ++k) pin += static_cast<char>('0' + randombytes_uniform(10));
  return pin;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

void print_bundle(const store::EnrolmentBundle& b) {
  std::printf("bundle version  %lld (sha256 %s)\n", static_cast<long long>(b.version), b.sha256.substr(0, 16).c_str());
  std::printf("issued at       %s\n", b.issued_at.c_str());
  std::printf("device          %s at %s (%s)\n", b.device.kiosk_id.c_str(), b.device.location_id.c_str(),
              b.device.location_name.c_str());
  std::printf("routes          %zu, staff %zu, texts %zu\n", b.routes.size(), b.staff.size(), b.texts.size());
  std::printf("ntp             %s; sync window %s\n", join(b.ntp_servers, " ").c_str(), b.sync_window.c_str());
  std::printf("coa             %s\n", b.coa_endpoint.c_str());
  std::printf("keys            %s%s (this image: %s)\n", store::to_string(store::bundle_key_set(b)),
              b.keys.empty() ? ", no \"keys\" field" : "", store::to_string(store::image_trust().keys));
}

int refused(store::Store* st, const store::BundleError& e, long long version) {
  std::fprintf(stderr, "balie-admin: bundle refused [%s]: %s\n", store::to_string(e.why), e.message.c_str());
  if (st != nullptr && e.why != store::BundleRefusal::Older && e.why != store::BundleRefusal::SameVersionChanged &&
      e.why != store::BundleRefusal::OtherLocation)  // those three the store audits itself
    (void)st->append_audit("admin", "bundle.refused",
                           "version=" + std::to_string(version) + " reason=" + store::to_string(e.why));
  return 4;
}

// [SECTION] bundle

int bundle_cmd(const Args& a, const std::filesystem::path& db_path) {
  if (a.empty()) return usage_error("bundle needs verify FILE, apply FILE|--device DEV or show");
  const std::string& sub = a[0];
  if (sub == "show") {
    if (a.size() != 1) return usage_error("bundle show takes no arguments");
    auto o = open_store(db_path, Create::Never);
    if (!o.store) return o.exit_code;
    auto ab = o.store->applied_bundle();
    if (!ab.ok()) return failed("reading the enrolment", ab.error());
    if (!ab.value()) {
      std::printf("not enrolled: no bundle applied (the kiosk shows the enrolment screen)\n");
      return 0;
    }
    const auto& b = *ab.value();
    std::printf("bundle version  %lld (sha256 %s)\n", static_cast<long long>(b.version), b.sha256.substr(0, 16).c_str());
    std::printf("issued at       %s; applied at %s\n", b.issued_at.c_str(), record::format_utc(b.applied_at).c_str());
    std::printf("device          %s at %s\n", b.device_id.c_str(), b.location_id.c_str());
    std::printf("ntp             %s; sync window %s\n", join(b.ntp_servers, " ").c_str(), b.sync_window.c_str());
    std::printf("coa             %s (pins %s)\n", b.coa_endpoint.c_str(), join(b.coa_pins, " ").c_str());
    return 0;
  }
  if (sub != "verify" && sub != "apply") return usage_error("unknown bundle command '" + sub + "'");
  const bool from_device = a.size() == 3 && a[1] == "--device";
  if (!(a.size() == 2 && a[1] != "--device") && !(sub == "apply" && from_device))
    return usage_error(sub == "verify" ? "bundle verify takes one FILE" : "bundle apply takes FILE or --device DEV");
  const std::string source = from_device ? a[2] : a[1];
  auto text = store::read_bundle_source(source);
  if (!text.ok()) {
    if (text.error().why == store::BundleRefusal::NoBundle && from_device) {
      std::printf("no bundle on %s; nothing to apply\n", source.c_str());
      return 0;
    }
    return refused(nullptr, text.error(), 0);
  }
  auto trusted = store::load_provisioning_keys(provisioning_keys_dir());
  if (!trusted.ok()) {
    std::fprintf(stderr, "balie-admin: %s\n", trusted.error().c_str());
    return 5;
  }
  if (sub == "verify") {
    auto b = store::open_bundle(text.value(), trusted.value());
    if (!b.ok()) return refused(nullptr, b.error(), 0);
    print_bundle(b.value());
    std::printf("signature and content ok\n");
    return 0;
  }
  auto o = open_store(db_path, Create::Always);
  if (!o.store) return o.exit_code;
  auto paths = platform::Paths::from_environment();
  std::error_code ec;
  auto store_path = std::filesystem::absolute(o.db_path, ec);
  // The same installation balie-syncd's COA client runs (store::install_bundle).
  auto identity = [&o](store::TerminalIdentity* id) -> std::optional<std::string> {
    auto device = o.keys.device_signing_key();
    if (!device.ok()) return "the device key is not available: " + device.error().message;
    id->device_pk = device.value().public_key;
    std::string error;
    auto pin = own_tls_pin(o.keys, &error);
    if (!pin) return error;
    id->tls_pin = *pin;
    return std::nullopt;
  };
  auto inst = store::install_bundle(*o.store, text.value(), trusted.value(), identity, paths.config_dir, store_path, "admin");
  using Kind = store::BundleInstall::Kind;
  if (inst.kind == Kind::Refused) {
    std::fprintf(stderr, "balie-admin: bundle refused [%s]: %s\n", store::to_string(inst.refusal->why),
                 inst.refusal->message.c_str());
    return 4;
  }
  if (inst.kind == Kind::NoIdentity) {
    std::fprintf(stderr, "balie-admin: %s\n", inst.message.c_str());
    return 3;
  }
  if (inst.kind == Kind::FilesNotWritten) {
    std::fprintf(stderr, "balie-admin: bundle applied, but the configuration files could not be written: %s\n",
                 inst.message.c_str());
    return 5;
  }
  const auto& b = *inst.bundle;
  print_bundle(b);
  std::printf(inst.kind == Kind::AlreadyApplied ? "already applied; configuration files in %s checked\n"
                              : "applied; configuration files written to %s\n",
              paths.config_dir.c_str());
  return 0;
}

// [SECTION] staff, hosts

int staff_cmd(const Args& a, const std::filesystem::path& db_path) {
  if (a.empty()) return usage_error("staff needs list, add, disable, enable or reset-pin");
  const std::string& sub = a[0];
  if (sub == "list") {
    if (a.size() != 1) return usage_error("staff list takes no arguments");
  } else if (sub == "disable" || sub == "enable" || sub == "reset-pin") {
    if (a.size() != 2) return usage_error("staff " + sub + " takes one staff id");
  } else if (sub == "add") {
    if (a.size() < 2) return usage_error("staff add needs an id, --name and --role");
  } else {
    return usage_error("unknown staff command '" + sub + "'");
  }
  store::StaffAccount acc;
  if (sub == "add") {
    acc.id = a[1];
    std::string role;
    for (std::size_t k = 2; k < a.size(); ++k) {
      if (k + 1 >= a.size()) return usage_error(a[k] + " needs a value");
      if (a[k] == "--name") acc.display_name = a[++k];
      else if (a[k] == "--role") role = a[++k];
      else if (a[k] == "--gemeente") acc.gemeentecodes.push_back(a[++k]);
      else return usage_error("staff add: unknown option '" + a[k] + "'");
    }
    auto r = store::staff_role_from_string(role);
    if (!r) return usage_error("--role must be coa_staff, municipality_host or technician");
    acc.role = *r;
    if (acc.display_name.empty()) return usage_error("staff add needs --name");
    for (const auto& g : acc.gemeentecodes)
      if (!record::is_gemeentecode(g)) return usage_error("--gemeente must look like GM0363");
    if (acc.role == store::StaffRole::MunicipalityHost && acc.gemeentecodes.empty())
      return usage_error("a municipality host needs at least one --gemeente");
  }
  auto o = open_store(db_path, Create::Never);
  if (!o.store) return o.exit_code;
  auto& st = *o.store;
  if (sub == "list") {
    auto list = st.list_staff();
    if (!list.ok()) return failed("reading staff", list.error());
    for (const auto& s : list.value())
      std::printf("%-20s %-18s %-8s %s%s%s\n", s.id.c_str(), store::to_string(s.role), s.active ? "active" : "disabled",
                  s.display_name.c_str(), s.gemeentecodes.empty() ? "" : (" [" + join(s.gemeentecodes, ",") + "]").c_str(),
                  s.must_change_pin ? " (first-login PIN pending)" : "");
    if (list.value().empty()) std::printf("no staff accounts\n");
    return 0;
  }
  if (sub == "disable" || sub == "enable") {
    if (auto s = st.set_staff_active(a[1], sub == "enable", "admin"); !s.ok()) return failed(sub.c_str(), s.error());
    std::printf("%s: %s\n", a[1].c_str(), sub == "enable" ? "enabled" : "disabled");
    return 0;
  }
  bool made_up = false;
  auto pin = first_login_pin(&made_up);
  if (sub == "add") {
    if (auto existing = st.staff(acc.id); existing.ok() && existing.value())
      return std::fprintf(stderr, "balie-admin: staff account %s exists (use staff reset-pin / enable)\n", acc.id.c_str()), 5;
    if (auto s = st.upsert_staff(acc, *pin); !s.ok()) return failed("staff add", s.error());
  }
  if (auto s = st.reset_pin(acc.id.empty() ? a[1] : acc.id, *pin, "admin"); !s.ok()) return failed(sub.c_str(), s.error());
  std::printf("%s: %s; first-login PIN %s (to be changed at the first login)\n", a[1].c_str(),
              sub == "add" ? "added" : "PIN reset", made_up ? pin->c_str() : "as given");
  sodium_memzero(pin->data(), pin->size());
  return 0;
}

int hosts_cmd(const Args& a, const std::filesystem::path& db_path) {
  if (a.size() != 1 || a[0] != "list") return usage_error("hosts takes: list");
  auto o = open_store(db_path, Create::Never);
  if (!o.store) return o.exit_code;
  auto list = o.store->list_staff();
  if (!list.ok()) return failed("reading staff", list.error());
  int n = 0;
  for (const auto& s : list.value()) {
    if (s.role != store::StaffRole::MunicipalityHost) continue;
    std::printf("%-20s %-8s %s: mandated for %s\n", s.id.c_str(), s.active ? "active" : "disabled", s.display_name.c_str(),
                join(s.gemeentecodes, ", ").c_str());
    ++n;
  }
  if (n == 0) std::printf("no municipality hosts\n");
  return 0;
}

// [SECTION] routes, texts

int routes_cmd(const Args& a, const std::filesystem::path& db_path) {
  if (a.empty() || (a[0] == "show" && a.size() != 1) || (a[0] == "import" && a.size() != 2) ||
      (a[0] != "show" && a[0] != "import"))
    return usage_error("routes takes: show | import FILE");
  std::vector<store::Route> routes;
  if (a[0] == "import") {
    std::string error;
    auto text = read_file(a[1], store::kMaxBundleBytes, &error);
    if (!text) return std::fprintf(stderr, "balie-admin: %s\n", error.c_str()), 5;
    auto parsed = store::parse_routes_file(*text);
    if (!parsed.ok()) return std::fprintf(stderr, "balie-admin: %s\n", parsed.error().message.c_str()), 4;
    routes = std::move(parsed.value());
  }
  auto o = open_store(db_path, Create::Never);
  if (!o.store) return o.exit_code;
  if (a[0] == "import") {
    for (const auto& r : routes)
      if (auto s = o.store->put_route(r); !s.ok()) return failed(("importing the route of " + r.gemeentecode).c_str(), s.error());
    std::printf("%zu route(s) imported\n", routes.size());
    return 0;
  }
  auto list = o.store->routes();
  if (!list.ok()) return failed("reading routes", list.error());
  for (const auto& r : list.value())
    std::printf("%s  %s\n  pins %s\n  ack key %s, sealing key %s\n", r.gemeentecode.c_str(), r.endpoint_base_url.c_str(),
                r.pinned_public_key.empty() ? "(none)" : r.pinned_public_key.c_str(),
                record::to_hex(r.ack_verify_key.data(), 8).c_str(), record::to_hex(r.box_public_key.data(), 8).c_str());
  if (list.value().empty()) std::printf("no routes\n");
  return 0;
}

int texts_cmd(const Args& a, const std::filesystem::path& db_path) {
  if (a.empty() || (a[0] == "list" && a.size() != 1) || (a[0] == "import" && a.size() != 2) ||
      (a[0] != "list" && a[0] != "import"))
    return usage_error("texts takes: list | import FILE");
  std::string text;
  if (a[0] == "import") {
    std::string error;
    auto t = read_file(a[1], store::kMaxBundleBytes, &error);
    if (!t) return std::fprintf(stderr, "balie-admin: %s\n", error.c_str()), 5;
    text = std::move(*t);
  }
  auto o = open_store(db_path, Create::Never);
  if (!o.store) return o.exit_code;
  auto& st = *o.store;
  if (a[0] == "import") {
    auto routes = st.routes();
    if (!routes.ok()) return failed("reading routes", routes.error());
    std::set<std::string> codes;
    for (const auto& r : routes.value()) codes.insert(r.gemeentecode);
    auto parsed = store::parse_texts_file(text, codes);
    if (!parsed.ok()) return std::fprintf(stderr, "balie-admin: %s\n", parsed.error().message.c_str()), 4;
    for (const auto& t : parsed.value())
      if (auto s = st.put_text_version(t); !s.ok()) return failed(("importing " + t.version_id).c_str(), s.error());
    std::printf("%zu text(s) imported\n", parsed.value().size());
    return 0;
  }
  auto list = st.text_versions();
  if (!list.ok()) return failed("reading texts", list.error());
  // Current = the highest numeric version per (kind, gemeentecode, language).
  std::map<std::string, std::int64_t> top;
  for (const auto& t : list.value()) {
    auto& v = top[t.kind + "|" + t.gemeentecode + "|" + t.language];
    v = std::max(v, t.version);
  }
  for (const auto& t : list.value())
    std::printf("%-8s %-20s %-4s v%-4lld %s%s\n", t.gemeentecode.empty() ? "(any)" : t.gemeentecode.c_str(),
                t.kind.c_str(), t.language.c_str(), static_cast<long long>(t.version), t.version_id.c_str(),
                top[t.kind + "|" + t.gemeentecode + "|" + t.language] == t.version ? "  (current)" : "");
  if (list.value().empty()) std::printf("no texts\n");
  return 0;
}

// [SECTION] device

int device_cmd(const Args& a, const std::filesystem::path& db_path) {
  if (a.size() != 1 || a[0] != "show") return usage_error("device takes: show");
  auto o = open_store(db_path, Create::Never);
  if (!o.store) return o.exit_code;
  auto dev = o.store->device_config();
  auto ab = o.store->applied_bundle();
  if (!dev.ok()) return failed("reading the device configuration", dev.error());
  if (!ab.ok()) return failed("reading the enrolment", ab.error());
  if (dev.value())
    std::printf("device          %s at %s (%s)\n", dev.value()->kiosk_id.c_str(), dev.value()->location_id.c_str(),
                dev.value()->location_name.c_str());
  else
    std::printf("device          not configured\n");
  if (ab.value()) {
    const auto& b = *ab.value();
    auto pin = store::pin_of_certificate_pem(b.tls_certificate_pem);
    std::printf("enrolled        bundle version %lld, applied %s\n", static_cast<long long>(b.version),
                record::format_utc(b.applied_at).c_str());
    std::printf("device key      %s\n", b.device_ed25519_pk.c_str());
    std::printf("certificate     %s\n", pin.ok() ? pin.value().c_str() : "unreadable");
    std::printf("hostname        %s\n", store::terminal_hostname(b.device_id).c_str());
    std::printf("machine id      %s\n", store::terminal_machine_id(b.device_id).c_str());
  } else {
    std::printf("enrolled        no (no bundle applied)\n");
  }
  return 0;
}

// [SECTION] health

// systemd's restart counter of the kiosk unit, when systemctl answers (on a terminal); else unknown.
std::optional<int> kiosk_restarts() {
  FILE* p = ::popen("systemctl show -P NRestarts balie-kiosk.service 2>/dev/null", "r");
  if (p == nullptr) return std::nullopt;
  char buf[64] = {};
  bool got = std::fgets(buf, sizeof buf, p) != nullptr;
  int rc = ::pclose(p);
  if (!got || rc != 0) return std::nullopt;
  char* end = nullptr;
  long v = std::strtol(buf, &end, 10);
  if (end == buf || v < 0 || v > 1000000) return std::nullopt;
  return static_cast<int>(v);
}

int health_cmd(const Args& a, const std::filesystem::path& db_path) {
  if (!a.empty()) return usage_error("health takes no arguments");
  auto o = open_store(db_path, Create::Never);
  if (!o.store) return o.exit_code;
  store::HealthInputs in;
  in.now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  in.state_dir = o.db_path.parent_path();
  if (auto ab = o.store->applied_bundle(); ab.ok() && ab.value()) in.bundle_version = ab.value()->version;
  in.kiosk_restarts = kiosk_restarts();
  auto doc = store::health_json(in, *o.store);
  if (!doc.ok()) return failed("building the health document", doc.error());
  std::printf("%s\n", doc.value().c_str());
  return 0;
}

}  // namespace

bool is_config_command(const std::string& cmd) {
  return cmd == "health" || cmd == "bundle" || cmd == "staff" || cmd == "hosts" || cmd == "routes" || cmd == "texts" || cmd == "device";
}

int run_config_command(const std::string& cmd, int argc, char** argv, const std::filesystem::path& db_path) {
  Args a(argv, argv + argc);
  if (cmd == "health") return health_cmd(a, db_path);
  if (cmd == "bundle") return bundle_cmd(a, db_path);
  if (cmd == "staff") return staff_cmd(a, db_path);
  if (cmd == "hosts") return hosts_cmd(a, db_path);
  if (cmd == "routes") return routes_cmd(a, db_path);
  if (cmd == "texts") return texts_cmd(a, db_path);
  if (cmd == "device") return device_cmd(a, db_path);
  return usage_error("unknown command '" + cmd + "'");
}

}  // namespace balie::admin
