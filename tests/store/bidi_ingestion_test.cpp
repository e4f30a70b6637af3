// Names are data, not formatting (issue 18; tests/store/): a name or other free text carrying bidi
// embeddings, overrides or isolates arrives through each ingestion path (COA's residents page, the
// municipality's dossier feed, a resident JSON, an enrolment bundle is in bundle_test.cpp, an admin
// staff account) and is stored without them on a real SQLCipher store, the resident flagged for staff
// and the field audited by resident id and field name, never by value.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "balie/record/utf8.h"
#include "balie/store/coa_residents.h"
#include "balie/store/json.h"
#include "balie/store/store.h"
#include "fake_clock.h"
#include "store_test_util.h"

namespace balie::store::test {
namespace {

using platform::FakeClock;

const std::string kRlo = "\xE2\x80\xAE";  // U+202E RIGHT-TO-LEFT OVERRIDE
const std::string kRli = "\xE2\x81\xA7";  // U+2067 RIGHT-TO-LEFT ISOLATE
const std::string kLre = "\xE2\x80\xAA";  // U+202A LEFT-TO-RIGHT EMBEDDING
const std::string kPdi = "\xE2\x81\xA9";  // U+2069 POP DIRECTIONAL ISOLATE
const std::string kZwnj = "\xE2\x80\x8C";  // U+200C ZERO WIDTH NON-JOINER (part of Persian spelling)
const std::string kZwj = "\xE2\x80\x8D";   // U+200D ZERO WIDTH JOINER

TEST(StripBidiFormatting, RemovesEmbeddingsOverridesAndIsolatesKeepsJoinersMarksAndBadBytes) {
  std::string s = "Yohannes " + kRlo + "evil" + kLre + "x" + kRli + "y" + kPdi;
  EXPECT_TRUE(record::strip_bidi_formatting(s));
  EXPECT_EQ(s, "Yohannes evilxy");
  for (char32_t cp = 0x202A; cp <= 0x202E; ++cp) EXPECT_TRUE(record::is_bidi_formatting(cp));
  for (char32_t cp = 0x2066; cp <= 0x2069; ++cp) EXPECT_TRUE(record::is_bidi_formatting(cp));
  // ZWNJ/ZWJ spell names (Persian "می‌خواهم"), LRM/RLM/ALM are marks: kept.
  std::string keep = "\xD9\x85\xDB\x8C" + kZwnj + "\xD8\xAE" + kZwj + "\xE2\x80\x8E\xE2\x80\x8F\xD8\x9C";
  const std::string before = keep;
  EXPECT_FALSE(record::strip_bidi_formatting(keep));
  EXPECT_EQ(keep, before);
  std::string bad = std::string("a\xFF") + kRlo + "b\xE2\x80";  // invalid bytes stay for validation to report
  EXPECT_TRUE(record::strip_bidi_formatting(bad));
  EXPECT_EQ(bad, std::string("a\xFF") + "b\xE2\x80");
}

class BidiIngestionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key = random_key();
    opts.clock = &clock;
    store = open_ok(dir / "balie.db", key, opts);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->set_device_config(DeviceConfig{"kiosk-test-01", "loc-1", "AZC Test"}).ok());
  }
  // The audit entries of `action` (detail strings).
  std::vector<std::string> audited(const std::string& action) {
    std::vector<std::string> out;
    const auto tail = store->audit_tail(500).value();  // a copy: the Result is a temporary
    for (const auto& a : tail)
      if (a.action == action) out.push_back(a.detail);
    return out;
  }
  // No audit entry holds `value` (the audit log names ids and fields, never the text).
  void expect_audit_without(const std::string& value) {
    const auto tail = store->audit_tail(500).value();
    for (const auto& a : tail) EXPECT_EQ(a.detail.find(value), std::string::npos) << a.detail;
  }
  // The stored flag, read straight from the database file (column bidi_stripped).
  std::int64_t flagged(const std::string& id, const std::string& field) {
    RawDb raw(dir / "balie.db", key);
    return raw.scalar("SELECT count(*) FROM residents WHERE id = '" + id + "' AND (',' || bidi_stripped || ',') LIKE '%," +
                      field + ",%'");
  }
  std::string coa_page(const std::string& naam_latijns, const std::string& naam_eigen, const std::string& kamer) {
    nlohmann::json item = {{"id", "res-1"},          {"naam_latijns", naam_latijns}, {"naam_eigen_schrift", naam_eigen},
                           {"v_nummer", "1234567890"}, {"geboortedatum", "1990-01-01"}, {"kamer", kamer},
                           {"regime", "Wi2021"},       {"gemeentecode", "GM0363"},       {"gekoppeld_sinds", "2026-11-01"},
                           {"active", true}};
    return nlohmann::json{{"format", "balie-coa-residents"}, {"format_version", 1}, {"location_id", "loc-1"},
                          {"cursor", "c1"}, {"more", false}, {"residents", {item}}}
        .dump();
  }

  TempDir dir;
  std::array<std::uint8_t, 32> key{};
  FakeClock clock{std::chrono::system_clock::time_point(std::chrono::seconds(1795000000))};
  OpenOptions opts;
  std::unique_ptr<Store> store;
};

TEST_F(BidiIngestionTest, CoaResidentsFeedStoresTheNameCleanedFlaggedAndAudited) {
  // "Yohannes <RLO>evil" showed as "Yohannes live" to the resident and "Yohannes evil" to staff.
  const std::string tigrinya = "\xE1\x8B\xAE\xE1\x88\x83\xE1\x8A\x95\xE1\x88\xB5";  // ዮሃንስ
  auto page = parse_coa_residents_page(coa_page("Yohannes " + kRlo + "evil", kRli + tigrinya, "B-" + kRlo + "12"));
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page.value().refused.size(), 0u) << page.value().refused.front().second;  // not refused: cleaned
  auto out = store->apply_coa_residents(page.value());
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out.value().inserted, 1);
  auto r = store->resident("res-1").value();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->naam_latijns, "Yohannes evil");
  EXPECT_EQ(r->naam_eigen_schrift, tigrinya);
  EXPECT_EQ(r->kamer, "B-12");
  EXPECT_EQ(flagged("res-1", "naam_latijns"), 1);
  EXPECT_EQ(flagged("res-1", "naam_eigen_schrift"), 1);
  EXPECT_EQ(flagged("res-1", "kamer"), 1);
  auto audit = audited("resident.bidi_stripped");
  EXPECT_EQ(audit, (std::vector<std::string>{"resident=res-1 field=naam_latijns", "resident=res-1 field=naam_eigen_schrift",
                                             "resident=res-1 field=kamer"}));
  expect_audit_without("evil");
  // Search finds the cleaned name; a later clean page keeps the flag (staff still see the note).
  EXPECT_EQ(store->search_residents("yohannes evil", 10).value().size(), 1u);
  auto clean = parse_coa_residents_page(coa_page("Yohannes Evil", tigrinya, "B-12"));
  ASSERT_TRUE(clean.ok());
  ASSERT_TRUE(store->apply_coa_residents(clean.value()).ok());
  EXPECT_EQ(flagged("res-1", "naam_latijns"), 1);
  EXPECT_EQ(audited("resident.bidi_stripped").size(), 3u);  // nothing new stripped, nothing new audited
  EXPECT_TRUE(store->verify_audit().value().ok);
}

TEST_F(BidiIngestionTest, MunicipalityDossierFeedStoresFreeTextCleanedFlaggedAndAudited) {
  auto page = parse_coa_residents_page(coa_page("Yohannes Tesfay", "", "B-12"));
  ASSERT_TRUE(page.ok());
  ASSERT_TRUE(store->apply_coa_residents(page.value()).ok());
  // The municipality's feed as it arrives on the wire: its names are COA's, its dossier text its own.
  auto feed = marker_resident("res-1", "F1", "GM0363");
  feed.dossier.contactpersoon->naam = "Mw. " + kRlo + "nesneJ";
  auto batch = dossier_batch_from_json(to_json(DossierBatch{{feed}, {}}));
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  auto out = store->apply_dossier_batch("loc-1", "GM0363", batch.value(), "ams-1");
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out.value().upserted, 1);
  auto view = store->load_dossier("res-1").value();
  ASSERT_TRUE(view.dossier.contactpersoon.has_value());
  EXPECT_EQ(view.dossier.contactpersoon->naam, "Mw. nesneJ");
  EXPECT_EQ(view.resident.naam_latijns, "Yohannes Tesfay");
  EXPECT_EQ(flagged("res-1", "dossier.contactpersoon.naam"), 1);
  EXPECT_EQ(audited("resident.bidi_stripped"),
            (std::vector<std::string>{"resident=res-1 field=dossier.contactpersoon.naam"}));
  expect_audit_without("nesneJ");
}

TEST_F(BidiIngestionTest, ResidentJsonStoresTheNameCleanedFlaggedAndAudited) {
  // A resident dossier as JSON (resident_dossier_from_json: demo data, an unscoped location feed).
  auto rd = marker_resident("res-2", "J1", "GM0363");
  nlohmann::json j = nlohmann::json::parse(to_json(rd));
  j["resident"]["naam_latijns"] = "Amanuel " + kRli + "Ghebre";  // an unclosed isolate
  j["resident"]["naam_eigen_schrift"] = "\xD8\xB9\xD9\x84\xDB\x8C" + kZwnj + kLre + "x";
  auto parsed = resident_dossier_from_json(j.dump());
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ASSERT_TRUE(store->apply_dossier_batch("loc-1", DossierBatch{{parsed.value()}, {}}, "loc-cursor-1").ok());
  auto r = store->resident("res-2").value();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->naam_latijns, "Amanuel Ghebre");
  EXPECT_EQ(r->naam_eigen_schrift, "\xD8\xB9\xD9\x84\xDB\x8C" + kZwnj + "x");  // ZWNJ stays
  EXPECT_EQ(flagged("res-2", "naam_latijns"), 1);
  EXPECT_EQ(flagged("res-2", "naam_eigen_schrift"), 1);
  EXPECT_EQ(flagged("res-2", "kamer"), 0);
  EXPECT_EQ(audited("resident.bidi_stripped").size(), 2u);
  expect_audit_without("Ghebre");
  // A resident without bidi formatting is not flagged.
  ASSERT_TRUE(store->upsert_resident(marker_resident("res-3", "J2", "GM0363")).ok());
  RawDb raw(dir / "balie.db", key);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM residents WHERE id = 'res-3' AND bidi_stripped = ''"), 1);
}

TEST_F(BidiIngestionTest, StaffDisplayNameFromAdminIsCleanedAndAudited) {
  StaffAccount a;
  a.id = "coa-mallory";
  a.display_name = "Mallory " + kRlo + "AOC";
  a.role = StaffRole::CoaStaff;
  ASSERT_TRUE(store->upsert_staff(a, "2468").ok());
  auto s = store->staff("coa-mallory").value();
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->display_name, "Mallory AOC");
  EXPECT_EQ(audited("staff.bidi_stripped"), (std::vector<std::string>{"staff=coa-mallory field=display_name"}));
  a.display_name = kRlo;  // nothing left once cleaned: refused, nothing stored
  EXPECT_FALSE(store->upsert_staff(a, "").ok());
  EXPECT_EQ(store->staff("coa-mallory").value()->display_name, "Mallory AOC");
}

}  // namespace
}  // namespace balie::store::test
