// Enrolment bundles against real parts (tests/store/): real X.509 certificates and keys made with the
// openssl CLI, real Ed25519 signatures, a real SQLCipher store, and balie-admin / balie-make-bundle as
// real processes. Covers the refusal cases (truncated, unsigned, tampered, unknown key, older,
// same version changed, other device, other location, certificate for another key), the one
// transaction, first-login PINs across bundles, texts per municipality with numeric versions, and the
// JSON Schema (python3-jsonschema) against the payloads the terminal accepts.
#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/wait.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "balie/record/codec.h"
#include "balie/store/bundle.h"
#include "balie/store/store.h"
#include "balie/store/tls_pin.h"
#include "store_test_util.h"

namespace balie::store::test {
namespace {

using nlohmann::json;

std::string sh(const std::string& cmd, int* rc = nullptr) {
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  std::string out;
  char buf[4096];
  while (p != nullptr && std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  int status = p != nullptr ? ::pclose(p) : -1;
  if (rc != nullptr) *rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void spit(const fs::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << s;
}

// Real PKI made once: a CA, the terminal's TLS key + certificate, another key + certificate.
struct Pki {
  TempDir dir;
  std::string ca_pem, tls_key_pem, cert_pem, other_cert_pem, tls_pin, pin_a, pin_b;
  Pki() {
    auto d = dir.path().string();
    int rc = 0;
    std::string out = sh("cd '" + d + "' && "
                         "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem "
                         "-days 30 -subj /CN=test-coa-ca && "
                         "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out tls.key && "
                         "openssl req -new -key tls.key -subj /CN=balie-enrolment-test -out tls.csr && "
                         "openssl x509 -req -in tls.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -out tls.pem && "
                         "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out other.key && "
                         "openssl req -new -key other.key -subj /CN=other -out other.csr && "
                         "openssl x509 -req -in other.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -out other.pem",
                         &rc);
    if (rc != 0) throw std::runtime_error("openssl failed: " + out);
    ca_pem = slurp(dir / "ca.pem");
    tls_key_pem = slurp(dir / "tls.key");
    cert_pem = slurp(dir / "tls.pem");
    other_cert_pem = slurp(dir / "other.pem");
    tls_pin = pin_of_private_key_pem(tls_key_pem).value();
    pin_a = pin_of_certificate_pem(cert_pem).value();
    pin_b = pin_of_certificate_pem(other_cert_pem).value();
  }
};

Pki& pki() {
  static Pki p;
  return p;
}

struct Keys {
  std::array<std::uint8_t, 32> prov_seed = random_key();
  Ed25519PublicKey prov_pk{};
  std::array<std::uint8_t, 32> device_seed = random_key();
  Ed25519PublicKey device_pk{};
  Keys() {
    std::uint8_t sk[64];
    crypto_sign_seed_keypair(prov_pk.data(), sk, prov_seed.data());
    crypto_sign_seed_keypair(device_pk.data(), sk, device_seed.data());
  }
};

json payload(const Keys& k, std::int64_t version = 1, const std::string& location = "AZC-TERAPEL") {
  const auto& p = pki();
  json route = {{"gemeentecode", "GM0363"},
                {"base_url", "https://inbox.gm0363.test:8443"},
                {"ca_pem", p.ca_pem},
                {"pins", {p.pin_a, p.pin_b}},
                {"ed25519_pk", std::string(64, 'a')},
                {"x25519_pk", std::string(64, 'b')}};
  json route2 = route;
  route2["gemeentecode"] = "GM0014";
  route2["base_url"] = "https://inbox.gm0014.test";
  return {{"bundle_version", version},
          {"issued_at", "2026-12-05T10:00:00Z"},
          {"device",
           {{"device_id", "BALIE-0042"},
            {"location_id", location},
            {"location_name", "AZC Ter Apel"},
            {"ed25519_pk", hex(k.device_pk)},
            {"tls_certificate_pem", p.cert_pem}}},
          {"coa", {{"endpoint", "https://coa.test/api"}, {"ca_pem", p.ca_pem}, {"pins", {p.pin_a, p.pin_b}}}},
          {"ntp_servers", {"ntp1.coa.test", "10.0.2.2"}},
          {"sync_window", "01:00-05:00"},
          {"routes", {route, route2}},
          {"staff",
           {{{"id", "coa-anna"}, {"display_name", "Anna (COA)"}, {"role", "coa_staff"}, {"first_login_pin", "271828"}},
            {{"id", "tech-bram"}, {"display_name", "Bram (technicus)"}, {"role", "technician"}, {"first_login_pin", "314159"}},
            {{"id", "host-gm0363"},
             {"display_name", "Gastvrouw Groningen"},
             {"role", "municipality_host"},
             {"gemeentecodes", {"GM0363"}},
             {"first_login_pin", "161803"}}}},
          {"texts",
           {{{"gemeentecode", "GM0363"}, {"kind", "pvt_declaration"}, {"version", 2}, {"language", "nl"},
             {"title", "Participatieverklaring"}, {"body", "Tekst versie 2."}},
            {{"gemeentecode", "GM0363"}, {"kind", "pvt_declaration"}, {"version", 10}, {"language", "nl"},
             {"title", "Participatieverklaring"}, {"body", "Tekst versie 10."}},
            {{"gemeentecode", "GM0014"}, {"kind", "pvt_declaration"}, {"version", 1}, {"language", "nl"},
             {"title", "Participatieverklaring"}, {"body", "Tekst Groningen 1."}}}}};
}

std::string sign(const Keys& k, const json& p) {
  auto r = sign_bundle(p.dump(), k.prov_seed);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? r.value() : std::string();
}

class BundleTest : public ::testing::Test {
 protected:
  TempDir dir;
  std::array<std::uint8_t, 32> db_key = random_key();
  Keys k;
  std::unique_ptr<Store> st = open_ok(dir / "balie.db", db_key);

  BundleResult<EnrolmentBundle> open(const std::string& file) {
    std::vector<Ed25519PublicKey> trusted{k.prov_pk};
    return open_bundle(file, trusted);
  }
  EnrolmentBundle good(const json& p) {
    auto b = open(sign(k, p));
    EXPECT_TRUE(b.ok()) << (b.ok() ? "" : b.error().message);
    return b.ok() ? b.value() : EnrolmentBundle{};
  }
};

TEST_F(BundleTest, AppliedInOneTransactionWithAuditEntry) {
  auto b = good(payload(k));
  EXPECT_FALSE(check_for_terminal(b, k.device_pk, pki().tls_pin).has_value());
  auto r = st->apply_bundle(b, "admin");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r.value());
  auto dev = st->device_config().value();
  ASSERT_TRUE(dev);
  EXPECT_EQ(dev->kiosk_id, "BALIE-0042");
  EXPECT_EQ(dev->location_id, "AZC-TERAPEL");
  auto route = st->route("GM0363").value();
  ASSERT_TRUE(route);
  EXPECT_EQ(route->pinned_public_key, pki().pin_a + ";" + pki().pin_b);  // primary + backup for libcurl
  auto staff = st->list_staff().value();
  ASSERT_EQ(staff.size(), 3u);
  EXPECT_TRUE(staff[0].must_change_pin);
  auto host = st->staff("host-gm0363").value();
  ASSERT_TRUE(host);
  EXPECT_EQ(host->gemeentecodes, std::vector<std::string>{"GM0363"});
  EXPECT_EQ(st->verify_pin("coa-anna", "271828").value().kind, PinVerdict::Kind::Ok);
  auto applied = st->applied_bundle().value();
  ASSERT_TRUE(applied);
  EXPECT_EQ(applied->version, 1);
  EXPECT_EQ(applied->ntp_servers, (std::vector<std::string>{"ntp1.coa.test", "10.0.2.2"}));
  bool audited = false;
  auto tail = st->audit_tail(50);
  for (const auto& e : tail.value())
    if (e.action == "bundle.apply" && e.detail.find("version=1 sha256=" + b.sha256) != std::string::npos) audited = true;
  EXPECT_TRUE(audited);
  EXPECT_TRUE(st->verify_audit().value().ok);
  // The same bundle again changes nothing and says so.
  auto again = st->apply_bundle(b, "admin");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again.value());
}

// Issue 18: names are data, not formatting. A staff display name and the location name with bidi
// overrides are stored without them; the applied bundle's audit names the fields, never the values.
TEST_F(BundleTest, BidiFormattingLeavesStaffAndLocationNamesAndIsAudited) {
  json p = payload(k);
  p["device"]["location_name"] = "AZC \u202ElepA reT";
  p["staff"][0]["display_name"] = "Anna \u2067(COA)";
  auto b = good(p);
  ASSERT_TRUE(st->apply_bundle(b, "admin").ok());
  EXPECT_EQ(st->device_config().value()->location_name, "AZC lepA reT");
  EXPECT_EQ(st->staff("coa-anna").value()->display_name, "Anna (COA)");
  std::vector<std::string> fields;
  const auto tail = st->audit_tail(50).value();
  for (const auto& e : tail) {
    if (e.action == "bundle.bidi_stripped") fields.push_back(e.detail);
    EXPECT_EQ(e.detail.find("lepA"), std::string::npos) << e.detail;
  }
  EXPECT_EQ(fields, (std::vector<std::string>{"version=1 field=device.location_name", "version=1 field=staff.coa-anna.display_name"}));
}

TEST_F(BundleTest, CurrentTextIsTheMunicipalitysHighestNumericVersion) {
  ASSERT_TRUE(st->apply_bundle(good(payload(k)), "admin").ok());
  auto t = st->current_text("pvt_declaration", "nl", "GM0363").value();
  ASSERT_TRUE(t);
  EXPECT_EQ(t->version, 10);  // 10 after 2 (as strings "v2" would win)
  EXPECT_EQ(t->body, "Tekst versie 10.");
  EXPECT_EQ(t->version_id, "pvt_declaration-GM0363-v10-nl");
  auto g = st->current_text("pvt_declaration", "nl", "GM0014").value();
  ASSERT_TRUE(g);
  EXPECT_EQ(g->body, "Tekst Groningen 1.");
  EXPECT_FALSE(st->current_text("pvt_declaration", "ar", "GM0363").value());  // no Arabic text: none offered
  EXPECT_FALSE(st->current_text("pvt_declaration", "nl", "GM0599").value());  // no route, no text
}

TEST_F(BundleTest, RefusedFilesSayWhy) {
  const std::string file = sign(k, payload(k));
  EXPECT_EQ(open(file.substr(0, file.size() / 2)).error().why, BundleRefusal::Malformed);
  EXPECT_EQ(open("").error().why, BundleRefusal::Malformed);
  EXPECT_EQ(open("{\"format\":\"something-else\"}").error().why, BundleRefusal::UnknownFormat);
  json f = json::parse(file);
  json unsigned_f = f;
  unsigned_f.erase("signature");
  EXPECT_EQ(open(unsigned_f.dump()).error().why, BundleRefusal::Unsigned);
  json v2 = f;
  v2["format_version"] = 2;
  EXPECT_EQ(open(v2.dump()).error().why, BundleRefusal::UnknownFormat);
  // Tampered: the payload changed after signing (another location), the signature kept.
  json tampered = f;
  tampered["payload"] = record::to_base64(payload(k, 1, "AZC-ELSEWHERE").dump());
  EXPECT_EQ(open(tampered.dump()).error().why, BundleRefusal::BadSignature);
  // Signed by a key the image does not trust.
  Keys stranger;
  EXPECT_EQ(open(sign(stranger, payload(k))).error().why, BundleRefusal::UnknownKey);
  // Signed, but invalid content (a terminal re-checks what COA signed): identical pins.
  json bad = payload(k);
  bad["routes"][0]["pins"] = {pki().pin_a, pki().pin_a};
  EXPECT_FALSE(sign_bundle(bad.dump(), k.prov_seed).ok());  // make-bundle refuses to sign it
  std::string bytes = bad.dump();
  std::uint8_t sig[64], pk[32], sk[64];
  crypto_sign_seed_keypair(pk, sk, k.prov_seed.data());
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), sk);
  json raw = {{"format", "balie-enrolment-bundle"}, {"format_version", 1}, {"key_id", hex(k.prov_pk).substr(0, 16)},
              {"payload", record::to_base64(bytes)}, {"signature", record::to_base64(sig, 64)}};
  auto r = open(raw.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().why, BundleRefusal::Invalid);
  EXPECT_NE(r.error().message.find("routes[0]: pins"), std::string::npos) << r.error().message;
}

TEST_F(BundleTest, OtherDeviceAndForeignCertificateAreRefused) {
  auto b = good(payload(k));
  Keys other;
  auto e = check_for_terminal(b, other.device_pk, pki().tls_pin);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->why, BundleRefusal::OtherDevice);
  json p = payload(k);
  p["device"]["tls_certificate_pem"] = pki().other_cert_pem;
  auto e2 = check_for_terminal(good(p), k.device_pk, pki().tls_pin);
  ASSERT_TRUE(e2);
  EXPECT_EQ(e2->why, BundleRefusal::CertificateMismatch);
}

TEST_F(BundleTest, OlderReplayedChangedAndOtherLocationChangeNothing) {
  ASSERT_TRUE(st->apply_bundle(good(payload(k, 2)), "admin").ok());
  auto before_staff = st->list_staff().value().size();
  auto before_audit = st->audit_tail(1000).value().size();
  auto older = st->apply_bundle(good(payload(k, 1)), "admin");
  ASSERT_FALSE(older.ok());
  EXPECT_EQ(older.error().why, BundleRefusal::Older);
  json changed = payload(k, 2);
  changed["sync_window"] = "02:00-04:00";
  auto same = st->apply_bundle(good(changed), "admin");
  ASSERT_FALSE(same.ok());
  EXPECT_EQ(same.error().why, BundleRefusal::SameVersionChanged);
  json moved = payload(k, 3, "AZC-BUDEL");
  moved["staff"][0]["id"] = "coa-new";
  auto other = st->apply_bundle(good(moved), "admin");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().why, BundleRefusal::OtherLocation);
  EXPECT_EQ(st->device_config().value()->location_id, "AZC-TERAPEL");
  EXPECT_FALSE(st->staff("coa-new").value());
  EXPECT_EQ(st->list_staff().value().size(), before_staff);
  EXPECT_EQ(st->applied_bundle().value()->version, 2);
  // Each refusal is in the audit chain (one entry each), the chain intact.
  EXPECT_EQ(st->audit_tail(1000).value().size(), before_audit + 3);
  EXPECT_TRUE(st->verify_audit().value().ok);
}

TEST_F(BundleTest, ChangedTextUnderAnExistingVersionRefusesTheWholeBundle) {
  ASSERT_TRUE(st->apply_bundle(good(payload(k, 1)), "admin").ok());
  json p = payload(k, 2);
  p["texts"][0]["body"] = "Stilletjes veranderd.";
  p["staff"][0]["display_name"] = "Anna Veranderd";
  auto r = st->apply_bundle(good(p), "admin");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("new version number"), std::string::npos) << r.error().message;
  EXPECT_EQ(st->staff("coa-anna").value()->display_name, "Anna (COA)");  // rolled back
  EXPECT_EQ(st->applied_bundle().value()->version, 1);
}

TEST_F(BundleTest, ChosenPinSurvivesANewerBundleAndANewFirstLoginPinResetsIt) {
  ASSERT_TRUE(st->apply_bundle(good(payload(k, 1)), "admin").ok());
  ASSERT_TRUE(st->change_pin("coa-anna", "909090").ok());
  EXPECT_FALSE(st->staff("coa-anna").value()->must_change_pin);
  EXPECT_EQ(st->change_pin("coa-anna", "909090").error().code, StoreErrc::Conflict);  // same as the old one
  json p2 = payload(k, 2);
  p2["staff"].erase(1);  // the technician left: deactivated, not deleted
  p2["routes"].erase(1);  // GM0014 gone: route removed, its text kept (immutable history)
  p2["texts"].erase(2);
  ASSERT_TRUE(st->apply_bundle(good(p2), "admin").ok());
  EXPECT_EQ(st->verify_pin("coa-anna", "909090").value().kind, PinVerdict::Kind::Ok);
  EXPECT_FALSE(st->staff("tech-bram").value()->active);
  EXPECT_FALSE(st->route("GM0014").value());
  json p3 = payload(k, 3);
  p3["staff"][0]["first_login_pin"] = "111222";
  ASSERT_TRUE(st->apply_bundle(good(p3), "admin").ok());
  EXPECT_EQ(st->verify_pin("coa-anna", "111222").value().kind, PinVerdict::Kind::Ok);
  EXPECT_TRUE(st->staff("coa-anna").value()->must_change_pin);
  EXPECT_TRUE(st->staff("tech-bram").value()->active);  // back in the bundle
  // COA-managed PIN hash.
  json p4 = payload(k, 4);
  std::string hash = sh("printf 424242 | '" BALIE_BINARY_DIR "/store/balie-make-bundle' hash-pin");
  hash.pop_back();
  p4["staff"][0].erase("first_login_pin");
  p4["staff"][0]["pin_hash"] = hash;
  ASSERT_TRUE(st->apply_bundle(good(p4), "admin").ok());
  EXPECT_EQ(st->verify_pin("coa-anna", "424242").value().kind, PinVerdict::Kind::Ok);
  EXPECT_FALSE(st->staff("coa-anna").value()->must_change_pin);
}

TEST_F(BundleTest, TerminalFilesAndProvisioningSources) {
  auto b = good(payload(k));
  fs::create_directories(dir / "config");
  ASSERT_FALSE(write_terminal_files(b, dir / "config", dir / "balie.db").has_value());
  auto syncd = json::parse(slurp(dir / "config" / "syncd.json"));
  EXPECT_EQ(syncd["device_id"], "BALIE-0042");
  EXPECT_EQ(syncd["locatiecode"], "AZC-TERAPEL");
  EXPECT_EQ(syncd["client_key"], "credential:balie-tls-key");
  EXPECT_EQ(syncd["store"], (dir / "balie.db").string());
  EXPECT_EQ(slurp(dir / "config" / "timesyncd.conf").find("NTP=ntp1.coa.test 10.0.2.2\n") != std::string::npos, true);
  EXPECT_EQ(slurp(dir / "config" / "hostname"), "balie-balie-0042\n");
  EXPECT_EQ(slurp(dir / "config" / "machine-id").size(), 33u);
  EXPECT_EQ(slurp(dir / "config" / "device-cert.pem"), pki().cert_pem);
  // A provisioning partition: the bundle, then zeros; one of zeros holds no bundle.
  std::string file = sign(k, payload(k));
  spit(dir / "part.img", file + std::string(4 * 1024 * 1024 - file.size(), '\0'));
  auto got = read_bundle_source(dir / "part.img");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got.value(), file);
  spit(dir / "zeros.img", std::string(4 * 1024 * 1024, '\0'));
  EXPECT_EQ(read_bundle_source(dir / "zeros.img").error().why, BundleRefusal::NoBundle);
  spit(dir / "huge.json", std::string(kMaxBundleBytes + 10, ' '));
  EXPECT_EQ(read_bundle_source(dir / "huge.json").error().why, BundleRefusal::Malformed);
}

TEST_F(BundleTest, SchemaAcceptsWhatTheTerminalAcceptsAndRejectsWhatItRefuses) {
  const std::string schema = BALIE_SOURCE_DIR "/store/schemas/enrolment-bundle.schema.json";
  auto validate = [&](const json& p) {
    spit(dir / "p.json", p.dump());
    int rc = 0;
    // Debian's python3 with python3-jsonschema (scripts/packages.txt), as the health test does.
    std::string out = sh("/usr/bin/python3 '" BALIE_SOURCE_DIR "/tests/sync/validate_schema.py' '" + schema + "' '" +
                             (dir / "p.json").string() + "'",
                         &rc);
    return rc == 0 ? std::string() : out.empty() ? "failed" : out;
  };
  json p = payload(k);
  EXPECT_EQ(validate(p), "");
  ASSERT_TRUE(parse_bundle_payload(p.dump()).ok());
  json pins = p;
  pins["routes"][0]["pins"] = {pki().pin_a};
  EXPECT_NE(validate(pins), "");
  EXPECT_FALSE(parse_bundle_payload(pins.dump()).ok());
  json both = p;
  both["staff"][0]["pin_hash"] = "$argon2id$v=19$m=65536,t=2,p=1$abc$def";
  EXPECT_NE(validate(both), "");
  EXPECT_FALSE(parse_bundle_payload(both.dump()).ok());
  json extra = p;
  extra["surprise"] = 1;
  EXPECT_NE(validate(extra), "");
  EXPECT_FALSE(parse_bundle_payload(extra.dump()).ok());
  json window = p;
  window["sync_window"] = "1:00-5:00";
  EXPECT_NE(validate(window), "");
  EXPECT_FALSE(parse_bundle_payload(window.dump()).ok());
  // issue 20: "keys" is test or production, and optional
  for (const char* v : {"test", "production"}) {
    json keys = p;
    keys["keys"] = v;
    EXPECT_EQ(validate(keys), "") << v;
    auto b = parse_bundle_payload(keys.dump());
    ASSERT_TRUE(b.ok()) << v;
    EXPECT_EQ(b.value().keys, v);
  }
  json staging = p;
  staging["keys"] = "staging";
  EXPECT_NE(validate(staging), "");
  EXPECT_FALSE(parse_bundle_payload(staging.dump()).ok());
  EXPECT_EQ(parse_bundle_payload(p.dump()).value().keys, "");
}

// issue 20: the TEST provisioning key (image/keys/provisioning-test.*, public) cannot sign a bundle
// for production images; check_for_image pairs bundle and image key sets; absent "keys" = test.
TEST_F(BundleTest, TestProvisioningKeyCannotSignForProductionImages) {
  std::string seed_hex = slurp(BALIE_SOURCE_DIR "/image/keys/provisioning-test.key");
  std::string pub_hex = slurp(BALIE_SOURCE_DIR "/image/keys/provisioning-test.pub");
  seed_hex.resize(64);
  pub_hex.resize(64);
  auto seed = record::from_hex(seed_hex).value();
  ASSERT_EQ(seed.size(), 32u);
  std::array<std::uint8_t, 32> test_seed{};
  std::copy(seed.begin(), seed.end(), test_seed.begin());
  Ed25519PublicKey test_pk{};
  std::uint8_t sk[64];
  crypto_sign_seed_keypair(test_pk.data(), sk, test_seed.data());
  EXPECT_EQ(hex(test_pk), pub_hex);  // the compiled-in constant is the file's key
  EXPECT_TRUE(is_test_provisioning_key(test_pk));
  EXPECT_FALSE(is_test_provisioning_key(k.prov_pk));

  json prod = payload(k);
  prod["keys"] = "production";
  auto refused = sign_bundle(prod.dump(), test_seed);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("TEST provisioning key"), std::string::npos) << refused.error().message;
  json test = payload(k);
  test["keys"] = "test";
  EXPECT_TRUE(sign_bundle(test.dump(), test_seed).ok());
  EXPECT_TRUE(sign_bundle(prod.dump(), k.prov_seed).ok());  // a real key may

  EnrolmentBundle b = good(prod);
  EXPECT_FALSE(check_for_image(b, KeySet::Production).has_value());
  auto e = check_for_image(b, KeySet::Test);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->why, BundleRefusal::KeySetMismatch);
  EXPECT_STREQ(to_string(e->why), "key-set");
  EXPECT_TRUE(check_for_image(good(test), KeySet::Production).has_value());
  EXPECT_FALSE(check_for_image(good(test), KeySet::Test).has_value());
  EnrolmentBundle legacy = good(payload(k));  // no "keys": a test bundle
  EXPECT_FALSE(check_for_image(legacy, KeySet::Test).has_value());
  EXPECT_TRUE(check_for_image(legacy, KeySet::Production).has_value());
}

// issue16-consent: a bundle may define other consent purposes, each with its controller, a validity
// of at most 12 months and a Dutch text; pid_sharing is built in. The schema and the parser agree,
// and the applied bundle keeps them.
TEST_F(BundleTest, ConsentPurposesAreCheckedAndKeptWithTheAppliedBundle) {
  const std::string schema = BALIE_SOURCE_DIR "/store/schemas/enrolment-bundle.schema.json";
  auto validate = [&](const json& p) {
    spit(dir / "p.json", p.dump());
    int rc = 0;
    std::string out = sh("/usr/bin/python3 '" BALIE_SOURCE_DIR "/tests/sync/validate_schema.py' '" + schema + "' '" +
                             (dir / "p.json").string() + "'",
                         &rc);
    return rc == 0;
  };
  json p = payload(k);
  p["texts"].push_back({{"gemeentecode", "GM0363"}, {"kind", "consent:health"}, {"version", 1}, {"language", "nl"},
                        {"title", "Gezondheid delen"}, {"body", "Mag COA ..."}});
  p["consent_purposes"] = json::array(
      {{{"id", "health"}, {"controller", "COA"}, {"recipient", "gekoppelde gemeente"}, {"valid_months", 6}, {"sensitive", true}}});
  EXPECT_TRUE(validate(p));
  auto parsed = parse_bundle_payload(p.dump());
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ASSERT_EQ(parsed.value().consent_purposes.size(), 1u);
  EXPECT_EQ(parsed.value().consent_purposes[0].controller, "COA");
  struct Case {
    const char* field;
    json value;
    const char* why;
  };
  const Case cases[] = {{"id", "pid_sharing", "built in"},          {"id", "Health", "[a-z0-9_]"},
                        {"valid_months", 13, "valid_months"},       {"valid_months", 0, "valid_months"},
                        {"controller", "", "controller"},           {"id", "other", "no Dutch consent:other"}};
  for (const auto& c : cases) {
    json bad = p;
    bad["consent_purposes"][0][c.field] = c.value;
    auto r = parse_bundle_payload(bad.dump());
    ASSERT_FALSE(r.ok()) << c.field;
    EXPECT_NE(r.error().message.find(c.why), std::string::npos) << r.error().message;
    if (std::string(c.why) != "no Dutch consent:other") {
      EXPECT_FALSE(validate(bad)) << c.field;
    }
  }
  json extra = p;
  extra["consent_purposes"][0]["note"] = "x";
  EXPECT_FALSE(parse_bundle_payload(extra.dump()).ok());
  EXPECT_FALSE(validate(extra));
  // Applied: the terminal keeps them; a bundle without the field asks only the built-in purpose.
  auto b = good(p);
  ASSERT_TRUE(st->apply_bundle(b, "admin").ok());
  auto applied = st->applied_bundle().value();
  ASSERT_TRUE(applied);
  ASSERT_EQ(applied->consent_purposes.size(), 1u);
  EXPECT_EQ(applied->consent_purposes[0].id, "health");
  EXPECT_EQ(applied->consent_purposes[0].valid_months, 6);
  EXPECT_TRUE(applied->consent_purposes[0].sensitive);
  EXPECT_EQ(applied->consent_purposes[0].recipient, "gekoppelde gemeente");
}

// [SECTION] balie-admin and balie-make-bundle as processes, on a real store

class AdminBundle : public ::testing::Test {
 protected:
  TempDir dir;
  Keys k;
  void SetUp() override {
    fs::create_directories(dir / "state");
    fs::create_directories(dir / "config");
    fs::create_directories(dir / "prov");
    spit(dir / "state" / "device.key", std::string(reinterpret_cast<const char*>(k.device_seed.data()), 32));
    fs::permissions(dir / "state" / "device.key", fs::perms::owner_read | fs::perms::owner_write);
    spit(dir / "state" / "tls.key", pki().tls_key_pem);
    fs::permissions(dir / "state" / "tls.key", fs::perms::owner_read | fs::perms::owner_write);
    spit(dir / "prov.key", hex(k.prov_seed));
    spit(dir / "prov" / "test.pub", hex(k.prov_pk) + "\n");
  }
  std::string env() const {
    return "env -u BALIE_MODE -u CREDENTIALS_DIRECTORY -u BALIE_TRUST_FILE BALIE_STATE_DIR='" + (dir / "state").string() + "' BALIE_CONFIG_DIR='" +
           (dir / "config").string() + "' BALIE_PROVISIONING_KEYS='" + (dir / "prov").string() + "' ";
  }
  std::string admin(const std::string& args, int* rc) {
    return sh(env() + "'" BALIE_BINARY_DIR "/store/balie-admin' " + args, rc);
  }
  std::string admin_with(const std::string& vars, const std::string& args, int* rc) {
    return sh(env() + vars + "'" BALIE_BINARY_DIR "/store/balie-admin' " + args, rc);
  }
  std::string make(const json& p, const std::string& name, const std::string& extra = "") {
    spit(dir / (name + ".payload"), p.dump());
    int rc = 0;
    std::string out = sh("'" BALIE_BINARY_DIR "/store/balie-make-bundle' sign --payload '" + (dir / (name + ".payload")).string() +
                         "' --key '" + (dir / "prov.key").string() + "' --out '" + (dir / name).string() + "'" + extra,
                         &rc);
    EXPECT_EQ(rc, 0) << out;
    return (dir / name).string();
  }
};

TEST_F(AdminBundle, ApplyShowAndRefuseThroughTheTool) {
  int rc = -1;
  std::string pub = sh("'" BALIE_BINARY_DIR "/store/balie-make-bundle' pubkey --key '" + (dir / "prov.key").string() + "'");
  EXPECT_EQ(pub, hex(k.prov_pk) + "\n");
  auto v1 = make(payload(k, 1), "v1.bundle");
  auto out = admin("bundle verify " + v1, &rc);
  EXPECT_EQ(rc, 0) << out;
  out = admin("bundle show", &rc);
  EXPECT_EQ(rc, 3) << out;  // no store yet
  out = admin("bundle apply " + v1, &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("applied; configuration files written"), std::string::npos) << out;
  EXPECT_TRUE(fs::exists(dir / "config" / "syncd.json"));
  out = admin("bundle apply " + v1, &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("already applied"), std::string::npos) << out;
  out = admin("bundle show", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("BALIE-0042 at AZC-TERAPEL"), std::string::npos) << out;
  out = admin("health", &rc);
  EXPECT_EQ(rc, 0) << out;
  auto health = json::parse(out);
  EXPECT_EQ(health["versions"]["bundle"], 1);
  EXPECT_EQ(health["format"], "balie-health");
  // Refusals: exit 4 with the reason.
  std::string file = slurp(v1);
  spit(dir / "trunc.bundle", file.substr(0, 300));
  out = admin("bundle apply " + (dir / "trunc.bundle").string(), &rc);
  EXPECT_EQ(rc, 4) << out;
  EXPECT_NE(out.find("[malformed]"), std::string::npos) << out;
  auto foreign = make(payload(k, 5, "AZC-BUDEL"), "foreign.bundle");
  out = admin("bundle apply " + foreign, &rc);
  EXPECT_EQ(rc, 4) << out;
  EXPECT_NE(out.find("[other-location]"), std::string::npos) << out;
  Keys other;
  auto other_dev = make(payload(other, 6), "otherdev.bundle");
  out = admin("bundle apply " + other_dev, &rc);
  EXPECT_EQ(rc, 4) << out;
  EXPECT_NE(out.find("[other-device]"), std::string::npos) << out;
  fs::remove(dir / "prov" / "test.pub");
  spit(dir / "prov" / "rotated.pub", std::string(64, 'c') + "\n");
  out = admin("bundle verify " + v1, &rc);
  EXPECT_EQ(rc, 4) << out;
  EXPECT_NE(out.find("[unknown-key]"), std::string::npos) << out;
  // From a provisioning partition of zeros: nothing to do.
  spit(dir / "zeros.img", std::string(1 << 20, '\0'));
  out = admin("bundle apply --device " + (dir / "zeros.img").string(), &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("no bundle"), std::string::npos) << out;
  out = admin("verify-audit", &rc);
  EXPECT_EQ(rc, 0) << out;
  out = admin("bundle", &rc);
  EXPECT_EQ(rc, 2);
  out = admin("bundle apply", &rc);
  EXPECT_EQ(rc, 2);
}

// issue 20: enrolment refuses a production bundle on a test-key image (no trust file = test keys) and
// a test bundle (or one without "keys") on a production image: exit 4, the reason, nothing applied.
TEST_F(AdminBundle, BundleForAnotherKeySetIsRefusedAndAppliesNothing) {
  int rc = -1;
  const std::string test_image = (dir / "trust-test").string(), prod_image = (dir / "trust-prod").string(),
                    no_file = (dir / "no-trust-file").string();
  spit(test_image, "keys=test\nsb_cert_sha256=" + std::string(64, 'a') + "\n");
  spit(prod_image, "keys=production\nsb_cert_sha256=" + std::string(64, 'b') + "\n");
  auto on = [&](const std::string& trust, const std::string& args) { return admin_with("BALIE_TRUST_FILE='" + trust + "' ", args, &rc); };
  auto prod = make(payload(k, 2), "prod.bundle", " --keys production");
  auto test = make(payload(k, 1), "test.bundle", " --keys test");
  auto legacy = make(payload(k, 1), "legacy.bundle");
  auto verify = on(test_image, "bundle verify " + prod);
  EXPECT_EQ(rc, 0) << verify;
  EXPECT_NE(verify.find("keys            production (this image: test)"), std::string::npos) << verify;

  for (const auto& trust : {test_image, no_file}) {
    auto out = on(trust, "bundle apply " + prod);
    EXPECT_EQ(rc, 4) << out;
    EXPECT_NE(out.find("[key-set]"), std::string::npos) << out;
    EXPECT_NE(out.find("this image has TEST keys"), std::string::npos) << out;
  }
  for (const auto& b : {test, legacy}) {
    auto out = on(prod_image, "bundle apply " + b);
    EXPECT_EQ(rc, 4) << out;
    EXPECT_NE(out.find("[key-set]"), std::string::npos) << out;
    EXPECT_NE(out.find("production image"), std::string::npos) << out;
  }
  // Nothing applied: not enrolled, no configuration files, and each refusal audited.
  auto show = on(test_image, "bundle show");
  EXPECT_EQ(rc, 0) << show;
  EXPECT_NE(show.find("not enrolled"), std::string::npos) << show;
  EXPECT_FALSE(fs::exists(dir / "config" / "syncd.json"));
  auto audit = on(test_image, "verify-audit");
  EXPECT_EQ(rc, 0) << audit;

  // The matching pairs apply: an old bundle without "keys" on a test image, then production on production.
  auto out = on(test_image, "bundle apply " + legacy);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("keys            test, no \"keys\" field (this image: test)"), std::string::npos) << out;
  out = on(prod_image, "bundle apply " + prod);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("applied; configuration files written"), std::string::npos) << out;
  // balie-admin health reports the image's key set.
  EXPECT_EQ(json::parse(on(prod_image, "health"))["keys"], "production");
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(json::parse(on(no_file, "health"))["keys"], "test");

  // balie-make-bundle: --keys is checked, and the TEST provisioning key cannot sign for production.
  spit(dir / "p.payload", payload(k, 3).dump());
  out = sh("'" BALIE_BINARY_DIR "/store/balie-make-bundle' sign --payload '" + (dir / "p.payload").string() +
               "' --key '" BALIE_SOURCE_DIR "/image/keys/provisioning-test.key' --out '" + (dir / "x.bundle").string() +
               "' --keys production",
           &rc);
  EXPECT_EQ(rc, 4) << out;
  EXPECT_NE(out.find("TEST provisioning key"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir / "x.bundle"));
  out = sh("'" BALIE_BINARY_DIR "/store/balie-make-bundle' sign --payload '" + (dir / "p.payload").string() +
               "' --key '" + (dir / "prov.key").string() + "' --out '" + (dir / "x.bundle").string() + "' --keys staging",
           &rc);
  EXPECT_EQ(rc, 2) << out;
}

TEST_F(AdminBundle, StaffRoutesTextsAndDeviceRoundTrips) {
  int rc = -1;
  auto v1 = make(payload(k, 1), "v1.bundle");
  ASSERT_EQ((admin("bundle apply " + v1, &rc), rc), 0);
  auto out = admin("staff list", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("coa-anna"), std::string::npos) << out;
  EXPECT_NE(out.find("first-login PIN pending"), std::string::npos) << out;
  out = sh("printf '5566\\n' | " + env() + "'" BALIE_BINARY_DIR "/store/balie-admin' staff add coa-cees --name 'Cees' --role coa_staff", &rc);
  EXPECT_EQ(rc, 0) << out;
  out = admin("staff add coa-cees --name Cees --role coa_staff < /dev/null", &rc);
  EXPECT_EQ(rc, 5) << out;  // exists
  out = admin("staff add x --name X --role boss < /dev/null", &rc);
  EXPECT_EQ(rc, 2) << out;
  out = admin("staff add h --name H --role municipality_host < /dev/null", &rc);
  EXPECT_EQ(rc, 2) << out;  // a host needs a mandate
  out = admin("staff disable coa-cees", &rc);
  EXPECT_EQ(rc, 0) << out;
  out = admin("staff disable nobody", &rc);
  EXPECT_EQ(rc, 5) << out;
  out = admin("staff reset-pin coa-anna < /dev/null", &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("first-login PIN "), std::string::npos) << out;
  out = admin("hosts list", &rc);
  EXPECT_NE(out.find("host-gm0363"), std::string::npos) << out;
  EXPECT_NE(out.find("GM0363"), std::string::npos) << out;
  {
    auto key = random_key();  // the store's key is in state/db.key (demo mode); check through the store itself
    (void)key;
    auto dbk = slurp(dir / "state" / "db.key");
    auto s = open_ok(dir / "state" / "balie.db",
                     std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(dbk.data()), dbk.size()));
    ASSERT_TRUE(s);
    auto cees = s->staff("coa-cees").value();
    ASSERT_TRUE(cees);
    EXPECT_FALSE(cees->active);
    EXPECT_TRUE(cees->must_change_pin);
    bool audited = false;
    auto tail = s->audit_tail(100);
    for (const auto& e : tail.value())
      if (e.action == "staff.disable" && e.actor == "admin") audited = true;
    EXPECT_TRUE(audited);
  }
  json routes = {{"routes", {payload(k)["routes"][0]}}};
  routes["routes"][0]["base_url"] = "https://nieuw.gm0363.test";
  spit(dir / "routes.json", routes.dump());
  out = admin("routes import " + (dir / "routes.json").string(), &rc);
  EXPECT_EQ(rc, 0) << out;
  out = admin("routes show", &rc);
  EXPECT_NE(out.find("https://nieuw.gm0363.test"), std::string::npos) << out;
  spit(dir / "bad-routes.json", "{\"routes\":[{\"gemeentecode\":\"Groningen\"}]}");
  out = admin("routes import " + (dir / "bad-routes.json").string(), &rc);
  EXPECT_EQ(rc, 4) << out;
  json texts = {{"texts",
                 {{{"gemeentecode", "GM0363"}, {"kind", "pvt_declaration"}, {"version", 11}, {"language", "ar"},
                   {"title", "إعلان المشاركة"}, {"body", "نص"}}}}};
  spit(dir / "texts.json", texts.dump());
  out = admin("texts import " + (dir / "texts.json").string(), &rc);
  EXPECT_EQ(rc, 0) << out;
  texts["texts"][0]["gemeentecode"] = "GM0599";  // no route for it on this terminal
  spit(dir / "texts2.json", texts.dump());
  out = admin("texts import " + (dir / "texts2.json").string(), &rc);
  EXPECT_EQ(rc, 4) << out;
  out = admin("texts list", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("pvt_declaration-GM0363-v10-nl  (current)"), std::string::npos) << out;
  EXPECT_EQ(out.find("pvt_declaration-GM0363-v2-nl  (current)"), std::string::npos) << out;
  EXPECT_NE(out.find("pvt_declaration-GM0363-v11-ar  (current)"), std::string::npos) << out;
  out = admin("device show", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("bundle version 1"), std::string::npos) << out;
  EXPECT_NE(out.find(pki().pin_a), std::string::npos) << out;
  EXPECT_NE(out.find(hex(k.device_pk)), std::string::npos) << out;
}

// Issue 16: whether a municipality requires a vastgesteld PIP before the participatieverklaring is
// its own setting, carried per route in the bundle (default: required) and kept in the store.
TEST_F(BundleTest, PipRequiredIsAPerMunicipalitySettingDefaultRequired) {
  json p = payload(k);
  p["routes"][1]["pip_required"] = false;  // GM0014 does not require one
  ASSERT_TRUE(st->apply_bundle(good(p), "admin").ok());
  EXPECT_TRUE(st->pip_required("GM0363").value()) << "not said in the bundle: required";
  EXPECT_FALSE(st->pip_required("GM0014").value());
  EXPECT_TRUE(st->pip_required("GM0599").value()) << "no route at all: the stricter default";
  // A newer bundle without the setting: required again.
  ASSERT_TRUE(st->apply_bundle(good(payload(k, 2)), "admin").ok());
  EXPECT_TRUE(st->pip_required("GM0014").value());
  // Not a boolean: refused, as the schema refuses it.
  json bad = payload(k, 3);
  bad["routes"][0]["pip_required"] = "no";
  EXPECT_FALSE(parse_bundle_payload(bad.dump()).ok());
}

}  // namespace
}  // namespace balie::store::test
