// Unit tests of the scripted UI driver's parser and of balie-kiosk's argument parsing.
#include <gtest/gtest.h>

#include <variant>

#include "core/args.h"
#include "core/script.h"

using namespace balie::kiosk;

TEST(ScriptParser, ParsesEveryStep) {
  auto r = script::parse(
      "# comment\n"
      "tap welcome.staff\n"
      "tap-at 10 20\n"
      "drag sign.pad 0.1,0.5 0.9,0.5\n"
      "drag-px 1,2 3,4 5,6\n"
      "type Ahmad \xD8\xA3\xD8\xAD\xD9\x85\xD8\xAF\n"
      "key alt+F4\n"
      "close-window\n"
      "wait-for pin.ok 3\n"
      "wait-scene language\n"
      "wait-frames 5\n"
      "expect-text Welkom bij Balie\n"
      "expect-no-text BSN\n"
      "expect-scene welcome\n"
      "expect-id pin.1\n"
      "expect-no-id pin.x\n"
      "screenshot 01-welcome\n"
      "   advance-time 61.5   \n"
      "quit\n",
      "t.balie");
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.steps.size(), 18u);
  EXPECT_EQ(std::get<script::Tap>(r.steps[0].action).id, "welcome.staff");
  EXPECT_EQ(r.steps[0].line, 2);
  auto d = std::get<script::Drag>(r.steps[2].action);
  EXPECT_EQ(d.path.size(), 2u);
  EXPECT_FLOAT_EQ(d.path[1].x, 0.9f);
  EXPECT_TRUE(std::get<script::Drag>(r.steps[3].action).pixels);
  EXPECT_EQ(std::get<script::Type>(r.steps[4].action).text, "Ahmad \xD8\xA3\xD8\xAD\xD9\x85\xD8\xAF");
  EXPECT_EQ(std::get<script::KeyPress>(r.steps[5].action).name, "alt+f4");
  EXPECT_DOUBLE_EQ(std::get<script::WaitFor>(r.steps[7].action).seconds, 3.0);
  EXPECT_EQ(std::get<script::ExpectText>(r.steps[10].action).text, "Welkom bij Balie");
  EXPECT_FALSE(std::get<script::ExpectText>(r.steps[11].action).present);
  EXPECT_DOUBLE_EQ(std::get<script::AdvanceTime>(r.steps[16].action).seconds, 61.5);
}

TEST(ScriptParser, ErrorsNameFileAndLine) {
  auto r = script::parse("tap a\n\ntapp b\n", "x.balie");
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("x.balie:3:"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("unknown step 'tapp'"), std::string::npos) << r.error;
  EXPECT_TRUE(r.steps.empty());
}

TEST(ScriptParser, RejectsMalformedArguments) {
  const char* bad[] = {
      "tap",                         // missing id
      "tap a b",                     // too many
      "tap bad/id",                  // invalid id
      "tap-at x 1",                  // not a number
      "drag pad 0.1,0.1",            // one point
      "drag pad 0.1,0.1 2,0.5",      // outside the item
      "drag-px 1;2 3,4",             // bad point
      "wait-for a -1",               // negative timeout
      "wait-frames 0",
      "advance-time -5",
      "advance-time nan",
      "screenshot ../../etc/x",      // path escape
      "type",
      "quit now",
  };
  for (const char* line : bad) {
    auto r = script::parse(line, "s");
    EXPECT_FALSE(r.ok()) << "accepted: " << line;
    EXPECT_NE(r.error.find("s:1:"), std::string::npos) << r.error;
  }
}

TEST(ScriptParser, RepeatBlocksNestAndPauseParses) {
  auto r = script::parse("repeat 3\n  repeat 100\n    tap a\n  end-repeat\n  pause\nend-repeat\n", "r.balie");
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.steps.size(), 6u);
  EXPECT_EQ(std::get<script::Repeat>(r.steps[0].action).count, 3);
  EXPECT_EQ(std::get<script::Repeat>(r.steps[1].action).count, 100);
  EXPECT_EQ(std::get<script::EndRepeat>(r.steps[3].action).begin, 1u);
  EXPECT_TRUE(std::holds_alternative<script::Pause>(r.steps[4].action));
  EXPECT_EQ(std::get<script::EndRepeat>(r.steps[5].action).begin, 0u);
}

TEST(ScriptParser, UnbalancedOrBadRepeatsAreErrors) {
  struct Case {
    const char* text;
    const char* where;
  };
  const Case bad[] = {
      {"tap a\nend-repeat\n", "b:2:"},
      {"tap a\nrepeat 2\ntap b\n", "b:2:"},
      {"repeat 0\ntap a\nend-repeat\n", "b:1:"},
      {"repeat 1000001\ntap a\nend-repeat\n", "b:1:"},
      {"repeat x\ntap a\nend-repeat\n", "b:1:"},
      {"repeat 2 3\ntap a\nend-repeat\n", "b:1:"},
      {"repeat 2\nend-repeat now\n", "b:2:"},
      {"pause 1\n", "b:1:"},
      {"repeat 1\nrepeat 1\nrepeat 1\nrepeat 1\nrepeat 1\nrepeat 1\nrepeat 1\nrepeat 1\nrepeat 1\n", "b:9:"},
  };
  for (const auto& c : bad) {
    auto r = script::parse(c.text, "b");
    EXPECT_FALSE(r.ok()) << "accepted: " << c.text;
    EXPECT_NE(r.error.find(c.where), std::string::npos) << c.text << " -> " << r.error;
    EXPECT_TRUE(r.steps.empty());
  }
}

TEST(ScriptParser, EmptyScriptAndBinaryJunkAreErrors) {
  EXPECT_FALSE(script::parse("# only a comment\n\n", "e").ok());
  EXPECT_FALSE(script::parse(std::string("tap a\0b", 7), "n").ok());
  EXPECT_FALSE(script::parse(std::string(5000, 'x'), "long").ok());
}

TEST(ScriptParser, MissingFileIsAClearError) {
  auto r = script::parse_file("/nonexistent/dir/none.balie");
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("cannot read script file"), std::string::npos) << r.error;
}

TEST(Args, ParsesFlags) {
  auto r = parse_args({"--windowed", "1280x800", "--script", "a.balie", "--shots", "out", "--clock-start",
                       "2026-03-02T09:30:00Z"});
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_TRUE(r.options.windowed);
  EXPECT_EQ(r.options.width, 1280);
  EXPECT_EQ(r.options.height, 800);
  EXPECT_EQ(r.options.script, "a.balie");
  EXPECT_EQ(r.options.shots_dir, "out");
  EXPECT_EQ(*parse_utc(r.options.clock_start), 1772443800LL);
}

TEST(Args, RejectsUnknownAndBadValues) {
  EXPECT_FALSE(parse_args({"--fullscreen-please"}).error.empty());
  EXPECT_FALSE(parse_args({"--windowed"}).error.empty());
  EXPECT_FALSE(parse_args({"--windowed", "big"}).error.empty());
  EXPECT_FALSE(parse_args({"--windowed", "10x10"}).error.empty());
  EXPECT_FALSE(parse_args({"--windowed", "1280x800x3"}).error.empty());
  EXPECT_FALSE(parse_args({"--clock-start", "yesterday"}).error.empty());
  EXPECT_FALSE(parse_args({"--script"}).error.empty());
}
