// The image's trust file (/usr/lib/balie/trust, written by image/build.sh through image/keys.sh):
// which key set the image was built with (test or production) and the keys' fingerprints. Read by the
// health document, the kiosk's staff status ("TEST KEYS") and bundle installation (a production bundle
// is refused on a test-key image and the other way round).
#pragma once
#include <filesystem>
#include <string>
#include <string_view>

namespace balie::store {

enum class KeySet { Test, Production };
const char* to_string(KeySet k);  // "test" | "production"

struct ImageTrust {
  KeySet keys = KeySet::Test;
  bool file_present = false;       // false: no trust file (a developer build run from the build tree)
  std::string sb_cert_sha256;      // the db certificate that signed the image (hex), empty when unknown
  std::string pcr_policy_pubkey_sha256;  // comma separated
  std::string provisioning_keys;         // comma separated file names
};

// Reads `path`. A missing or unreadable file, or a "keys" line other than exactly "production", means
// TEST keys: only an image built with `image/build.sh --production` claims production, so a developer
// run (no file), a damaged file or a future value never passes for production.
ImageTrust read_image_trust(const std::filesystem::path& path);
// $BALIE_TRUST_FILE when set and not empty, else /usr/lib/balie/trust.
std::filesystem::path default_trust_file();
// read_image_trust(default_trust_file()).
ImageTrust image_trust();

}  // namespace balie::store
