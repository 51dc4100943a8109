// Naming the GoogleTest tests a finding happened in from its stacks (harness/src/googletest_tests.h).
#include "googletest_tests.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "finding_text.h"

namespace {

using gridlock::googletest_test_of;
using nlohmann::json;

TEST(GoogleTestOf, ATestBodyAndItsLambdasNameTheirTest) {
  EXPECT_EQ(googletest_test_of("(anonymous namespace)::Cache_Evict_Test::TestBody()"), "Cache.Evict");
  EXPECT_EQ(googletest_test_of("Cache_Evict_Test::TestBody()"), "Cache.Evict");
  EXPECT_EQ(googletest_test_of("(anonymous namespace)::Cache_RefreshThenEvict_Test::TestBody::{lambda}::operator()"),
            "Cache.RefreshThenEvict");
  EXPECT_EQ(googletest_test_of("app::tests::PoolTest_Drains_Test::TestBody()"), "PoolTest.Drains");  // TEST_F
  EXPECT_EQ(googletest_test_of("Queue_Pops_Test<std::pair<int, long> >::TestBody()"), "Queue.Pops");  // TYPED_TEST
  // std::thread's invoker of a lambda in a test body names it in a template argument.
  EXPECT_EQ(googletest_test_of("std::thread::_Invoker<std::tuple<BankTest_Transfer_Test::TestBody()::<lambda()> > >"
                               "::operator()"),
            "BankTest.Transfer");
}

TEST(GoogleTestOf, UnderscoresThatCouldSplitEitherWayAreWildcards) {
  EXPECT_EQ(googletest_test_of("My_Cache_Evict_Test::TestBody()"), "My?Cache?Evict");
}

TEST(GoogleTestOf, OtherFunctionsNameNoTest) {
  EXPECT_EQ(googletest_test_of("cache::evict(int)"), std::nullopt);
  EXPECT_EQ(googletest_test_of("testing::Test::Run()"), std::nullopt);
  EXPECT_EQ(googletest_test_of("Cache_Evict_Test::TestBodyHelper()"), std::nullopt);
  EXPECT_EQ(googletest_test_of("Runner::TestBody()"), std::nullopt);  // not a TEST's class
  EXPECT_EQ(googletest_test_of("Cache_Test::TestBody()"), std::nullopt);
  EXPECT_EQ(googletest_test_of(""), std::nullopt);
}

json stack_in(const std::string& function) {
  return json::array({{{"function", "cache::evict(int)"}}, {{"function", function}}});
}

TEST(GoogleTests, AFindingsStacksNameItsTestsNotWhereItsLocksWereFirstSeen) {
  json f = {{"kind", "lock-order-cycle"},
            {"locks", {{{"id", 1}, {"created", stack_in("Cache_Lookup_Test::TestBody()")}}}},
            {"edges",
             {{{"from", 1}, {"to", 2}, {"held_stack", stack_in("Cache_Refresh_Test::TestBody()")},
               {"acquire_stack", stack_in("Cache_Refresh_Test::TestBody()")},
               {"also", {{{"thread", 4}, {"held_stack", stack_in("Cache_Evict_Test::TestBody()")},
                          {"acquire_stack", stack_in("Cache_Evict_Test::TestBody()")}}}}}}},
            {"threads", {{{"id", 3}, {"started_at", stack_in("Pool_Start_Test::TestBody()")}}}}};
  EXPECT_EQ(gridlock::googletest_tests(f), (std::vector<std::string>{"Cache.Evict", "Cache.Refresh"}));
  f["tests"] = gridlock::googletest_tests(f);
  EXPECT_EQ(gridlock::tests_phrase(f), "in tests Cache.Evict, Cache.Refresh");
}

// One bug that several tests made is one finding of a report, in all of them.
TEST(GoogleTests, TheSameBugFromOtherTestsAddsThem) {
  json first = {{"tests", {"Cache.Refresh"}}};
  gridlock::add_tests(first, json{{"tests", {"Cache.Evict", "Cache.Refresh"}}});
  EXPECT_EQ(first["tests"], json::array({"Cache.Evict", "Cache.Refresh"}));
  json none = json::object();
  gridlock::add_tests(none, json::object());
  EXPECT_FALSE(none.contains("tests"));
  gridlock::add_tests(none, first);
  EXPECT_EQ(none["tests"], first["tests"]);
}

TEST(GoogleTests, AFailedRunsOutputSaysWhichTestsFailed) {
  const std::string output =
      "[ RUN      ] DBTest.Empty\n[       OK ] DBTest.Empty (3 ms)\n[ RUN      ] DBTest.HiddenValuesAreRemoved\n"
      "db_test.cc:700: Failure\n[  FAILED  ] DBTest.HiddenValuesAreRemoved (41 ms)\n"
      "[  FAILED  ] Sizes/LoggerParam.Rotate/0, where GetParam() = 4 (2 ms)\n"
      "[==========] 3 tests ran.\n[  FAILED  ] 2 tests, listed below:\n[  FAILED  ] DBTest.HiddenValuesAreRemoved\n"
      "[  FAILED  ] Sizes/LoggerParam.Rotate/0, where GetParam() = 4\n\n 2 FAILED TESTS\n";
  EXPECT_EQ(gridlock::failed_googletest_tests(output),
            (std::vector<std::string>{"DBTest.HiddenValuesAreRemoved", "Sizes/LoggerParam.Rotate/0"}));
  EXPECT_EQ(gridlock::failed_googletest_tests("Segmentation fault\n"), std::vector<std::string>{});
}

// A pool's thread runs no test's code: the test that started it is where its finding happened.
TEST(GoogleTests, WithoutOneOnItsStacksTheTestThatStartedItsThreadsNamesIt) {
  const json f = {{"kind", "deadlock"},
                  {"waits", {{{"thread", 3}, {"stack", stack_in("pool::worker_loop()")}}}},
                  {"threads", {{{"id", 3}, {"started_at", stack_in("Pool_Start_Test::TestBody()")}}}}};
  EXPECT_EQ(gridlock::googletest_tests(f), std::vector<std::string>{"Pool.Start"});
  const json in_main = {{"kind", "deadlock"}, {"waits", {{{"thread", 3}, {"stack", stack_in("main")}}}}};
  EXPECT_EQ(gridlock::googletest_tests(in_main), std::vector<std::string>{});
}

TEST(GoogleTestOutput, ATestsStartLineNamesIt) {
  EXPECT_EQ(gridlock::started_googletest_test("[ RUN      ] Sizes/Logger.Rotate/0"), "Sizes/Logger.Rotate/0");
  EXPECT_EQ(gridlock::started_googletest_test("\x1b[0;32m[ RUN      ] \x1b[mCache.Evict"), "Cache.Evict")
      << "--gtest_color=yes";
  EXPECT_EQ(gridlock::started_googletest_test("[       OK ] Cache.Evict (0 ms)"), std::nullopt);
  EXPECT_EQ(gridlock::started_googletest_test("[ RUN      ] "), std::nullopt);
  EXPECT_EQ(gridlock::started_googletest_test("cache: evicted 3 entries"), std::nullopt);
}

// What a stack shows of a test, given the full names of the tests that were starting about then.
TEST(GoogleTestOutput, TheTestsStartedAroundAFindingGiveItsFullName) {
  using gridlock::full_googletest_name;
  const std::vector<std::string> running = {"Cache.Lookup", "Sizes/Logger.Rotate/1", "Cache/0.Evict",
                                            "Prefix/Index/2.Build", "My_Cache.Evict", "Sizes/Logger.Flush/Small"};
  EXPECT_EQ(full_googletest_name("Logger.Rotate", running), "Sizes/Logger.Rotate/1") << "a value-parameterized test";
  EXPECT_EQ(full_googletest_name("Logger.Flush", running), "Sizes/Logger.Flush/Small") << "its parameter's own name";
  EXPECT_EQ(full_googletest_name("Cache.Evict", running), "Cache/0.Evict") << "a typed test";
  EXPECT_EQ(full_googletest_name("Index.Build", running), "Prefix/Index/2.Build") << "a type-parameterized test";
  EXPECT_EQ(full_googletest_name("My?Cache?Evict", running), "My_Cache.Evict") << "where the underscore split";
  EXPECT_EQ(full_googletest_name("Cache.Lookup", running), "Cache.Lookup");
  EXPECT_EQ(full_googletest_name("Cache.Insert", running), "Cache.Insert") << "none started about then";
  // Two of its instances started about then: which one it was is not known.
  EXPECT_EQ(full_googletest_name("Logger.Rotate", {"Sizes/Logger.Rotate/0", "Sizes/Logger.Rotate/1"}), "Logger.Rotate");
}

// The runner adds the tests starting about when the finding came; the stacks choose among them.
TEST(GoogleTests, AFindingsRunningTestsGiveItsTestsTheirFullNames) {
  json f = {{"kind", "lock-order-cycle"},
            {"edges", {{{"held_stack", stack_in("Ledger_Posts_Test::TestBody()")},
                        {"acquire_stack", stack_in("Audit_Log_Rotates_Test::TestBody()")}}}}};
  f[std::string(gridlock::googletest_running_key)] = {"Amounts/Ledger.Posts/0", "Audit_Log.Rotates", "Other.Test"};
  EXPECT_EQ(gridlock::googletest_tests(f), (std::vector<std::string>{"Amounts/Ledger.Posts/0", "Audit_Log.Rotates"}));
}

}  // namespace
