// Unit tests of the headless signing layer (kiosk/signing): ink smoothing, trivial signatures,
// a second finger through the real InputMapper, PNG and QR, the offer rules, consent state, the
// evidence package and the sealed commit on a real SQLCipher store (chain, wrong addressee refused),
// and the text-series loader's handling of malformed files.
#include <gtest/gtest.h>

#include "../record/pvt_rule_cases.h"
#include <sodium.h>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "balie/store/store.h"
#include "balie/record/codec.h"
#include "core/input_mapper.h"
#include "scenes/ink_draw.h"
#include "signing/evidence.h"
#include "signing/flow.h"
#include "signing/ink.h"
#include "signing/qr.h"
#include "signing/signature_png.h"
#include "signing/texts.h"

using namespace balie::signing;
namespace fs = std::filesystem;
namespace store = balie::store;
namespace brec = balie::record;

namespace {
const PadRect kPad{200, 200, 1380, 520};

// A zigzag "signature" through the pad, 16 ms per sample like a real finger.
Ink zigzag(int n = 120, std::int64_t finger = 7) {
  Ink ink(kPad);
  std::uint32_t t = 1000;
  ink.add(InkSample{InkSample::Kind::Down, 300, 450, 1, t, finger});
  for (int i = 1; i < n; ++i) {
    t += 16;
    const float x = 300 + i * 8.0f, y = 450 + ((i / 10) % 2 ? 1 : -1) * ((i % 10) * 15.0f);
    ink.add(InkSample{InkSample::Kind::Move, x, y, 1, t, finger});
  }
  ink.add(InkSample{InkSample::Kind::Up, 300 + n * 8.0f, 450, 1, t + 16, finger});
  return ink;
}
}  // namespace

TEST(Ink, SmoothsIntoDenseDabsWithVelocityWidth) {
  Ink ink = zigzag();
  ASSERT_GT(ink.dabs().size(), 500u);
  EXPECT_EQ(ink.strokes(), 1);
  float minr = 1e9, maxr = 0;
  for (const auto& d : ink.dabs()) {
    minr = std::min(minr, d.r);
    maxr = std::max(maxr, d.r);
    EXPECT_GE(d.x, 0);
    EXPECT_LE(d.x, kPad.w);
  }
  EXPECT_GE(minr, ink.params().min_width - 1e-3f);
  EXPECT_LE(maxr, ink.params().max_width + 1e-3f);
  // Faster ink is thinner: the same path drawn 4x faster has a smaller mean width.
  Ink slow(kPad), fast(kPad);
  for (auto* k : {&slow, &fast}) {
    const std::uint32_t dt = k == &slow ? 40 : 4;
    std::uint32_t t = 0;
    k->add(InkSample{InkSample::Kind::Down, 300, 400, 1, t, 1});
    for (int i = 1; i < 60; ++i) k->add(InkSample{InkSample::Kind::Move, 300 + i * 12.0f, 400 + (i % 2) * 6.0f, 1, t += dt, 1});
    k->add(InkSample{InkSample::Kind::Up, 1100, 400, 1, t + dt, 1});
  }
  auto mean = [](const Ink& k) {
    double s = 0;
    for (auto& d : k.dabs()) s += d.r;
    return s / k.dabs().size();
  };
  EXPECT_GT(mean(slow), mean(fast) + 0.5);
}

// The pad's ink cache (kiosk/app/ink_cache.h) draws the settled dabs once and later only the newest
// one: that must give exactly the geometry of drawing every dab each frame.
TEST(InkDraw, SettledPartPlusNewestDabIsTheWholeInk) {
  ImGuiContext* ctx = ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;
  io.DisplaySize = ImVec2(1920, 1080);
  unsigned char* px;
  int w, h;
  io.Fonts->AddFontDefault();
  io.Fonts->GetTexDataAsRGBA32(&px, &w, &h);
  ImGui::NewFrame();
  // Two strokes, as raw samples, so prefixes of the signature can be rebuilt.
  std::vector<InkSample> samples;
  std::uint32_t t = 1000;
  for (int stroke = 0; stroke < 2; ++stroke) {
    samples.push_back(InkSample{InkSample::Kind::Down, 300.0f + stroke * 500, 450, 1, t, 7});
    for (int i = 1; i < 60; ++i)
      samples.push_back(InkSample{InkSample::Kind::Move, 300.0f + stroke * 500 + i * 7.0f,
                                  450 + ((i / 10) % 2 ? 1 : -1) * ((i % 10) * 13.0f), 1, t += 16 + (i % 3) * 9, 7});
    samples.push_back(InkSample{InkSample::Kind::Up, 300.0f + stroke * 500 + 60 * 7.0f, 450, 1, t += 16, 7});
  }
  const Ink full = Ink::from_samples(kPad, samples);
  ASSERT_GT(full.dabs().size(), 200u);
  const balie::kiosk::Rect target{kPad.x, kPad.y, kPad.w, kPad.h};
  const uint32_t colour = IM_COL32(10, 30, 90, 255);
  auto fresh = [] {
    auto dl = std::make_unique<ImDrawList>(ImGui::GetDrawListSharedData());
    dl->_ResetForNewFrame();
    dl->PushClipRectFullScreen();
    dl->PushTextureID(ImGui::GetIO().Fonts->TexID);
    return dl;
  };
  auto same = [](const ImDrawList& a, const ImDrawList& b) {
    return a.VtxBuffer.Size == b.VtxBuffer.Size && a.IdxBuffer.Size == b.IdxBuffer.Size &&
           std::memcmp(a.VtxBuffer.Data, b.VtxBuffer.Data, a.VtxBuffer.size_in_bytes()) == 0 &&
           std::memcmp(a.IdxBuffer.Data, b.IdxBuffer.Data, a.IdxBuffer.size_in_bytes()) == 0;
  };
  auto whole = fresh();
  balie::kiosk::draw_ink(whole.get(), full, target, colour);
  for (size_t k = 0; k < full.dabs().size(); k += 7) {
    auto split = fresh();
    size_t last = SIZE_MAX;
    balie::kiosk::draw_ink_range(split.get(), full, target, colour, 0, k, last);
    balie::kiosk::draw_ink_range(split.get(), full, target, colour, k, full.dabs().size(), last);
    ASSERT_TRUE(same(*whole, *split)) << "split at dab " << k;
  }
  // Every dab but the newest is final: drawn while the signature was shorter, the settled part is
  // the same geometry as in the finished signature.
  for (size_t n = 2; n < samples.size(); n += 5) {
    const Ink part = Ink::from_samples(kPad, std::vector<InkSample>(samples.begin(), samples.begin() + n));
    const size_t settled = part.dabs().empty() ? 0 : part.dabs().size() - 1;
    ASSERT_LE(part.dabs().size(), full.dabs().size());
    for (size_t i = 0; i < part.dabs().size(); ++i)  // dabs are only ever appended
      ASSERT_TRUE(part.dabs()[i].x == full.dabs()[i].x && part.dabs()[i].y == full.dabs()[i].y &&
                  part.dabs()[i].r == full.dabs()[i].r && part.dabs()[i].stroke_start == full.dabs()[i].stroke_start);
    auto a = fresh(), b = fresh();
    size_t la = SIZE_MAX, lb = SIZE_MAX;
    balie::kiosk::draw_ink_range(a.get(), part, target, colour, 0, settled, la);
    balie::kiosk::draw_ink_range(b.get(), full, target, colour, 0, settled, lb);
    ASSERT_TRUE(same(*a, *b)) << "after " << n << " samples";
    EXPECT_EQ(la, lb);
  }
  ImGui::EndFrame();
  ImGui::DestroyContext(ctx);
}

TEST(Ink, TrivialSignaturesAreRefused) {
  Ink empty(kPad);
  EXPECT_EQ(check_signature(empty), InkVerdict::Empty);
  Ink dot(kPad);
  dot.add(InkSample{InkSample::Kind::Down, 500, 500, 1, 0, 1});
  dot.add(InkSample{InkSample::Kind::Up, 500, 500, 1, 50, 1});
  EXPECT_EQ(check_signature(dot), InkVerdict::TooFewPoints);
  Ink line(kPad);  // a short straight stroke: enough points, too short a path
  line.add(InkSample{InkSample::Kind::Down, 500, 500, 1, 0, 1});
  for (int i = 1; i <= 30; ++i) line.add(InkSample{InkSample::Kind::Move, 500 + i * 4.0f, 500, 1, std::uint32_t(i * 16), 1});
  line.add(InkSample{InkSample::Kind::Up, 620, 500, 1, 500, 1});
  EXPECT_EQ(check_signature(line), InkVerdict::TooShort);
  EXPECT_EQ(check_signature(zigzag()), InkVerdict::Ok);
  // A stroke that starts outside the pad is not ink.
  Ink outside(kPad);
  EXPECT_FALSE(outside.add(InkSample{InkSample::Kind::Down, 10, 10, 1, 0, 1}));
  EXPECT_EQ(check_signature(outside), InkVerdict::Empty);
}

TEST(Ink, SecondFingerIsIgnoredThroughTheInputMapper) {
  balie::kiosk::InputMapper mapper;
  mapper.set_capture_regions({balie::kiosk::Rect{kPad.x, kPad.y, kPad.w, kPad.h}});
  using PE = balie::kiosk::PointerEvent;
  std::uint32_t t = 0;
  mapper.push(PE{PE::Kind::Down, {300, 450}, 1, 1, t});
  for (int i = 1; i < 80; ++i) {
    t += 16;
    mapper.push(PE{PE::Kind::Move, {300 + i * 10.0f, 450 + (i % 7) * 20.0f}, 1, 1, t});
    if (i == 20) mapper.push(PE{PE::Kind::Down, {900, 300}, 2, 1, t});  // palm or second finger
    if (i > 20 && i < 40) mapper.push(PE{PE::Kind::Move, {900 + i * 3.0f, 300}, 2, 1, t});
    if (i == 40) mapper.push(PE{PE::Kind::Up, {1000, 300}, 2, 1, t});
  }
  mapper.push(PE{PE::Kind::Up, {1100, 450}, 1, 1, t + 16});
  Ink ink(kPad);
  int frames = 0;
  while (mapper.pending() && frames++ < 100) {
    auto in = mapper.next_frame();
    for (const auto& e : in.raw)
      ink.add(InkSample{e.kind == PE::Kind::Down ? InkSample::Kind::Down : e.kind == PE::Kind::Up ? InkSample::Kind::Up
                                                                                               : InkSample::Kind::Move,
                        e.pos.x, e.pos.y, e.pressure, e.time_ms, e.finger});
  }
  ASSERT_GT(ink.samples().size(), 70u);
  for (const auto& s : ink.samples()) EXPECT_EQ(s.finger, 1) << "a second finger reached the ink";
  EXPECT_EQ(ink.strokes(), 1);
  // And the Ink itself ignores another finger mid-stroke, even without the mapper.
  Ink direct(kPad);
  direct.add(InkSample{InkSample::Kind::Down, 300, 300, 1, 0, 1});
  EXPECT_FALSE(direct.add(InkSample{InkSample::Kind::Down, 400, 300, 1, 5, 2}));
  EXPECT_FALSE(direct.add(InkSample{InkSample::Kind::Move, 410, 300, 1, 6, 2}));
  EXPECT_EQ(direct.samples().size(), 1u);
}

TEST(Ink, WipeOverwritesEverything) {
  Ink ink = zigzag();
  ink.wipe();
  EXPECT_TRUE(ink.samples().empty());
  EXPECT_TRUE(ink.dabs().empty());
  EXPECT_EQ(check_signature(ink), InkVerdict::Empty);
}

TEST(SignaturePng, RendersInkThatDecodes) {
  Ink ink = zigzag();
  PngImage png;
  std::string err;
  ASSERT_TRUE(render_signature_png(ink, 0.5f, &png, &err)) << err;
  EXPECT_EQ(png.width, 690);
  int w = 0, h = 0;
  std::vector<uint8_t> g;
  ASSERT_TRUE(decode_png_grey(png.bytes, &w, &h, &g));
  EXPECT_EQ(w, png.width);
  size_t dark = 0;
  for (auto v : g) dark += v < 128;
  EXPECT_GT(dark, 300u);
  EXPECT_LT(dark, g.size() / 4);
}

TEST(Qr, EncodesReferenceOnly) {
  auto q = make_qr("BALIE-REF:ANC7-1VNV");
  EXPECT_GE(q.size, 21);
  EXPECT_EQ(q.dark.size(), size_t(q.size * q.size));
  EXPECT_TRUE(q.at(0, 0));  // finder pattern corner
}

// The enrolment request (issue 14) is far longer than a receipt reference: up to 2953 bytes fit
// (version 40 at level L); before, make_qr refused anything over 128 bytes.
TEST(Qr, EncodesALongEnrolmentRequest) {
  const std::string request = "{\"format\":\"balie-enrolment-request\",\"tls_csr_pem\":\"" + std::string(700, 'A') + "\"}";
  auto q = make_qr(request);
  EXPECT_GT(q.size, 41) << "a long text needs a large version";
  EXPECT_EQ(q.dark.size(), size_t(q.size * q.size));
  EXPECT_GT(make_qr(std::string(kMaxQrBytes, 'x')).size, 0);
  EXPECT_EQ(make_qr(std::string(kMaxQrBytes + 1, 'x')).size, 0);
  EXPECT_EQ(make_qr("").size, 0);
  // Short texts keep level M: the receipt code is unchanged (version 2 = 25 modules).
  EXPECT_EQ(make_qr("BALIE-REF:ANC7-1VNV").size, 25);
}

TEST(Reference, ShortStableCrockford) {
  const auto a = reference_code("141d9ba0-02a0-4921-ad8a-0bd8e684371d");
  EXPECT_EQ(a.size(), 9u);
  EXPECT_EQ(a[4], '-');
  EXPECT_EQ(a, reference_code("141d9ba0-02a0-4921-ad8a-0bd8e684371d"));
  EXPECT_NE(a, reference_code("141d9ba0-02a0-4921-ad8a-0bd8e684371e"));
  for (char c : a) EXPECT_EQ(std::string("ILOU").find(c), std::string::npos);
}

namespace {
// A resident and dossier the PVT rule offers signing to on 2026-03-02.
void offered_fixture(store::Resident* r, store::Dossier* d) {
  r->id = "x";
  r->bsn = "999990019";
  r->geboortedatum = "2000-05-01";
  r->gemeentecode = "GM0363";
  r->regime = store::Regime::Wi2021;
  d->inburgeringsplicht = store::Inburgeringsplicht{};
  d->inburgeringsplicht->plichtig = true;
  d->inburgeringstermijn = store::Inburgeringstermijn{};
  d->inburgeringstermijn->startdatum = "2025-09-01";
  d->inburgeringstermijn->einddatum = "2028-09-01";
  d->pip = store::Pip{};
  d->pip->dagtekening = "2025-10-01";
}
OfferInput offer_input(const store::Resident* r, const store::Dossier* d, std::string today) {
  OfferInput in;
  in.resident = r;
  in.dossier = d;
  in.today = std::move(today);
  in.pip_required = true;
  in.route_key_present = true;
  in.text_present = true;
  in.signed_on_this_device = false;
  return in;
}
}  // namespace

TEST(Offer, RulesAndReasons) {
  store::Resident r;
  store::Dossier d;
  offered_fixture(&r, &d);
  OfferInput in = offer_input(&r, &d, "2026-03-02");
  EXPECT_TRUE(pvt_offer(in).offered);
  auto reason = [&](auto mutate) {
    auto r2 = r;
    auto d2 = d;
    OfferInput i2 = offer_input(&r2, &d2, "2026-03-02");
    mutate(r2, d2, i2);
    auto o = pvt_offer(i2);
    EXPECT_FALSE(o.offered);
    EXPECT_FALSE(o.staff_text.empty()) << o.reason_code;
    return o.reason_key;
  };
  EXPECT_EQ(reason([](auto& r2, auto&, auto&) { r2.geboortedatum = "2008-03-03"; }), "signing.blocked.under_18");
  EXPECT_EQ(reason([](auto& r2, auto&, auto&) { r2.geboortedatum = ""; }), "signing.blocked.age_unknown");
  EXPECT_EQ(reason([](auto& r2, auto&, auto&) { r2.regime = store::Regime::Wi2013; }), "signing.blocked.old_regime");
  EXPECT_EQ(reason([](auto&, auto& d2, auto&) { d2.inburgeringsplicht->plichtig = false; }), "signing.blocked.no_obligation");
  EXPECT_EQ(reason([](auto&, auto& d2, auto&) {
              d2.map_pvt_zroute = store::MapPvtZroute{};
              d2.map_pvt_zroute->datum_ondertekening_pvt = "2026-01-01";
            }),
            "signing.blocked.already_signed");
  EXPECT_EQ(reason([](auto& r2, auto&, auto&) { r2.gemeentecode = ""; }), "signing.blocked.no_municipality");
  EXPECT_EQ(reason([](auto&, auto&, auto& i2) { i2.route_key_present = false; }), "signing.blocked.no_key");
  EXPECT_EQ(reason([](auto&, auto&, auto& i2) { i2.text_present = false; }), "signing.blocked.no_text");
  EXPECT_EQ(reason([](auto&, auto&, auto& i2) { i2.signed_on_this_device = true; }), "signing.blocked.signed_here");
  // Issue 16: DUO's rules come first (demo-01 and demo-10 were offered signing without a termijn or PIP).
  EXPECT_EQ(reason([](auto&, auto& d2, auto&) { d2.inburgeringstermijn.reset(); }), "signing.blocked.term_not_started");
  EXPECT_EQ(reason([](auto&, auto& d2, auto&) { d2.pip.reset(); }), "signing.blocked.no_pip");
  EXPECT_EQ(reason([](auto&, auto& d2, auto&) { d2.inburgeringsplicht->plichtig_onbekend = true; }),
            "signing.blocked.plicht_unknown");
  // Exactly 18 today: offered.
  r.geboortedatum = "2008-03-02";
  EXPECT_TRUE(pvt_offer(in).offered);
  EXPECT_EQ(age_on("2008-03-02", "2026-03-01"), 17);
}

// The shared PVT case table (tests/record/pvt_rule_cases.json): every case the kiosk can express
// (signing today, for the linked municipality) gets the same answer from the kiosk's offer.
TEST(Offer, SharedPvtCaseTableGivesTheSameAnswers) {
  int run = 0;
  for (const auto& c : balie::test::load_pvt_cases()) {
    if (!c.offer) continue;
    ASSERT_EQ(c.in.datum, c.in.today) << c.name << ": the kiosk signs today";
    ASSERT_TRUE(c.in.verwijtbaar_decision.empty()) << c.name;
    store::Resident r;
    store::Dossier d;
    r.id = "case";
    r.geboortedatum = "1990-01-01";
    r.bsn = c.in.bsn;
    r.regime = store::Coded<store::Regime>::parse(c.in.regime);
    r.gemeentecode = c.in.linked_gemeentecode;
    if (!c.in.linked_gemeentecode.empty()) {
      ASSERT_EQ(c.in.linked_gemeentecode, c.in.acting_gemeentecode) << c.name << ": the host acts for the link";
    }
    d.inburgeringsplicht = store::Inburgeringsplicht{};
    d.inburgeringsplicht->plichtig_onbekend = !c.in.plicht_known;
    d.inburgeringsplicht->plichtig = c.in.plichtig;
    d.inburgeringsplicht->ingetrokken = c.in.obligation_withdrawn;
    if (!c.in.datum_ondertekening_registered.empty() || !c.in.datum_afronding_zroute.empty()) {
      d.map_pvt_zroute = store::MapPvtZroute{};
      d.map_pvt_zroute->datum_ondertekening_pvt = c.in.datum_ondertekening_registered;
      d.map_pvt_zroute->datum_afronding_zroute = c.in.datum_afronding_zroute;
    }
    if (!c.in.termijn_startdatum.empty() || !c.in.termijn_einddatum.empty()) {
      d.inburgeringstermijn = store::Inburgeringstermijn{};
      d.inburgeringstermijn->startdatum = c.in.termijn_startdatum;
      d.inburgeringstermijn->einddatum = c.in.termijn_einddatum;
    }
    if (c.in.pip_vastgesteld) {
      ASSERT_EQ(c.in.pip_gemeentecode, c.in.linked_gemeentecode) << c.name << ": the feed's PIP is the link's";
      d.pip = store::Pip{};
      d.pip->dagtekening = "2026-01-01";
    }
    OfferInput in = offer_input(&r, &d, c.in.today);
    in.pip_required = c.in.pip_required;
    const PvtOffer o = pvt_offer(in);
    EXPECT_EQ(o.reason_code, c.reason) << c.name;
    // The same verdict; the kiosk's use of it: a signing after the term (verwijtbaar_needed) is still
    // offered, with a staff note, because only DUO's registration waits for the municipality's decision.
    const bool after_term = c.reason == "verwijtbaar_needed";
    EXPECT_EQ(o.offered, c.reason == "ok" || after_term) << c.name;
    if (after_term) {
      EXPECT_NE(o.staff_text.find("verwijtbaar"), std::string::npos) << c.name;
    }
    if (!o.offered) {
      EXPECT_EQ(o.reason_key.rfind("signing.blocked.", 0), 0u) << c.name;
      EXPECT_FALSE(o.staff_text.empty()) << c.name;
    }
    ++run;
  }
  EXPECT_GE(run, 15) << "the kiosk must run most of the table";
}

// Issue 16: the purposes asked. Only the PID (blauwe map) is built in, COA its controller; any other
// purpose only when the bundle defines it, with the bundle's controller and validity.
TEST(Consent, PurposesBuiltInAndFromTheBundle) {
  auto only = consent_purposes();
  ASSERT_EQ(only.size(), 1u);
  EXPECT_EQ(only[0].id, "pid_sharing");
  EXPECT_EQ(only[0].controller, "COA");
  EXPECT_EQ(only[0].recipient, "gekoppelde gemeente");
  EXPECT_EQ(only[0].valid_months, 12);
  EXPECT_EQ(find_purpose(only, "health"), nullptr) << "health is not asked unless the bundle defines it";
  std::vector<store::BundleConsentPurpose> b = {{"health", "COA", "gekoppelde gemeente", 6, true},
                                                {"pid_sharing", "X", "Y", 1, false}};
  auto all = consent_purposes(b);
  ASSERT_EQ(all.size(), 2u) << "a bundle cannot redefine pid_sharing";
  EXPECT_EQ(all[0].controller, "COA");
  EXPECT_EQ(all[0].valid_months, 12);
  const ConsentPurpose* h = find_purpose(all, "health");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->text_kind, "consent:health");
  EXPECT_EQ(h->record_kind, "consent.health");
  EXPECT_EQ(h->valid_months, 6);
  EXPECT_TRUE(h->sensitive);
  EXPECT_TRUE(h->title_key.empty()) << "a bundle purpose shows its text's title";
}

// Who is asked: Wi2021, plichtig, linked. Everyone else sees why not.
TEST(Consent, WhoIsAsked) {
  struct Case {
    const char* regime;
    std::optional<bool> plichtig;  // nullopt: no inburgeringsplicht item
    const char* gemeentecode;
    const char* reason;
  };
  const Case cases[] = {
      {"Wi2021", true, "GM0363", ""},
      {"Wi2013", true, "GM0363", "consent_list.not_asked.old_regime"},
      {"Wi2007", true, "GM0363", "consent_list.not_asked.old_regime"},
      {"Wi2030", true, "GM0363", "consent_list.not_asked.regime_unknown"},
      {"Wi2021", false, "GM0363", "consent_list.not_asked.no_obligation"},
      {"Wi2021", std::nullopt, "GM0363", "consent_list.not_asked.no_obligation"},
      {"Wi2013", false, "GM0363", "consent_list.not_asked.old_regime"},
      {"Wi2021", true, "", "consent_list.not_asked.no_municipality"},
  };
  for (const auto& c : cases) {
    store::Resident r;
    r.regime = store::Coded<store::Regime>::parse(c.regime);
    r.gemeentecode = c.gemeentecode;
    store::Dossier d;
    if (c.plichtig) {
      d.inburgeringsplicht.emplace();
      d.inburgeringsplicht->plichtig = *c.plichtig;
    }
    EXPECT_EQ(consent_not_asked_reason(r, d), c.reason) << c.regime << " plichtig=" << (c.plichtig ? *c.plichtig : -1)
                                                        << " gm=" << c.gemeentecode;
  }
}

// Expiry: 12 calendar months after the decision (clamped at a month's end); expired counts as not
// given and is shown as "expired"; refused/withdrawn never expire.
TEST(Consent, ExpiryTable) {
  using namespace std::chrono;
  auto utc = [](int y, unsigned m, unsigned d, int h = 10) {
    return store::UtcTime(sys_days{year{y} / month{m} / day{d}} + hours{h});
  };
  EXPECT_EQ(store::add_months(utc(2026, 12, 6), 12), utc(2027, 12, 6));
  EXPECT_EQ(store::add_months(utc(2027, 2, 28), 12), utc(2028, 2, 28));
  EXPECT_EQ(store::add_months(utc(2028, 2, 29), 12), utc(2029, 2, 28)) << "leap day clamps to Feb 28";
  EXPECT_EQ(store::add_months(utc(2026, 8, 31), 6), utc(2027, 2, 28));
  EXPECT_EQ(store::add_months(utc(2026, 12, 6), 6), utc(2027, 6, 6));
  const auto purposes = consent_purposes();
  struct Case {
    const char* decision;
    bool has_expiry;
    store::UtcTime now;
    const char* shown;
  };
  const auto decided = utc(2026, 12, 6), expires = utc(2027, 12, 6);
  const Case cases[] = {
      {"given", true, utc(2027, 12, 6, 9), "given"},
      {"given", true, expires, "expired"},
      {"given", true, utc(2028, 1, 1), "expired"},
      {"refused", false, utc(2030, 1, 1), "refused"},
      {"withdrawn", false, utc(2030, 1, 1), "withdrawn"},
  };
  for (const auto& c : cases) {
    store::ConsentState st;
    st.resident_id = "r1";
    st.purpose = "pid_sharing";
    st.decision = c.decision;
    st.decided_at = decided;
    if (c.has_expiry) st.expires_at = expires;
    st.record_id = "rec";
    st.source = "coa";
    auto s = consent_states(purposes, {st}, c.now);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].state, c.shown) << c.decision;
    EXPECT_EQ(s[0].last_record_id, "rec");
    EXPECT_TRUE(s[0].from_other_terminal);
    EXPECT_EQ(st.in_force(c.now), std::string(c.shown) == "given");
  }
  EXPECT_TRUE(consent_states(purposes, {}, decided)[0].state.empty());
}

// No receipt names the Wet inburgering 2021 for a resident under another regime.
TEST(Consent, NoReceiptForOldRegime) {
  store::Resident r;
  r.id = "r1";
  r.regime = store::Coded<store::Regime>::parse("Wi2013");
  store::TextVersion notice;
  notice.version_id = "consent-pid-balie-2-nl";
  notice.title = "t";
  notice.body = "b";
  ConsentContext cc;
  cc.resident = &r;
  cc.unix_ms = 1700000000000;
  EvidenceParts parts;
  std::string err;
  const auto purposes = consent_purposes();
  EXPECT_FALSE(build_consent_receipt(purposes[0], notice, "given", "", cc, new_record_id(), &parts, &err));
  EXPECT_NE(err.find("Wi2021"), std::string::npos);
  r.regime = store::Coded<store::Regime>::parse("Wi2021");
  ASSERT_TRUE(build_consent_receipt(purposes[0], notice, "given", "", cc, new_record_id(), &parts, &err)) << err;
  auto sens = nlohmann::json::parse(parts.sensitive_json);
  EXPECT_EQ(sens["receipt"]["services"][0]["service"], "Inburgering (Wet inburgering 2021)");
  EXPECT_EQ(sens["receipt"]["expiresAtUtc"], "2024-11-14T22:13:20Z");
}

TEST(Evidence, PackageHalvesAndLimits) {
  store::Resident r;
  r.id = "demo-01";
  r.bsn = "999990001";
  r.naam_latijns = "Test";
  SigningSession s;
  s.text_nl.version_id = "t-nl";
  s.text_nl.language = "nl";
  s.text_nl.title = "T";
  s.text_nl.body = "B";
  s.canonical_sha256 = brec::sha256_hex(canonical_shown_text(s.text_nl, nullptr));
  s.ink = zigzag();
  s.screen_w = 1920;
  s.screen_h = 1080;
  EvidenceContext c;
  c.resident = &r;
  c.local_date = "2026-03-02";
  c.confirmed_unix_ms = 1772443800123;
  EvidenceParts p;
  std::string err;
  ASSERT_TRUE(build_pvt_evidence(s, c, "00000000-0000-4000-8000-000000000000", &p, &err)) << err;
  EXPECT_EQ(p.public_json.find("999990001"), std::string::npos);
  EXPECT_EQ(p.public_json.find("Test"), std::string::npos);
  auto j = nlohmann::json::parse(p.sensitive_json);
  EXPECT_EQ(j["signature"]["samples"].size(), s.ink.samples().size());
  EXPECT_EQ(j["time"]["utc"], "2026-03-02T09:30:00.123Z");
  // A full pad (the sample cap) still fits sync's sealed-part limit.
  Ink big(kPad);
  std::uint32_t t = 0;
  big.add(InkSample{InkSample::Kind::Down, 300, 300, 0.53f, t, 123456789});
  for (int i = 0; big.samples().size() < Ink::kMaxSamples; ++i)
    big.add(InkSample{InkSample::Kind::Move, 300 + (i % 1000) * 1.237f, 300 + (i % 300) * 1.113f, 0.537f, t += 17, 123456789});
  s.ink = big;
  ASSERT_TRUE(build_pvt_evidence(s, c, "00000000-0000-4000-8000-000000000001", &p, &err)) << err;
  EXPECT_LE(p.sensitive_json.size(), brec::kMaxSensitiveBytes);
}

// Text series files (assets/texts/*.json) of the wrong shape are reported and skipped, never thrown
// out of the loader (issue 13): wrong JSON types, a deep file, a huge file. Before, a number where a
// string belongs escaped as nlohmann::type_error and ended the kiosk.
TEST(TextAssets, WrongTypesDeepAndHugeSeriesAreReportedAndSkipped) {
  const fs::path dir = fs::temp_directory_path() / ("balie-texts-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "texts");
  std::vector<std::uint8_t> key(32);
  randombytes_buf(key.data(), key.size());
  auto st = store::Store::open(dir / "balie.db", key);
  ASSERT_TRUE(st.ok()) << st.error().message;
  auto spit = [&](const char* name, const std::string& s) { std::ofstream(dir / "texts" / name) << s; };
  spit("a-good.json", R"({"series":"pvt-x-1","kind":"pvt_declaration","texts":[{"language":"nl","title":"T","body":"B"}]})");
  spit("b-series-number.json", R"({"series":5,"kind":"pvt_declaration","texts":[]})");
  spit("c-title-number.json", R"({"series":"c-1","kind":"consent","texts":[{"language":"nl","title":7,"body":"B"}]})");
  spit("d-deep.json", "{\"series\":\"d-1\",\"kind\":\"k\",\"texts\":[" + std::string(40000, '[') + std::string(40000, ']') + "]}");
  spit("e-huge.json", "{\"series\":\"e-1\",\"pad\":\"" + std::string(300 * 1024, 'x') + "\"}");
  spit("f-texts-missing.json", R"({"series":"f-1","kind":"k"})");
  store::Route route;
  route.gemeentecode = "GM0363";
  route.endpoint_base_url = "https://gm0363.example";
  ASSERT_TRUE(st.value()->put_route(route).ok());
  std::vector<std::string> errors;
  TextIndex idx = load_text_assets(*st.value(), dir / "texts", &errors);
  EXPECT_EQ(idx.series_by_kind.at("pvt_declaration"), "pvt-x-1");
  auto joined = [&] {
    std::string s;
    for (const auto& e : errors) s += e + "\n";
    return s;
  }();
  EXPECT_NE(joined.find("b-series-number.json is not a text series"), std::string::npos) << joined;
  EXPECT_NE(joined.find("d-deep.json nests deeper than 32 levels"), std::string::npos) << joined;
  EXPECT_NE(joined.find("e-huge.json too large"), std::string::npos) << joined;
  EXPECT_NE(joined.find("f-texts-missing.json is not a text series"), std::string::npos) << joined;
  // A text with a non-string title is stored without a title rather than taking the loader down.
  auto t = st.value()->text_version("c-1-GM0363-nl");
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(t.value().has_value());
  EXPECT_EQ(t.value()->title, "");
  st.value().reset();
  fs::remove_all(dir);
}

// Texts per municipality (issue 14): each demo series is stored for every municipality with a route,
// with the series' number as its version, and the text offered is the municipality's highest
// version by number: pvt-x-10 beats pvt-x-2 (as strings, and by file order, "pvt-x-2" came last).
// A municipality without a route gets no text, so signing for it is blocked (pvt_offer: no_text).
TEST(TextAssets, EveryRoutedMunicipalityGetsTheNumericallyLatestSeries) {
  const fs::path dir = fs::temp_directory_path() / ("balie-texts-num-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "texts");
  std::vector<std::uint8_t> key(32);
  randombytes_buf(key.data(), key.size());
  auto st = store::Store::open(dir / "balie.db", key);
  ASSERT_TRUE(st.ok()) << st.error().message;
  for (const char* g : {"GM0363", "GM0344"}) {
    store::Route r;
    r.gemeentecode = g;
    r.endpoint_base_url = std::string("https://") + g + ".example";
    ASSERT_TRUE(st.value()->put_route(r).ok());
  }
  auto spit = [&](const char* name, const std::string& s) { std::ofstream(dir / "texts" / name) << s; };
  spit("pvt-x-10.json", R"({"series":"pvt-x-10","kind":"pvt_declaration","texts":[{"language":"nl","title":"T10","body":"tien"},{"language":"ar","title":"A10","body":"ashara"}]})");
  spit("pvt-x-2.json", R"({"series":"pvt-x-2","kind":"pvt_declaration","texts":[{"language":"nl","title":"T2","body":"twee"}]})");
  spit("pvt-nonumber.json", R"({"series":"pvt-x","kind":"pvt_declaration","texts":[{"language":"nl","title":"T","body":"b"}]})");
  std::vector<std::string> errors;
  TextIndex idx = load_text_assets(*st.value(), dir / "texts", &errors);
  EXPECT_EQ(idx.series_by_kind.at("pvt_declaration"), "pvt-x-10");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("does not end in -<version number>"), std::string::npos) << errors[0];
  EXPECT_EQ(series_version("pvt-balie-10"), 10);
  EXPECT_EQ(series_version("pvt-balie-2"), 2);
  EXPECT_EQ(series_version("pvt-balie"), 0);
  for (const char* g : {"GM0363", "GM0344"}) {
    auto nl = current_text(*st.value(), "pvt_declaration", "nl", g);
    ASSERT_TRUE(nl) << g;
    EXPECT_EQ(nl->version_id, std::string("pvt-x-10-") + g + "-nl");
    EXPECT_EQ(nl->version, 10);
    EXPECT_EQ(nl->gemeentecode, g);
    EXPECT_EQ(nl->body, "tien");
  }
  EXPECT_FALSE(current_text(*st.value(), "pvt_declaration", "nl", "GM0599")) << "no route, no text";
  EXPECT_FALSE(current_text(*st.value(), "pvt_declaration", "nl", ""));
  // Loading again (every kiosk start) changes nothing: the versions are immutable and equal.
  errors.clear();
  load_text_assets(*st.value(), dir / "texts", &errors);
  EXPECT_EQ(errors.size(), 1u);
  st.value().reset();
  fs::remove_all(dir);
}

// Issue 16: the demo data set (assets/demo/demo.json, seeded into a real store) has a resident for
// each outcome of the PVT rule, as assets/demo/README.md lists them; every BSN passes the elfproef.
TEST(Offer, DemoResidentsCoverEveryRuleOutcome) {
  const fs::path dir = fs::temp_directory_path() / ("balie-demo-offer-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::vector<std::uint8_t> key(32);
  randombytes_buf(key.data(), key.size());
  auto st = store::Store::open(dir / "balie.db", key);
  ASSERT_TRUE(st.ok()) << st.error().message;
  ASSERT_TRUE(store::seed_demo_data(*st.value()).ok());
  const std::map<std::string, std::string> expected = {
      {"demo-01", "ok"},           {"demo-02", "term_not_started"},  {"demo-03", "ok"},
      {"demo-04", "ok"},           {"demo-05", "zroute_completed"},  {"demo-06", "already_registered"},
      {"demo-07", "not_plichtig"}, {"demo-08", "verwijtbaar_needed"}, {"demo-09", "regime_old"},
      {"demo-10", "no_pip"},       {"demo-11", "not_plichtig"},      {"demo-12", "no_term"},
      {"demo-13", "regime_unknown"}, {"demo-14", "plicht_unknown"},  {"demo-15", "no_term"},
      {"demo-16", "obligation_withdrawn"}};
  for (const auto& [id, reason] : expected) {
    auto view = st.value()->load_dossier(id);
    ASSERT_TRUE(view.ok()) << id << ": " << view.error().message;
    EXPECT_TRUE(balie::record::bsn_elfproef(view.value().resident.bsn)) << id;
    OfferInput in = offer_input(&view.value().resident, &view.value().dossier, "2026-12-06");
    auto pip = st.value()->pip_required(view.value().resident.gemeentecode);
    ASSERT_TRUE(pip.ok());
    in.pip_required = pip.value();
    EXPECT_EQ(pvt_offer(in).reason_code, reason) << id;
  }
  st.value().reset();
  fs::remove_all(dir);
}
