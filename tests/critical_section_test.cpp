// The critical-section contract the interposer's fork gate and signal deferral rely on
// (internal_lock.h): every internal_lock is held inside a critical section, so is the unwinder, and
// the observer hears of each one's start and end exactly once, even when a try_lock fails.
#include <gtest/gtest.h>

#include "internal_lock.h"
#include "stack.h"

namespace gridlock {
namespace {

struct counts {
  int depth = 0;      // sections open now
  int max_depth = 0;
  int entered = 0;
};
thread_local counts t_counts;

void count_enter() noexcept {
  counts& c = t_counts;
  ++c.entered;
  if (++c.depth > c.max_depth) c.max_depth = c.depth;
}
void count_leave() noexcept { --t_counts.depth; }

constexpr critical_observer counting{count_enter, count_leave};

class CriticalSection : public ::testing::Test {
 protected:
  void SetUp() override {
    t_counts = {};
    detail::critical_hooks = &counting;
  }
  void TearDown() override { detail::critical_hooks = nullptr; }
};

TEST_F(CriticalSection, AnInternalLockIsHeldInsideOne) {
  internal_lock outer, inner;
  outer.lock();
  EXPECT_EQ(t_counts.depth, 1);
  inner.lock();
  EXPECT_EQ(t_counts.depth, 2);  // nested: the observer counts, only the outermost meets the gate
  inner.unlock();
  outer.unlock();
  EXPECT_EQ(t_counts.depth, 0);
  EXPECT_EQ(t_counts.entered, 2);
}

TEST_F(CriticalSection, AFailedTryLockLeavesNoneOpen) {
  internal_lock l;
  ASSERT_TRUE(l.try_lock());
  EXPECT_EQ(t_counts.depth, 1);
  EXPECT_FALSE(l.try_lock());
  EXPECT_EQ(t_counts.depth, 1);
  l.unlock();
  EXPECT_EQ(t_counts.depth, 0);
  EXPECT_EQ(t_counts.entered, 2);
}

TEST_F(CriticalSection, CapturingAStackUnwindsAndStoresInsideOnes) {
  ASSERT_NE(capture_stack(), 0u);
  EXPECT_EQ(t_counts.depth, 0);
  EXPECT_GE(t_counts.entered, 2);  // the unwinder, then the depot's lock
}

}  // namespace
}  // namespace gridlock
