// Catalog plural forms (issue 18): each language's Plural-Forms rule picks the right form (Arabic's
// six: 0, 1, 2, 3-10, 11-99, 100+), "Nog 1 dag" in Dutch, a plural entry is checked form by form, a
// fuzzy entry shows Dutch and only warns at build time, and the .pot template is written from nl.po.
#include <gtest/gtest.h>

#include <cstdlib>

#include "balie/text/catalog.h"
#include "balie/text/languages.h"
#include "balie/text/text_engine.h"
#include "test_support.h"

namespace balie::text {
namespace {

const std::filesystem::path kI18n = std::filesystem::path(BALIE_ASSETS_DIR) / "i18n";

PluralRule rule_of(const std::string& lang) {
  auto c = load_po_file(kI18n / (lang + ".po"));
  EXPECT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->has_plural_header) << lang;
  return c->plural_rule;
}

TEST(PluralForms, EveryLanguageHasARuleThatPicksTheRightForm) {
  for (const Language& lang : languages()) {
    SCOPED_TRACE(std::string(lang.code));
    auto c = load_po_file(kI18n / (std::string(lang.code) + ".po"));
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_TRUE(c->has_plural_header);
  }
  for (const char* l : {"nl", "en", "ckb", "ku", "tr", "so"}) {
    SCOPED_TRACE(l);
    const PluralRule r = rule_of(l);
    EXPECT_EQ(r.nplurals(), 2);
    EXPECT_EQ(r.index(1), 0);
    for (unsigned long n : {0ul, 2ul, 5ul, 11ul, 100ul, 101ul}) EXPECT_EQ(r.index(n), 1) << n;
  }
  for (const char* l : {"fa", "prs", "ti"}) {  // 0 and 1 take the singular
    SCOPED_TRACE(l);
    const PluralRule r = rule_of(l);
    EXPECT_EQ(r.nplurals(), 2);
    EXPECT_EQ(r.index(0), 0);
    EXPECT_EQ(r.index(1), 0);
    EXPECT_EQ(r.index(2), 1);
  }
  const PluralRule ar = rule_of("ar");
  EXPECT_EQ(ar.nplurals(), 6);
  const std::pair<unsigned long, int> cases[] = {{0, 0},   {1, 1},   {2, 2},   {3, 3},   {10, 3},   {11, 4},
                                                 {99, 4},  {100, 5}, {101, 5}, {102, 5}, {103, 3},  {110, 3},
                                                 {111, 4}, {199, 4}, {200, 5}, {1000, 5}, {1011, 4}};
  for (auto [n, form] : cases) EXPECT_EQ(ar.index(n), form) << "ar n=" << n;
}

TEST(PluralForms, RuleParserRejectsBrokenHeaders) {
  EXPECT_FALSE(PluralRule::parse("plural=(n != 1);"));                 // no nplurals
  EXPECT_FALSE(PluralRule::parse("nplurals=2; plural=(n != 1;"));      // unbalanced
  EXPECT_FALSE(PluralRule::parse("nplurals=2; plural=n % 0;"));        // division by zero
  EXPECT_FALSE(PluralRule::parse("nplurals=2; plural=(n > 1 ? 2 : 0);"));  // form 2 of 2
  EXPECT_FALSE(PluralRule::parse("nplurals=2; plural=(m != 1);"));
  auto ok = PluralRule::parse("nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->index(1), 0);
  EXPECT_EQ(ok->index(3), 1);
  EXPECT_EQ(ok->index(11), 2);
  EXPECT_EQ(ok->index(22), 1);
}

TEST(PluralForms, DutchSaysNog1DagAndArabicHasSixForms) {
  TextEngine engine(testing::repo_config());
  EXPECT_TRUE(engine.startup_errors().empty()) << engine.startup_errors().front();
  const Language& nl = *find_language("nl");
  EXPECT_EQ(engine.tr_in(nl, "dossier.term.days_left", {{"days", "1", false}}), "Nog 1 dag");
  EXPECT_EQ(engine.tr_in(nl, "dossier.term.days_left", {{"days", "2", false}}), "Nog 2 dagen");
  EXPECT_EQ(engine.tr_in(nl, "dossier.term.days_left", {{"days", "0", false}}), "Nog 0 dagen");
  EXPECT_EQ(engine.tr_in(nl, "held.link_changed", {{"count", "1", false}}), "Koppeling gewijzigd: 1 record vastgehouden");
  EXPECT_EQ(engine.tr_in(nl, "held.link_changed", {{"count", "3", false}}), "Koppeling gewijzigd: 3 records vastgehouden");
  EXPECT_EQ(engine.tr_in(*find_language("en"), "dossier.term.days_left", {{"days", "1", false}}), "1 day left");
  const Language& ar = *find_language("ar");
  EXPECT_EQ(engine.tr_in(ar, "dossier.term.days_left", {{"days", "1", false}}), "بقي يوم واحد");
  EXPECT_EQ(engine.tr_in(ar, "dossier.term.days_left", {{"days", "2", false}}), "بقي يومان");
  EXPECT_EQ(engine.tr_in(ar, "dossier.term.days_left", {{"days", "7", false}}), "بقيت 7 أيام");
  EXPECT_EQ(engine.tr_in(ar, "dossier.term.days_left", {{"days", "45", false}}), "بقي 45 يومًا");
  EXPECT_EQ(engine.tr_in(ar, "dossier.term.days_left", {{"days", "700", false}}), "بقي 700 يوم");
  EXPECT_EQ(engine.tr_in(ar, "dossier.term.days_left", {{"days", "731", false}}), "بقي 731 يومًا");  // 731 % 100 = 31
  EXPECT_TRUE(engine.runtime_errors().empty());
}

TEST(PluralForms, PluralEntriesAreCheckedFormByForm) {
  const auto base = parse_po("msgid \"\"\nmsgstr \"Plural-Forms: nplurals=2; plural=(n != 1);\\n\"\n\n"
                             "msgid \"s.a\"\nmsgid_plural \"s.a\"\nmsgstr[0] \"Nog {days} dag\"\nmsgstr[1] \"Nog {days} dagen\"\n\n"
                             "msgid \"s.b\"\nmsgstr \"Ja\"\n",
                             "nl.po");
  ASSERT_TRUE(base) << base.error().message;
  EXPECT_TRUE(validate_base(*base).empty());
  auto issues_for = [&](const std::string& po) {
    auto c = parse_po("msgid \"\"\nmsgstr \"Plural-Forms: nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : "
                      "n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);\\n\"\n\n" + po + "\nmsgid \"s.b\"\nmsgstr \"x\"\n",
                      "ar.po");
    EXPECT_TRUE(c) << c.error().message;
    std::string all;
    for (const auto& i : validate_against_base(*base, *c, nullptr)) all += i.key + ": " + i.message + "\n";
    return all;
  };
  const std::string six = "msgstr[0] \"a\"\nmsgstr[1] \"b\"\nmsgstr[2] \"c\"\nmsgstr[3] \"{days} d\"\nmsgstr[4] \"{days} e\"\n";
  EXPECT_EQ(issues_for("msgid \"s.a\"\nmsgid_plural \"s.a\"\n" + six + "msgstr[5] \"{days} f\"\n"), "");
  EXPECT_NE(issues_for("msgid \"s.a\"\nmsgid_plural \"s.a\"\n" + six).find("has 5 plural forms"), std::string::npos);
  EXPECT_NE(issues_for("msgid \"s.a\"\nmsgstr \"{days}\"\n").find("must be a plural entry"), std::string::npos);
  EXPECT_NE(issues_for("msgid \"s.a\"\nmsgid_plural \"s.a\"\n" + six + "msgstr[5] \"{dagen}\"\n").find("{dagen}"),
            std::string::npos);
  // Parser: forms in order, no msgstr in a plural entry, a header for plural entries.
  EXPECT_FALSE(parse_po("msgid \"\"\nmsgstr \"Plural-Forms: nplurals=2; plural=(n != 1);\\n\"\n\n"
                        "msgid \"s.a\"\nmsgid_plural \"s.a\"\nmsgstr[1] \"x\"\n", "x.po"));
  EXPECT_FALSE(parse_po("msgid \"s.a\"\nmsgid_plural \"s.a\"\nmsgstr[0] \"x\"\nmsgstr[1] \"y\"\n", "x.po"));
  EXPECT_FALSE(parse_po("msgid \"s.a\"\nmsgstr[0] \"x\"\n", "x.po"));
}

class FuzzyEntry : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& entry : std::filesystem::directory_iterator(kI18n))
      std::filesystem::copy(entry.path(), dir.path() / entry.path().filename());
    std::string ar = testing::read_text(dir.path() / "ar.po");
    const auto pos = ar.find("msgid \"dossier.term.days_left\"");
    ASSERT_NE(pos, std::string::npos);
    ar.insert(pos, "#, fuzzy\n");
    dir.write("ar.po", ar);
  }
  testing::TempDir dir;
};

TEST_F(FuzzyEntry, BuildWarnsInsteadOfFailingAndTheEntryShowsDutch) {
  const std::string tool = BALIE_TEXT_TOOL;
  const std::string out = (dir.path() / "out.txt").string();
  EXPECT_EQ(std::system((tool + " check " + dir.path().string() + " >" + out + " 2>&1").c_str()), 0);
  const std::string log = testing::read_text(out);
  EXPECT_NE(log.find("warning: ar.po: dossier.term.days_left: fuzzy"), std::string::npos) << log;
  TextEngineConfig config = testing::repo_config();
  config.i18n_dir = dir.path();
  TextEngine engine(config);
  const Language& ar = *find_language("ar");
  EXPECT_EQ(engine.tr_in(ar, "dossier.term.days_left", {{"days", "1", false}}), "Nog 1 dag");  // Dutch, singular
  EXPECT_EQ(engine.tr_in(ar, "dossier.term.days_left", {{"days", "7", false}}), "Nog 7 dagen");
  EXPECT_EQ(engine.tr_in(ar, "held.link_changed", {{"count", "2", false}}), "تغيّر الربط: سجلان محتجزان");  // not fuzzy
}

TEST(PotTemplate, WrittenFromTheDutchCatalogWithPluralEntries) {
  auto nl = load_po_file(kI18n / "nl.po");
  ASSERT_TRUE(nl);
  const std::string pot = make_pot(*nl);
  EXPECT_NE(pot.find("#. nl[0]: Nog {days} dag\n#. nl[1]: Nog {days} dagen\nmsgid \"dossier.term.days_left\"\n"
                     "msgid_plural \"dossier.term.days_left\"\nmsgstr[0] \"\"\nmsgstr[1] \"\"\n"),
            std::string::npos);
  EXPECT_NE(pot.find("#. nl: Welkom\nmsgid \"welcome.title\"\nmsgstr \"\"\n"), std::string::npos);
  std::size_t msgids = 0;
  for (std::size_t p = pot.find("\nmsgid \""); p != std::string::npos; p = pot.find("\nmsgid \"", p + 1)) ++msgids;
  EXPECT_EQ(msgids, nl->entries.size() + 1);  // the header's msgid "" and every Dutch key
  // The build writes the same template (text/CMakeLists.txt, balie_text_tool pot).
  const auto built = std::filesystem::path(BALIE_GENERATED_DIR) / "i18n" / "balie.pot";
  ASSERT_TRUE(std::filesystem::exists(built)) << built;
  EXPECT_EQ(testing::read_text(built), pot);
}

}  // namespace
}  // namespace balie::text
