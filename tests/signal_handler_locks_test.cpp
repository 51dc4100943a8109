// The signal-handler-lock check on its own, through the gridlock:: primitives, with the handler's run
// marked as the interposer's wrapper marks it (handler_starting / handler_ended) and no signal sent:
// which pairs of a handler's acquisition and another thread's are reported (kind, lock, both threads),
// and which never are (a try in the handler, a recursive mutex, readers on both sides, a thread that
// blocks the signal, a signal sent to one thread that does not take the lock itself).
// tests/programs/std_signal_handler_lock.cpp has the same cases end to end, with real signals.
#include <gtest/gtest.h>
#include <signal.h>

#include <shared_mutex>

#include "detector_test_support.h"
#include "signal_handler_locks.h"

namespace gridlock::test {
namespace {

constexpr std::uint64_t usr1 = std::uint64_t{1} << (SIGUSR1 - 1);

class SignalHandlerLocksTest : public DetectorTest {
 protected:
  void SetUp() override {
    DetectorTest::SetUp();
    signal_handler_locks::handled = usr1;  // as the sigaction hook sets it for a program's handler
  }
  void TearDown() override {
    signal_handler_locks::handled = 0;
    DetectorTest::TearDown();
  }

  /// Runs `body` on this thread as SIGUSR1's handler, sent to the process or (`directed`) to this thread.
  template <class F>
  static void in_handler(F&& body, bool directed = false) {
    thread_record& self = *threads::self();
    const signal_handler_locks::context before = signal_handler_locks::handler_starting(self, SIGUSR1, directed);
    body();
    signal_handler_locks::handler_ended(self, before);
  }
};

TEST_F(SignalHandlerLocksTest, AHandlersLockThatAnotherThreadTakesIsReportedWhicheverComesFirst) {
  gridlock::mutex first("log_first");
  gridlock::mutex second("log_second");
  run_in_thread("worker", [&] { const std::lock_guard hold(first); });
  in_handler([&] {
    const std::lock_guard a(first);
    const std::lock_guard b(second);
  });
  run_in_thread("late worker", [&] { const std::lock_guard hold(second); });

  const std::vector<finding> all = of_kind(finding_kind::signal_handler_lock);
  ASSERT_EQ(all.size(), 2u) << summary();
  EXPECT_EQ(findings().size(), 2u) << summary();
  for (const auto& [f, lock, taker] : {std::tuple{all[0], "log_first", "worker"}, std::tuple{all[1], "log_second", "late worker"}}) {
    EXPECT_EQ(lock_names(f), std::vector<std::string>{lock}) << f.message;
    EXPECT_EQ(f.message.rfind(std::string("SIGUSR1's handler locks ") + lock, 0), 0u) << f.message;
    ASSERT_EQ(f.threads.size(), 2u) << f.message;
    EXPECT_EQ(f.threads[0].id, threads::self()->id) << "the handler's thread first";
    EXPECT_EQ(f.threads[1].name, taker);
    ASSERT_EQ(f.waits.size(), 1u);
    EXPECT_EQ(f.waits[0].thread, threads::self()->id);
    ASSERT_EQ(f.edges.size(), 1u);
    EXPECT_EQ(f.edges[0].from, f.edges[0].to) << "where the other thread took it";
    EXPECT_EQ(f.edges[0].thread, f.threads[1].id);
    EXPECT_FALSE(f.edges[0].held_stack.empty());
    EXPECT_FALSE(f.waits[0].stack.empty());
  }
}

TEST_F(SignalHandlerLocksTest, WhatCannotHangInTheHandlerIsNotReported) {
  gridlock::mutex tried("tried");
  gridlock::recursive_mutex reentered("reentered");
  gridlock::shared_mutex read("read");
  gridlock::mutex masked("masked");
  run_in_thread("worker", [&] {
    const std::lock_guard a(tried);
    const std::lock_guard b(reentered);
    const std::shared_lock c(read);
  });
  run_in_thread("blocker", [&] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);  // the kernel sends SIGUSR1 to other threads
    const std::lock_guard hold(masked);
  });
  in_handler([&] {
    if (tried.try_lock()) tried.unlock();
    const std::lock_guard b(reentered);
    const std::shared_lock c(read);
    const std::lock_guard d(masked);
  });
  EXPECT_TRUE(findings().empty()) << summary();

  // A writer on either side is enough.
  run_in_thread("writer", [&] { const std::lock_guard hold(read); });
  ASSERT_EQ(of_kind(finding_kind::signal_handler_lock).size(), 1u) << summary();
  const std::vector<finding> all = findings();
  const finding& f = all[0];
  EXPECT_EQ(lock_names(f), std::vector<std::string>{"read"});
  // The modes decide it, so the text says them.
  EXPECT_EQ(f.message.rfind("SIGUSR1's handler read-locks read (", 0), 0u) << f.message;
  EXPECT_NE(f.message.find("which thread " + std::to_string(f.threads[1].id) + " (writer) takes for writing with SIGUSR1"),
            std::string::npos) << f.message;
}

TEST_F(SignalHandlerLocksTest, ASignalSentToOneThreadCountsOnlyWhereThatThreadTakesTheLock) {
  gridlock::mutex others("others");
  gridlock::mutex own("own");
  run_in_thread("worker", [&] {
    const std::lock_guard a(others);
    const std::lock_guard b(own);
  });
  run_in_thread("target", [&] {
    { const std::lock_guard hold(own); }
    in_handler(
        [&] {
          const std::lock_guard a(others);
          const std::lock_guard b(own);
        },
        true);
  });
  const std::vector<finding> all = of_kind(finding_kind::signal_handler_lock);
  ASSERT_EQ(all.size(), 1u) << summary();
  EXPECT_EQ(lock_names(all[0]), std::vector<std::string>{"own"});
  ASSERT_EQ(all[0].threads.size(), 1u) << all[0].message;
  EXPECT_EQ(all[0].threads[0].name, "target");
}

}  // namespace
}  // namespace gridlock::test
