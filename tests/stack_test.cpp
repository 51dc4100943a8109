#include "stack.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <set>
#include <thread>
#include <vector>

namespace {

using gridlock::capture_stack;
using gridlock::stack_id;
using gridlock::stack_of;

// The empty asm after each call keeps it from being a tail call, so each function keeps its frame.
[[gnu::noinline]] stack_id capture_here(int skip) {
  const stack_id id = capture_stack(skip);
  asm volatile("" ::: "memory");
  return id;
}

[[gnu::noinline]] stack_id capture_at_depth(int depth) {
  const stack_id id = depth == 0 ? capture_here(0) : capture_at_depth(depth - 1);
  asm volatile("" ::: "memory");
  return id;
}

TEST(Stack, CapturesNonEmptyStackStartingInCaller) {
  const stack_id id = capture_here(0);
  ASSERT_NE(id, 0u);
  const gridlock::raw_stack stack = stack_of(id);
  ASSERT_FALSE(stack.empty());
  // The innermost frame is a return address inside capture_here (capture_stack's own frame is dropped).
  const auto start = reinterpret_cast<std::uintptr_t>(&capture_here);
  EXPECT_GT(stack[0], start);
  EXPECT_LT(stack[0], start + 1024);
}

TEST(Stack, IdenticalCapturesShareAnId) {
  std::vector<stack_id> ids;
  volatile int count = 5;  // a real loop (not unrolled): one call site, so identical stacks
  for (int i = 0; i < count; ++i) ids.push_back(capture_here(0));
  for (const stack_id id : ids) EXPECT_EQ(id, ids[0]);
  EXPECT_EQ(stack_of(ids[0]), stack_of(ids[0]));
}

TEST(Stack, DifferentStacksGetDifferentIds) {
  const stack_id a = capture_at_depth(1);
  const stack_id b = capture_at_depth(2);
  ASSERT_NE(a, 0u);
  ASSERT_NE(b, 0u);
  EXPECT_NE(a, b);
  EXPECT_EQ(stack_of(b).size(), stack_of(a).size() + 1);
}

TEST(Stack, SkipDropsInnermostFrames) {
  std::array<stack_id, 3> ids{};
  volatile int count = 3;  // a real loop (not unrolled): one call site for every skip
  for (int skip = 0; skip < count; ++skip) ids[skip] = capture_here(skip);
  const gridlock::raw_stack full = stack_of(ids[0]);
  for (int skip = 1; skip < 3; ++skip) {
    const gridlock::raw_stack s = stack_of(ids[skip]);
    ASSERT_EQ(s.size() + skip, full.size());
    EXPECT_TRUE(std::equal(s.begin(), s.end(), full.begin() + skip)) << "skip " << skip;
  }
  EXPECT_EQ(capture_here(1000), 0u);  // skipping everything: no stack
}

TEST(Stack, ZeroAndUnknownIdsAreEmpty) {
  EXPECT_TRUE(stack_of(0).empty());
  EXPECT_TRUE(stack_of(0xfffffff0u).empty());
}

TEST(Stack, ConcurrentCapturesAreConsistent) {
  constexpr int threads = 8;
  constexpr int depths = 12;
  constexpr int rounds = 200;
  // ids[t][d]: what thread t got for depth d (every round must agree).
  std::vector<std::array<stack_id, depths>> ids(threads);
  std::atomic<int> mismatches{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      // volatile bounds: real loops (not unrolled or peeled), so one call site for every capture
      volatile int round_count = rounds, depth_count = depths;
      for (int r = 0; r < round_count; ++r) {
        for (int d = 0; d < depth_count; ++d) {
          const stack_id id = capture_at_depth(d);
          if (id == 0) {
            ++mismatches;
            continue;
          }
          if (r == 0) {
            ids[t][d] = id;
          } else if (ids[t][d] != id) {
            ++mismatches;
          }
          // Read back concurrently with other threads' inserts.
          const gridlock::raw_stack s = stack_of(id);
          if (s.empty() || stack_of(ids[t][d]) != s) ++mismatches;
        }
      }
    });
  }
  go = true;
  for (auto& th : pool) th.join();
  EXPECT_EQ(mismatches.load(), 0);
  // Every thread runs the same code, so the same depth gives the same stack in every thread, and
  // different depths give different stacks.
  std::set<stack_id> distinct;
  for (int d = 0; d < depths; ++d) {
    for (int t = 1; t < threads; ++t) EXPECT_EQ(ids[t][d], ids[0][d]) << "thread " << t << " depth " << d;
    distinct.insert(ids[0][d]);
    const gridlock::raw_stack s = stack_of(ids[0][d]);
    if (d > 0) {
      EXPECT_EQ(s.size(), stack_of(ids[0][d - 1]).size() + 1);
    }
  }
  EXPECT_EQ(distinct.size(), static_cast<std::size_t>(depths));
}

}  // namespace
