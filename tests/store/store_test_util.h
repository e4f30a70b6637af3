// Helpers for the store tests (tests/store/): temporary directories, random keys, raw SQLCipher
// access for tampering, a SQLCipher 3 page decryptor (to scan decrypted pages, free ones included)
// and small fixtures (a resident with marker strings, a record draft).
#pragma once
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <sqlite3.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <cstdlib>
#include <string>
#include <vector>

#include "balie/platform/key_provider.h"
#include "balie/record/envelope.h"
#include "balie/store/store.h"

namespace balie::store::test {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/balie-store-test-XXXXXX";
    char* p = ::mkdtemp(tmpl.data());
    if (p == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

inline std::array<std::uint8_t, 32> random_key() {
  if (sodium_init() < 0) std::abort();
  std::array<std::uint8_t, 32> k{};
  randombytes_buf(k.data(), k.size());
  return k;
}

inline std::string hex(std::span<const std::uint8_t> b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (auto c : b) {
    s.push_back(d[c >> 4]);
    s.push_back(d[c & 15]);
  }
  return s;
}

inline std::vector<std::uint8_t> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<std::uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline bool contains(const std::vector<std::uint8_t>& hay, const std::string& needle) {
  if (needle.empty() || hay.size() < needle.size()) return false;
  // Compare as unsigned bytes: a plain char needle would never match bytes >= 0x80.
  const auto* n = reinterpret_cast<const std::uint8_t*>(needle.data());
  return std::search(hay.begin(), hay.end(), n, n + needle.size()) != hay.end();
}

// Direct SQLCipher connection keyed with the raw key, for tampering and schema inspection.
class RawDb {
 public:
  RawDb(const fs::path& path, std::span<const std::uint8_t> key) {
    sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    std::string k = "PRAGMA key = \"x'" + hex(key) + "'\";";
    sqlite3_exec(db_, k.c_str(), nullptr, nullptr, nullptr);
    sqlite3_busy_timeout(db_, 5000);
  }
  ~RawDb() { sqlite3_close_v2(db_); }
  int exec(const std::string& sql) { return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr); }
  std::int64_t scalar(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    std::int64_t v = -1;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
      v = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return v;
  }
  const char* errmsg() { return sqlite3_errmsg(db_); }
  sqlite3* handle() { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

// Decrypts SQLCipher 3.x pages (AES-256-CBC, raw key = cipher key, 1024-byte pages, 48 reserved
// bytes at the end of each page whose first 16 are the IV). Returns the concatenated plaintext of
// every page, free pages included, so a scan sees what a forensic reader with the key would see.
inline constexpr std::size_t kPage = 1024;
inline constexpr std::size_t kReserve = 48;

inline std::vector<std::uint8_t> decrypt_page(const std::uint8_t* page, bool first,
                                              std::span<const std::uint8_t> key) {
  std::size_t off = first ? 16 : 0;
  std::size_t len = kPage - kReserve - off;
  const std::uint8_t* iv = page + kPage - kReserve;
  std::vector<std::uint8_t> out(len + 32);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int n1 = 0, n2 = 0;
  EVP_DecryptInit_ex(ctx, EVP_aes_256_cbc(), nullptr, key.data(), iv);
  EVP_CIPHER_CTX_set_padding(ctx, 0);
  EVP_DecryptUpdate(ctx, out.data(), &n1, page + off, static_cast<int>(len));
  EVP_DecryptFinal_ex(ctx, out.data() + n1, &n2);
  EVP_CIPHER_CTX_free(ctx);
  out.resize(static_cast<std::size_t>(n1 + n2));
  return out;
}

inline std::vector<std::uint8_t> decrypt_db_file(const fs::path& p, std::span<const std::uint8_t> key) {
  auto bytes = read_bytes(p);
  std::vector<std::uint8_t> plain;
  for (std::size_t i = 0; i + kPage <= bytes.size(); i += kPage) {
    auto page = decrypt_page(bytes.data() + i, i == 0, key);
    plain.insert(plain.end(), page.begin(), page.end());
  }
  return plain;
}

// WAL: 32-byte header, then frames of 24-byte header + one page.
inline std::vector<std::uint8_t> decrypt_wal_file(const fs::path& p, std::span<const std::uint8_t> key) {
  auto bytes = read_bytes(p);
  std::vector<std::uint8_t> plain;
  for (std::size_t i = 32; i + 24 + kPage <= bytes.size(); i += 24 + kPage) {
    std::uint32_t pgno = (std::uint32_t(bytes[i]) << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3];
    auto page = decrypt_page(bytes.data() + i + 24, pgno == 1, key);
    plain.insert(plain.end(), page.begin(), page.end());
  }
  return plain;
}

inline std::unique_ptr<Store> open_ok(const fs::path& p, std::span<const std::uint8_t> key,
                                      const OpenOptions& o = {}) {
  auto r = Store::open(p, key, o);
  if (!r.ok()) {
    ADD_FAILURE() << "open failed: " << to_string(r.error().code) << ": " << r.error().message;
    return nullptr;
  }
  return std::move(r.value());
}

// A resident whose strings are unique markers (for byte scans).
inline ResidentDossier marker_resident(const std::string& id, const std::string& tag, const std::string& gm = "GM0363") {
  ResidentDossier rd;
  rd.resident.id = id;
  rd.resident.v_nummer = "77" + tag + "01";
  rd.resident.bsn = "88" + tag + "02";
  rd.resident.naam_latijns = "Qzx" + tag + "Latijnsnaam";
  rd.resident.naam_eigen_schrift = "Жщ" + tag + "Эюя";
  rd.resident.gemeentecode = gm;
  rd.resident.location_id = "loc-1";
  rd.resident.kamer = "K-" + tag;
  rd.resident.regime = Regime::Wi2021;
  rd.resident.doelgroep = DoelgroepIndeling::Asielstatushouder;
  Pip pip;
  pip.dagtekening = "2026-01-01";
  pip.leerroute = Leerroute::B;
  pip.niveau = NiveauPip::B1;
  pip.geschatte_intensiteit = 600;
  pip.herkomst = {Bron::Gemeente, "2026-12-31"};
  rd.dossier.pip = pip;
  Contactpersoon c;
  c.naam = "Contact" + tag + "Persoon";
  rd.dossier.contactpersoon = c;
  return rd;
}

inline TextVersion test_text() {
  return TextVersion{"pvt-test-1-nl", "pvt_declaration", "nl", "Participatieverklaring", "Testtekst.", ""};
}

// A draft whose personal part is `sensitive_size` bytes (the first 32 random, the rest `fill`, hex-
// encoded into a JSON string so it is valid text). The store seals it; the payload is the envelope.
inline RecordDraft draft_for(const std::string& resident_id, std::size_t sensitive_size = 256, std::uint8_t fill = 0xA5) {
  RecordDraft d;
  d.kind = "pvt_declaration";
  d.resident_id = resident_id;
  d.text_version_id = "pvt-test-1-nl";
  d.decision = "signed";
  d.staff_id = "staff-1";
  d.device_id = "kiosk-test-01";
  std::vector<std::uint8_t> body(sensitive_size / 2 + 1, fill);
  randombytes_buf(body.data(), std::min<std::size_t>(body.size(), 32));
  d.sensitive = "{\"x\":\"" + hex(body).substr(0, sensitive_size > 8 ? sensitive_size - 8 : 0) + "\"}";
  return d;
}

// The device key and the municipalities' box keys of the store tests. commit() gives the resident's
// gekoppelde gemeente a route with a box key when it has none, then commits through the one record
// path (Store::commit_sealed); box_key(g) opens what was sealed to g.
inline const platform::DeviceSigningKey& test_device() {
  static const platform::DeviceSigningKey k = platform::Ed25519KeyPair::generate();
  return k;
}
inline const record::BoxKey& box_key(const std::string& g) {
  static std::map<std::string, record::BoxKey> keys;
  auto it = keys.find(g);
  if (it == keys.end()) it = keys.emplace(g, record::BoxKey::generate()).first;
  return it->second;
}
inline void ensure_route(Store& s, const std::string& g) {
  if (g.empty()) return;
  auto r = s.route(g);
  if (r.ok() && r.value()) return;
  Route rt;
  rt.gemeentecode = g;
  rt.endpoint_base_url = "https://" + g + ".invalid";
  rt.box_public_key = box_key(g).public_key;
  ASSERT_TRUE(s.put_route(rt).ok());
}
inline Result<CommittedRecord> commit(Store& s, const RecordDraft& d) {
  auto r = s.resident(d.resident_id);
  if (r.ok() && r.value()) ensure_route(s, r.value()->gemeentecode);
  return s.commit_sealed(d, test_device());
}

inline std::string sha256_hex(const std::vector<std::uint8_t>& b) {
  std::uint8_t h[32];
  crypto_hash_sha256(h, b.data(), b.size());
  return hex(h);
}

}  // namespace balie::store::test
