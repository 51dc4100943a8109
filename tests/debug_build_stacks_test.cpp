// Acquisition stacks in a build without optimization (tests/CMakeLists.txt compiles this file with -O0),
// where std::lock_guard, std::unique_lock and the primitives' lock() are out-of-line functions: every
// acquisition of a lock reaches the runtime from the same return address inside the primitive. The
// stacks of a lock-order finding must still name the lines that made each edge, not the first line
// that took the lock (the interposer's side: preload_test's UnoptimizedBuildStacksNameEachLine).
#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "detector_test_support.h"
#include "finding_json.h"
#include "source_sites.h"

// Outside namespace gridlock: reports take frames of gridlock:: functions for Gridlock's own.
namespace {

gridlock::mutex a("A"), b("B");

void warm() {
  std::lock_guard<gridlock::mutex> la(a);  // LINE:warm-a
}

void forward() {
  std::lock_guard<gridlock::mutex> la(a);  // LINE:forward-a
  std::lock_guard<gridlock::mutex> lb(b);  // LINE:forward-b
}

void backward() {
  std::unique_lock<gridlock::mutex> lb(b);  // LINE:backward-b
  std::unique_lock<gridlock::mutex> la(a);  // LINE:backward-a
}

}  // namespace

namespace gridlock::test {
namespace {

class DebugBuildStacksTest : public DetectorTest {};

/// file:line of `// LINE:tag` in this file.
std::string site(const std::string& tag) {
  return "debug_build_stacks_test.cpp:" + std::to_string(line_of(__FILE__, tag));
}

/// The finding as the reports have it: encoded and symbolized.
nlohmann::json reported(const finding& f) {
  nlohmann::json j = encode_finding(f);
  symbolizer s;
  symbolize_finding(j, s);
  return j;
}

TEST_F(DebugBuildStacksTest, EachEdgeNamesTheLinesThatMadeIt) {
  run_in_thread("t", [] {
    warm();
    forward();
    backward();
  });
  const std::vector<finding> cycles = of_kind(finding_kind::lock_order_cycle);
  ASSERT_EQ(cycles.size(), 1u) << summary();
  const nlohmann::json f = reported(cycles[0]);
  const auto sites = [&](const char* which) {
    const std::vector<std::string> v = user_sites(f, which);
    return std::multiset<std::string>(v.begin(), v.end());
  };
  EXPECT_EQ(sites("held"), (std::multiset<std::string>{site("forward-a"), site("backward-b")}));
  EXPECT_EQ(sites("acquire"), (std::multiset<std::string>{site("forward-b"), site("backward-a")}));
}

}  // namespace
}  // namespace gridlock::test
