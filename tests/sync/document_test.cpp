// Issue 17 items 2-3: the municipality's document and evidence for a REAL signed declaration. The
// kiosk's own code builds the PVT evidence (kiosk/signing, texts from assets/texts), store/ seals and
// chains it, balie-syncd pushes it over mTLS to a real balie-inbox; then `balie-inbox evidence` and
// `document` export it, pdffonts/qpdf/pdfdetach/pdftoppm (poppler, qpdf) inspect the PDF, balie-verify
// accepts it and refuses tampered copies (one per failure class) and hostile input, and the JSON
// Schemas in sync/schemas/ validate what the real terminal and inbox produced.
#include <gtest/gtest.h>
#include <zlib.h>

#include "harness.h"
#include "signing/evidence.h"
#include "signing/flow.h"
#include "signing/ink.h"
#include "signing/texts.h"

using namespace balie;
using namespace balie::test;
using nlohmann::json;

namespace {

const fs::path kTexts = fs::path(BALIE_SOURCE_DIR) / "assets/texts";
const fs::path kSchemas = fs::path(BALIE_SOURCE_DIR) / "sync/schemas";
const fs::path kValidator = fs::path(BALIE_SOURCE_DIR) / "tests/sync/validate_schema.py";

signing::Ink zigzag() {
  signing::Ink ink(signing::PadRect{200, 200, 1380, 520});
  std::uint32_t t = 1000;
  ink.add(signing::InkSample{signing::InkSample::Kind::Down, 300, 450, 1, t, 7});
  for (int i = 1; i < 120; ++i) {
    t += 16;
    ink.add(signing::InkSample{signing::InkSample::Kind::Move, 300 + i * 8.0f,
                               450 + ((i / 10) % 2 ? 1 : -1) * ((i % 10) * 15.0f), 1, t, 7});
  }
  ink.add(signing::InkSample{signing::InkSample::Kind::Up, 300 + 120 * 8.0f, 450, 1, t + 16, 7});
  return ink;
}

// A Debian tool (poppler-utils, qpdf, curl, python3) found on PATH: Proc spawns by path.
std::string tool(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string d; std::getline(dirs, d, ':');)
    if (!d.empty() && ::access((fs::path(d) / name).c_str(), X_OK) == 0) return (fs::path(d) / name).string();
  throw std::runtime_error(name + " is not installed (scripts/packages.txt)");
}

struct World {
  fs::path work;
  std::unique_ptr<Pki> pki;
  std::unique_ptr<Inbox> inbox;
  std::unique_ptr<Kiosk> kiosk;
  std::map<std::string, std::string> record_of;  // language -> record id
};
World* w = nullptr;

// Signs a declaration for `resident` in `lang` exactly as the kiosk does (texts from the store the
// shipped packs were loaded into, kiosk/signing's evidence), committed through Store::commit_sealed.
std::string sign(KioskStore& st, const std::string& resident, const std::string& lang) {
  auto nl = signing::current_text(st.store(), "pvt_declaration", "nl", "GM0363");
  auto own = signing::current_text(st.store(), "pvt_declaration", lang, "GM0363");
  if (!nl || !own) throw std::runtime_error("texts not loaded for " + lang);
  auto r = st.store().resident(resident);
  if (!r.ok() || !r.value()) throw std::runtime_error("no resident " + resident);
  signing::SigningSession s;
  s.text_nl = *nl;
  s.text_own = *own;
  s.canonical_sha256 = record::sha256_hex(signing::canonical_shown_text(s.text_nl, &*s.text_own));
  s.ink = zigzag();
  s.screen_w = 1920;
  s.screen_h = 1080;
  s.dpi = 96;
  s.host_id = "host-0363-7";
  s.host_name = "J. de Vries";
  signing::EvidenceContext c;
  c.resident = &*r.value();
  c.name_shown = r.value()->naam_latijns;
  c.identity_checked_by = "coa-staff-12";
  c.kiosk_id = "kiosk-test-01";
  c.location_id = "AZC-TER-APEL";
  c.location_name = "AZC Ter Apel";
  c.software_version = "test";
  c.build_hash = "0000000";
  c.clock_source = "system CLOCK_REALTIME";
  c.confirmed_unix_ms = static_cast<std::int64_t>(std::time(nullptr)) * 1000;
  c.local_date = record::format_utc(std::time(nullptr)).substr(0, 10);
  c.gemeentecode = "GM0363";
  store::RecordDraft d;
  d.record_id = signing::new_record_id();
  signing::EvidenceParts parts;
  std::string err;
  if (!signing::build_pvt_evidence(s, c, d.record_id, &parts, &err)) throw std::runtime_error(err);
  d.kind = record::kPvtRecordKind;
  d.resident_id = resident;
  d.text_version_id = s.text_nl.version_id;
  d.decision = "signed";
  d.staff_id = s.host_id;
  d.device_id = w->pki->device_id;
  d.expected_gemeentecode = "GM0363";
  d.public_json = parts.public_json;
  d.sensitive = parts.sensitive_json;
  auto committed = st.store().commit_sealed(d, w->pki->device);
  if (!committed) throw std::runtime_error("commit_sealed: " + committed.error().message);
  return committed.value().record_id;
}

class Document : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    w = new World();
    w->work = fresh_dir("document");
    w->pki = std::make_unique<Pki>(w->work / "pki", std::vector<std::string>{"GM0363"});
    w->inbox = Inbox::start(*w->pki, "GM0363", w->work);
    w->kiosk = std::make_unique<Kiosk>(*w->pki, w->work);
    auto st = w->kiosk->open();
    ASSERT_TRUE(st->put_route(route_for(*w->pki, *w->inbox)));
    std::vector<std::string> errs;
    signing::load_text_assets(st->store(), kTexts, &errs);
    ASSERT_TRUE(errs.empty()) << errs.front();
    w->kiosk->coa_residents(*st, "GM0363", {"res-ar", "res-ti", "res-gone"});
    // The municipality's own dossier of the residents (shown on the evidence page).
    json imp = {{"residents", json::array()}};
    for (const char* id : {"res-ar", "res-ti", "res-gone"})
      imp["residents"].push_back({{"resident_id", id}, {"locatiecode", "AZC-TER-APEL"},
                                  {"dossier", feed_dossier(id, "GM0363", "AZC-TER-APEL", {{"pip_status", "vastgesteld"}})}});
    spit(w->work / "dossiers.json", imp.dump());
    std::string out;
    ASSERT_EQ(run({bin("balie-inbox").string(), "import-dossiers", "--db", w->inbox->db.string(), "--db-key-file", balie::test::inbox_key(w->inbox->db), "--gemeentecode",
                   "GM0363", "--file", (w->work / "dossiers.json").string()},
                  &out),
              0)
        << out;
    for (const char* lang : {"ar", "ti"}) w->record_of[lang] = sign(*st, std::string("res-") + lang, lang);
    w->record_of["gone"] = sign(*st, "res-gone", "fa");
    st.reset();
    ASSERT_EQ(w->kiosk->sync_once(&out), 0) << out;
  }
  static void TearDownTestSuite() {
    if (w && w->inbox) w->inbox->stop();
    delete w;
    w = nullptr;
  }

  static int inbox(const std::string& what, const std::string& id, const fs::path& outp, std::string* out,
                   std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {bin("balie-inbox").string(), what, "--db", w->inbox->db.string(), "--db-key-file", balie::test::inbox_key(w->inbox->db), "--gemeentecode",
                                     "GM0363", "--record-id", id, "--out", outp.string(), "--texts", kTexts.string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run(argv, out);
  }
  static int verify(const fs::path& input, std::string* out, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {bin("balie-verify").string(), "--texts", kTexts.string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(input.string());
    return run(argv, out);
  }
  static fs::path package_of(const std::string& lang) {
    const fs::path p = w->work / ("evidence-" + lang + ".json");
    if (!fs::exists(p)) {
      std::string out;
      EXPECT_EQ(inbox("evidence", w->record_of[lang], p, &out), 0) << out;
    }
    return p;
  }
  static fs::path box_seed() { return w->inbox->dir / "keys/box.seed"; }
};

TEST_F(Document, ArabicAndTigrinyaPdfsAreRenderedWithEveryFontEmbeddedAndPdfA3Metadata) {
  for (const char* lang : {"ar", "ti"}) {
    SCOPED_TRACE(lang);
    const fs::path pdf = w->work / (std::string("declaration-") + lang + ".pdf");
    std::string out;
    ASSERT_EQ(inbox("document", w->record_of[lang], pdf, &out, {"--keys", (w->inbox->dir / "keys").string()}), 0) << out;
    EXPECT_NE(out.find("\"verified\""), std::string::npos) << out;
    EXPECT_EQ(fs::status(pdf).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
    // Every font embedded (pdffonts: the "emb" column is the 5th from the end).
    ASSERT_EQ(run({tool("pdffonts"), pdf.string()}, &out), 0) << out;
    std::istringstream lines(out);
    std::string line;
    int fonts = 0;
    bool script_font = false;
    for (int i = 0; std::getline(lines, line); ++i) {
      if (i < 2 || line.empty()) continue;
      std::istringstream ts(line);
      std::vector<std::string> tok{std::istream_iterator<std::string>(ts), {}};
      ASSERT_GE(tok.size(), 6u) << line;
      EXPECT_EQ(tok[tok.size() - 5], "yes") << "font not embedded: " << line;
      ++fonts;
      if (line.find(std::string(lang) == "ar" ? "Arabic" : "Ethiopic") != std::string::npos) script_font = true;
    }
    EXPECT_GE(fonts, 2);
    EXPECT_TRUE(script_font) << out;
    // Structure intact; PDF/A-3b identification, the OutputIntent and the embedded evidence package.
    ASSERT_EQ(run({tool("qpdf"), "--check", pdf.string()}, &out), 0) << out;
    ASSERT_EQ(run({tool("pdfinfo"), "-meta", pdf.string()}, &out), 0) << out;
    EXPECT_NE(out.find("<pdfaid:part>3</pdfaid:part>"), std::string::npos) << out;
    EXPECT_NE(out.find("<pdfaid:conformance>B</pdfaid:conformance>"), std::string::npos);
    ASSERT_EQ(run({tool("qpdf"), "--json", "--json-key=qpdf", pdf.string()}, &out), 0);
    EXPECT_NE(out.find("/GTS_PDFA1"), std::string::npos);
    EXPECT_NE(out.find("/AFRelationship"), std::string::npos);
    EXPECT_EQ(out.find("\"/Interpolate\": true"), std::string::npos);
    ASSERT_EQ(run({tool("pdfdetach"), "-list", pdf.string()}, &out), 0) << out;
    EXPECT_NE(out.find("evidence-package.json"), std::string::npos) << out;
    // The text exactly as signed is in the document (its title, from the registry).
    ASSERT_EQ(run({tool("pdftotext"), "-enc", "UTF-8", pdf.string(), (w->work / (std::string(lang) + ".txt")).string()}, &out), 0);
    const std::string text = slurp(w->work / (std::string(lang) + ".txt"));
    EXPECT_NE(text.find("Participatieverklaring"), std::string::npos);
    EXPECT_NE(text.find(w->record_of[lang]), std::string::npos);
    if (std::string(lang) == "ti") EXPECT_NE(text.find("መግለጺ ተሳትፎ"), std::string::npos);
    // Pages render (poppler); kept in the test's directory for people to look at.
    ASSERT_EQ(run({tool("pdftoppm"), "-png", "-r", "60", pdf.string(), (w->work / (std::string("page-") + lang)).string()}, &out),
              0)
        << out;
    // balie-verify accepts the PDF: with the box key everything, without it all but the sealed part.
    EXPECT_EQ(verify(pdf, &out, {"--box-key-file", box_seed().string()}), 0) << out;
    EXPECT_EQ(verify(pdf, &out), 1) << out;
    EXPECT_NE(out.find("sealed part: not checked, no key"), std::string::npos) << out;
  }
}

TEST_F(Document, BalieVerifyAcceptsTheRealPackageAndPinsKeys) {
  const fs::path p = package_of("ar");
  std::string out;
  EXPECT_EQ(verify(p, &out, {"--box-key-file", box_seed().string(), "--municipality-pk",
                             record::to_hex(w->inbox->ed_pk.data(), 32), "--device-pk",
                             record::to_hex(w->pki->device.public_key.data(), 32)}),
            0)
      << out;
  EXPECT_NE(out.find("result: verified (exit 0)"), std::string::npos) << out;
  // A device key the auditor knows from elsewhere that is not the package's: refused.
  EXPECT_EQ(verify(p, &out, {"--device-pk", std::string(64, 'a')}), 10) << out;
  EXPECT_EQ(verify(p, &out, {"--municipality-pk", record::to_hex(w->inbox->x_pk.data(), 32)}), 15) << out;
}

// Each field class tampered in a copy of the real package gets its own exit code.
TEST_F(Document, BalieVerifyRefusesEachTamperedFieldClass) {
  const json orig = json::parse(slurp(package_of("ar")));
  auto check = [&](const char* name, int expect, const std::function<void(json&)>& f, bool with_key = false) {
    json j = orig;
    f(j);
    const fs::path p = w->work / (std::string("tampered-") + name + ".json");
    spit(p, j.dump());
    std::string out;
    std::vector<std::string> extra;
    if (with_key) extra = {"--box-key-file", box_seed().string()};
    EXPECT_EQ(verify(p, &out, extra), expect) << name << ":\n" << out;
  };
  auto flip_b64 = [](std::string s, std::size_t at) {
    s[at] = s[at] == 'A' ? 'B' : 'A';
    return s;
  };
  auto sens = [&](json& j, const std::function<void(json&)>& f) {
    json s = json::parse(j["sensitive_json"].get<std::string>());
    f(s);
    j["sensitive_json"] = s.dump();
  };
  check("signature", 10, [&](json& j) { j["envelope"]["signature"] = flip_b64(j["envelope"]["signature"], 10); });
  check("package", 10, [&](json& j) {  // the signed package text itself (its created_at)
    auto pkg = record::from_base64(j["envelope"]["package"].get<std::string>(), 1 << 16);
    std::string t(pkg->begin(), pkg->end());
    t[t.find("created_at:") + 14] ^= 1;
    j["envelope"]["package"] = record::to_base64(std::string_view(t));
  });
  check("sealed", 11, [&](json& j) { j["envelope"]["sealed"] = flip_b64(j["envelope"]["sealed"], 100); });
  check("payload-bsn", 12, [&](json& j) { sens(j, [](json& s) { s["bsn"] = "999990020"; }); }, true);
  check("payload-public", 12, [&](json& j) { sens(j, [](json& s) { s["public"]["kiosk_id"] = "other"; }); });
  check("chain-seq", 13, [&](json& j) { j["chain"]["seq"] = j["chain"]["seq"].get<int>() + 1; });
  check("chain-prev", 13, [&](json& j) { j["chain"]["prev_sha256"] = std::string(64, 'f'); });
  check("text-body-hash", 14, [&](json& j) {
    sens(j, [](json& s) { s["document"]["texts"][1]["body_sha256"] = std::string(64, '0'); });
  });
  check("text-version", 14, [&](json& j) {
    sens(j, [](json& s) { s["document"]["texts"][1]["version_id"] = "pvt-balie-9-GM0363-ar"; });
  });
  check("ack", 15, [&](json& j) {
    json a = json::parse(j["ack_json"].get<std::string>());
    a["received_at"] = "2020-01-01T00:00:00Z";
    j["ack_json"] = a.dump();
  });
  check("reference", 16, [&](json& j) { j["reference"] = "0000-0000"; });
}

// The registry holds a text whose body differs by one character from what was signed: refused (14),
// by balie-verify and by the receiver's document command, which records the failure.
TEST_F(Document, ATextWhoseHashDoesNotMatchTheRegistryIsARecordedFailureNotADocument) {
  const fs::path texts = w->work / "texts-changed";
  fs::create_directories(texts);
  for (const auto& e : fs::directory_iterator(kTexts))
    if (e.path().extension() == ".json") fs::copy_file(e.path(), texts / e.path().filename());
  json pack = json::parse(slurp(texts / "pvt-balie-2.json"));
  for (auto& t : pack["texts"])
    if (t["language"] == "ar") t["body"] = t["body"].get<std::string>() + ".";
  spit(texts / "pvt-balie-2.json", pack.dump());
  std::string out;
  EXPECT_EQ(run({bin("balie-verify").string(), "--texts", texts.string(), package_of("ar").string()}, &out), 14) << out;
  EXPECT_NE(out.find("does not match the registry"), std::string::npos) << out;
  const fs::path pdf = w->work / "never.pdf";
  EXPECT_EQ(run({bin("balie-inbox").string(), "document", "--db", w->inbox->db.string(), "--db-key-file", balie::test::inbox_key(w->inbox->db), "--gemeentecode", "GM0363",
                 "--record-id", w->record_of["ar"], "--out", pdf.string(), "--texts", texts.string()},
                &out),
            5)
      << out;
  EXPECT_NE(out.find("does not verify"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(pdf));
  ASSERT_EQ(run({bin("balie-inbox").string(), "evidence-checks", "--db", w->inbox->db.string(), "--db-key-file", balie::test::inbox_key(w->inbox->db), "--gemeentecode",
                 "GM0363"},
                &out),
            0);
  auto checks = json::parse(out);
  bool recorded = false;
  for (const auto& c : checks)
    if (c["record_id"] == w->record_of["ar"] && c["exit_code"] == 14 && c["purpose"] == "document") recorded = true;
  EXPECT_TRUE(recorded) << out;
}

TEST_F(Document, DamagedPdfAndHostileOrTruncatedInputGetClearErrors) {
  const fs::path pdf = w->work / "declaration-ti.pdf";
  std::string out;
  if (!fs::exists(pdf)) ASSERT_EQ(inbox("document", w->record_of["ti"], pdf, &out), 0) << out;
  const std::string bytes = slurp(pdf);
  // A byte flipped in the middle of the largest stream (a compressed font or the embedded package).
  std::size_t best = 0, best_len = 0;
  for (std::size_t at = bytes.find("stream\n"); at != std::string::npos; at = bytes.find("stream\n", at + 1)) {
    if (at >= 3 && bytes.compare(at - 3, 3, "end") == 0) continue;
    const std::size_t dict = bytes.rfind(" obj", at);
    if (dict == std::string::npos || bytes.substr(dict, at - dict).find("/FlateDecode") == std::string::npos) continue;
    const std::size_t end = bytes.find("endstream", at);
    if (end != std::string::npos && end - at > best_len) best = at + 7, best_len = end - at - 7;
  }
  ASSERT_GT(best_len, 100u);
  std::string flipped = bytes;
  flipped[best + best_len / 2] ^= 0x20;
  spit(w->work / "flipped.pdf", flipped);
  EXPECT_EQ(verify(w->work / "flipped.pdf", &out), 17) << out;
  EXPECT_NE(out.find("damaged"), std::string::npos) << out;
  spit(w->work / "truncated.pdf", bytes.substr(0, bytes.size() / 2));
  EXPECT_EQ(verify(w->work / "truncated.pdf", &out), 17) << out;

  // A Flate bomb: one stream that inflates to 80 MiB of zeros. Refused as damaged, memory bounded.
  {
    std::string zeros(80u * 1024 * 1024, '\0');
    uLongf n = compressBound(zeros.size());
    std::string z(n, '\0');
    ASSERT_EQ(compress2(reinterpret_cast<Bytef*>(z.data()), &n, reinterpret_cast<const Bytef*>(zeros.data()),
                        zeros.size(), 9),
              Z_OK);
    z.resize(n);
    const std::string bomb = "%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages "
                             "/Kids [] /Count 0 >>\nendobj\n3 0 obj\n<< /Length " + std::to_string(z.size()) +
                             " /Filter /FlateDecode >>\nstream\n" + z + "\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
    spit(w->work / "bomb.pdf", bomb);
    EXPECT_EQ(verify(w->work / "bomb.pdf", &out), 17) << out;
    EXPECT_NE(out.find("more than 64 MiB"), std::string::npos) << out;
  }

  const std::string pkg = slurp(package_of("ti"));
  struct Case {
    const char* name;
    std::string body;
  } cases[] = {{"truncated", pkg.substr(0, pkg.size() / 2)},
               {"empty", ""},
               {"not-json", "%!PS-Adobe\n"},
               {"deep", std::string(100000, '[')},
               {"wrong-format", R"({"format":"balie-evidence-package/2"})"},
               {"envelope-missing", ""}};
  for (auto& c : cases) {
    if (std::string(c.name) == "envelope-missing") {
      json j = json::parse(pkg);
      j.erase("envelope");
      c.body = j.dump();
    }
    spit(w->work / (std::string("hostile-") + c.name), c.body);
    EXPECT_EQ(verify(w->work / (std::string("hostile-") + c.name), &out), 3) << c.name << ": " << out;
    EXPECT_NE(out.find("format: failed"), std::string::npos) << c.name << ": " << out;
  }
  EXPECT_EQ(verify(w->work / "does-not-exist.json", &out), 4) << out;
  EXPECT_EQ(run({bin("balie-verify").string(), package_of("ti").string()}, &out), 2) << out;  // no --texts
}

TEST_F(Document, UnknownAndDeletedRecordsGetAClearErrorAndNoDocument) {
  std::string out;
  const fs::path pdf = w->work / "none.pdf";
  EXPECT_EQ(inbox("document", "0b7c1d9e-1111-4222-8333-444455556666", pdf, &out), 3) << out;
  EXPECT_NE(out.find("is not in this inbox"), std::string::npos) << out;
  EXPECT_EQ(inbox("document", "not-a-uuid", pdf, &out), 2) << out;
  // The obligation is withdrawn: the municipality's feed purges the resident, the terminal sends the
  // deletion request, the inbox deletes the record (real HTTPS, issue 16's path).
  json imp = {{"residents", json::array({{{"resident_id", "res-gone"}, {"locatiecode", "AZC-TER-APEL"},
                                          {"purge", "obligation_withdrawn"}}})}};
  spit(w->work / "purge.json", imp.dump());
  ASSERT_EQ(run({bin("balie-inbox").string(), "import-dossiers", "--db", w->inbox->db.string(), "--db-key-file", balie::test::inbox_key(w->inbox->db), "--gemeentecode",
                 "GM0363", "--file", (w->work / "purge.json").string()},
                &out),
            0)
      << out;
  for (int i = 0; i < 3; ++i) ASSERT_EQ(w->kiosk->sync_once(&out), 0) << out;
  ASSERT_EQ(run({bin("balie-inbox").string(), "deletions", "--db", w->inbox->db.string(), "--db-key-file", balie::test::inbox_key(w->inbox->db), "--gemeentecode", "GM0363"},
                &out),
            0);
  ASSERT_NE(out.find(w->record_of["gone"]), std::string::npos) << "the record was not deleted: " << out;
  EXPECT_EQ(inbox("document", w->record_of["gone"], pdf, &out), 3) << out;
  EXPECT_NE(out.find("was deleted"), std::string::npos) << out;
  EXPECT_EQ(inbox("evidence", w->record_of["gone"], w->work / "none.json", &out), 3) << out;
  EXPECT_FALSE(fs::exists(pdf));
}

// The JSON Schemas of sync/schemas/ against what the real terminal and the real inbox produced.
TEST_F(Document, SchemasValidateTheRealEnvelopeAckFeedAndEvidencePackage) {
  const json pkg = json::parse(slurp(package_of("ti")));
  spit(w->work / "s-envelope.json", pkg["envelope"].dump());
  spit(w->work / "s-ack.json", pkg["ack_json"].get<std::string>());
  std::string out;
  auto valid = [&](const char* schema, const fs::path& doc) {
    return run({tool("python3"), kValidator.string(), (kSchemas / schema).string(), doc.string()}, &out);
  };
  EXPECT_EQ(valid("envelope.schema.json", w->work / "s-envelope.json"), 0) << out;
  EXPECT_EQ(valid("ack.schema.json", w->work / "s-ack.json"), 0) << out;
  EXPECT_EQ(valid("evidence-package.schema.json", package_of("ti")), 0) << out;
  // A dossier feed page as the inbox serves it to the enrolled device (mTLS, curl).
  ASSERT_EQ(run({tool("curl"), "-sS", "--fail", "--cacert", (w->pki->dir / "ca.pem").string(), "--cert",
                 (w->pki->dir / "device/cert.pem").string(), "--key", (w->pki->dir / "device/key.pem").string(), "-o",
                 (w->work / "s-feed.json").string(), w->inbox->url() + "/v1/locaties/AZC-TER-APEL/dossierupdates"},
                &out),
            0)
      << out;
  EXPECT_EQ(valid("dossier-feed.schema.json", w->work / "s-feed.json"), 0) << out << slurp(w->work / "s-feed.json");
  EXPECT_GT(json::parse(slurp(w->work / "s-feed.json"))["items"].size(), 0u);
  // The schemas are not vacuous: a changed document is refused.
  json bad = pkg;
  bad["chain"]["seq"] = "1";
  spit(w->work / "s-bad.json", bad.dump());
  EXPECT_EQ(valid("evidence-package.schema.json", w->work / "s-bad.json"), 1) << out;
  json bad_env = pkg["envelope"];
  bad_env["extra"] = 1;
  spit(w->work / "s-bad-env.json", bad_env.dump());
  EXPECT_EQ(valid("envelope.schema.json", w->work / "s-bad-env.json"), 1) << out;
}

}  // namespace
