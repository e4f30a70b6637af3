// Scene table and scene behaviour tests: every SceneId is registered once and in order, the
// navigator's history is bounded, scenes record the right intents when tapped (headless ImGui),
// and every interactive item of every scene meets the touch-target rule in LTR and RTL.
#include <gtest/gtest.h>

#include <set>
#include <variant>

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
  ASSERT_TRUE(h.tap("language.finish", *scene, st, in));
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
