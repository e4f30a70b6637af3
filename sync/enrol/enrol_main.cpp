// balie-enrol: the terminal's side of enrolment (sync/; no network, no store).
//   balie-enrol tls-key            a fresh EC P-256 mTLS client key, PEM PKCS#8, on stdout (first boot:
//                                  piped into systemd-creds encrypt; nothing is written to disk)
//   balie-enrol tls-key --demo     the same into <state_dir>/tls.key (0600) if it is missing
//   balie-enrol request [--out F]  the enrolment request JSON (device key, CSR, pin, short code)
//   balie-enrol online --coa F --dir D   online enrolment: sends D/code.json (typed on the kiosk) with
//                                  D/request.json to balie-coa, writes D/bundle.json + D/online-status.json
// Exit: 0 ok, 2 usage, 3 keys unavailable (missing or bad credential), 4 refused by COA, 5 failed,
// 6 COA unreachable (retry later). See man/balie-enrol.8.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "balie/record/codec.h"
#include "balie/platform/atomic_file.h"
#include "balie/platform/key_provider.h"
#include "balie/platform/paths.h"
#include "balie/record/json_limits.h"
#include "balie/sync/enrolment.h"
#include "detail/https_client.h"

using namespace balie;
namespace fs = std::filesystem;

namespace {

constexpr int kExitOk = 0, kExitUsage = 2, kExitKeys = 3, kExitRefused = 4, kExitFailed = 5, kExitUnreachable = 6;

const char* kUsage =
    "usage: balie-enrol tls-key [--demo]\n"
    "       balie-enrol request [--out FILE]\n"
    "  tls-key         print a fresh EC P-256 private key (PEM PKCS#8) on stdout; nothing is written to disk\n"
    "    --demo        instead create tls.key (mode 0600) in the state directory if it is missing\n"
    "  request         print the enrolment request (JSON: device public key, CSR, tls_pin, short_code)\n"
    "    --out FILE    write it to FILE atomically (mode 0644) instead of stdout\n"
    "  online --coa FILE --dir DIR [--retry SECONDS]\n"
    "                  online enrolment: sends DIR/code.json (the one-time code typed on the kiosk) and\n"
    "                  DIR/request.json to balie-coa (FILE: {endpoint, ca_pem, pins}); writes DIR/bundle.json\n"
    "                  (0600) and DIR/online-status.json; a refused code is removed, an unreachable COA keeps it\n"
    "    --retry S     while COA is unreachable, try again every S seconds as long as the code is there\n"
    "  --help          this text\n"
    "Keys come from the key provider: production (BALIE_MODE=production) the credentials balie-device-key\n"
    "and balie-tls-key in $CREDENTIALS_DIRECTORY; demo: device.key and tls.key in the state directory\n"
    "(BALIE_STATE_DIR).\n"
    "Exit: 0 ok, 2 usage, 3 keys unavailable, 4 refused by COA, 5 failed, 6 COA unreachable.\n";

int usage_error(const std::string& m) {
  std::fprintf(stderr, "balie-enrol: %s\n%s", m.c_str(), kUsage);
  return kExitUsage;
}

int fail(const std::string& m, int code) {
  std::fprintf(stderr, "balie-enrol: %s\n", m.c_str());
  return code;
}

bool write_all(int fd, const std::uint8_t* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// tls.key in the state directory, created only when missing: temp file 0600 + fsync + link(2), so a
// crash never leaves half a key and a second run keeps the first key.
int demo_tls_key() {
  const fs::path dir = platform::Paths::from_environment().state_dir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail("cannot create the state directory " + dir.string() + ": " + ec.message(), kExitFailed);
  const fs::path path = dir / platform::KeyProvider::kDemoTlsKeyFile;
  if (fs::exists(path, ec)) {
    std::fprintf(stderr, "balie-enrol: %s exists; kept\n", path.string().c_str());
    return kExitOk;
  }
  auto key = sync::generate_tls_key_pem();
  if (!key) return fail(key.error().message, kExitFailed);
  fs::path tmp = path;
  tmp += ".tmp-" + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return fail("cannot create " + tmp.string() + ": " + std::strerror(errno), kExitFailed);
  bool ok = write_all(fd, key.value().data(), key.value().size()) && ::fsync(fd) == 0;
  int e = errno;
  ::close(fd);
  key.value().wipe();
  if (!ok) {
    ::unlink(tmp.c_str());
    return fail("cannot write " + tmp.string() + ": " + std::strerror(e), kExitFailed);
  }
  int rc = ::link(tmp.c_str(), path.c_str());
  e = errno;
  ::unlink(tmp.c_str());
  if (rc != 0 && e != EEXIST) return fail("cannot install " + path.string() + ": " + std::strerror(e), kExitFailed);
  std::fprintf(stderr, "balie-enrol: wrote %s\n", path.string().c_str());
  return kExitOk;
}

int print_tls_key() {
  auto key = sync::generate_tls_key_pem();
  if (!key) return fail(key.error().message, kExitFailed);
  // Straight from the secret buffer to fd 1 (no stdio buffer keeps a copy), then wiped.
  const bool ok = write_all(STDOUT_FILENO, key.value().data(), key.value().size());
  key.value().wipe();
  if (!ok) return fail(std::string("cannot write the key to stdout: ") + std::strerror(errno), kExitFailed);
  return kExitOk;
}

int make_request(const std::string& out) {
  const auto paths = platform::Paths::from_environment();
  const auto keys = platform::KeyProvider::from_environment(paths.state_dir);
  auto tls = keys.tls_client_key_pem();
  if (!tls) return fail("TLS key unavailable: " + tls.error().message, kExitKeys);
  auto device = keys.device_signing_key();
  if (!device) return fail("device key unavailable: " + device.error().message, kExitKeys);
  auto req = sync::build_enrolment_request(device.value().public_key, tls.value(), std::time(nullptr));
  tls.value().wipe();
  if (!req) {
    if (req.error().code == record::Errc::invalid_input)
      return fail("the TLS key (credential balie-tls-key / tls.key) is unusable: " + req.error().message, kExitKeys);
    return fail(req.error().message, kExitFailed);
  }
  const std::string text = sync::enrolment_request_json(req.value()) + "\n";
  if (out.empty()) {
    if (!write_all(STDOUT_FILENO, reinterpret_cast<const std::uint8_t*>(text.data()), text.size()))
      return fail(std::string("cannot write to stdout: ") + std::strerror(errno), kExitFailed);
    return kExitOk;
  }
  std::string error;
  if (!platform::write_file_atomic(out, text, 0644, &error)) return fail(error, kExitFailed);
  std::fprintf(stderr, "balie-enrol: wrote %s (short code %s)\n", out.c_str(), req.value().short_code.c_str());
  return kExitOk;
}

std::string read_small(const fs::path& p, std::size_t limit, std::string* error) {
  std::error_code ec;
  const auto size = fs::file_size(p, ec);
  if (ec || size > limit) {
    *error = p.string() + (ec ? ": " + ec.message() : ": too large");
    return {};
  }
  std::FILE* f = std::fopen(p.c_str(), "rb");
  if (!f) {
    *error = p.string() + ": " + std::strerror(errno);
    return {};
  }
  std::string s(size, '\0');
  const std::size_t n = std::fread(s.data(), 1, s.size(), f);
  std::fclose(f);
  s.resize(n);
  return s;
}

// The answer the kiosk shows (public: no code, no key).
void write_status(const fs::path& dir, const std::string& state, const std::string& message) {
  nlohmann::json j = {{"state", state}, {"message", message.substr(0, 300)}, {"at", record::format_utc(std::time(nullptr))}};
  std::string error;
  if (!platform::write_file_atomic(dir / "online-status.json", j.dump() + "\n", 0644, &error))
    std::fprintf(stderr, "balie-enrol: %s\n", error.c_str());
  std::fprintf(stderr, "balie-enrol: online enrolment: %s%s%s\n", state.c_str(), message.empty() ? "" : ": ",
               message.c_str());
}

int online(const fs::path& coa_file, const fs::path& dir) {
  std::string error;
  const std::string coa_text = read_small(coa_file, 64 * 1024, &error);
  if (coa_text.empty()) return fail("COA endpoint: " + error, kExitFailed);
  auto coa = record::parse_json_limited(coa_text, record::JsonLimits{64 * 1024}, coa_file.filename().string());
  if (!coa || !coa->is_object() || !coa->contains("endpoint") || !(*coa)["endpoint"].is_string() ||
      !coa->contains("ca_pem") || !(*coa)["ca_pem"].is_string() || !coa->contains("pins") || !(*coa)["pins"].is_array() ||
      (*coa)["pins"].empty())
    return fail(coa_file.string() + ": must hold {\"endpoint\", \"ca_pem\", \"pins\": [primary, backup]}", kExitFailed);
  const std::string code_text = read_small(dir / "code.json", 1024, &error);
  if (code_text.empty()) return fail("no code: " + error, kExitUsage);
  auto code = record::parse_json_limited(code_text, record::JsonLimits{1024}, "code.json");
  if (!code || !code->is_object() || !code->contains("code") || !(*code)["code"].is_string())
    return fail("code.json must hold {\"code\": \"...\"}", kExitFailed);
  const std::string request_text = read_small(dir / "request.json", sync::kMaxEnrolmentRequestBytes, &error);
  if (request_text.empty()) return fail("no enrolment request: " + error, kExitFailed);
  auto request = record::parse_json_limited(request_text, record::JsonLimits{sync::kMaxEnrolmentRequestBytes}, "request.json");
  if (!request || !request->is_object()) return fail("request.json is not a JSON object", kExitFailed);

  sync::Route route;
  route.gemeentecode = "COA";
  route.base_url = (*coa)["endpoint"].get<std::string>();
  while (!route.base_url.empty() && route.base_url.back() == '/') route.base_url.pop_back();
  route.ca_pem = (*coa)["ca_pem"].get<std::string>();
  for (const auto& p : (*coa)["pins"]) {
    if (!p.is_string()) return fail(coa_file.string() + ": pins must be strings", kExitFailed);
    route.pinned_key += (route.pinned_key.empty() ? "" : ";") + p.get<std::string>();
  }
  sync::detail::HttpsSession session(route, sync::detail::TlsIdentity{}, sync::detail::HttpLimits{});
  const nlohmann::json body = {{"code", (*code)["code"]}, {"request", *request}};
  auto res = session.post_json("/v1/enrol", body.dump(), /*gzip=*/false);  // balie-coa takes no compressed bodies
  if (!res) {
    write_status(dir, "unreachable", res.error().message);
    return kExitUnreachable;
  }
  std::string message;
  if (auto j = nlohmann::json::parse(res->body, nullptr, false); j.is_object() && j.contains("message") && j["message"].is_string())
    message = j["message"].get<std::string>();
  if (res->status == 200) {
    // Checked in full (signature, this terminal's keys) by balie-admin bundle apply.
    if (!platform::write_file_atomic(dir / "bundle.json", res->body, 0600, &error)) {
      write_status(dir, "error", error);
      return kExitFailed;
    }
    std::error_code ec;
    fs::remove(dir / "code.json", ec);
    write_status(dir, "received", "");
    return kExitOk;
  }
  if (res->status == 403 || res->status == 409 || res->status == 400) {
    // The code is spent, unknown or expired, or this terminal is enrolled already: a new code is needed.
    std::error_code ec;
    fs::remove(dir / "code.json", ec);
    write_status(dir, "refused", message.empty() ? "HTTP " + std::to_string(res->status) : message);
    return kExitRefused;
  }
  write_status(dir, "unreachable", "HTTP " + std::to_string(res->status) + (message.empty() ? "" : ": " + message));
  return kExitUnreachable;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  for (const auto& a : args)
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return kExitOk;
    }
  if (args.empty()) return usage_error("a command is required (tls-key or request)");
  const std::string cmd = args[0];
  if (cmd == "tls-key") {
    bool demo = false;
    for (std::size_t i = 1; i < args.size(); ++i) {
      if (args[i] == "--demo") demo = true;
      else return usage_error("tls-key: unknown argument '" + args[i] + "'");
    }
    return demo ? demo_tls_key() : print_tls_key();
  }
  if (cmd == "request") {
    std::string out;
    for (std::size_t i = 1; i < args.size(); ++i) {
      if (args[i] == "--out") {
        if (i + 1 >= args.size() || args[i + 1].empty()) return usage_error("--out needs a file name");
        out = args[++i];
      } else {
        return usage_error("request: unknown argument '" + args[i] + "'");
      }
    }
    return make_request(out);
  }
  if (cmd == "online") {
    std::string coa, dir;
    long retry = 0;
    for (std::size_t i = 1; i < args.size(); ++i) {
      if ((args[i] == "--coa" || args[i] == "--dir") && i + 1 < args.size() && !args[i + 1].empty()) {
        (args[i] == "--coa" ? coa : dir) = args[i + 1];
        ++i;
      } else if (args[i] == "--retry" && i + 1 < args.size()) {
        retry = std::strtol(args[++i].c_str(), nullptr, 10);
        if (retry < 1 || retry > 3600) return usage_error("--retry takes 1..3600 seconds");
      } else {
        return usage_error("online: unknown or incomplete argument '" + args[i] + "'");
      }
    }
    if (coa.empty() || dir.empty()) return usage_error("online needs --coa FILE and --dir DIR");
    for (;;) {
      const int rc = online(coa, dir);
      std::error_code ec;
      if (rc != kExitUnreachable || retry == 0 || !fs::exists(fs::path(dir) / "code.json", ec)) return rc;
      ::sleep(static_cast<unsigned>(retry));
    }
  }
  return usage_error("unknown command '" + cmd + "'");
}
