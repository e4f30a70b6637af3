// balie-enrol: the terminal's side of enrolment (sync/; no network, no store).
//   balie-enrol tls-key            a fresh EC P-256 mTLS client key, PEM PKCS#8, on stdout (first boot:
//                                  piped into systemd-creds encrypt; nothing is written to disk)
//   balie-enrol tls-key --demo     the same into <state_dir>/tls.key (0600) if it is missing
//   balie-enrol request [--out F]  the enrolment request JSON (device key, CSR, pin, short code)
// Exit: 0 ok, 2 usage, 3 keys unavailable (missing or bad credential), 5 failed. See man/balie-enrol.8.
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

#include "balie/platform/atomic_file.h"
#include "balie/platform/key_provider.h"
#include "balie/platform/paths.h"
#include "balie/sync/enrolment.h"

using namespace balie;
namespace fs = std::filesystem;

namespace {

constexpr int kExitOk = 0, kExitUsage = 2, kExitKeys = 3, kExitFailed = 5;

const char* kUsage =
    "usage: balie-enrol tls-key [--demo]\n"
    "       balie-enrol request [--out FILE]\n"
    "  tls-key         print a fresh EC P-256 private key (PEM PKCS#8) on stdout; nothing is written to disk\n"
    "    --demo        instead create tls.key (mode 0600) in the state directory if it is missing\n"
    "  request         print the enrolment request (JSON: device public key, CSR, tls_pin, short_code)\n"
    "    --out FILE    write it to FILE atomically (mode 0644) instead of stdout\n"
    "  --help          this text\n"
    "Keys come from the key provider: production (BALIE_MODE=production) the credentials balie-device-key\n"
    "and balie-tls-key in $CREDENTIALS_DIRECTORY; demo: device.key and tls.key in the state directory\n"
    "(BALIE_STATE_DIR).\n"
    "Exit: 0 ok, 2 usage, 3 keys unavailable, 5 failed.\n";

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
  return usage_error("unknown command '" + cmd + "'");
}
