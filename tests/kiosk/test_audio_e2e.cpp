// Audio at the kiosk (issue 18), with the real balie-kiosk under Xvfb, the build's clips and
// manifest, libespeak-ng and the real SQLCipher store (SDL's dummy audio driver accepts playback).
// The signed evidence and the consent receipt name exactly what played (key, text version, text
// hash, language, duration, source) and nothing for a tap that played nothing; in Tigrinya the
// listen buttons say they cannot play while the Dutch declaration still plays.
#include <gtest/gtest.h>
#include <sodium.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "balie/platform/key_provider.h"
#include "balie/record/codec.h"
#include "balie/record/envelope.h"
#include "balie/store/store.h"
#include "demo_store.h"
#include "kiosk_process.h"

using namespace balie::kiosk::testing;
namespace fs = std::filesystem;
using json = nlohmann::json;
namespace brec = balie::record;
namespace store = balie::store;

namespace {

class AudioE2E : public KioskProcessTest {
 protected:
  void SetUp() override {
    ASSERT_GE(sodium_init(), 0);
    KioskProcessTest::SetUp();
  }
  RunResult run_script(const std::string& script, std::vector<std::string> env) {
    return run_process({kiosk_binary(), "--windowed", "1920x1080", "--clock-start", "2026-03-02T09:30:00Z", "--script",
                        scripts_dir() + "/" + script, "--shots", (dir_ / "shots").string()},
                       env, std::chrono::seconds(300));
  }
  std::unique_ptr<store::Store> open_store() { return open_demo_store(dir_ / "state"); }
  // The sealed part of the record of `kind` for demo-01 (opened with GM0363's demo key).
  json sealed(store::Store& st, const std::string& kind) {
    auto recs = st.records_for("demo-01");
    EXPECT_TRUE(recs.ok());
    for (const auto& rec : recs.value()) {
      if (rec.kind != kind) continue;
      auto entry = st.outbox_entry(rec.record_id);
      EXPECT_TRUE(entry.ok() && entry.value());
      auto env = brec::parse_envelope(std::string(entry.value()->payload.begin(), entry.value()->payload.end()));
      EXPECT_TRUE(env.ok());
      auto opened = brec::open_sealed(env.value(), demo_box("GM0363"));
      EXPECT_TRUE(opened.ok());
      return json::parse(opened.value());
    }
    ADD_FAILURE() << "no record " << kind;
    return json{};
  }
  static std::vector<json> audio_events(const json& pvt) {
    std::vector<json> out;
    for (const auto& ev : pvt["document"]["events"])
      if (ev["event"] == "audio_played") out.push_back(ev);
    return out;
  }
};

}  // namespace

TEST_F(AudioE2E, ArabicEvidenceAndReceiptNameWhatPlayed) {
  auto r = run_script("audio_ar.balie", kiosk_env());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // The dossier lines were synthesised on the terminal with the Arabic voice and played.
  EXPECT_NE(r.output.find("audio: synthesised"), std::string::npos) << r.output;
  auto st = open_store();
  ASSERT_TRUE(st);
  auto nl = st->text_version("pvt-balie-2-GM0363-nl");
  auto ar = st->text_version("pvt-balie-2-GM0363-ar");
  ASSERT_TRUE(nl.ok() && nl.value() && ar.ok() && ar.value());

  const json pvt = sealed(*st, "pvt.ondertekend");
  const auto heard = audio_events(pvt);
  ASSERT_EQ(heard.size(), 2u) << pvt["document"]["events"].dump();
  // First the Arabic declaration, then the Dutch one: each the clip of exactly the text shown.
  const std::pair<const store::TextVersion*, const char*> want[] = {{&*ar.value(), "ar"}, {&*nl.value(), "nl"}};
  for (size_t i = 0; i < 2; ++i) {
    const json& a = heard[i]["audio"];
    // The clip is found by the text's hash: series with the same text in this language share it.
    EXPECT_TRUE(a["key"] == "text:pvt-balie-1" || a["key"] == "text:pvt-balie-2") << a.dump();
    EXPECT_EQ(a["language"], want[i].second);
    EXPECT_EQ(a["text_version_id"], want[i].first->version_id);
    EXPECT_EQ(a["text_sha256"], want[i].first->sha256);
    EXPECT_EQ(a["text_sha256"], brec::sha256_hex(want[i].first->body));
    EXPECT_EQ(a["source"], "generated");
    EXPECT_GT(a["duration_ms"].get<int64_t>(), 30000) << "the whole declaration, not a short intro";
  }

  // The consent receipt records the notice that was read aloud.
  const json receipt = sealed(*st, "consent.pid_sharing")["receipt"];
  ASSERT_EQ(receipt["audioPlayed"].size(), 1u) << receipt.dump();
  const json& c = receipt["audioPlayed"][0];
  EXPECT_TRUE(c["key"] == "text:consent-pid-balie-2" || c["key"] == "text:consent-pid-balie-3") << c.dump();
  EXPECT_EQ(c["language"], "ar");
  EXPECT_EQ(c["text_sha256"], receipt["noticeTextSha256"]);
  EXPECT_EQ(c["text_version_id"], receipt["noticeTextVersion"]);
  EXPECT_GT(c["duration_ms"].get<int64_t>(), 10000);
}

TEST_F(AudioE2E, TigrinyaButtonsSayTheyCannotPlayAndRecordNothing) {
  auto r = run_script("audio_ti.balie", kiosk_env());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto st = open_store();
  ASSERT_TRUE(st);
  auto nl = st->text_version("pvt-balie-2-GM0363-nl");
  ASSERT_TRUE(nl.ok() && nl.value());
  const json pvt = sealed(*st, "pvt.ondertekend");
  EXPECT_EQ(pvt["document"]["languages_shown"], json::array({"nl", "ti"}));
  // The Tigrinya tap played nothing and left no trace; the Dutch tap played the Dutch text.
  const auto heard = audio_events(pvt);
  ASSERT_EQ(heard.size(), 1u) << pvt["document"]["events"].dump();
  EXPECT_EQ(heard[0]["audio"]["language"], "nl");
  EXPECT_EQ(heard[0]["audio"]["text_sha256"], nl.value()->sha256);
  EXPECT_EQ(r.output.find("audio: synthesised"), std::string::npos) << "no voice for ti: nothing synthesised";
}

TEST_F(AudioE2E, WithoutAnAudioDeviceEveryButtonSaysItCannotPlay) {
  auto env = kiosk_env();
  for (auto& e : env)
    if (e.rfind("SDL_AUDIODRIVER=", 0) == 0) e = "SDL_AUDIODRIVER=no-such-driver";
  // The Arabic script expects playable buttons; without a device they say they cannot play (even
  // though Arabic has clips and a voice), so the script's first expect-no-id fails there.
  auto r = run_script("audio_ar.balie", env);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("listen controls say they cannot play"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("expect-no-id dossier.listen.unavailable"), std::string::npos) << r.output;
}
