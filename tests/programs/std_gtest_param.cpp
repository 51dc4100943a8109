// A GoogleTest binary whose latent lock-order inversions are in tests a stack cannot name in full: a
// value-parameterized test (its instantiation and index), a typed test (its type's index) and a suite
// whose name has an underscore (the class Audit_Log_RotatesBothWays_Test splits two ways). Each takes
// its two locks one way on one thread, then the other way on another, so every test passes. The
// objects are never freed: a later test's object at the same address would be the same locks to
// Gridlock (std::mutex has no destroy), and its cycle a repeat of an earlier one.
#include <gtest/gtest.h>

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

INSTANTIATE_TEST_SUITE_P(Amounts, Ledger, ::testing::Values(5));

template <class T>
class Registry : public ::testing::Test {};
TYPED_TEST_SUITE(Registry, ::testing::Types<int>);

TYPED_TEST(Registry, RenamesBothWays) { EXPECT_EQ(both_ways(*new pair_of_locks), TypeParam{}); }

TEST(Audit_Log, RotatesBothWays) { EXPECT_EQ(both_ways(*new pair_of_locks), 0); }

}  // namespace
