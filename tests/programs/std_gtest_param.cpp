// A GoogleTest binary whose latent lock-order inversions are in tests a stack cannot name in full: a
// value-parameterized test (its instantiation and index), a typed test (its type's index) and a suite
// whose name has an underscore (the class Audit_Log_RotatesBothWays_Test splits two ways). Each takes
// its two locks one way on one thread, then the other way on another, so every test passes. The
// objects are never freed: a later test's object at the same address would be the same locks to
// Gridlock (std::mutex has no destroy), and its cycle a repeat of an earlier one. With PARAM_HANG set,
// one more parameterized test hangs in a read of a pipe nobody writes: no deadlock, a timeout.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <thread>

namespace {

struct pair_of_locks {
  std::mutex first_mu;
  std::mutex second_mu;
  int value = 0;

  void forward() {
    std::lock_guard<std::mutex> a(first_mu);
    std::lock_guard<std::mutex> b(second_mu);
    ++value;
  }
  void backward() {
    std::lock_guard<std::mutex> b(second_mu);
    std::lock_guard<std::mutex> a(first_mu);
    --value;
  }
};

/// Both ways, one after the other, on threads of their own: an inversion that never hangs.
int both_ways(pair_of_locks& p) {
  std::thread one([&] { p.forward(); });
  one.join();
  std::thread other([&] { p.backward(); });
  other.join();
  return p.value;
}

class Ledger : public ::testing::TestWithParam<int> {};

TEST_P(Ledger, PostsBothWays) { EXPECT_EQ(both_ways(*new pair_of_locks), 0) << GetParam(); }

TEST_P(Ledger, WaitsForItsFeed) {
  if (std::getenv("PARAM_HANG") == nullptr) GTEST_SKIP() << "set PARAM_HANG to hang here";
  int feed[2];
  ASSERT_EQ(pipe(feed), 0);
  char c;
  EXPECT_EQ(read(feed[0], &c, 1), 1);
}

INSTANTIATE_TEST_SUITE_P(Amounts, Ledger, ::testing::Values(5));

template <class T>
class Registry : public ::testing::Test {};
TYPED_TEST_SUITE(Registry, ::testing::Types<int>);

TYPED_TEST(Registry, RenamesBothWays) { EXPECT_EQ(both_ways(*new pair_of_locks), TypeParam{}); }

TEST(Audit_Log, RotatesBothWays) { EXPECT_EQ(both_ways(*new pair_of_locks), 0); }

}  // namespace
