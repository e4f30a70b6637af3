// balie-enrol and the enrolment request (issue 14 item 1): the real OpenSSL library and CLI check the
// key, the CSR and its pin; the real balie-enrol process runs with demo and production key providers
// (good, missing, oversized and garbage credentials); balie-syncd takes its mTLS key from the key
// provider ("client_key": "credential:balie-tls-key") and delivers to a real balie-inbox with it.
#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <regex>

#include "balie/store/tls_pin.h"
#include "balie/sync/enrolment.h"
#include "balie/sync/syncd_config.h"
#include "harness.h"

using namespace balie;
using namespace balie::test;

namespace {

fs::path enrol_bin() { return bin("balie-enrol"); }

std::string text_of(const platform::SecretBuffer& b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

platform::SecretBuffer secret_of(const std::string& s) {
  platform::SecretBuffer b(s.size());
  std::copy(s.begin(), s.end(), b.data());
  return b;
}

std::array<std::uint8_t, 32> device_pk(std::uint8_t fill) {
  std::array<std::uint8_t, 32> seed{};
  seed.fill(fill);
  return platform::Ed25519KeyPair::from_seed(seed).public_key;
}

// `env VAR=... balie-enrol ARGS...` with BALIE_MODE/CREDENTIALS_DIRECTORY/BALIE_STATE_DIR set or cleared.
int enrol(const std::vector<std::string>& env, const std::vector<std::string>& args, std::string* out) {
  std::vector<std::string> argv = {"/usr/bin/env", "-u", "BALIE_MODE", "-u", "CREDENTIALS_DIRECTORY"};
  argv.insert(argv.end(), env.begin(), env.end());
  argv.push_back(enrol_bin().string());
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, out, 60);
}

unsigned file_mode(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return st.st_mode & 0777;
}

}  // namespace

TEST(Enrolment, TlsKeyIsFreshP256Pkcs8) {
  auto a = sync::generate_tls_key_pem();
  auto b = sync::generate_tls_key_pem();
  ASSERT_TRUE(a.ok() && b.ok());
  const std::string pem = text_of(a.value());
  EXPECT_EQ(pem.rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u) << pem;  // PKCS#8, not "EC PRIVATE KEY"
  EXPECT_NE(pem, text_of(b.value()));
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(EVP_PKEY_get_base_id(key), EVP_PKEY_EC);
  char group[64] = {};
  size_t len = 0;
  ASSERT_EQ(EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof group, &len), 1);
  EXPECT_STREQ(group, "prime256v1");
  EVP_PKEY_free(key);
}

TEST(Enrolment, CsrVerifiesAndCarriesTheKeysPin) {
  auto key = sync::generate_tls_key_pem();
  ASSERT_TRUE(key.ok());
  const auto pk = device_pk(7);
  auto req = sync::build_enrolment_request(pk, key.value(), 1796464800);
  ASSERT_TRUE(req.ok()) << req.error().message;
  const auto& r = req.value();
  EXPECT_EQ(r.device_ed25519_pk, record::to_hex(pk.data(), pk.size()));
  EXPECT_EQ(r.created_at, "2026-12-05T10:00:00Z");
  // OpenSSL: the CSR's self-signature verifies with its own public key, CN as the contract says.
  BIO* bio = BIO_new_mem_buf(r.tls_csr_pem.data(), static_cast<int>(r.tls_csr_pem.size()));
  X509_REQ* csr = PEM_read_bio_X509_REQ(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ASSERT_NE(csr, nullptr);
  EVP_PKEY* pub = X509_REQ_get_pubkey(csr);
  EXPECT_EQ(X509_REQ_verify(csr, pub), 1);
  char cn[128] = {};
  X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(csr), NID_commonName, cn, sizeof cn);
  EXPECT_EQ(std::string(cn), "balie-enrolment-" + r.device_ed25519_pk.substr(0, 16));
  EVP_PKEY_free(pub);
  X509_REQ_free(csr);
  // The pin in the request is the pin of the TLS key itself (tls_pin.h computes both).
  auto key_pin = store::pin_of_private_key_pem(text_of(key.value()));
  ASSERT_TRUE(key_pin.ok());
  EXPECT_EQ(r.tls_pin, key_pin.value());
  EXPECT_EQ(store::pin_of_csr_pem(r.tls_csr_pem).value(), key_pin.value());
  // A key that is not a PEM private key (a certificate request, junk) gives no CSR.
  auto junk = sync::make_enrolment_csr(secret_of(r.tls_csr_pem), r.device_ed25519_pk);
  ASSERT_FALSE(junk.ok());
  EXPECT_EQ(junk.error().code, record::Errc::invalid_input);
  EXPECT_FALSE(sync::make_enrolment_csr(secret_of("x"), r.device_ed25519_pk).ok());
}

TEST(Enrolment, RequestJsonRoundTripsAndTamperingIsRefused) {
  auto key = sync::generate_tls_key_pem();
  auto req = sync::build_enrolment_request(device_pk(1), key.value(), 1796464800);
  ASSERT_TRUE(req.ok());
  const std::string text = sync::enrolment_request_json(req.value());
  auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j["format"], "balie-enrolment-request");
  EXPECT_EQ(j["format_version"], 1);
  EXPECT_EQ(j.size(), 7u);
  auto back = sync::parse_enrolment_request(text);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back.value().device_ed25519_pk, req.value().device_ed25519_pk);
  EXPECT_EQ(back.value().tls_csr_pem, req.value().tls_csr_pem);
  EXPECT_EQ(back.value().tls_pin, req.value().tls_pin);
  EXPECT_EQ(back.value().created_at, req.value().created_at);
  EXPECT_EQ(back.value().short_code, req.value().short_code);
  // Every check bites: another device key (CN and short code no longer match), another pin, another
  // short code, an unknown key, a foreign CSR.
  auto other = sync::build_enrolment_request(device_pk(2), sync::generate_tls_key_pem().value(), 1796464800);
  auto tamper = [&](const char* k, const nlohmann::json& v, const char* expect) {
    auto t = j;
    t[k] = v;
    auto p = sync::parse_enrolment_request(t.dump());
    ASSERT_FALSE(p.ok()) << k;
    EXPECT_NE(p.error().message.find(expect), std::string::npos) << p.error().message;
  };
  tamper("device_ed25519_pk", other.value().device_ed25519_pk, "CN");
  tamper("tls_pin", other.value().tls_pin, "tls_pin");
  tamper("short_code", other.value().short_code, "short_code");
  tamper("tls_csr_pem", other.value().tls_csr_pem, "CN");
  tamper("format", "balie-enrolment-bundle", "format");
  tamper("extra", 1, "extra");
  EXPECT_FALSE(sync::parse_enrolment_request("{").ok());
  EXPECT_FALSE(sync::parse_enrolment_request(std::string(20000, ' ')).ok());
}

TEST(Enrolment, ShortCodeIsStableAndBindsBothKeys) {
  // Known answer (computed independently: SHA-256, first 10 bytes, Crockford base32).
  EXPECT_EQ(sync::enrolment_short_code(std::string(4 * 16, 'x').replace(0, 64, "0123456789abcdef0123456789abcdef"
                                                                                  "0123456789abcdef0123456789abcdef"),
                                       "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
            "MA44-82ZN-05P9-68DF");
  auto k1 = sync::generate_tls_key_pem();
  auto k2 = sync::generate_tls_key_pem();
  auto a = sync::build_enrolment_request(device_pk(1), k1.value(), 1796464800);
  auto a_later = sync::build_enrolment_request(device_pk(1), k1.value(), 1796464800 + 86400);
  auto other_tls = sync::build_enrolment_request(device_pk(1), k2.value(), 1796464800);
  auto other_device = sync::build_enrolment_request(device_pk(2), k1.value(), 1796464800);
  ASSERT_TRUE(a.ok() && a_later.ok() && other_tls.ok() && other_device.ok());
  EXPECT_EQ(a.value().short_code, a_later.value().short_code);  // ECDSA CSRs differ; the code does not
  EXPECT_NE(a.value().short_code, other_tls.value().short_code);
  EXPECT_NE(a.value().short_code, other_device.value().short_code);
  EXPECT_TRUE(std::regex_match(a.value().short_code,
                               std::regex("[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-"
                                          "[0-9A-HJKMNP-TV-Z]{4}")))
      << a.value().short_code;
}

TEST(Enrolment, KeyProviderTlsKeyIsNeverMadeAndChecked) {
  fs::path d = fresh_dir("enrol-provider");
  platform::KeyProvider demo(platform::KeyMode::Demo, d, {});
  auto missing = demo.tls_client_key_pem();
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, platform::KeyErrc::MissingCredential);
  EXPECT_NE(missing.error().message.find("balie-enrol tls-key --demo"), std::string::npos) << missing.error().message;
  EXPECT_FALSE(fs::exists(d / "tls.key"));  // not created by asking
  spit(d / "tls.key", "-----BEGIN PRIVATE KEY-----\n");
  fs::permissions(d / "tls.key", fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read);
  EXPECT_EQ(demo.tls_client_key_pem().error().code, platform::KeyErrc::InsecurePermissions);
  fs::permissions(d / "tls.key", fs::perms::owner_read | fs::perms::owner_write);
  auto got = demo.tls_client_key_pem();
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(text_of(got.value()), "-----BEGIN PRIVATE KEY-----\n");  // variable size, read whole

  fs::path creds = d / "creds";
  fs::create_directories(creds);
  platform::KeyProvider prod(platform::KeyMode::Production, d, creds);
  EXPECT_EQ(prod.tls_client_key_pem().error().code, platform::KeyErrc::MissingCredential);
  spit(creds / "balie-tls-key", "");
  EXPECT_EQ(prod.tls_client_key_pem().error().code, platform::KeyErrc::BadCredential);
  spit(creds / "balie-tls-key", std::string(16 * 1024 + 1, 'k'));
  auto big = prod.tls_client_key_pem();
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, platform::KeyErrc::BadCredential);
  EXPECT_NE(big.error().message.find("16384"), std::string::npos) << big.error().message;
  spit(creds / "balie-tls-key", std::string(16 * 1024, 'k'));
  EXPECT_EQ(prod.tls_client_key_pem().value().size(), 16u * 1024);
}

TEST(EnrolCli, TlsKeyPrintsAKeyTheOpensslCliAccepts) {
  fs::path d = fresh_dir("enrol-cli-key");
  std::string out;
  ASSERT_EQ(enrol({"BALIE_STATE_DIR=" + (d / "state").string()}, {"tls-key"}, &out), 0) << out;
  spit(d / "k.pem", out);
  EXPECT_FALSE(fs::exists(d / "state"));  // nothing on disk
  std::string text;
  ASSERT_EQ(run({"/usr/bin/openssl", "pkey", "-in", (d / "k.pem").string(), "-noout", "-text"}, &text), 0) << text;
  EXPECT_NE(text.find("prime256v1"), std::string::npos) << text;
}

TEST(EnrolCli, DemoRequestIsWrittenAtomicallyAndVerifiesWithOpensslReq) {
  fs::path d = fresh_dir("enrol-cli-demo");
  const std::string state = "BALIE_STATE_DIR=" + (d / "state").string();
  std::string out;
  // Without tls.key the request is refused (exit 3) and says how to make one; nothing is written.
  ASSERT_EQ(enrol({state}, {"request", "--out", (d / "request.json").string()}, &out), 3) << out;
  EXPECT_NE(out.find("balie-enrol tls-key --demo"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(d / "request.json"));
  ASSERT_EQ(enrol({state}, {"tls-key", "--demo"}, &out), 0) << out;
  ASSERT_TRUE(fs::exists(d / "state/tls.key"));
  EXPECT_EQ(file_mode(d / "state/tls.key"), 0600u);
  const std::string first = slurp(d / "state/tls.key");
  ASSERT_EQ(enrol({state}, {"tls-key", "--demo"}, &out), 0) << out;  // kept, not replaced
  EXPECT_EQ(slurp(d / "state/tls.key"), first);

  ASSERT_EQ(enrol({state}, {"request", "--out", (d / "request.json").string()}, &out), 0) << out;
  EXPECT_EQ(file_mode(d / "request.json"), 0644u);
  for (const auto& e : fs::directory_iterator(d)) EXPECT_EQ(e.path().string().find(".tmp-"), std::string::npos);
  const std::string text = slurp(d / "request.json");
  auto parsed = sync::parse_enrolment_request(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message << "\n" << text;
  // The device key is the key provider's (the kiosk's signing key), the pin that of tls.key.
  auto dk = platform::KeyProvider(platform::KeyMode::Demo, d / "state", {}).device_signing_key();
  ASSERT_TRUE(dk.ok());
  EXPECT_EQ(parsed.value().device_ed25519_pk, record::to_hex(dk.value().public_key.data(), 32));
  EXPECT_EQ(parsed.value().tls_pin, store::pin_of_private_key_pem(first).value());
  EXPECT_NE(out.find(parsed.value().short_code), std::string::npos) << out;
  // The real openssl CLI verifies the CSR's signature and shows the CN.
  spit(d / "csr.pem", parsed.value().tls_csr_pem);
  std::string v;
  ASSERT_EQ(run({"/usr/bin/openssl", "req", "-in", (d / "csr.pem").string(), "-verify", "-noout", "-subject"}, &v), 0)
      << v;
  EXPECT_NE(v.find("verify OK"), std::string::npos) << v;
  EXPECT_NE(v.find("balie-enrolment-" + parsed.value().device_ed25519_pk.substr(0, 16)), std::string::npos) << v;
  // stdout form: the same keys give the same short code.
  ASSERT_EQ(enrol({state}, {"request"}, &out), 0) << out;
  auto again = sync::parse_enrolment_request(trim(out));
  ASSERT_TRUE(again.ok()) << out;
  EXPECT_EQ(again.value().short_code, parsed.value().short_code);
}

TEST(EnrolCli, ProductionCredentialsGoodMissingAndBad) {
  fs::path d = fresh_dir("enrol-cli-prod");
  fs::path creds = d / "creds";
  fs::create_directories(creds);
  const std::vector<std::string> prod = {"BALIE_MODE=production", "CREDENTIALS_DIRECTORY=" + creds.string(),
                                         "BALIE_STATE_DIR=" + (d / "state").string()};
  std::string out;
  // No credentials directory at all.
  ASSERT_EQ(enrol({"BALIE_MODE=production", "BALIE_STATE_DIR=" + (d / "state").string()}, {"request"}, &out), 3) << out;
  EXPECT_NE(out.find("CREDENTIALS_DIRECTORY"), std::string::npos) << out;
  // No TLS key credential.
  ASSERT_EQ(enrol(prod, {"request"}, &out), 3) << out;
  EXPECT_NE(out.find("balie-tls-key"), std::string::npos) << out;
  // Garbage TLS key (device key present): refused as unusable, exit 3.
  std::array<std::uint8_t, 32> seed{};
  seed.fill(9);
  std::ofstream(creds / "balie-device-key", std::ios::binary).write(reinterpret_cast<const char*>(seed.data()), 32);
  spit(creds / "balie-tls-key", "not a key\n");
  ASSERT_EQ(enrol(prod, {"request"}, &out), 3) << out;
  EXPECT_NE(out.find("unusable"), std::string::npos) << out;
  // Oversized TLS key.
  spit(creds / "balie-tls-key", std::string(17 * 1024, 'A'));
  ASSERT_EQ(enrol(prod, {"request"}, &out), 3) << out;
  EXPECT_NE(out.find("16384"), std::string::npos) << out;
  // A good TLS key but no device key credential.
  ASSERT_EQ(enrol(prod, {"tls-key"}, &out), 0);
  spit(creds / "balie-tls-key", out);
  fs::remove(creds / "balie-device-key");
  ASSERT_EQ(enrol(prod, {"request"}, &out), 3) << out;
  EXPECT_NE(out.find("balie-device-key"), std::string::npos) << out;
  // Both: the request carries the credential's device key.
  std::ofstream(creds / "balie-device-key", std::ios::binary).write(reinterpret_cast<const char*>(seed.data()), 32);
  ASSERT_EQ(enrol(prod, {"request", "--out", (d / "req.json").string()}, &out), 0) << out;
  auto parsed = sync::parse_enrolment_request(slurp(d / "req.json"));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const auto pk = platform::Ed25519KeyPair::from_seed(seed).public_key;
  EXPECT_EQ(parsed.value().device_ed25519_pk, record::to_hex(pk.data(), pk.size()));
  EXPECT_FALSE(fs::exists(d / "state"));  // production never falls back to state-dir files
}

TEST(EnrolCli, UsageAndHelp) {
  std::string out;
  EXPECT_EQ(enrol({}, {}, &out), 2) << out;
  EXPECT_EQ(enrol({}, {"bogus"}, &out), 2) << out;
  EXPECT_NE(out.find("unknown command 'bogus'"), std::string::npos) << out;
  EXPECT_EQ(enrol({}, {"tls-key", "--nope"}, &out), 2) << out;
  EXPECT_EQ(enrol({}, {"request", "--out"}, &out), 2) << out;
  EXPECT_EQ(enrol({}, {"--help"}, &out), 0) << out;
  EXPECT_NE(out.find("usage: balie-enrol"), std::string::npos) << out;
}

TEST(SyncdCredentialKey, ConfigAcceptsOnlyTheTlsCredential) {
  const std::string base = R"({"store":"balie.db","device_id":"d1","client_cert":"c.pem","client_key":)";
  auto ok = sync::parse_syncd_config(base + R"("credential:balie-tls-key"})", "syncd.json");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok.value().client_key_credential, "balie-tls-key");
  EXPECT_EQ(ok.value().client_key_path, "");
  auto file = sync::parse_syncd_config(base + R"("key.pem"})", "syncd.json");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file.value().client_key_credential, "");
  auto other = sync::parse_syncd_config(base + R"("credential:balie-db-key"})", "syncd.json");
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message.find("client_key"), std::string::npos) << other.error().message;
}

TEST(SyncdCredentialKey, DeliversWithTheKeyProvidersTlsKey) {
  fs::path work = fresh_dir("syncd-credential");
  Pki pki(work / "pki", {"GM0363"});
  auto ib = Inbox::start(pki, "GM0363", work);
  Kiosk kiosk(pki, work, "AZC-TER-APEL", {{"client_key", "credential:balie-tls-key"}});
  std::string rid;
  {
    auto st = kiosk.open();
    ASSERT_TRUE(st->put_route(route_for(pki, *ib)));
    rid = kiosk.add_record(*st, "GM0363", "res-cred");
  }
  std::string out;
  // Demo mode without tls.key: refused with the way to make it, nothing sent.
  ASSERT_EQ(kiosk.sync_once(&out), 2) << out;
  EXPECT_NE(out.find("balie-enrol tls-key --demo"), std::string::npos) << out;
  EXPECT_EQ(ib->records().size(), 0u);
  // The device certificate's key as tls.key (0600) next to the store: the pass delivers with it.
  fs::copy_file(pki.dir / "device/key.pem", kiosk.dir / "tls.key");
  fs::permissions(kiosk.dir / "tls.key", fs::perms::owner_read | fs::perms::owner_write);
  ASSERT_EQ(kiosk.sync_once(&out), 0) << out;
  auto recs = ib->records();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0]["record_id"], rid);
}
