// GoogleTest tests that stress their bodies with gridlock::check (Gridlock::check, <gridlock/gtest.h>):
// posting takes the ledger's lock and then the journal's; the buggy reconcile takes them the other way
// round. Each test body runs many times, each in a forked child.
#include <gridlock/gridlock.h>
#include <gridlock/gtest.h>
#include <gtest/gtest.h>

namespace {

struct books {
  gridlock::mutex ledger{"ledger"};
  gridlock::mutex journal{"journal"};
  int entries = 0;

  void post() {
    std::lock_guard<gridlock::mutex> l(ledger);
    std::lock_guard<gridlock::mutex> j(journal);
    ++entries;
  }
  void reconcile_in_order() { post(); }
  void reconcile_inverted() {
    std::lock_guard<gridlock::mutex> j(journal);
    std::lock_guard<gridlock::mutex> l(ledger);
    --entries;
  }
};

TEST(Ledger, PostingAndReconcilingInOrder) {
  EXPECT_TRUE(gridlock::gtest::check(
      [] {
        books b;
        gridlock::thread poster([&] { b.post(); }), reconciler([&] { b.reconcile_in_order(); });
        poster.join();
        reconciler.join();
      },
      {.iterations = 5}));
}

TEST(Ledger, ReconcileInvertsTheLockOrder) {
  EXPECT_TRUE(gridlock::gtest::check(
      [] {
        books b;
        gridlock::thread poster([&] { b.post(); });
        poster.join();
        gridlock::thread reconciler([&] { b.reconcile_inverted(); });
        reconciler.join();
      },
      {.iterations = 5}));
}

}  // namespace
