// gridlock::check: every way an iteration can go wrong (a predicted cycle, an actual deadlock, a crash, a
// hang, a throwing body) is told as such without harming the test process; a correct body passes;
// GRIDLOCK_REPRODUCE replays exactly one iteration, and a malformed value fails; the GoogleTest adapter
// fails a test with the replay line naming it. Failures are checked on the result objects, so this
// binary itself passes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "gridlock/check.h"
#include "gridlock/gridlock.h"
#include "gridlock/gtest.h"
#include "gridlock/strategy.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

/// Two threads, one after the other, taking A and B in opposite orders: a cycle every time, never a hang.
void abba_in_turn() {
  gridlock::mutex a{"A"}, b{"B"};
  gridlock::thread ab([&] {
    std::lock_guard first(a);
    std::lock_guard second(b);
  });
  ab.join();
  gridlock::thread ba([&] {
    std::lock_guard first(b);
    std::lock_guard second(a);
  });
  ba.join();
}

/// The same two threads at once, each waiting until the other holds its first lock: always deadlocks.
void abba_at_once() {
  gridlock::mutex a{"A"}, b{"B"};
  std::atomic<int> holding{0};
  auto take = [&](gridlock::mutex& first, gridlock::mutex& second) {
    std::lock_guard one(first);
    holding.fetch_add(1);
    while (holding.load() < 2) std::this_thread::yield();
    std::lock_guard two(second);
  };
  gridlock::thread ab([&] { take(a, b); });
  gridlock::thread ba([&] { take(b, a); });
  ab.join();
  ba.join();
}

/// Both threads take A before B.
void ordered() {
  gridlock::mutex a{"A"}, b{"B"};
  auto take = [&] {
    for (int i = 0; i < 10; ++i) {
      std::lock_guard first(a);
      std::lock_guard second(b);
    }
  };
  gridlock::thread one(take), two(take);
  one.join();
  two.join();
}

std::vector<std::string> kinds(const gridlock::check_result& r) {
  std::vector<std::string> out;
  for (const gridlock::check_finding& f : r.findings) out.push_back(f.kind);
  return out;
}

/// Sets GRIDLOCK_REPRODUCE for one test, and unsets it after.
class reproduce_env {
 public:
  explicit reproduce_env(const std::string& value) { ::setenv(gridlock::reproduce_variable, value.c_str(), 1); }
  ~reproduce_env() { ::unsetenv(gridlock::reproduce_variable); }
};

/// A file the body (in the child) appends lines to and the test (in the parent) reads.
class body_log {
 public:
  body_log() {
    const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() / ("check_test." + std::to_string(::getpid()) + "." + test->name());
    fs::remove(path_);
  }
  ~body_log() { fs::remove(path_); }
  void append(const std::string& line) const { std::ofstream(path_, std::ios::app) << line << "\n"; }
  std::vector<std::string> take() const {
    std::vector<std::string> lines;
    std::ifstream in(path_);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    fs::remove(path_);
    return lines;
  }

 private:
  fs::path path_;
};

TEST(Check, LockOrderInversionFailsWithTheCycleAndAReplayLine) {
  const gridlock::check_result r = gridlock::check(abba_in_turn, {.iterations = 5, .seed = 3});
  EXPECT_FALSE(r);
  EXPECT_EQ(r.outcome, gridlock::check_outcome::finding);
  EXPECT_EQ(r.iterations, 1);
  EXPECT_EQ(r.seed, 3u);
  ASSERT_THAT(kinds(r), ElementsAre("lock-order-cycle"));
  EXPECT_THAT(r.findings[0].locks, ::testing::UnorderedElementsAre("A", "B"));
  EXPECT_EQ(r.reproduce, "v1:random:3");
  EXPECT_THAT(r.message, HasSubstr("iteration 1 of 5 (strategy random, seed 3) found 1 finding"));
  EXPECT_THAT(r.message, HasSubstr("lock-order-cycle"));
  EXPECT_THAT(r.message, HasSubstr("(check_test.cpp:"));  // symbolized with file:line
  EXPECT_THAT(r.message, HasSubstr("GRIDLOCK_REPRODUCE=v1:random:3 /"));
  EXPECT_THAT(r.message, HasSubstr("/check_test\n"));
}

TEST(Check, CorrectBodyPassesEveryIterationUnderEveryStrategy) {
  for (const char* strategy : {"none", "random", "pct"}) {
    const gridlock::check_result r = gridlock::check(ordered, {.iterations = 8, .strategy = strategy});
    EXPECT_TRUE(r) << r.message;
    EXPECT_EQ(r.iterations, 8);
    EXPECT_EQ(r.strategy, strategy);
    EXPECT_EQ(r.seed, 8u);  // the last one: 1 + 7
    EXPECT_TRUE(r.message.empty());
    EXPECT_TRUE(r.reproduce.empty());
  }
}

TEST(Check, ActualDeadlockEndsTheIterationWithADeadlockFindingNotATimeout) {
  // The timeout is far beyond a detection: reaching it would make the outcome timeout.
  const gridlock::check_result r = gridlock::check(abba_at_once, {.iterations = 3, .timeout = 60s});
  EXPECT_EQ(r.outcome, gridlock::check_outcome::finding) << r.message;
  EXPECT_EQ(r.iterations, 1);
  EXPECT_THAT(kinds(r), ::testing::Contains("deadlock"));
  EXPECT_THAT(r.message, HasSubstr("the deadlock policy ended it"));
  EXPECT_FALSE(r.reproduce.empty());
}

TEST(Check, CrashIsTold) {
  const gridlock::check_result r = gridlock::check(
      [] {
        const rlimit no_core{0, 0};
        ::setrlimit(RLIMIT_CORE, &no_core);
        std::raise(SIGSEGV);
      },
      {.iterations = 3});
  EXPECT_EQ(r.outcome, gridlock::check_outcome::crash);
  EXPECT_EQ(r.iterations, 1);
  EXPECT_THAT(r.message, HasSubstr("was ended by signal 11 (SIGSEGV"));
  EXPECT_THAT(r.message, HasSubstr("GRIDLOCK_REPRODUCE=v1:random:1 "));
}

TEST(Check, HangIsKilledAtTheTimeoutKeepingWhatWasFound) {
  const gridlock::check_result r = gridlock::check(
      [] {
        abba_in_turn();
        for (volatile bool forever = true; forever;) {
        }
      },
      {.iterations = 3, .timeout = 300ms});
  EXPECT_EQ(r.outcome, gridlock::check_outcome::timeout);
  EXPECT_EQ(r.iterations, 1);
  EXPECT_THAT(kinds(r), ElementsAre("lock-order-cycle", "timeout"));
  EXPECT_THAT(r.message, HasSubstr("ran past its timeout and was killed"));
  EXPECT_THAT(r.message, HasSubstr("timed out after 300 ms"));
}

TEST(Check, FailingBodyIsTold) {
  const gridlock::check_result threw = gridlock::check([] { throw std::runtime_error("boom"); }, {.iterations = 3});
  EXPECT_EQ(threw.outcome, gridlock::check_outcome::failed);
  EXPECT_THAT(threw.message, HasSubstr("failed\n  the body threw: boom\n"));

  const gridlock::check_result failed = gridlock::check([] { throw gridlock::iteration_failure("balance off"); });
  EXPECT_EQ(failed.outcome, gridlock::check_outcome::failed);
  EXPECT_THAT(failed.message, HasSubstr("failed\n  balance off\n"));

  const gridlock::check_result exited = gridlock::check([] { std::_Exit(3); });
  EXPECT_EQ(exited.outcome, gridlock::check_outcome::failed);
  EXPECT_THAT(exited.message, HasSubstr("exited with code 3"));
}

TEST(Check, BadOptionsAndUnknownStrategyAreErrors) {
  const gridlock::check_result none = gridlock::check(ordered, {.iterations = 0});
  EXPECT_EQ(none.outcome, gridlock::check_outcome::error);
  EXPECT_EQ(none.iterations, 0);
  EXPECT_THAT(none.message, HasSubstr("iterations is 0, not at least 1"));
  const gridlock::check_result instant = gridlock::check(ordered, {.timeout = 0ms});
  EXPECT_EQ(instant.outcome, gridlock::check_outcome::error);
  EXPECT_THAT(instant.message, HasSubstr("timeout is 0 ms, not between 1 ms and a week"));
  const gridlock::check_result r = gridlock::check(ordered, {.strategy = "bogus"});
  EXPECT_EQ(r.outcome, gridlock::check_outcome::error);
  EXPECT_THAT(r.message, HasSubstr("could not start: unknown strategy 'bogus'"));
  EXPECT_TRUE(r.reproduce.empty());
}

/// The strategy's decisions at 30 sync points, as text: a function of the strategy and the seed alone.
std::string decisions_made() {
  gridlock::record_decisions(true);
  gridlock::mutex m{"M"};
  for (int i = 0; i < 15; ++i) std::lock_guard hold(m);
  std::ostringstream text;
  text << gridlock::current_strategy();
  for (const auto& [key, decisions] : gridlock::recorded_decisions())
    for (const gridlock::sync_decision& d : decisions)
      text << ' ' << static_cast<int>(d.action) << '/' << d.pause_ns;
  return text.str();
}

TEST(Check, ReproduceRunsJustTheIterationItNames) {
  const body_log log;
  const auto body = [&] { log.append(decisions_made()); };
  ASSERT_TRUE(gridlock::check(body, {.iterations = 2, .strategy = "random", .seed = 7}));
  const std::vector<std::string> seeds_7_and_8 = log.take();
  ASSERT_EQ(seeds_7_and_8.size(), 2u);
  ASSERT_NE(seeds_7_and_8[0], seeds_7_and_8[1]);  // the seed shows in the decisions

  const reproduce_env env("v1:random:7");
  const gridlock::check_result r = gridlock::check(body, {.iterations = 50, .strategy = "pct", .seed = 1});
  EXPECT_TRUE(r) << r.message;
  EXPECT_EQ(r.iterations, 1);
  EXPECT_EQ(r.strategy, "random");
  EXPECT_EQ(r.seed, 7u);
  EXPECT_THAT(log.take(), ElementsAre(seeds_7_and_8[0]));
}

TEST(Check, AFailuresReproduceValueReplaysTheSameFinding) {
  const gridlock::check_result found = gridlock::check(abba_in_turn, {.strategy = "pct", .seed = 12});
  ASSERT_EQ(found.outcome, gridlock::check_outcome::finding);
  const reproduce_env env(found.reproduce);
  const gridlock::check_result replayed = gridlock::check(abba_in_turn);
  EXPECT_EQ(replayed.outcome, gridlock::check_outcome::finding);
  EXPECT_EQ(replayed.iterations, 1);
  EXPECT_EQ(replayed.reproduce, found.reproduce);
  ASSERT_EQ(replayed.findings.size(), 1u);
  EXPECT_EQ(replayed.findings[0].fingerprint, found.findings[0].fingerprint);
  EXPECT_THAT(replayed.message, HasSubstr("the iteration GRIDLOCK_REPRODUCE names (strategy pct, seed 12)"));
}

TEST(Check, MalformedReproduceFailsWithoutRunningAnything) {
  for (const char* value : {"v1", "v1:random", "v1:random:7:8", "v2:random:7", "V1:random:7", "gl1:abc", "v1::7",
                            "v1:Random!:7", "v1:random:", "v1:random:-1", "v1:random:+1", "v1:random: 7",
                            "v1:random:7x", "v1:random:0x7", "v1:random:18446744073709551616"}) {
    const reproduce_env env(value);
    const gridlock::check_result r = gridlock::check(ordered);
    EXPECT_EQ(r.outcome, gridlock::check_outcome::error) << value;
    EXPECT_EQ(r.iterations, 0) << value;
    EXPECT_THAT(r.message, HasSubstr(std::string("GRIDLOCK_REPRODUCE=") + value + " is malformed: ")) << value;
  }
  const reproduce_env env("v1:bogus:7");  // well formed, but no such strategy
  EXPECT_THAT(gridlock::check(ordered).message, HasSubstr("unknown strategy 'bogus'"));
}

TEST(Check, EmptyReproduceCountsAsUnset) {
  const reproduce_env env("");
  const gridlock::check_result r = gridlock::check(ordered, {.iterations = 3});
  EXPECT_TRUE(r) << r.message;
  EXPECT_EQ(r.iterations, 3);
}

TEST(CheckGtest, PassesAndFailsTheTestWithTheReplayLineNamingIt) {
  EXPECT_TRUE(gridlock::gtest::check(ordered, {.iterations = 3}));
  const ::testing::AssertionResult r = gridlock::gtest::check(abba_in_turn, {.iterations = 3});
  EXPECT_FALSE(r);
  EXPECT_THAT(r.message(), HasSubstr("lock-order-cycle"));
  EXPECT_THAT(r.message(),
              HasSubstr("/check_test --gtest_filter=CheckGtest.PassesAndFailsTheTestWithTheReplayLineNamingIt\n"));
  EXPECT_NONFATAL_FAILURE(EXPECT_TRUE(gridlock::gtest::check(abba_in_turn)), "GRIDLOCK_REPRODUCE=v1:random:1 ");
}

TEST(CheckGtest, AssertionsFailingInTheBodyFailTheIteration) {
  const ::testing::AssertionResult r = gridlock::gtest::check([] {
    EXPECT_EQ(1 + 1, 2);
    gridlock::thread worker([] { ADD_FAILURE() << "from a worker"; });
    worker.join();
  });
  EXPECT_FALSE(r);
  EXPECT_THAT(r.message(), HasSubstr("iteration 1 of 50 (strategy random, seed 1) failed\n"));
  EXPECT_THAT(r.message(), HasSubstr("an assertion failed in the body:\n  "));
  EXPECT_THAT(r.message(), HasSubstr("check_test.cpp:"));
  EXPECT_THAT(r.message(), HasSubstr("from a worker"));
}

}  // namespace
