// Enrolment bundles (store/ layer, headless): the signed file from COA's provisioning service that
// sets up a terminal (device and location id, its TLS certificate, routes with two pins each, staff,
// texts per municipality, NTP servers, sync window, COA endpoint). Format: store/schemas/
// enrolment-bundle.schema.json and store/README.md. open_bundle() checks the signature and every
// field; check_for_terminal() that it is this terminal's; Store::apply_bundle() applies it in one
// transaction; write_terminal_files() writes the public configuration other units read.
#pragma once
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "balie/record/result.h"
#include "balie/store/trust.h"
#include "balie/store/types.h"

namespace balie::store {

inline constexpr std::size_t kMaxBundleBytes = 4u * 1024 * 1024 - 1;
inline constexpr int kBundleFormatVersion = 1;

// Why a bundle is not applied. Every refusal also carries a message for the technician.
enum class BundleRefusal {
  Malformed,         // not JSON, truncated, too large or too deep
  UnknownFormat,     // another file type or a format_version this terminal does not know
  Unsigned,          // no signature
  UnknownKey,        // signed with a key this image does not trust
  BadSignature,      // the signature does not verify (changed after signing)
  Invalid,           // signed, but a field is missing or wrong (names the field)
  OtherDevice,       // issued for another terminal's device key
  CertificateMismatch,  // the TLS certificate is not for this terminal's TLS key
  Older,             // bundle_version below the applied one (a replayed older bundle)
  SameVersionChanged,   // same bundle_version as applied, different content
  OtherLocation,     // the terminal is enrolled at another location (moving needs a reset)
  NoBundle,          // the provisioning partition holds no bundle (not an error for the boot unit)
  KeySetMismatch,    // issue 20: a production bundle on a test-key image, or a test bundle on a production one
};
const char* to_string(BundleRefusal r);

struct BundleError {
  BundleRefusal why;
  std::string message;
};
template <class T>
using BundleResult = record::Result<T, BundleError>;

struct BundleStaff {
  StaffAccount account;      // must_change_pin is set when a first-login PIN is given
  std::string pin_hash;      // "$argon2id$..." (COA manages the PIN), or
  std::string first_login_pin;  // digits the staff member must change at first login
};

// issue 16: an optional consent purpose the bundle defines beyond the built-in PID sharing (the
// kiosk asks only the built-in one and these). "consent_purposes": [{"id","controller","recipient",
// "valid_months","sensitive"}]; the notice text is a "consent:<id>" text of the bundle.
struct BundleConsentPurpose {
  std::string id;          // [a-z0-9_]{1,48}, not "pid_sharing"
  std::string controller;  // who decides on the sharing, e.g. "COA" (1-100 bytes)
  std::string recipient;   // who receives, e.g. "gekoppelde gemeente" (1-100 bytes)
  int valid_months = 12;   // 1..12
  bool sensitive = false;  // special category (AVG art. 9): explicit consent
};

struct EnrolmentBundle {
  std::int64_t version = 0;
  std::string issued_at;
  std::string sha256;  // of the signed payload bytes (hex)
  DeviceConfig device;  // kiosk_id = device id
  std::string device_ed25519_pk;  // 64 hex
  std::string tls_certificate_pem;
  std::string coa_endpoint, coa_ca_pem;
  std::vector<std::string> coa_pins;  // primary, backup
  std::vector<std::string> ntp_servers;
  std::string sync_window;  // "HH:MM-HH:MM"
  std::vector<Route> routes;  // pinned_public_key = "primary;backup" (CURLOPT_PINNEDPUBLICKEY form)
  std::vector<BundleStaff> staff;
  std::vector<TextVersion> texts;  // version_id "<kind>-<gemeentecode>-v<version>-<language>"
  std::vector<BundleConsentPurpose> consent_purposes;  // optional field; empty = only PID sharing
  // Issue 18: fields from which the parser removed bidi embeddings/overrides/isolates
  // ("device.location_name", "staff.<id>.display_name", "consent_purposes.<id>.controller"); each is
  // audited (field name only) when the bundle is applied.
  std::vector<std::string> bidi_stripped;
  // Issue 20: the key set of the images the signer issues for ("keys": "test" | "production", set by
  // the signer: COA's deployment, balie-make-bundle --keys). Empty = the field is absent (bundles made
  // before issue 20): treated as "test", so they keep working on test images and not on production ones.
  std::string keys;
};
// The bundle's key set ("keys"; absent = test).
KeySet bundle_key_set(const EnrolmentBundle& b);

// What the store keeps of the applied bundle (no PINs, no texts: those are in their own tables).
struct AppliedBundle {
  std::int64_t version = 0;
  std::string sha256, issued_at;
  UtcTime applied_at;
  std::string device_id, location_id, device_ed25519_pk, tls_certificate_pem;
  std::string coa_endpoint, coa_ca_pem;
  std::vector<std::string> coa_pins, ntp_servers;
  std::string sync_window;
  std::vector<BundleConsentPurpose> consent_purposes;
};
// The applied bundle's consent purposes as stored (JSON array text) and back.
std::string consent_purposes_json(const std::vector<BundleConsentPurpose>& v);
std::vector<BundleConsentPurpose> consent_purposes_from_json(std::string_view text);

using Ed25519PublicKey = std::array<std::uint8_t, 32>;

// The payload alone (make-bundle checks what it signs with this): every field checked.
BundleResult<EnrolmentBundle> parse_bundle_payload(std::string_view payload_json);
// The technician's import files (balie-admin routes import / texts import): {"routes":[...]} and
// {"texts":[...]} with entries exactly as in a bundle; texts only for gemeentecodes in known_codes.
BundleResult<std::vector<Route>> parse_routes_file(std::string_view text);
BundleResult<std::vector<TextVersion>> parse_texts_file(std::string_view text, const std::set<std::string>& known_codes);
// A bundle file: format, signature by one of `trusted` (key_id picks it), then the payload.
BundleResult<EnrolmentBundle> open_bundle(std::string_view file_text, std::span<const Ed25519PublicKey> trusted);
// Signs `payload_json` (checked with parse_bundle_payload first) with a 32-byte Ed25519 seed.
BundleResult<std::string> sign_bundle(std::string_view payload_json, std::span<const std::uint8_t, 32> seed);
// Bundle for this image's key set? A production bundle is refused on a test-key image (anyone can sign
// for that image: it must never hold production credentials and routes) and a test bundle (signed with
// the public TEST provisioning key or for a development fleet) on a production image.
std::optional<BundleError> check_for_image(const EnrolmentBundle& b, KeySet image);
// The repository's TEST provisioning key (image/keys/provisioning-test.pub, its private half is public).
// sign_bundle refuses to sign a "keys": "production" payload with it.
bool is_test_provisioning_key(const Ed25519PublicKey& k);
// Bundle for this terminal? Its device key and the certificate's public key (pin) must be ours.
std::optional<BundleError> check_for_terminal(const EnrolmentBundle& b, const Ed25519PublicKey& own_device_pk,
                                              std::string_view own_tls_pin);
// The trusted provisioning keys: every *.pub (64 hex) in `dir`. Empty dir or bad file -> error text.
record::Result<std::vector<Ed25519PublicKey>, std::string> load_provisioning_keys(const std::filesystem::path& dir);
// Reads a bundle from a file or a provisioning partition (up to kMaxBundleBytes, stops at the first
// NUL; a block device of zeros gives NoBundle).
BundleResult<std::string> read_bundle_source(const std::filesystem::path& source);

// Writes the public configuration derived from the applied bundle into `config_dir` (each file
// atomically, 0644): syncd.json (store = `store_path`), device-cert.pem, timesyncd.conf, device-id,
// hostname, machine-id, bundle-version. No secrets, no personal data. Returns an error text.
std::optional<std::string> write_terminal_files(const EnrolmentBundle& b, const std::filesystem::path& config_dir,
                                                const std::filesystem::path& store_path);

// "balie-<device id lowercased>" and the 32-hex machine id derived from the device id.
std::string terminal_hostname(std::string_view device_id);
std::string terminal_machine_id(std::string_view device_id);

}  // namespace balie::store
