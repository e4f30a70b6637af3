// Resident search across Arabic-script spellings (issue 18; tests/store/): on a real SQLCipher store,
// a Persian or Sorani name entered with ی/ک/ە/ڕ/ڵ/ۆ is found by a query typed on an Arabic keyboard
// (ي/ك/ه/ر/ل/و) and the other way round; hamza forms, harakat, tatweel and digits of every script
// fold; Latin folding (case, diacritics) is unchanged; migration 11 recomputes keys stored by the
// earlier folding.
#include <gtest/gtest.h>

#include "balie/store/store.h"
#include "store_test_util.h"

namespace balie::store::test {
namespace {

class SearchFolding : public ::testing::Test {
 protected:
  void SetUp() override {
    key = random_key();
    store = open_ok(dir / "balie.db", key);
    ASSERT_NE(store, nullptr);
  }
  void add(const std::string& id, const std::string& own, const std::string& latin = "", const std::string& room = "") {
    ResidentDossier rd = marker_resident(id, id);
    rd.resident.naam_eigen_schrift = own;
    rd.resident.naam_latijns = latin.empty() ? "Qzx" + id : latin;
    if (!room.empty()) rd.resident.kamer = room;
    ASSERT_TRUE(store->upsert_resident(rd).ok()) << id;
  }
  std::vector<std::string> ids(const std::string& q) {
    std::vector<std::string> out;
    auto r = store->search_residents(q);
    EXPECT_TRUE(r.ok()) << q;
    if (r.ok())
      for (const auto& x : r.value()) out.push_back(x.id);
    return out;
  }
  bool finds(const std::string& q, const std::string& id) {
    auto v = ids(q);
    return std::find(v.begin(), v.end(), id) != v.end();
  }
  TempDir dir;
  std::array<std::uint8_t, 32> key{};
  std::unique_ptr<Store> store;
};

TEST_F(SearchFolding, PersianYehAndKafMatchArabicYehAndKafBothWays) {
  add("fa1", "علی کریمی");      // Persian: ی U+06CC, ک U+06A9
  add("ar1", "يوسف كاظمي");     // Arabic: ي U+064A, ك U+0643
  EXPECT_TRUE(finds("علي كريمي", "fa1"));  // typed on an Arabic keyboard
  EXPECT_TRUE(finds("کریمی", "fa1"));      // typed as entered
  EXPECT_TRUE(finds("یوسف کاظمی", "ar1"));  // typed on a Persian keyboard
  EXPECT_TRUE(finds("كاظمى", "ar1"));      // alef maksura for the final yeh
  EXPECT_FALSE(finds("گریمی", "fa1")) << "gaf is another letter than kaf";
}

TEST_F(SearchFolding, SoraniLettersMatchTheirArabicKeyboardSpelling) {
  add("ckb1", "ڕێبوار هەڵۆ");   // Rêbwar Helo: ڕ ێ ە ڵ ۆ
  add("ckb2", "نەسرین");        // Nesrîn
  EXPECT_TRUE(finds("ريبوار", "ckb1"));
  EXPECT_TRUE(finds("ههلو", "ckb1"));
  EXPECT_TRUE(finds("ڕێبوار هەڵۆ", "ckb1"));
  EXPECT_TRUE(finds("نهسرين", "ckb2"));
  EXPECT_TRUE(finds("نەسرین", "ckb2"));
  EXPECT_FALSE(finds("نسرين", "ckb2")) << "a dropped letter is not a variant";
}

TEST_F(SearchFolding, HamzaFormsHarakatAndTatweelFold) {
  add("h1", "أحمد إبراهيم");
  add("h2", "آمنة مؤمن");
  add("h3", "عَبْدُ ٱللّٰهِ هانئ");   // harakat, shadda, superscript alef, alef wasla, yeh with hamza
  add("h4", "مـحـمـود");             // tatweel in the stored name
  EXPECT_TRUE(finds("احمد ابراهيم", "h1"));
  EXPECT_TRUE(finds("أحمد", "h1"));
  EXPECT_TRUE(finds("امنه مومن", "h2"));
  EXPECT_TRUE(finds("عبد الله", "h3"));
  EXPECT_TRUE(finds("هاني", "h3"));
  EXPECT_TRUE(finds("عبدُ اللهِ", "h3"));
  EXPECT_TRUE(finds("محمود", "h4"));
  EXPECT_TRUE(finds("مـحـمـود", "h4"));
  EXPECT_TRUE(finds("مَحْمُود", "h4"));
  EXPECT_FALSE(finds("محمد", "h4"));
}

TEST_F(SearchFolding, DigitsOfEveryScriptMatchAsciiDigits) {
  add("d1", "سارا", "Sara Test", "B-105");
  EXPECT_TRUE(finds("B-105", "d1"));
  EXPECT_TRUE(finds("b-١٠٥", "d1"));   // Arabic-Indic digits
  EXPECT_TRUE(finds("۱۰۵", "d1"));     // Persian digits
  EXPECT_FALSE(finds("۱۰۶", "d1"));
}

TEST_F(SearchFolding, LatinCaseAndDiacriticsAsBefore) {
  add("l1", "Zoë Ñúñez-Çelik", "Łukasz Øster Straße Ærø");
  add("l2", "İbrahim Çağlar", "ÖZTÜRK O'Brien");
  for (const char* q : {"zoe nunez", "CELIK", "nunez-celik", "lukasz oster", "strasse", "aero", "ÆRØ"})
    EXPECT_TRUE(finds(q, "l1")) << q;
  for (const char* q : {"ibrahim caglar", "ozturk", "o'brien", "Öztürk"}) EXPECT_TRUE(finds(q, "l2")) << q;
  EXPECT_FALSE(finds("obrien", "l2")) << "the apostrophe is kept";
  EXPECT_FALSE(finds("selik", "l1"));
  // Other scripts keep their letters: Ge'ez and Cyrillic as before.
  add("g1", "ሰላም ገብረ", "Selam");
  add("c1", "Олена Шевченко", "Olena");
  EXPECT_TRUE(finds("ሰላም", "g1"));
  EXPECT_FALSE(finds("ሰላማ", "g1"));
  EXPECT_TRUE(finds("ОЛЕНА", "c1"));
  EXPECT_TRUE(finds("шевченко", "c1"));
}

// A store at schema version 10 holds keys folded the old way (Persian ی and ک kept as such); opening
// it with the current code runs migration 11, after which the Arabic-keyboard query finds the name.
TEST(SearchFoldingMigration, Version11RecomputesStoredKeys) {
  TempDir dir;
  auto key = random_key();
  auto db = dir / "balie.db";
  {
    OpenOptions o;
    o.migrate_to_version = 10;
    auto old = open_ok(db, key, o);
    ASSERT_NE(old, nullptr);
    EXPECT_EQ(old->schema_version(), 10);
  }
  {
    RawDb raw(db, key);
    ASSERT_EQ(raw.exec("INSERT INTO residents(id, naam_eigen_schrift, naam_latijns, gemeentecode, regime, search_key) "
                       "VALUES ('m1', 'علی کریمی', 'Ali Karimi', 'GM0344', 'Wi2021', "
                       "'علی کریمی\nali karimi\n\n')"),
              SQLITE_OK) << raw.errmsg();
  }
  {
    OpenOptions o;
    o.migrate_to_version = 10;
    auto old = open_ok(db, key, o);
    ASSERT_NE(old, nullptr);
    EXPECT_TRUE(old->search_residents("علي كريمي").value().empty()) << "the old key does not match";
    EXPECT_EQ(old->search_residents("ali").value().size(), 1u);
  }
  auto store = open_ok(db, key);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->schema_version(), 11);
  auto found = store->search_residents("علي كريمي");
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found.value().size(), 1u);
  EXPECT_EQ(found.value()[0].id, "m1");
  EXPECT_EQ(store->search_residents("ali karimi").value().size(), 1u);
  auto audit = store->verify_audit().value();
  EXPECT_TRUE(audit.ok) << audit.reason;
}

}  // namespace
}  // namespace balie::store::test
