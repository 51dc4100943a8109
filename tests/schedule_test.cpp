// The schedule value (injectors/schedule.h): its text form round-trips, says when a replay is exact,
// can be written step by step, and anything else fails to parse with a one-line reason.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "injectors/schedule.h"

namespace {

using gridlock::inject::schedule;
using gridlock::inject::schedule_step;
using kind = schedule_step::kind;

schedule sample() {
  schedule s;
  s.seed = 18446744073709551615ull;
  s.steps = {{kind::choice, 0}, {kind::choice, 1}, {kind::stalled, 2}, {kind::joined, 3}, {kind::choice, 4095}};
  return s;
}

TEST(ScheduleTest, TextRoundTrips) {
  for (schedule s : {schedule{}, sample()}) {
    for (bool cut : {false, true}) {
      s.truncated = cut;
      const std::string text = s.text();
      SCOPED_TRACE(text);
      EXPECT_TRUE(text.starts_with("schedule-v1:seed="));
      EXPECT_EQ(text.find_first_of(" \t\n'\"\\$"), std::string::npos) << "one shell word";
      EXPECT_EQ(schedule::parse(text), s);
      EXPECT_EQ(schedule::parse(text).text(), text);
    }
  }
  EXPECT_EQ(sample().text(), "schedule-v1:seed=18446744073709551615:.0.1!2+3.4095");
}

TEST(ScheduleTest, StepsAppendedOneByOneMakeTheText) {
  const schedule s = sample();
  std::string written = schedule::head_text(s.seed);
  for (const schedule_step& step : s.steps) written += schedule::step_text(step);
  EXPECT_EQ(written, s.text());
  EXPECT_EQ(schedule::parse(written + std::string(schedule::cut_mark)).truncated, true);
}

TEST(ScheduleTest, ExactOnlyWithChoicesAlone) {
  schedule s;
  s.steps = {{kind::choice, 0}, {kind::choice, 2}};
  EXPECT_TRUE(s.exact());
  EXPECT_TRUE(schedule{}.exact());
  s.truncated = true;
  EXPECT_FALSE(s.exact()) << "cut: the steps after are unknown";
  EXPECT_FALSE(sample().exact()) << "a stall and a joined thread: timing chose";
}

TEST(ScheduleTest, AnythingElseFailsWithOneLine) {
  const std::vector<std::string> bad = {
      "",
      "schedule",
      "schedule-v",
      "schedule-vx:seed=1:",
      "schedule-v2:seed=1:",  // a later version
      "schedule-v0:seed=1:",
      "schedule-v1",
      "schedule-v1:seed=:",
      "schedule-v1:seed=-1:",
      "schedule-v1:seed=18446744073709551616:",  // 2^64
      "schedule-v1:seed=1",
      "schedule-v1:seed=1;",
      "schedule-v1:seed=1:0",
      "schedule-v1:seed=1:.",
      "schedule-v1:seed=1:.x",
      "schedule-v1:seed=1:.4096",
      "schedule-v1:seed=1:.1?2",
      "schedule-v1:seed=1:.1 .2",
      "schedule-v1:seed=1:....",
      "schedule-v1:seed=1:...!1",
      "SCHEDULE-v1:seed=1:",
  };
  for (const std::string& text : bad) {
    SCOPED_TRACE(text);
    try {
      schedule::parse(text);
      ADD_FAILURE() << "accepted";
    } catch (const std::invalid_argument& e) {
      const std::string why = e.what();
      EXPECT_TRUE(why.starts_with("malformed schedule: ")) << why;
      EXPECT_EQ(why.find('\n'), std::string::npos) << why;
    }
  }
}

TEST(ScheduleTest, TooManyStepsFailCleanly) {
  std::string text = schedule::head_text(1);
  for (std::size_t i = 0; i <= schedule::max_steps; ++i) text += ".0";
  EXPECT_THROW(schedule::parse(text), std::invalid_argument);
}

}  // namespace
