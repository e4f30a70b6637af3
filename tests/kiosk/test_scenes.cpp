// Scene table and scene behaviour tests: every SceneId is registered once and in order, the
// navigator's history is bounded, scenes record the right intents when tapped (headless ImGui),
// and every interactive item of every scene meets the touch-target rule in LTR and RTL.
#include <gtest/gtest.h>

#include <set>
#include <variant>

#include "balie/text/languages.h"
#include "headless_ui.h"
#include "scenes/scenes.h"
#include "session/dossier_view.h"
#include "ui/theme.h"

using namespace balie::kiosk;
using balie::kiosk::testing::HeadlessUi;

namespace {
// A state with content on every screen: staff tiles, search hits, a resident and a dossier.
AppState rich_state() {
  AppState s;
  s.staff_tiles = {{"a", "Anna"}, {"b", "Bram"}, {"c", "Chen"}};
  s.staff_id = "a";
  s.staff_name = "Anna";
  for (int i = 0; i < 8; ++i)
    s.search_hits.push_back(ResidentHit{"r" + std::to_string(i), "Naam " + std::to_string(i), "Name", "B-1", "****0001"});
  s.search_hits[3].conflict = true;  // one person twice: one conflict entry (issue 16)
  s.search_hits[3].conflict_ids_masked = "****0001, ****0002";
  for (int i = 0; i < 6; ++i) {  // held and failed records (issue 16)
    balie::session::HeldRecordRow h;
    h.record_id = std::string(8, static_cast<char>('a' + i)) + "-0000-4000-8000-000000000000";
    h.addressee = "GM0363";
    h.failed = i % 2 == 1;
    h.link_changed = i == 0;
    h.reason_text = "reden";
    s.held_rows.push_back(h);
  }
  s.link_changed_held = 1;
  s.conflict_lines = {{"V-nummer", {"****0001", "****0002"}}};
  balie::store::ResidentView rv;
  rv.resident.id = "r0";
  rv.resident.naam_latijns = "Salma";
  rv.resident.gemeentecode = "GM0363";
  rv.resident.regime = balie::store::Regime::Wi2021;
  balie::store::Inburgeringsplicht p;
  p.plichtig = true;
  rv.dossier.inburgeringsplicht = p;
  rv.dossier.contactpersoon = balie::store::Contactpersoon{"Jan", "jan@example.nl", "020", {}};
  s.resident = rv.resident;
  s.dossier = balie::session::build_dossier_view(rv, *balie::calendar::parse_iso_date("2026-03-02"));
  s.resident_session = true;
  s.store_error = "test";
  balie::session::MunicipalityStatus row;
  row.gemeentecode = "GM0363";
  row.name = "Amsterdam";
  row.waiting = 3;
  row.problem = "Vastgehouden: de klok van de terminal liep voor bij het tekenen";
  s.status_rows.push_back(row);
  return s;
}
}  // namespace

TEST(SceneTable, ListsEverySceneOnceInOrderWithUniqueNames) {
  auto t = scene_table();
  ASSERT_EQ(t.size(), static_cast<size_t>(SceneId::kCount));
  std::set<std::string_view> names;
  for (size_t i = 0; i < t.size(); ++i) {
    EXPECT_EQ(static_cast<size_t>(t[i].id), i);
    EXPECT_TRUE(names.insert(t[i].name).second) << "duplicate name " << t[i].name;
    EXPECT_EQ(scene_from_name(t[i].name), t[i].id);
    auto s = t[i].make();
    EXPECT_NE(s, nullptr);
  }
  EXPECT_FALSE(scene_from_name("no_such_scene").has_value());
  EXPECT_EQ(scene_name(SceneId::Welcome), "welcome");
}

TEST(Navigator, GoBackAndHome) {
  AppState s;
  Navigator n(SceneId::Welcome);
  n.go(SceneId::StaffUnlock, s);
  n.go(SceneId::Language, s);
  EXPECT_EQ(n.current(), SceneId::Language);
  n.back(s);
  EXPECT_EQ(n.current(), SceneId::StaffUnlock);
  n.back(s);
  EXPECT_EQ(n.current(), SceneId::Welcome);
  n.back(s);  // empty history: stays on welcome
  EXPECT_EQ(n.current(), SceneId::Welcome);
  n.go(SceneId::Language, s);
  n.home(s);
  EXPECT_EQ(n.current(), SceneId::Welcome);
}

TEST(Navigator, HistoryIsBounded) {
  AppState s;
  Navigator n(SceneId::Welcome);
  for (int i = 0; i < 100; ++i) n.go(i % 2 ? SceneId::StaffUnlock : SceneId::Language, s);
  int backs = 0;
  while (n.current() != SceneId::Welcome && backs < 100) {
    n.back(s);
    ++backs;
  }
  EXPECT_LE(backs, static_cast<int>(Navigator::kMaxHistory) + 1);
}

TEST(Scenes, WelcomeStaffButtonAsksForStaffUnlock) {
  HeadlessUi h;
  AppState st;
  Intents in;
  auto scene = scene_table()[static_cast<size_t>(SceneId::Welcome)].make();
  h.frame(*scene, st, in);
  ASSERT_TRUE(h.tap("welcome.staff", *scene, st, in));
  ASSERT_EQ(in.items().size(), 1u);
  ASSERT_TRUE(std::holds_alternative<GoTo>(in.items()[0]));
  EXPECT_EQ(std::get<GoTo>(in.items()[0]).scene, SceneId::StaffUnlock);
}

TEST(Scenes, PinPadCollectsDigitsAndSubmitsThem) {
  HeadlessUi h;
  AppState st;
  Intents in;
  st.staff_tiles = {{"anna", "Anna"}, {"bram", "Bram"}};
  auto scene = scene_table()[static_cast<size_t>(SceneId::StaffUnlock)].make();
  h.frame(*scene, st, in);
  ASSERT_TRUE(h.tap("pin.1", *scene, st, in));
  ASSERT_TRUE(h.tap("pin.ok", *scene, st, in));
  EXPECT_TRUE(in.empty()) << "no PIN is submitted before a staff member is chosen";
  ASSERT_TRUE(h.tap("staff.bram", *scene, st, in));
  for (const char* d : {"pin.4", "pin.8", "pin.1", "pin.5", "pin.erase", "pin.9", "pin.2", "pin.7"})
    ASSERT_TRUE(h.tap(d, *scene, st, in)) << d;
  EXPECT_TRUE(in.empty()) << "digits stay in the scene until OK";
  ASSERT_TRUE(h.tap("pin.ok", *scene, st, in));
  ASSERT_EQ(in.items().size(), 1u);
  EXPECT_EQ(std::get<SubmitStaffPin>(in.items()[0]).pin, "481927");
  EXPECT_EQ(std::get<SubmitStaffPin>(in.items()[0]).staff_id, "bram");
}

TEST(Scenes, DragOverAButtonDoesNotPressIt) {
  HeadlessUi h;
  AppState st;
  Intents in;
  auto scene = scene_table()[static_cast<size_t>(SceneId::StaffUnlock)].make();
  h.frame(*scene, st, in);
  const ItemInfo* five = h.items().find("pin.5");
  ASSERT_NE(five, nullptr);
  Vec2 c = five->rect.center();
  PointerEvent e;
  e.finger = 1;
  e.kind = PointerEvent::Kind::Down;
  e.pos = c;
  h.mapper().push(e);
  e.kind = PointerEvent::Kind::Move;
  e.pos = Vec2{c.x, c.y + 60};
  h.mapper().push(e);
  e.kind = PointerEvent::Kind::Up;
  h.mapper().push(e);
  for (int i = 0; i < 6; ++i) h.frame(*scene, st, in);
  ASSERT_TRUE(h.tap("pin.ok", *scene, st, in));
  EXPECT_TRUE(in.empty()) << "no digit may have been typed by the drag";
}

TEST(Scenes, LanguageChoiceRecordsTheCode) {
  HeadlessUi h;
  AppState st;
  Intents in;
  auto scene = scene_table()[static_cast<size_t>(SceneId::Language)].make();
  h.frame(*scene, st, in);
  ASSERT_TRUE(h.tap("language.ti", *scene, st, in));
  ASSERT_EQ(in.items().size(), 1u);
  EXPECT_EQ(std::get<SetLanguage>(in.items()[0]).code, "ti");
  in.clear();
  // Issue 18: the exit is a pictogram that first asks (in all ten languages); "back" keeps the session.
  ASSERT_FALSE(h.items().find("language.finish"));
  ASSERT_TRUE(h.tap("language.exit", *scene, st, in));
  EXPECT_TRUE(in.empty()) << "the exit pictogram alone must not end the session";
  h.frame(*scene, st, in);
  EXPECT_FALSE(h.items().find("language.ti")) << "the choices are not touchable under the question";
  ASSERT_TRUE(h.tap("language.exit.no", *scene, st, in));
  EXPECT_TRUE(in.empty());
  h.frame(*scene, st, in);
  ASSERT_TRUE(h.items().find("language.ti"));
  ASSERT_TRUE(h.tap("language.exit", *scene, st, in));
  h.frame(*scene, st, in);
  ASSERT_TRUE(h.tap("language.exit.yes", *scene, st, in));
  ASSERT_EQ(in.items().size(), 1u);
  EXPECT_TRUE(std::holds_alternative<EndSession>(in.items().at(0)));
}

TEST(Scenes, SearchHitSelectsTheResident) {
  HeadlessUi h;
  AppState st = rich_state();
  Intents in;
  auto scene = scene_table()[static_cast<size_t>(SceneId::ResidentSearch)].make();
  h.frame(*scene, st, in);
  in.clear();  // the initial "list everyone" search
  ASSERT_TRUE(h.tap("search.hit.2", *scene, st, in));
  ASSERT_EQ(in.items().size(), 1u);
  EXPECT_EQ(std::get<SelectResident>(in.items()[0]).resident_id, "r2");
  in.clear();
  ASSERT_TRUE(h.tap("kb.a", *scene, st, in));
  ASSERT_TRUE(h.tap("kb.layout.arabic", *scene, st, in));
  ASSERT_TRUE(h.tap("kb.xd8xb3", *scene, st, in));
  ASSERT_FALSE(in.items().empty());
  EXPECT_EQ(std::get<SearchResidents>(in.items().back()).query, "a\xD8\xB3");
}

TEST(Scenes, InactivityOverlayOffersStillHere) {
  HeadlessUi h;
  AppState st = rich_state();
  st.inactivity_seconds_left = 25;
  Intents in;
  struct Overlay final : Scene {
    void draw(const AppState& s, Ui& ui, Intents& i) override { draw_inactivity_overlay(s, ui, i); }
  } overlay;
  h.frame(overlay, st, in);
  const ItemInfo* b = h.items().find("inactivity.still_here");
  ASSERT_NE(b, nullptr);
  EXPECT_GE(b->rect.w, 2 * theme::kMinTarget);
  EXPECT_TRUE(h.items().has_text("seconds=25"));
  ASSERT_TRUE(h.tap("inactivity.still_here", overlay, st, in));
  EXPECT_TRUE(std::holds_alternative<StillHere>(in.items().at(0)));
}

TEST(Scenes, RtlMirrorsTheLayout) {
  HeadlessUi ltr, rtl;
  AppState st;
  Intents in;
  auto a = scene_table()[static_cast<size_t>(SceneId::Language)].make();
  auto b = scene_table()[static_cast<size_t>(SceneId::Language)].make();
  ltr.frame(*a, st, in, false);
  ltr.frame(*a, st, in, false);
  rtl.frame(*b, st, in, true);
  rtl.frame(*b, st, in, true);
  const ItemInfo* l = ltr.items().find("language.listen");
  const ItemInfo* r = rtl.items().find("language.listen");
  ASSERT_TRUE(l && r);
  EXPECT_LT(l->rect.x, 960);
  EXPECT_GT(r->rect.x, 960);
  EXPECT_FLOAT_EQ(l->rect.x, 1920 - r->rect.x - r->rect.w);
}

// Every interactive item of every scene: at least 12 mm (66 px at 140 dpi) and at least 3 mm
// (17 px) from its neighbours, in LTR and RTL, at the panel size and a smaller one.
TEST(Scenes, TouchTargetsAreLargeEnoughAndApart) {
  for (Vec2 screen : {Vec2{1920, 1080}, Vec2{1280, 800}}) {
    for (bool rtl : {false, true}) {
      HeadlessUi h(screen);
      for (const auto& e : scene_table()) {
        AppState st = rich_state();
        Intents in;
        auto scene = e.make();
        h.frame(*scene, st, in, rtl);
        h.frame(*scene, st, in, rtl);
        std::vector<ItemInfo> items;
        for (const auto& i : h.items().items())
          if (i.interactive) items.push_back(i);
        if (e.id != SceneId::StoreError) {
          EXPECT_FALSE(items.empty()) << e.name;
        }
        for (size_t a = 0; a < items.size(); ++a) {
          const Rect& r = items[a].rect;
          if (!items[a].clipped) {  // a row half scrolled out of view is smaller on screen
            EXPECT_GE(r.w, theme::kMinTarget) << e.name << " " << items[a].id;
            EXPECT_GE(r.h, theme::kMinTarget) << e.name << " " << items[a].id;
          }
          EXPECT_GE(r.x, 0) << e.name << " " << items[a].id;
          EXPECT_LE(r.x + r.w, screen.x) << e.name << " " << items[a].id;
          EXPECT_LE(r.y + r.h, screen.y) << e.name << " " << items[a].id << " at " << screen.x << "x" << screen.y;
          for (size_t b = a + 1; b < items.size(); ++b) {
            const Rect& q = items[b].rect;
            const float gap_x = std::max(q.x - (r.x + r.w), r.x - (q.x + q.w));
            const float gap_y = std::max(q.y - (r.y + r.h), r.y - (q.y + q.h));
            EXPECT_GE(std::max(gap_x, gap_y), theme::kMinGap)
                << e.name << ": " << items[a].id << " and " << items[b].id << " too close";
          }
        }
      }
    }
  }
}

// Issue 18: a listen button whose text cannot be heard is struck through and says so (an item
// "<id>.unavailable" with the catalog's audio.unavailable line); per text, not per language.
TEST(Scenes, ListenButtonsSayWhenTheirTextCannotPlay) {
  HeadlessUi h;
  AppState st = rich_state();
  Intents in;
  auto dossier = scene_table()[static_cast<size_t>(SceneId::Dossier)].make();
  h.frame(*dossier, st, in);
  EXPECT_NE(h.items().find("dossier.listen.unavailable"), nullptr) << "no run-time voice: cannot play";
  st.audio.voice = true;
  h.frame(*dossier, st, in);
  EXPECT_EQ(h.items().find("dossier.listen.unavailable"), nullptr);
  // A tap on the dossier button carries the resident's lines for the synthesiser.
  auto played = [&]() -> const PlayScreenAudio* {
    for (const auto& i : in.items())
      if (const auto* a = std::get_if<PlayScreenAudio>(&i)) return a;
    return nullptr;
  };
  ASSERT_TRUE(h.tap("dossier.listen", *dossier, st, in));
  ASSERT_NE(played(), nullptr);
  EXPECT_EQ(played()->what, PlayScreenAudio::What::kDynamic);
  EXPECT_EQ(played()->button, "dossier.listen");
  EXPECT_NE(played()->text.find("[dossier.intro]"), std::string::npos);
  in.clear();
  // A failed tap marks only that button.
  st.audio.failed_button = "dossier.listen";
  h.frame(*dossier, st, in);
  EXPECT_NE(h.items().find("dossier.listen.unavailable"), nullptr);

  // The declaration: a clip exists for the Dutch text only, so the own-language button says it
  // cannot play and the Dutch one (NL) plays.
  balie::signing::SigningSession p;
  p.text_nl.language = "nl";
  p.text_nl.sha256 = std::string(64, 'a');
  p.text_nl.body = "Nederlandse tekst";
  balie::store::TextVersion own;
  own.language = "ti";
  own.sha256 = std::string(64, 'b');
  own.body = "ትግርኛ";
  p.text_own = own;
  st.flow.pvt = p;
  st.audio.texts = {"nl:" + std::string(64, 'a')};
  auto text = scene_table()[static_cast<size_t>(SceneId::SigningText)].make();
  h.frame(*text, st, in);
  h.frame(*text, st, in);
  EXPECT_NE(h.items().find("signing_text.listen.unavailable"), nullptr);
  ASSERT_NE(h.items().find("signing_text.listen_nl"), nullptr);
  EXPECT_EQ(h.items().find("signing_text.listen_nl.unavailable"), nullptr);
  ASSERT_TRUE(h.tap("signing_text.listen_nl", *text, st, in));
  ASSERT_NE(played(), nullptr);
  EXPECT_EQ(played()->what, PlayScreenAudio::What::kDeclarationNl);
  // Without the Dutch clip both say so; a catalog key without a clip too.
  st.audio.texts.clear();
  h.frame(*text, st, in);
  EXPECT_NE(h.items().find("signing_text.listen_nl.unavailable"), nullptr);
  auto pad = scene_table()[static_cast<size_t>(SceneId::SigningPad)].make();
  h.frame(*pad, st, in);
  EXPECT_NE(h.items().find("signing_pad.listen.unavailable"), nullptr);
  st.audio.keys = {"signing_pad.instruction"};
  h.frame(*pad, st, in);
  EXPECT_EQ(h.items().find("signing_pad.listen.unavailable"), nullptr);
}

// Issue 16: per withdrawn obligation the status screen says how many receivers were asked to delete
// and how many signed receipts are in, and names nobody (the state holds no resident id to show).
TEST(Scenes, StaffStatusShowsDeletionReceipts) {
  HeadlessUi h;
  AppState st = rich_state();
  st.deletion_lines.push_back({"2026-12-06", "obligation_withdrawn", 2, 1, 1, false});
  st.deletion_lines.push_back({"2026-12-05", "regime_corrected", 1, 1, 0, true});
  Intents in;
  auto scene = make_staff_status_scene();
  h.frame(*scene, st, in);
  h.frame(*scene, st, in);
  EXPECT_TRUE(h.items().has_text("[status.deletion.line]"));
  EXPECT_TRUE(h.items().has_text("receivers=2 receipts=1 dropped=1"));
  EXPECT_TRUE(h.items().has_text("reason=[status.deletion.reason.obligation_withdrawn]"));
  EXPECT_TRUE(h.items().has_text("receivers=1 receipts=1 dropped=0"));
}

// Issue 18: the welcome greets in all ten languages at once and says the truth in each (a staff
// member starts the session); its listen button asks for that line in every language in turn.
TEST(Scenes, WelcomeGreetsInEveryLanguageAtOnce) {
  HeadlessUi h;
  AppState st;
  Intents in;
  auto scene = scene_table()[static_cast<size_t>(SceneId::Welcome)].make();
  h.frame(*scene, st, in);
  for (const auto& l : balie::text::languages()) {
    EXPECT_TRUE(h.items().has_text("[" + std::string(l.code) + ":welcome.title]")) << l.code;
    EXPECT_TRUE(h.items().has_text("[" + std::string(l.code) + ":welcome.staff_starts]")) << l.code;
  }
  EXPECT_FALSE(h.items().has_text("welcome.body")) << "no 'touch the screen to start': touching starts nothing";
  ASSERT_TRUE(h.tap("welcome.listen", *scene, st, in));
  ASSERT_EQ(in.items().size(), 1u);
  const auto& a = std::get<PlayScreenAudio>(in.items()[0]);
  EXPECT_EQ(a.key, "welcome.staff_starts");
  EXPECT_TRUE(a.every_language);
}

// The language screen's title stands in all ten languages and its audio is the prompt in each.
TEST(Scenes, LanguageTitleAndAudioInEveryLanguage) {
  HeadlessUi h;
  AppState st;
  Intents in;
  auto scene = scene_table()[static_cast<size_t>(SceneId::Language)].make();
  h.frame(*scene, st, in);
  for (const auto& l : balie::text::languages())
    EXPECT_TRUE(h.items().has_text("[" + std::string(l.code) + ":language.title]")) << l.code;
  EXPECT_FALSE(h.items().has_text("[common.finish]")) << "no Dutch 'Klaar' that ends the session";
  ASSERT_TRUE(h.tap("language.listen", *scene, st, in));
  ASSERT_EQ(in.items().size(), 1u);
  EXPECT_TRUE(std::get<PlayScreenAudio>(in.items()[0]).every_language);
  in.clear();
  ASSERT_TRUE(h.tap("language.exit", *scene, st, in));
  h.frame(*scene, st, in);
  for (const auto& l : balie::text::languages())
    EXPECT_TRUE(h.items().has_text("[" + std::string(l.code) + ":language.exit_question]")) << l.code;
}

// A consent notice missing in the resident's language: no question to open, the resident is told
// (in their language) that staff will help.
TEST(Scenes, ConsentMissingInTheLanguageIsNotAsked) {
  HeadlessUi h;
  AppState st = rich_state();
  st.flow.purposes = balie::signing::consent_purposes();
  balie::signing::ConsentStatus c;
  c.purpose = "pid_sharing";
  st.flow.consents = {c};
  Intents in;
  auto scene = scene_table()[static_cast<size_t>(SceneId::ConsentList)].make();
  h.frame(*scene, st, in);
  h.frame(*scene, st, in);
  ASSERT_TRUE(h.items().find("consent.open.pid_sharing"));
  st.flow.consents[0].missing_language = "so";
  h.frame(*scene, st, in);
  h.frame(*scene, st, in);
  EXPECT_FALSE(h.items().find("consent.open.pid_sharing"));
  EXPECT_TRUE(h.items().has_text("[consent_list.no_text_language]"));
}

// Staff status lists the texts missing in some language (Dutch staff line, drawn as given).
TEST(Scenes, StaffStatusListsTextsMissingInALanguage) {
  HeadlessUi h;
  AppState st = rich_state();
  Intents in;
  auto scene = scene_table()[static_cast<size_t>(SceneId::StaffStatus)].make();
  h.frame(*scene, st, in);
  EXPECT_FALSE(h.items().has_text("Teksten ontbreken"));
  st.missing_text_lines = {"Teksten ontbreken voor Amsterdam (GM0363) in: verklaring: so, ku"};
  h.frame(*scene, st, in);
  h.frame(*scene, st, in);
  EXPECT_TRUE(h.items().has_text("Teksten ontbreken voor Amsterdam (GM0363) in: verklaring: so, ku"));
}

// Issue 20: an image with TEST keys says so on the staff status (red banner and the explanation); a
// production image shows neither.
TEST(Scenes, StaffStatusShowsTestKeys) {
  HeadlessUi h;
  AppState st = rich_state();
  Intents in;
  auto scene = scene_table()[static_cast<size_t>(SceneId::StaffStatus)].make();
  st.test_keys = false;
  h.frame(*scene, st, in);
  h.frame(*scene, st, in);
  EXPECT_FALSE(h.items().has_text("status.test_keys"));
  st.test_keys = true;
  h.frame(*scene, st, in);
  h.frame(*scene, st, in);
  EXPECT_TRUE(h.items().has_text("[status.test_keys.banner]"));
  EXPECT_TRUE(h.items().has_text("[status.test_keys]"));
}

// Issue 18: the Persian/Sorani layout types the letters Arabic keyboards lack (گ چ پ ژ ی ک and
// Sorani ە ێ ۆ ڕ ڵ ڤ) into the search query.
TEST(Scenes, PersianSoraniKeyboardTypesItsLetters) {
  HeadlessUi h;
  AppState st = rich_state();
  Intents in;
  auto scene = scene_table()[static_cast<size_t>(SceneId::ResidentSearch)].make();
  h.frame(*scene, st, in);
  ASSERT_TRUE(h.tap("kb.layout.persian", *scene, st, in));
  // گ U+06AF, ێ U+06CE, ڵ U+06B5, ی U+06CC, ک U+06A9, ژ U+0698, ڤ U+06A4
  for (const char* k : {"kb.xdaxaf", "kb.xdbx8e", "kb.xdaxb5", "kb.xdbx8c", "kb.xdaxa9", "kb.xdax98", "kb.xdaxa4"})
    ASSERT_TRUE(h.tap(k, *scene, st, in)) << k;
  ASSERT_FALSE(in.items().empty());
  EXPECT_EQ(std::get<SearchResidents>(in.items().back()).query, "گێڵیکژڤ");
}

// Every keyboard layout keeps every key at the minimum target, apart and on screen at both sizes.
TEST(Scenes, EveryKeyboardLayoutFitsAtBothScreenSizes) {
  for (Vec2 screen : {Vec2{1920, 1080}, Vec2{1280, 800}}) {
    for (const char* layout : {"kb.layout.latin", "kb.layout.arabic", "kb.layout.persian", "kb.layout.digits"}) {
      HeadlessUi h(screen);
      AppState st = rich_state();
      Intents in;
      auto scene = scene_table()[static_cast<size_t>(SceneId::ResidentSearch)].make();
      h.frame(*scene, st, in);
      ASSERT_TRUE(h.tap(layout, *scene, st, in)) << layout;
      std::vector<ItemInfo> items;
      for (const auto& i : h.items().items())
        if (i.interactive && !i.clipped) items.push_back(i);
      int keys = 0;
      for (size_t a = 0; a < items.size(); ++a) {
        const Rect& r = items[a].rect;
        keys += items[a].id.rfind("kb.", 0) == 0;
        const std::string where = std::string(layout) + " " + items[a].id + " at " + std::to_string(int(screen.x));
        EXPECT_GE(r.w, theme::kMinTarget) << where;
        EXPECT_GE(r.h, theme::kMinTarget) << where;
        EXPECT_GE(r.x, 0) << where;
        EXPECT_GE(r.y, 0) << where;
        EXPECT_LE(r.x + r.w, screen.x) << where;
        EXPECT_LE(r.y + r.h, screen.y) << where;
        for (size_t b = a + 1; b < items.size(); ++b) {
          const Rect& q = items[b].rect;
          const float gap_x = std::max(q.x - (r.x + r.w), r.x - (q.x + q.w));
          const float gap_y = std::max(q.y - (r.y + r.h), r.y - (q.y + q.h));
          EXPECT_GE(std::max(gap_x, gap_y), theme::kMinGap) << where << " and " << items[b].id;
        }
      }
      EXPECT_GE(keys, 15) << layout;
    }
  }
}

// Issue 18, large-text mode: every resident screen after the hand-over shows the toggle (staff
// screens and the welcome do not); a tap turns the mode on, a second tap off; session end resets it.
TEST(Scenes, LargeTextToggleOnEveryResidentScreen) {
  int resident_screens = 0;
  for (const auto& e : scene_table()) {
    HeadlessUi h;
    AppState st = rich_state();
    Intents in;
    auto scene = e.make();
    h.frame(*scene, st, in);
    const bool expected = e.resident_facing && e.id != SceneId::Welcome;
    ASSERT_EQ(h.items().find("text_size") != nullptr, expected) << e.name;
    if (!expected) continue;
    ++resident_screens;
    in.clear();
    ASSERT_TRUE(h.tap("text_size", *scene, st, in)) << e.name;
    bool turned_on = false;
    for (const auto& i : in.items())
      if (auto* t = std::get_if<SetLargeText>(&i)) turned_on = t->on;
    EXPECT_TRUE(turned_on) << e.name;
    st.large_text = true;
    in.clear();
    h.frame(*scene, st, in);
    ASSERT_TRUE(h.tap("text_size", *scene, st, in)) << e.name;
    bool turned_off = false;
    for (const auto& i : in.items())
      if (auto* t = std::get_if<SetLargeText>(&i)) turned_off = !t->on;
    EXPECT_TRUE(turned_off) << e.name;
  }
  EXPECT_GE(resident_screens, 9);
  AppState s = rich_state();
  s.large_text = true;
  s.end_session();
  EXPECT_FALSE(s.large_text) << "the next resident starts at normal size";
}

// The mode draws resident text 1.35 times larger; text in a fixed box that would not fit at the
// larger size falls back to its nominal size instead of being cut.
TEST(Scenes, LargeTextScalesTextAndFallsBackInFixedBoxes) {
  HeadlessUi h;
  Ui& ui = h.ui();
  const float normal = ui.text_height("Salma", theme::kTextBody, 1000);
  ui.set_text_scale(theme::kLargeTextScale);
  const float large = ui.text_height("Salma", theme::kTextBody, 1000);
  EXPECT_NEAR(large / normal, theme::kLargeTextScale, 0.05);
  // A box exactly as high as the nominal text: the large text does not fit, nothing is cut.
  AppState st;
  Intents in;
  struct BoxScene final : Scene {
    float h = 0;
    std::string t = "Salma";
    void draw(const AppState&, Ui& u, Intents&) override { u.text(Rect{10, 10, 1000, h}, t, theme::kTextBody, 0); }
  } box;
  h.set_text_scale(1.0f);
  h.frame(box, st, in);
  box.h = h.ui().text_height("Salma", theme::kTextBody, 1000);
  h.set_text_scale(theme::kLargeTextScale);
  h.frame(box, st, in);
  EXPECT_EQ(h.ui().clipped_texts(), 0);
  box.h *= 0.5f;  // too small even at 70%: one line is still drawn whole (never cut, see Ui::text)
  h.frame(box, st, in);
  EXPECT_EQ(h.ui().clipped_texts(), 0);
  box.t = "Salma\nSalma\nSalma";  // wrapped lines beyond the box are cut, and counted
  h.frame(box, st, in);
  EXPECT_EQ(h.ui().clipped_texts(), 1);
}

// Every resident screen in large-text mode, LTR and RTL, at the panel size and a smaller one: every
// touch target keeps its size, stays on screen and apart, and no text or label is cut.
TEST(Scenes, LargeTextLayoutFitsAtBothScreenSizes) {
  for (Vec2 screen : {Vec2{1920, 1080}, Vec2{1280, 800}}) {
    for (bool rtl : {false, true}) {
      for (float scale : {1.0f, theme::kLargeTextScale}) {
        HeadlessUi h(screen);
        h.set_text_scale(scale);
        for (const auto& e : scene_table()) {
          if (!e.resident_facing) continue;
          AppState st = rich_state();
          st.large_text = scale > 1;
          Intents in;
          auto scene = e.make();
          h.frame(*scene, st, in, rtl);
          h.frame(*scene, st, in, rtl);
          const std::string where = std::string(e.name) + " at " + std::to_string(int(screen.x)) +
                                    (rtl ? " rtl" : " ltr") + " scale " + std::to_string(scale);
          EXPECT_EQ(h.ui().clipped_texts(), 0) << where;
          std::vector<ItemInfo> items;
          for (const auto& i : h.items().items())
            if (i.interactive && !i.clipped) items.push_back(i);
          for (size_t a = 0; a < items.size(); ++a) {
            const Rect& r = items[a].rect;
            EXPECT_GE(std::min(r.w, r.h), theme::kMinTarget) << where << " " << items[a].id;
            EXPECT_GE(r.x, 0) << where << " " << items[a].id;
            EXPECT_LE(r.x + r.w, screen.x) << where << " " << items[a].id;
            EXPECT_LE(r.y + r.h, screen.y) << where << " " << items[a].id;
            for (size_t b = a + 1; b < items.size(); ++b) {
              const Rect& q = items[b].rect;
              const float gap_x = std::max(q.x - (r.x + r.w), r.x - (q.x + q.w));
              const float gap_y = std::max(q.y - (r.y + r.h), r.y - (q.y + q.h));
              EXPECT_GE(std::max(gap_x, gap_y), theme::kMinGap) << where << ": " << items[a].id << " and " << items[b].id;
            }
          }
        }
      }
    }
  }
}
