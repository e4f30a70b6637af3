// Run-time speech with the real libespeak-ng (platform/speech): a Dutch and an Arabic dossier line
// give non-empty PCM of plausible duration off the calling thread; wipe() drops pending results.
#include <gtest/gtest.h>

#include "balie/platform/speech_synth.h"

using balie::platform::SpeechSynthesizer;

TEST(SpeechSynth, DutchAndArabicDossierLines) {
  SpeechSynthesizer s;
  const auto nl = s.submit("Uw inburgeringstermijn loopt tot 7 maart 2027. Uw volgende stap is het ondertekenen "
                           "van de participatieverklaring.", "nl");
  auto r = s.wait(nl, 20000);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->error, "");
  EXPECT_EQ(r->clip.sample_rate, 22050);
  EXPECT_GT(r->duration_ms(), 3000);   // ~20 words
  EXPECT_LT(r->duration_ms(), 30000);
  const auto ar = s.submit("تَنْتَهِي مُدَّةُ الاِنْدِمَاجِ فِي السَّابِعِ مِنْ مَارِس.", "ar");
  auto a = s.wait(ar, 20000);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->error, "");
  EXPECT_GT(a->duration_ms(), 1000);
  EXPECT_LT(a->duration_ms(), 20000);
  int peak = 0;
  for (auto v : a->clip.samples) peak = std::max(peak, std::abs(static_cast<int>(v)));
  EXPECT_GT(peak, 1000) << "audible, not silence";
}

TEST(SpeechSynth, UnknownVoiceIsAnErrorAndWipeDropsResults) {
  SpeechSynthesizer s;
  auto r = s.wait(s.submit("x", "no-such-voice"), 20000);
  ASSERT_TRUE(r.has_value());
  EXPECT_NE(r->error, "");
  const auto id = s.submit("Dit is een regel uit het dossier.", "nl");
  s.wipe();
  EXPECT_FALSE(s.wait(id, 3000).has_value()) << "a wiped request never delivers PCM";
  EXPECT_FALSE(s.poll().has_value());
}
