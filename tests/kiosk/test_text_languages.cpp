// Issue 18, "everything the resident must understand, in their language": the shipped declaration
// and consent series exist in all ten languages (each marked for native review), the texts chosen
// for a resident are the current Dutch text and the SAME version in their language or nothing
// (never another language), and the declaration offer is blocked with the missing language named
// for staff. All on a real SQLCipher store. Also: the new catalog keys exist in all ten catalogs.
#include <gtest/gtest.h>
#include <sodium.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "balie/store/store.h"
#include "balie/text/catalog.h"
#include "balie/text/languages.h"
#include "signing/flow.h"
#include "signing/texts.h"

namespace fs = std::filesystem;
using json = nlohmann::json;
namespace store = balie::store;
namespace text = balie::text;
using namespace balie::signing;

namespace {

const fs::path kAssets = fs::path(BALIE_SOURCE_DIR) / "assets";
const char* const kKinds[] = {"pvt_declaration", "consent:pid_sharing", "consent:health"};

// A fresh encrypted store with a route for GM0363 (texts are stored per routed municipality).
struct TempStore {
  fs::path dir;
  std::unique_ptr<store::Store> st;
  explicit TempStore(const std::string& name) {
    dir = fs::temp_directory_path() / ("balie-i18lang-" + name + "-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir / "texts");
    std::vector<std::uint8_t> key(32);
    randombytes_buf(key.data(), key.size());
    auto s = store::Store::open(dir / "balie.db", key);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    st = std::move(s.value());
    store::Route r;
    r.gemeentecode = "GM0363";
    r.endpoint_base_url = "https://gm0363.example";
    EXPECT_TRUE(st->put_route(r).ok());
  }
  ~TempStore() {
    st.reset();
    fs::remove_all(dir);
  }
  void write(const std::string& name, const json& j) { std::ofstream(dir / "texts" / name) << j.dump(); }
  void load(const fs::path& texts) {
    std::vector<std::string> errors;
    load_text_assets(*st, texts, &errors);
    for (const auto& e : errors) ADD_FAILURE() << e;
  }
};

json series(const std::string& name, const std::string& kind, std::initializer_list<const char*> langs) {
  json j{{"series", name}, {"kind", kind}, {"texts", json::array()}};
  for (const char* l : langs)
    j["texts"].push_back({{"language", l}, {"title", std::string("T ") + l}, {"body", name + " in " + l}});
  return j;
}

OfferInput offer_input(const store::Resident& r, const store::Dossier& d) {
  OfferInput in;
  in.resident = &r;
  in.dossier = &d;
  in.today = "2026-03-02";
  in.route_key_present = true;
  in.text_present = true;
  return in;
}

}  // namespace

TEST(TextLanguages, ShippedSeriesAreCompleteInAllTenLanguagesAndMarkedForReview) {
  ASSERT_GE(sodium_init(), 0);
  std::map<std::string, std::int64_t> newest;  // kind -> newest version shipped
  for (const auto& e : fs::directory_iterator(kAssets / "texts")) {
    if (e.path().extension() != ".json") continue;
    std::ifstream in(e.path());
    const json j = json::parse(in);
    auto& v = newest[j["kind"].get<std::string>()];
    v = std::max(v, series_version(j["series"].get<std::string>()));
  }
  for (const auto& e : fs::directory_iterator(kAssets / "texts")) {
    if (e.path().extension() != ".json") continue;
    std::ifstream in(e.path());
    const json j = json::parse(in);
    if (series_version(j["series"].get<std::string>()) != newest[j["kind"].get<std::string>()]) continue;
    SCOPED_TRACE(e.path().filename().string());
    std::set<std::string> langs, bodies;
    for (const auto& t : j["texts"]) {
      langs.insert(t["language"].get<std::string>());
      bodies.insert(t["body"].get<std::string>());
      if (t["language"] != "nl") {  // every translation says it still needs a native speaker
        ASSERT_TRUE(t.contains("review")) << t["language"];
        EXPECT_NE(t["review"].get<std::string>().find("needs native review"), std::string::npos);
      }
    }
    EXPECT_EQ(langs.size(), text::languages().size());
    EXPECT_EQ(bodies.size(), langs.size()) << "no language may carry another language's text";
  }

  TempStore ts("shipped");
  ts.load(kAssets / "texts");
  for (const char* kind : kKinds) {
    for (const auto& l : text::languages()) {
      SCOPED_TRACE(std::string(kind) + " " + std::string(l.code));
      const TextChoice c = choose_texts(*ts.st, kind, std::string(l.code), "GM0363");
      ASSERT_TRUE(c.complete()) << c.missing_language;
      EXPECT_EQ(c.own->language, l.code) << "the resident's own language, never a substitute";
      EXPECT_EQ(c.own->version, c.nl->version);
      EXPECT_EQ(c.nl->version, newest[kind]);
      if (l.code != "nl") EXPECT_NE(c.own->body, c.nl->body);
    }
  }
  // Dari has its own declaration now (it used the Persian one before), in Dari words.
  const auto prs = choose_texts(*ts.st, "pvt_declaration", "prs", "GM0363");
  const auto fa = choose_texts(*ts.st, "pvt_declaration", "fa", "GM0363");
  ASSERT_TRUE(prs.complete() && fa.complete());
  EXPECT_NE(prs.own->body, fa.own->body);
  EXPECT_NE(prs.own->body.find("هالند"), std::string::npos) << "Dari names the Netherlands هالند";
  EXPECT_NE(prs.own->body.find("شاروالی"), std::string::npos) << "Dari: شاروالی, not شهرداری";
  // The old series stay loadable: evidence signed with them still names an existing text.
  for (const char* id : {"pvt-balie-1-GM0363-ar", "consent-pid-balie-2-GM0363-nl", "consent-health-balie-1-GM0363-ti"}) {
    auto t = ts.st->text_version(id);
    ASSERT_TRUE(t.ok());
    EXPECT_TRUE(t.value().has_value()) << id;
  }
}

// A series lacking one language: that language is blocked (no English, no Dutch alone), the others
// proceed with their own text; an older series in the language does not count.
TEST(TextLanguages, MissingLanguageBlocksAndNeverFallsBack) {
  ASSERT_GE(sodium_init(), 0);
  TempStore ts("missing");
  ts.write("a.json", series("pvt-t-3", "pvt_declaration", {"nl", "en", "ar", "ti", "tr", "fa", "prs", "ku", "ckb"}));
  ts.write("b.json", series("pvt-t-2", "pvt_declaration", {"nl", "so"}));  // an older series has Somali
  ts.write("c.json", series("cons-t-1", "consent:pid_sharing", {"nl", "en", "ar"}));
  ts.load(ts.dir / "texts");

  const TextChoice so = choose_texts(*ts.st, "pvt_declaration", "so", "GM0363");
  EXPECT_FALSE(so.complete());
  EXPECT_EQ(so.missing_language, "so");
  EXPECT_FALSE(so.own.has_value()) << "no substitute text for the resident";
  ASSERT_TRUE(so.nl.has_value());
  EXPECT_EQ(so.nl->version, 3);

  const TextChoice ku = choose_texts(*ts.st, "pvt_declaration", "ku", "GM0363");
  ASSERT_TRUE(ku.complete());
  EXPECT_EQ(ku.own->version_id, "pvt-t-3-GM0363-ku");
  EXPECT_EQ(ku.own->body, "pvt-t-3 in ku");
  const TextChoice nl = choose_texts(*ts.st, "pvt_declaration", "nl", "GM0363");
  ASSERT_TRUE(nl.complete());
  EXPECT_EQ(nl.own->version_id, nl.nl->version_id);

  const TextChoice tr_consent = choose_texts(*ts.st, "consent:pid_sharing", "tr", "GM0363");
  EXPECT_FALSE(tr_consent.complete());
  EXPECT_EQ(tr_consent.missing_language, "tr");
  EXPECT_FALSE(tr_consent.own.has_value()) << "before issue 18 this showed the English notice";
  EXPECT_TRUE(choose_texts(*ts.st, "consent:pid_sharing", "ar", "GM0363").complete());
  const TextChoice none = choose_texts(*ts.st, "consent:health", "ar", "GM0363");
  EXPECT_EQ(none.missing_language, "nl");

  // The offer (a resident DUO's rule offers signing to): blocked with the reason, the resident's
  // catalog key and the language named for staff; with the text in their language: offered.
  store::Resident r;
  r.id = "x";
  r.bsn = "999990019";
  r.geboortedatum = "2000-05-01";
  r.gemeentecode = "GM0363";
  r.regime = store::Regime::Wi2021;
  store::Dossier d;
  d.inburgeringsplicht = store::Inburgeringsplicht{};
  d.inburgeringsplicht->plichtig = true;
  d.inburgeringstermijn = store::Inburgeringstermijn{};
  d.inburgeringstermijn->startdatum = "2025-09-01";
  d.inburgeringstermijn->einddatum = "2028-09-01";
  d.pip = store::Pip{};
  d.pip->dagtekening = "2025-10-01";
  OfferInput in = offer_input(r, d);
  ASSERT_TRUE(pvt_offer(in).offered);
  in.language = "so";
  in.own_text_present = so.complete();
  const PvtOffer o = pvt_offer(in);
  EXPECT_FALSE(o.offered);
  EXPECT_EQ(o.reason_code, "no_text_language");
  EXPECT_EQ(o.reason_key, "signing.blocked.no_text_language");
  EXPECT_TRUE(o.staff_problem);
  EXPECT_NE(o.staff_text.find("Somalisch (so)"), std::string::npos) << o.staff_text;
  in.language = "ku";
  in.own_text_present = ku.complete();
  EXPECT_TRUE(pvt_offer(in).offered);
  // DUO's own reasons stay first: an under-18 resident is told that, not the missing text.
  r.geboortedatum = "2010-01-01";
  in.language = "so";
  in.own_text_present = false;
  EXPECT_EQ(pvt_offer(in).reason_code, "under_18");
}

TEST(TextLanguages, NewCatalogKeysAreInAllTenCatalogs) {
  const fs::path dir = kAssets / "i18n";
  for (const auto& l : text::languages()) {
    auto cat = text::load_po_file(dir / (std::string(l.code) + ".po"));
    ASSERT_TRUE(cat) << cat.error().message;
    for (const char* key : {"welcome.staff_starts", "language.exit_question", "signing.blocked.no_text_language",
                            "consent_list.no_text_language"}) {
      const text::CatalogEntry* e = cat->find(key);
      ASSERT_NE(e, nullptr) << l.code << " " << key;  // in the catalog itself, not by fallback
      EXPECT_FALSE(e->text.empty()) << l.code << " " << key;
      EXPECT_FALSE(e->fuzzy) << l.code << " " << key;
    }
    // The screens read these in every language: present there or through the catalog's fallback.
    for (const char* key : {"welcome.title", "language.title", "language.body"}) {
      bool found = cat->find(key) != nullptr;
      if (!found && !l.fallback.empty())
        found = text::load_po_file(dir / (std::string(l.fallback) + ".po"))->find(key) != nullptr;
      EXPECT_TRUE(found) << l.code << " " << key;
    }
  }
  auto nl = text::load_po_file(dir / "nl.po");
  ASSERT_TRUE(nl);
  EXPECT_TRUE(nl->find("welcome.staff_starts")->spoken) << "the welcome's listen button speaks it";
  // Distinct translations: no catalog carries the Dutch or English sentence for these keys.
  auto en = text::load_po_file(dir / "en.po");
  for (const auto& l : text::languages()) {
    if (l.code == "nl" || l.code == "en") continue;
    auto cat = text::load_po_file(dir / (std::string(l.code) + ".po"));
    for (const char* key : {"welcome.staff_starts", "signing.blocked.no_text_language"}) {
      EXPECT_NE(cat->find(key)->text, nl->find(key)->text) << l.code << " " << key;
      EXPECT_NE(cat->find(key)->text, en->find(key)->text) << l.code << " " << key;
    }
  }
}
