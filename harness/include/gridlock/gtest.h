// gridlock::check in a GoogleTest test:
//
//   TEST(Accounts, TransfersNeverDeadlock) { EXPECT_TRUE(gridlock::gtest::check([] { ... })); }
//
// A failure carries check()'s message, with a replay line that names this test's binary and
// --gtest_filter. A GoogleTest assertion that fails inside the body, in any of its threads, fails that
// iteration with the assertion's text (the body runs in a forked child, where a failure recorded the
// usual way would die with the process). Header-only, so gridlock_check itself needs no GoogleTest.
#pragma once

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <utility>

#include "gridlock/check.h"

namespace gridlock::gtest {

/// `body`, throwing iteration_failure with their text if GoogleTest assertions fail while it runs.
inline std::function<void()> failing_on_assertions(std::function<void()> body) {
  return [body = std::move(body)] {
    ::testing::TestPartResultArray results;
    {
      ::testing::ScopedFakeTestPartResultReporter intercept(
          ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ALL_THREADS, &results);
      body();
    }
    std::string failures;
    for (int i = 0; i < results.size(); ++i) {
      const ::testing::TestPartResult& r = results.GetTestPartResult(i);
      if (!r.failed()) continue;
      std::string text = r.message();
      while (!text.empty() && text.back() == '\n') text.pop_back();
      if (r.file_name() != nullptr)
        text = std::string(r.file_name()) + ":" + std::to_string(r.line_number()) + ": " + text;
      failures += "\n  " + text;
    }
    if (!failures.empty()) throw iteration_failure("an assertion failed in the body:" + failures);
  };
}

/// check() for the running test: success, or a failure with check()'s message. The replay line runs
/// this test alone unless options.rerun_arguments says otherwise.
inline ::testing::AssertionResult check(std::function<void()> body, check_options options = {}) {
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  if (test != nullptr && options.rerun_arguments.empty())
    options.rerun_arguments = std::string("--gtest_filter=") + test->test_suite_name() + "." + test->name();
  const check_result r = gridlock::check(failing_on_assertions(std::move(body)), options);
  if (r) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << r.message;
}

}  // namespace gridlock::gtest
