// Acquisition stacks in a build without optimization (tests/CMakeLists.txt compiles this file with -O0),
// where std::lock_guard, std::unique_lock and the primitives' lock() are out-of-line functions: every
// acquisition of a lock reaches the runtime from the same return address inside the primitive. The
// stacks of a lock-order finding must still name the lines that made each edge, not the first line
// that took the lock (the interposer's side: preload_test's UnoptimizedBuildStacksNameEachLine).
#include <gtest/gtest.h>

#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include "detector_test_support.h"
#include "finding_json.h"

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

/// The line of `// LINE:tag` in this file.
int line_of(const std::string& tag) {
  std::ifstream in(__FILE__);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n)
    if (line.find("// LINE:" + tag) != std::string::npos && line.find("line_of") == std::string::npos) return n;
  ADD_FAILURE() << "no LINE:" << tag;
  return -1;
}

/// The line of the first frame outside Gridlock and the standard library of each `which` stack
/// ("held_stack" or "acquire_stack") of the finding's edges.
std::vector<int> user_lines(const finding& f, const char* which) {
  nlohmann::json j = encode_finding(f);
  symbolizer s;
  symbolize_finding(j, s);
  std::vector<int> lines;
  for (const nlohmann::json& e : j.at("edges")) {
    const nlohmann::json fr = first_user_frame(e.at(which));
    lines.push_back(fr.is_object() ? fr.value("line", 0) : 0);
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

TEST_F(DebugBuildStacksTest, EachEdgeNamesTheLinesThatMadeIt) {
  run_in_thread("t", [] {
    warm();
    forward();
    backward();
  });
  const std::vector<finding> cycles = of_kind(finding_kind::lock_order_cycle);
  ASSERT_EQ(cycles.size(), 1u) << summary();
  std::vector<int> held{line_of("forward-a"), line_of("backward-b")};
  std::vector<int> acquired{line_of("forward-b"), line_of("backward-a")};
  std::sort(held.begin(), held.end());
  std::sort(acquired.begin(), acquired.end());
  EXPECT_EQ(user_lines(cycles[0], "held_stack"), held);
  EXPECT_EQ(user_lines(cycles[0], "acquire_stack"), acquired);
}

}  // namespace
}  // namespace gridlock::test
