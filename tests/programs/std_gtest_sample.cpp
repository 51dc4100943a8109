// Correct: an ordinary GoogleTest program (gtest's own mutexes, std::thread in a test) must run
// unchanged under the interposer and report nothing. With SAMPLE_FAIL set, one of its tests fails, as
// a program's own tests may: a failed run, which is no finding.
#include <gtest/gtest.h>

#include <cstdlib>
#include <mutex>
#include <numeric>
#include <thread>
#include <vector>

namespace {

TEST(Sample, Arithmetic) { EXPECT_EQ(std::gcd(12, 18), 6); }

TEST(Sample, ThreadsShareACounter) {
  std::mutex mu;
  int counter = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        std::lock_guard<std::mutex> g(mu);
        ++counter;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter, 4000);
}

TEST(Sample, Strings) { EXPECT_EQ(std::string("ab") + "c", "abc"); }

TEST(Sample, FailsWhenAsked) { EXPECT_EQ(std::getenv("SAMPLE_FAIL"), nullptr); }

}  // namespace
