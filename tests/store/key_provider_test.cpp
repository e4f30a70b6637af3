// Tests of platform's KeyProvider (kept with the store tests because the store is its only user):
// demo key files (0600, created once, atomic), production credentials (never a fallback), sizes.
#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/stat.h>

#include <fstream>

#include "balie/platform/key_provider.h"
#include "store_test_util.h"

namespace balie::platform {
namespace {

using store::test::TempDir;

void write_file(const std::filesystem::path& p, const std::string& bytes, mode_t mode = 0600) {
  std::ofstream(p, std::ios::binary) << bytes;
  ::chmod(p.c_str(), mode);
}

TEST(KeyProvider, DemoCreatesPrivateKeyFileOnceAndReusesIt) {
  TempDir dir;
  KeyProvider kp(KeyMode::Demo, dir.path(), {});
  auto k1 = kp.db_key();
  ASSERT_TRUE(k1.ok()) << k1.error().message;
  EXPECT_EQ(k1.value().size(), 32u);
  auto path = dir / KeyProvider::kDemoDbKeyFile;
  ASSERT_TRUE(std::filesystem::exists(path));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  auto k2 = KeyProvider(KeyMode::Demo, dir.path(), {}).db_key();
  ASSERT_TRUE(k2.ok());
  EXPECT_EQ(sodium_memcmp(k1.value().data(), k2.value().data(), 32), 0);
  // No temp files left behind.
  int files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1);
}

TEST(KeyProvider, DemoDeviceKeyIsAStableEd25519Pair) {
  TempDir dir;
  KeyProvider kp(KeyMode::Demo, dir.path(), {});
  auto a = kp.device_signing_key();
  ASSERT_TRUE(a.ok()) << a.error().message;
  auto b = kp.device_signing_key();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a.value().public_key, b.value().public_key);
  EXPECT_EQ(a.value().secret_key.size(), static_cast<std::size_t>(crypto_sign_SECRETKEYBYTES));
  unsigned char sig[crypto_sign_BYTES];
  const unsigned char msg[] = "record";
  crypto_sign_detached(sig, nullptr, msg, sizeof msg, a.value().secret_key.data());
  EXPECT_EQ(crypto_sign_verify_detached(sig, msg, sizeof msg, a.value().public_key.data()), 0);
  EXPECT_TRUE(std::filesystem::exists(dir / KeyProvider::kDemoDeviceKeyFile));
  // The DB key and the device key are different secrets.
  auto dbk = kp.db_key();
  ASSERT_TRUE(dbk.ok());
}

TEST(KeyProvider, DemoRefusesInsecureOrDamagedKeyFiles) {
  TempDir dir;
  write_file(dir / "db.key", std::string(32, 'k'), 0644);
  auto r = KeyProvider(KeyMode::Demo, dir.path(), {}).db_key();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, KeyErrc::InsecurePermissions);
  write_file(dir / "db.key", std::string(31, 'k'), 0600);
  r = KeyProvider(KeyMode::Demo, dir.path(), {}).db_key();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, KeyErrc::BadCredential);
}

TEST(KeyProvider, DemoNeedsTheStateDirectory) {
  TempDir dir;
  auto r = KeyProvider(KeyMode::Demo, dir / "missing", {}).db_key();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, KeyErrc::MissingStateDirectory);
  EXPECT_FALSE(std::filesystem::exists(dir / "missing"));
}

TEST(KeyProvider, ProductionReadsCredentialsAndNeverFallsBack) {
  TempDir state, creds;
  // A demo key exists in the state directory: production must not use it.
  write_file(state / "db.key", std::string(32, 'd'));
  auto none = KeyProvider(KeyMode::Production, state.path(), {}).db_key();
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, KeyErrc::MissingCredentialsDirectory);
  auto missing_dir = KeyProvider(KeyMode::Production, state.path(), creds / "nope").db_key();
  ASSERT_FALSE(missing_dir.ok());
  EXPECT_EQ(missing_dir.error().code, KeyErrc::MissingCredentialsDirectory);
  auto missing = KeyProvider(KeyMode::Production, state.path(), creds.path()).db_key();
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, KeyErrc::MissingCredential);
  EXPECT_NE(missing.error().message.find("balie-db-key"), std::string::npos);
  write_file(creds / "balie-db-key", std::string(64, 'a'), 0400);  // hex text instead of raw bytes
  auto wrong_size = KeyProvider(KeyMode::Production, state.path(), creds.path()).db_key();
  ASSERT_FALSE(wrong_size.ok());
  EXPECT_EQ(wrong_size.error().code, KeyErrc::BadCredential);
  std::string raw(32, '\0');
  for (int i = 0; i < 32; ++i) raw[i] = static_cast<char>(i * 7);
  std::filesystem::remove(creds / "balie-db-key");
  write_file(creds / "balie-db-key", raw, 0400);
  auto ok = KeyProvider(KeyMode::Production, state.path(), creds.path()).db_key();
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(ok.value().data()), 32), raw);
  auto dev = KeyProvider(KeyMode::Production, state.path(), creds.path()).device_signing_key();
  ASSERT_FALSE(dev.ok());
  EXPECT_EQ(dev.error().code, KeyErrc::MissingCredential);
  EXPECT_FALSE(std::filesystem::exists(state / "device.key"));  // nothing created in production
}

TEST(KeyProvider, ModeComesFromEnvironment) {
  TempDir dir;
  ::setenv("BALIE_MODE", "production", 1);
  ::unsetenv("CREDENTIALS_DIRECTORY");
  auto kp = KeyProvider::from_environment(dir.path());
  EXPECT_EQ(kp.mode(), KeyMode::Production);
  EXPECT_FALSE(kp.db_key().ok());
  ::unsetenv("BALIE_MODE");
  EXPECT_EQ(KeyProvider::from_environment(dir.path()).mode(), KeyMode::Demo);
}

TEST(SecretBuffer, WipeEmptiesAndMoves) {
  SecretBuffer a(32);
  a.data()[0] = 42;
  SecretBuffer b = std::move(a);
  EXPECT_EQ(a.size(), 0u);
  EXPECT_EQ(b.size(), 32u);
  EXPECT_EQ(b.data()[0], 42);
  b.wipe();
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.data(), nullptr);
}

}  // namespace
}  // namespace balie::platform
