// Catalogs: the repository's catalogs are complete and placeholder-consistent (the same check
// that runs at build time), the parser and the checks reject broken input, and the build tool
// exits non-zero on a broken catalog (so the build fails).
#include <gtest/gtest.h>

#include <cstdlib>

#include "balie/text/catalog.h"
#include "balie/text/languages.h"
#include "test_support.h"

namespace balie::text {
namespace {

const std::filesystem::path kI18n = std::filesystem::path(BALIE_ASSETS_DIR) / "i18n";

TEST(Catalogs, EveryLanguageHasEveryDutchKeyWithTheSamePlaceholders) {
  auto nl = load_po_file(kI18n / "nl.po");
  ASSERT_TRUE(nl) << nl.error().message;
  EXPECT_TRUE(validate_base(*nl).empty());
  for (const char* key : {"common.listen", "common.error_staff", "inactivity.body", "welcome.title",
                          "staff_unlock.wrong", "staff_unlock.locked", "language.title", "language.body"})
    EXPECT_NE(nl->find(key), nullptr) << key;
  for (const Language& lang : languages()) {
    if (lang.code == kBaseLanguage) continue;
    SCOPED_TRACE(std::string(lang.code));
    auto cat = load_po_file(kI18n / (std::string(lang.code) + ".po"));
    ASSERT_TRUE(cat) << cat.error().message;
    std::optional<Catalog> parent;
    if (!lang.fallback.empty()) parent = load_po_file(kI18n / (std::string(lang.fallback) + ".po")).value();
    for (const auto& issue : validate_against_base(*nl, *cat, parent ? &*parent : nullptr))
      ADD_FAILURE() << issue.source << ": " << issue.key << ": " << issue.message;
    if (lang.code != "en") {
      EXPECT_EQ(cat->headers["X-Balie-Review"], "needs review by a native speaker");
    }
  }
}

TEST(Catalogs, SpokenKeysAreMarkedAndHaveNoPlaceholders) {
  auto nl = load_po_file(kI18n / "nl.po");
  ASSERT_TRUE(nl);
  int spoken = 0;
  for (const auto& e : nl->entries)
    if (e.spoken) {
      ++spoken;
      EXPECT_TRUE(placeholders(e.text)->empty()) << e.key;
    }
  EXPECT_GE(spoken, 4);
  EXPECT_TRUE(nl->find("welcome.body")->spoken);
}

TEST(Catalogs, ParserReadsMultilineEscapesAndFlags) {
  auto c = parse_po(
      "msgid \"\"\nmsgstr \"Language: nl\\n\"\n\n"
      "#. spoken\nmsgid \"a.b\"\nmsgstr \"\"\n\"Regel \\\"een\\\"\\n\"\n\"twee\"\n\n"
      "#, fuzzy\nmsgid \"a.c\"\nmsgstr \"x\"\n",
      "t.po");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->language, "nl");
  ASSERT_EQ(c->entries.size(), 2u);
  EXPECT_EQ(c->find("a.b")->text, "Regel \"een\"\ntwee");
  EXPECT_TRUE(c->find("a.b")->spoken);
  EXPECT_TRUE(c->find("a.c")->fuzzy);
}

TEST(Catalogs, ParserRejectsBrokenInputWithFileAndLine) {
  struct Bad {
    const char* po;
    const char* fragment;
  };
  const Bad bad[] = {
      {"msgid \"a.b\"\nmsgstr \"x\"\nmsgid \"a.b\"\nmsgstr \"y\"\n", "duplicate key"},
      {"msgid \"a.b\"\n", "needs both"},
      {"msgid \"a.b\"\nmsgstr \"x\\q\"\n", "unknown escape"},
      {"msgid \"a.b\"\nmsgstr x\n", "quoted"},
      {"msgid \"a.b\"\nmsgstr[0] \"x\"\n", "msgstr[n] without a preceding msgid_plural"},
      {"msgid \"a.b\"\nmsgid_plural \"a.b\"\nmsgstr \"x\"\n", "msgstr[0], msgstr[1]"},
      {"msgid \"a.b\"\nmsgstr \"\xC3\x28\"\n", "UTF-8"},
  };
  for (const auto& b : bad) {
    auto c = parse_po(b.po, "bad.po");
    ASSERT_FALSE(c) << b.po;
    EXPECT_NE(c.error().message.find(b.fragment), std::string::npos) << c.error().message;
    EXPECT_NE(c.error().message.find("bad.po:"), std::string::npos) << c.error().message;
  }
}

TEST(Catalogs, ChecksFindMissingKeysPlaceholderMismatchAndEmptyText) {
  auto base = parse_po("msgid \"s.a\"\nmsgstr \"Nog {n} keer\"\n\nmsgid \"s.b\"\nmsgstr \"Ja\"\n"
                       "\nmsgid \"s.c\"\nmsgstr \"Nee\"\n", "nl.po").value();
  auto cat = parse_po("msgid \"s.a\"\nmsgstr \"{count} more\"\n\nmsgid \"s.b\"\nmsgstr \"\"\n"
                      "\nmsgid \"s.z\"\nmsgstr \"extra\"\n", "en.po").value();
  const auto issues = validate_against_base(base, cat, nullptr);
  auto has = [&](const std::string& key, const std::string& frag, bool fatal) {
    for (const auto& i : issues)
      if (i.key == key && i.message.find(frag) != std::string::npos && i.fatal == fatal) return true;
    return false;
  };
  EXPECT_TRUE(has("s.a", "placeholders", true));
  EXPECT_TRUE(has("s.b", "empty msgstr", true));
  EXPECT_TRUE(has("s.c", "missing", true));
  EXPECT_TRUE(has("s.z", "not in the Dutch", false));
  EXPECT_FALSE(placeholders("open {brace"));
  EXPECT_FALSE(placeholders("{Name}"));
  EXPECT_EQ(placeholders("{a} en {b_2}").value(), (std::vector<std::string>{"a", "b_2"}));
}

TEST(Catalogs, BuildToolFailsOnABrokenCatalogAndPassesOnTheRealOnes) {
  const std::string tool = BALIE_TEXT_TOOL;
  EXPECT_EQ(std::system((tool + " check " + kI18n.string() + " >/dev/null 2>&1").c_str()), 0);
  testing::TempDir dir;
  for (const auto& entry : std::filesystem::directory_iterator(kI18n))
    std::filesystem::copy(entry.path(), dir.path() / entry.path().filename());
  // Break one placeholder in the Turkish catalog.
  std::string tr = testing::read_text(dir.path() / "tr.po");
  const auto pos = tr.find("{attempts}");
  ASSERT_NE(pos, std::string::npos);
  tr.replace(pos, 10, "{deneme}");
  dir.write("tr.po", tr);
  const std::string out = (dir.path() / "out.txt").string();
  EXPECT_NE(std::system((tool + " check " + dir.path().string() + " >" + out + " 2>&1").c_str()), 0);
  const std::string log = testing::read_text(out);
  EXPECT_NE(log.find("tr.po: staff_unlock.wrong"), std::string::npos) << log;
}

}  // namespace
}  // namespace balie::text
