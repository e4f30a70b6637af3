// Reader of the image's trust file (see trust.h): key=value lines, unknown keys ignored, at most
// 64 KiB read. Anything but an explicit keys=production reads as TEST keys.
#include "balie/store/trust.h"

#include <cstdlib>
#include <fstream>

namespace balie::store {

const char* to_string(KeySet k) { return k == KeySet::Production ? "production" : "test"; }

ImageTrust read_image_trust(const std::filesystem::path& path) {
  ImageTrust t;
  std::ifstream f(path, std::ios::binary);
  if (!f) return t;
  t.file_present = true;
  std::string line;
  std::size_t read = 0;
  bool production = false;
  while (read < 64 * 1024 && std::getline(f, line)) {
    read += line.size() + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "keys") production = value == "production";
    else if (key == "sb_cert_sha256") t.sb_cert_sha256 = value.substr(0, 64);
    else if (key == "pcr_policy_pubkey_sha256") t.pcr_policy_pubkey_sha256 = value.substr(0, 1024);
    else if (key == "provisioning_keys") t.provisioning_keys = value.substr(0, 1024);
  }
  t.keys = production ? KeySet::Production : KeySet::Test;
  return t;
}

std::filesystem::path default_trust_file() {
  const char* e = std::getenv("BALIE_TRUST_FILE");
  return (e != nullptr && *e != '\0') ? std::filesystem::path(e) : std::filesystem::path("/usr/lib/balie/trust");
}

ImageTrust image_trust() { return read_image_trust(default_trust_file()); }

}  // namespace balie::store
