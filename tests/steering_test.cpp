// GRIDLOCK_CONFIRM's text (harness/src/steering.h): what the runner writes, the child reads back
// exactly, and anything else is refused rather than half-read.
#include "steering.h"

#include <gtest/gtest.h>

namespace gridlock::steering {
namespace {

TEST(SteeringTarget, RoundTripsSitesWithSpacesAndRepeats) {
  const target t{20000, {{"/opt/my app/bin/server", 0x1579}, {"/usr/lib/libfoo.so.1", 0x14b4}, {"/opt/my app/bin/server", 0x1579}}};
  target back;
  ASSERT_TRUE(parse_target(format_target(t), back)) << format_target(t);
  EXPECT_EQ(back.pause_us, 20000u);
  EXPECT_EQ(back.sites, t.sites);
}

TEST(SteeringTarget, RefusesAnythingElse) {
  const char* bad[] = {
      "",
      "gridlock-confirm 2\npause-us 10\nsite 0x10 /bin/x\n",  // another version
      "gridlock-confirm 1\nsite 0x10 /bin/x\n",               // no pause
      "gridlock-confirm 1\npause-us 10\n",                    // no site
      "gridlock-confirm 1\npause-us ten\nsite 0x10 /bin/x\n",
      "gridlock-confirm 1\npause-us 2000000\nsite 0x10 /bin/x\n",  // past the cap
      "gridlock-confirm 1\npause-us 10\nsite 16 /bin/x\n",         // not hex
      "gridlock-confirm 1\npause-us 10\nsite 0x1g /bin/x\n",
      "gridlock-confirm 1\npause-us 10\nsite 0x10\n",  // no module
      "gridlock-confirm 1\npause-us 10\nsite 0x10 /bin/x\nhold 3\n",
  };
  for (const char* text : bad) {
    target t;
    EXPECT_FALSE(parse_target(text, t)) << text;
  }
}

}  // namespace
}  // namespace gridlock::steering
