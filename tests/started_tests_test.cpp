// Which tests a GoogleTest binary may have been running when a finding was made, from its stdout and
// the moments the finding stream was read to its end (runner/started_tests.h).
#include "runner/started_tests.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace {

using gridlock::runner::started_tests;
using names = std::vector<std::string>;

void feed(started_tests& tests, std::string_view text) { tests.feed(text.data(), text.size()); }

// The race the two pipes make: the stream is read (empty), the binary makes a finding in A.One and
// goes on to start two more tests, and stdout is read before the stream is again. The finding's own
// test is in its list, with the later ones.
TEST(StartedTests, AFindingReadAfterLaterStartsKeepsItsOwnTest) {
  started_tests tests;
  feed(tests, "[==========] Running 3 tests from 1 test suite.\n[ RUN      ] A.One\n");
  tests.stream_read_to_end();
  feed(tests, "[       OK ] A.One (0 ms)\n[ RUN      ] A.Two\n[       OK ] A.Two (0 ms)\n[ RUN      ] A.Three\n");
  EXPECT_EQ(tests.running_at_finding(), (names{"A.One", "A.Two", "A.Three"}));
  // Read to its end once more: a finding read after it was made in A.Three or later.
  tests.stream_read_to_end();
  feed(tests, "[ RUN      ] A.Four\n");
  EXPECT_EQ(tests.running_at_finding(), (names{"A.Three", "A.Four"}));
  ASSERT_NE(tests.last(), nullptr);
  EXPECT_EQ(*tests.last(), "A.Four");
}

// Lines come in pieces, coloured or not; only tests' starts count.
TEST(StartedTests, ReadsStartsAcrossPiecesOfLines) {
  started_tests tests;
  EXPECT_EQ(tests.last(), nullptr);
  EXPECT_TRUE(tests.running_at_finding().empty());
  feed(tests, "[ RUN    ");
  feed(tests, "  ] Sizes/Logger.Rotate/0\n[  PASSED  ] 1 test.\n\x1b[0;32m[ RUN      ] \x1b[m");
  EXPECT_EQ(tests.running_at_finding(), (names{"Sizes/Logger.Rotate/0"}));
  feed(tests, "Cache/1.Evict\n");
  EXPECT_EQ(tests.running_at_finding(), (names{"Sizes/Logger.Rotate/0", "Cache/1.Evict"}));
}

// A binary that runs more tests than are kept: the latest are, and a finding read long after the
// stream was last read to its end gets as many of those as are kept, up to the last.
TEST(StartedTests, KeepsTheLatestOfManyStarts) {
  started_tests tests;
  std::string output;
  for (int i = 0; i < 10000; ++i) output += "[ RUN      ] Many.Test" + std::to_string(i) + "\n";
  feed(tests, output);
  const names running = tests.running_at_finding();
  ASSERT_FALSE(running.empty());
  EXPECT_LT(running.size(), 10000u);
  EXPECT_EQ(running.back(), "Many.Test9999");
  EXPECT_EQ(running.front(), "Many.Test" + std::to_string(10000 - running.size()));
  tests.stream_read_to_end();
  feed(tests, "[ RUN      ] Many.Last\n");
  EXPECT_EQ(tests.running_at_finding(), (names{"Many.Test9999", "Many.Last"}));
}

}  // namespace
