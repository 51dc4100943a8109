// The wait-for detector end to end: actual deadlocks (threads that really block for each other) are
// named the moment they form, and a state where every thread waits for something only another blocked
// thread could give is all-threads-blocked. Nothing here may hang: under deadlock_policy::throw_ the
// thread that closes the deadlock gets finding_error and backs out, releasing what the others wait
// for; the default exit policy is checked in death tests, where the process ends with
// gridlock::deadlock_exit_code. Which thread closes a race is up to the scheduler, so the throw_ cases
// accept either, and check that exactly one did.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <latch>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "detector_test_support.h"
#include "wait_for_detector.h"
#include "gridlock/gridlock.h"

namespace gridlock::test {
namespace {

using namespace std::chrono_literals;

class WaitForTest : public DetectorTest {};

class WaitForDeathTest : public DetectorTest {
 protected:
  void SetUp() override {
    DetectorTest::SetUp();
    // Re-run the binary for the child instead of forking this (multi-threaded) one.
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    // The child's stderr is matched against the finding's text: let it print (the child is a new
    // run of this binary, so it must not quiet itself either).
    if (quiet_reports) {
      ::unsetenv("GRIDLOCK_QUIET");
      ::setenv("GRIDLOCK_TEST_VERBOSE", "1", 1);
    }
  }
  void TearDown() override {
    if (quiet_reports) {
      ::setenv("GRIDLOCK_QUIET", "1", 1);
      ::unsetenv("GRIDLOCK_TEST_VERBOSE");
    }
    DetectorTest::TearDown();
  }
};

/// The wait entry of the thread named `name`, or null.
const wait_info* wait_of(const finding& f, std::string_view name) {
  const thread_info* t = thread_named(f, name);
  if (t == nullptr) return nullptr;
  for (const wait_info& w : f.waits)
    if (w.thread == t->id) return &w;
  return nullptr;
}

/// The id of the lock named `name` in the finding, or 0.
std::uint64_t id_of(const finding& f, std::string_view name) {
  const lock_info* l = lock_named(f, name);
  return l != nullptr ? l->id : 0;
}

bool holds(const wait_info& w, std::uint64_t lock) {
  return std::find(w.holds.begin(), w.holds.end(), lock) != w.holds.end();
}

/// Checks that `f` says thread `name` waits for lock `wants` while holding `has`.
void expect_waits(const finding& f, std::string_view name, std::string_view wants, std::string_view has) {
  const wait_info* w = wait_of(f, name);
  ASSERT_NE(w, nullptr) << "no wait for " << name << " in: " << f.message;
  ASSERT_TRUE(w->lock.has_value()) << name;
  EXPECT_EQ(*w->lock, id_of(f, wants)) << name << " should wait for " << wants;
  EXPECT_TRUE(holds(*w, id_of(f, has))) << name << " should hold " << has;
  EXPECT_FALSE(w->stack.empty()) << name << " has no wait stack";
  EXPECT_NE(w->waits_for.find(std::string(wants)), std::string::npos) << w->waits_for;
}

// ---------------------------------------------------------------------------------------------------
// Actual deadlocks.

/// Two threads, each holding its first lock before asking for the other's: a real ABBA deadlock.
/// Whoever closes it gets finding_error, releases its first lock and so lets the other finish.
TEST_F(WaitForTest, AbbaDeadlockThrowsInTheClosingThread) {
  gridlock::mutex a("A"), b("B");
  std::latch both_hold(2);
  std::latch finished(2);  // main waits here, unseen by the detectors: only t1 and t2 ever block
  std::atomic<int> thrown{0};
  std::optional<finding> seen;
  std::mutex seen_mu;

  auto body = [&](gridlock::mutex& first, gridlock::mutex& second) {
    std::unique_lock<gridlock::mutex> held(first);
    both_hold.arrive_and_wait();
    try {
      std::lock_guard<gridlock::mutex> g(second);
    } catch (const finding_error& e) {
      ++thrown;
      std::lock_guard<std::mutex> g(seen_mu);
      seen = e.which();
    }
    held.unlock();
    finished.count_down();
  };
  gridlock::thread t1 = gridlock::thread::named("t1", body, std::ref(a), std::ref(b));
  gridlock::thread t2 = gridlock::thread::named("t2", body, std::ref(b), std::ref(a));
  finished.wait();
  t1.join();
  t2.join();

  EXPECT_EQ(thrown.load(), 1) << "exactly one thread closes the deadlock:\n" << summary();
  const std::vector<finding> deadlocks = of_kind(finding_kind::deadlock);
  ASSERT_EQ(deadlocks.size(), 1u) << summary();
  const finding& f = deadlocks[0];
  EXPECT_EQ(to_string(f.kind), "deadlock");
  EXPECT_EQ(thread_names(f), (std::vector<std::string>{"t1", "t2"}));
  EXPECT_EQ(lock_names(f), (std::vector<std::string>{"A", "B"}));
  ASSERT_EQ(f.waits.size(), 2u);
  expect_waits(f, "t1", "B", "A");
  expect_waits(f, "t2", "A", "B");
  EXPECT_FALSE(f.stack.empty());
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->kind, finding_kind::deadlock);
  EXPECT_EQ(seen->message, f.message);

  // The inverted order is a lock-order cycle as well (reported, not fatal); nothing else is.
  EXPECT_EQ(of_kind(finding_kind::lock_order_cycle).size(), 1u) << summary();
  EXPECT_EQ(findings().size(), 2u) << summary();
}

/// Two threads blocked in an ABBA cycle whose own checks have not run yet (preempted between the
/// announcement and the check), when a third thread blocks and finds every thread blocked: the cycle is
/// the deadlock, named as such whichever thread's check comes first, not all-threads-blocked.
TEST_F(WaitForTest, ACycleSeenByAnotherThreadsCheckIsADeadlock) {
  gridlock::mutex a("A"), b("B");
  std::latch announced(2);
  std::latch resume(1);
  // Each holds its first lock and announces its wait for the other's, without checking (announce_block:
  // the hooks' way of announcing before a real wait that is checked later), then sleeps unseen.
  auto body = [&](gridlock::mutex& first, gridlock::mutex& second) {
    std::lock_guard<gridlock::mutex> held(first);
    events::announce_block({.kind = wait_kind::lock, .object = &second, .lock = second.record()});
    announced.count_down();
    resume.wait();
    events::after_wake();
  };
  gridlock::thread t1 = gridlock::thread::named("t1", body, std::ref(a), std::ref(b));
  gridlock::thread t2 = gridlock::thread::named("t2", body, std::ref(b), std::ref(a));
  announced.wait();
  std::optional<finding> seen;
  try {
    t1.join();  // main's check: no cycle through main, every thread blocked
  } catch (const finding_error& e) {
    seen = e.which();
  }
  resume.count_down();
  t1.join();
  t2.join();

  ASSERT_TRUE(seen.has_value()) << summary();
  EXPECT_EQ(seen->kind, finding_kind::deadlock) << seen->message;
  const std::vector<finding> deadlocks = of_kind(finding_kind::deadlock);
  ASSERT_EQ(deadlocks.size(), 1u) << summary();
  EXPECT_EQ(thread_names(deadlocks[0]), (std::vector<std::string>{"t1", "t2"}));
  expect_waits(deadlocks[0], "t1", "B", "A");
  expect_waits(deadlocks[0], "t2", "A", "B");
  EXPECT_TRUE(of_kind(finding_kind::all_threads_blocked).empty()) << summary();
}

/// A death test's child: ends with deadlock_exit_code, or with 0 if nothing was found.
void abba_deadlock_child() {
  set_deadlock_policy(deadlock_policy::exit);
  gridlock::mutex a("A"), b("B");
  std::latch both_hold(2);
  auto body = [&](gridlock::mutex& first, gridlock::mutex& second) {
    std::lock_guard<gridlock::mutex> g1(first);
    both_hold.arrive_and_wait();
    std::lock_guard<gridlock::mutex> g2(second);
  };
  gridlock::thread t1 = gridlock::thread::named("t1", body, std::ref(a), std::ref(b));
  gridlock::thread t2 = gridlock::thread::named("t2", body, std::ref(b), std::ref(a));
  t1.join();
  t2.join();
  std::exit(0);  // not reached: the deadlock ends the process
}

TEST_F(WaitForDeathTest, AbbaDeadlockEndsTheProcessUnderTheDefaultPolicy) {
  EXPECT_EXIT(abba_deadlock_child(), 
              ::testing::ExitedWithCode(gridlock::deadlock_exit_code), "gridlock: deadlock");
}

/// Main holds A and joins a thread that needs A.
TEST_F(WaitForTest, JoinWhileHoldingTheLockTheJoinedThreadNeeds) {
  gridlock::mutex a("A");
  std::atomic<bool> thrown_in_worker{false};
  bool thrown_in_main = false;
  a.lock();
  gridlock::thread t = gridlock::thread::named("worker", [&] {
    try {
      std::lock_guard<gridlock::mutex> g(a);
    } catch (const finding_error& e) {
      thrown_in_worker = true;
    }
  });
  EXPECT_TRUE(wait_until_blocked(t));  // so that, almost always, main's join closes the deadlock
  try {
    t.join();
  } catch (const finding_error& e) {
    thrown_in_main = true;
    EXPECT_EQ(e.which().kind, finding_kind::deadlock);
    a.unlock();
    t.join();
  }
  if (!thrown_in_main) a.unlock();

  EXPECT_NE(thrown_in_main, thrown_in_worker.load()) << "exactly one thread closes the deadlock";
  const std::vector<finding> all = findings();
  ASSERT_EQ(all.size(), 1u) << summary(all);
  const finding& f = all[0];
  EXPECT_EQ(f.kind, finding_kind::deadlock);
  EXPECT_EQ(thread_names(f), (std::vector<std::string>{"main", "worker"}));
  EXPECT_EQ(lock_names(f), (std::vector<std::string>{"A"}));
  const wait_info* main_wait = wait_of(f, "main");
  const wait_info* worker_wait = wait_of(f, "worker");
  ASSERT_NE(main_wait, nullptr);
  ASSERT_NE(worker_wait, nullptr);
  EXPECT_TRUE(holds(*main_wait, id_of(f, "A")));
  EXPECT_NE(main_wait->waits_for.find("join"), std::string::npos) << main_wait->waits_for;
  EXPECT_NE(main_wait->waits_for.find("worker"), std::string::npos) << main_wait->waits_for;
  ASSERT_TRUE(worker_wait->lock.has_value());
  EXPECT_EQ(*worker_wait->lock, id_of(f, "A"));
}

/// A join issued right after the constructor, before the new thread has announced itself, is still a
/// wait for that thread: main holds A and joins at once a worker that needs A. Repeated, so that the
/// join usually wins the race with the worker's start at least once. A missed deadlock would hang, so
/// this runs in a child with a watchdog that ends it with code 3 instead.
void join_right_after_start_child() {
  std::thread([] {
    std::this_thread::sleep_for(20s);
    std::_Exit(3);
  }).detach();
  constexpr int attempts = 10;
  for (int i = 0; i < attempts; ++i) {
    gridlock::mutex a("A");
    a.lock();
    gridlock::thread t = gridlock::thread::named("worker", [&] {
      try {
        std::lock_guard<gridlock::mutex> g(a);
      } catch (const finding_error&) {
      }
    });
    try {
      t.join();
    } catch (const finding_error&) {
      a.unlock();
      t.join();
      continue;
    }
    a.unlock();
  }
  std::_Exit(of_kind(finding_kind::deadlock).size() == attempts ? 0 : 1);
}

TEST_F(WaitForDeathTest, JoinRightAfterStartIsSeen) {
  // The child (a re-run of this binary) reports ten deadlocks: keep their symbolized text off stderr.
  ::setenv("GRIDLOCK_QUIET", "1", 1);
  EXPECT_EXIT(join_right_after_start_child(), ::testing::ExitedWithCode(0), "");
}

/// A lock whose owner has exited can never be taken: waiting for it is a deadlock at once.
TEST_F(WaitForTest, WaitingForALockHeldByAnExitedThread) {
  gridlock::mutex m("M");
  run_in_thread("leaver", [&] { m.lock(); });  // exits holding M (reported as lock-held-at-exit)
  ASSERT_EQ(of_kind(finding_kind::lock_held_at_exit).size(), 1u) << summary();

  try {
    m.lock();
    ADD_FAILURE() << "locked a mutex held by an exited thread";
    m.unlock();
  } catch (const finding_error& e) {
    EXPECT_EQ(e.which().kind, finding_kind::deadlock);
  }
  const std::vector<finding> deadlocks = of_kind(finding_kind::deadlock);
  ASSERT_EQ(deadlocks.size(), 1u) << summary();
  const finding& f = deadlocks[0];
  EXPECT_EQ(lock_names(f), (std::vector<std::string>{"M"}));
  EXPECT_NE(thread_named(f, "main"), nullptr);
  EXPECT_NE(thread_named(f, "leaver"), nullptr) << "the exited owner is named too: " << f.message;
  EXPECT_NE(f.message.find("exited"), std::string::npos) << f.message;
  // (M goes out of scope still held by the dead thread: destroy-locked, which is not this test's point.)
}

/// A thread named after it started (the kernel's name, not the one it registered with) is still named
/// once it has exited: the kernel forgets the name with the thread.
TEST_F(WaitForTest, AnExitedOwnerKeepsTheNameItTookLater) {
  gridlock::mutex m("M");
  gridlock::mutex first("first");
  std::thread([&] {
    first.lock();  // registers the thread, still without a name of its own
    first.unlock();
    pthread_setname_np(pthread_self(), "renamed");
    m.lock();
  }).join();
  EXPECT_THROW(m.lock(), finding_error);
  const std::vector<finding> deadlocks = of_kind(finding_kind::deadlock);
  ASSERT_EQ(deadlocks.size(), 1u) << summary();
  EXPECT_NE(thread_named(deadlocks[0], "renamed"), nullptr) << deadlocks[0].message;
  EXPECT_NE(deadlocks[0].message.find(" (renamed) which has exited"), std::string::npos)
      << deadlocks[0].message;
}

// ---------------------------------------------------------------------------------------------------
// All threads blocked.

/// The notify happened before anyone waited; the waiter waits without a predicate, main joins it.
TEST_F(WaitForTest, LostWakeupIsAllThreadsBlocked) {
  gridlock::mutex m("M");
  gridlock::condition_variable cv("CV");
  std::atomic<bool> thrown_in_waiter{false};
  bool thrown_in_main = false;

  cv.notify_one();  // nobody waits yet: this wakeup is lost
  gridlock::thread t = gridlock::thread::named("waiter", [&] {
    std::unique_lock<gridlock::mutex> lk(m);
    try {
      cv.wait(lk);  // no predicate: waits for a notify that already happened
    } catch (const finding_error&) {
      thrown_in_waiter = true;
      // See ConditionWaitThatThrowsLeavesTheMutexHeld: today the wait throws with M handed back to
      // the real wait's caller but not to the detectors, so the unique_lock must not unlock it.
      if (!events::holds(m.record(), access::exclusive)) lk.release();
    }
  });
  EXPECT_TRUE(wait_until_blocked(t));  // the waiter waits; main's join completes the state
  try {
    t.join();
  } catch (const finding_error& e) {
    thrown_in_main = true;
    EXPECT_EQ(e.which().kind, finding_kind::all_threads_blocked);
    { std::lock_guard<gridlock::mutex> g(m); }  // the waiter is inside the real wait now
    cv.notify_one();
    t.join();
  }

  EXPECT_NE(thrown_in_main, thrown_in_waiter.load()) << "exactly one thread completes the state";
  const std::vector<finding> all = findings();
  ASSERT_EQ(all.size(), 1u) << summary(all);
  const finding& f = all[0];
  EXPECT_EQ(to_string(f.kind), "all-threads-blocked");
  EXPECT_EQ(thread_names(f), (std::vector<std::string>{"main", "waiter"}));
  const wait_info* w = wait_of(f, "waiter");
  ASSERT_NE(w, nullptr);
  EXPECT_NE(w->waits_for.find("condition variable"), std::string::npos) << w->waits_for;
  EXPECT_TRUE(w->holds.empty()) << "a condition variable wait releases its mutex";
  const wait_info* mw = wait_of(f, "main");
  ASSERT_NE(mw, nullptr);
  EXPECT_NE(mw->waits_for.find("join"), std::string::npos) << mw->waits_for;
}

/// A death test's child: ends with deadlock_exit_code, or with 0 if nothing was found.
void lost_wakeup_child() {
  set_deadlock_policy(deadlock_policy::exit);
  gridlock::mutex m("M");
  gridlock::condition_variable cv("CV");
  cv.notify_all();
  gridlock::thread t = gridlock::thread::named("waiter", [&] {
    std::unique_lock<gridlock::mutex> lk(m);
    cv.wait(lk);
  });
  wait_until_started(t);  // see JoinRightAfterStartIsSeen
  t.join();
  std::exit(0);
}

TEST_F(WaitForDeathTest, LostWakeupEndsTheProcessUnderTheDefaultPolicy) {
  EXPECT_EXIT(lost_wakeup_child(), 
              ::testing::ExitedWithCode(gridlock::deadlock_exit_code), "gridlock: all-threads-blocked");
}

/// A death test's child: a detached thread still parked in its wait when main calls exit(), as a
/// library's idle helper is. The process is going away: that is no hang.
void parked_at_exit_child() {
  set_deadlock_policy(deadlock_policy::exit);
  // Never destroyed: glibc's pthread_cond_destroy waits for the waiter.
  auto* m = new gridlock::mutex("M");
  auto* cv = new gridlock::condition_variable("CV");
  gridlock::thread t = gridlock::thread::named("helper", [m, cv] {
    std::unique_lock<gridlock::mutex> lk(*m);
    cv->wait(lk, [] { return false; });
  });
  if (!wait_until_blocked(t)) std::exit(3);
  t.detach();
  std::exit(0);
}

TEST_F(WaitForDeathTest, AThreadStillWaitingWhenMainExitsIsNoHang) {
  EXPECT_EXIT(parked_at_exit_child(), ::testing::ExitedWithCode(0), "");
}

/// A pool shut down with notify_one where notify_all was needed: one worker wakes and leaves, two sleep
/// on. The runtime saw a notify reach their condition variable, but they are still asleep in it: main's
/// join of them is all-threads-blocked, not a hang.
TEST_F(WaitForTest, NotifyOneAtShutdownLeavesTheOtherWorkersBlocked) {
  gridlock::mutex m("M");
  gridlock::condition_variable cv("CV");
  bool stop = false;
  std::atomic<int> woken{-1};
  std::vector<gridlock::thread> workers;
  for (int i = 0; i < 3; ++i)
    workers.push_back(gridlock::thread::named("worker" + std::to_string(i), [&, i] {
      std::unique_lock<gridlock::mutex> lk(m);
      cv.wait(lk, [&] { return stop; });
      woken = i;
    }));
  for (gridlock::thread& w : workers) EXPECT_TRUE(wait_until_blocked(w));
  {
    std::lock_guard<gridlock::mutex> g(m);
    stop = true;
  }
  cv.notify_one();  // the bug
  // Main joins the worker that left first, so that its next join is what completes the state.
  const auto give_up = std::chrono::steady_clock::now() + 20s;
  while (woken.load() < 0 && std::chrono::steady_clock::now() < give_up) std::this_thread::sleep_for(1ms);
  const int left = woken.load();
  EXPECT_GE(left, 0) << "the notify woke nobody";
  if (left >= 0) workers[left].join();
  bool thrown = false;
  try {
    for (gridlock::thread& w : workers)
      if (w.joinable()) w.join();
  } catch (const finding_error& e) {
    thrown = true;
    EXPECT_EQ(e.which().kind, finding_kind::all_threads_blocked);
  }
  EXPECT_TRUE(thrown);
  cv.notify_all();  // the fix, so the test can end
  for (gridlock::thread& w : workers)
    if (w.joinable()) w.join();

  const std::vector<finding> all = findings();
  ASSERT_EQ(all.size(), 1u) << summary(all);
  const finding& f = all[0];
  EXPECT_EQ(to_string(f.kind), "all-threads-blocked");
  const std::vector<std::string> names = thread_names(f);
  ASSERT_EQ(names.size(), 3u) << f.message;
  EXPECT_EQ(names[0], "main");
  for (std::size_t i = 1; i < names.size(); ++i) {
    EXPECT_NE(names[i], "worker" + std::to_string(left)) << "it left: " << f.message;
    const wait_info* w = wait_of(f, names[i]);
    ASSERT_NE(w, nullptr);
    EXPECT_EQ(w->waits_for, "condition variable CV (notified, still asleep)");
  }
  EXPECT_NE(wait_of(f, "main")->waits_for.find("join"), std::string::npos);
  EXPECT_NE(f.message.find("notify_one where notify_all was needed"), std::string::npos) << f.message;
}

/// A send on an unbuffered channel that nobody will ever receive from.
TEST_F(WaitForTest, ChannelSendNobodyReceivesIsAllThreadsBlocked) {
  gridlock::channel<int> ch(0, "CH");
  std::atomic<bool> thrown_in_sender{false};
  bool thrown_in_main = false;
  gridlock::thread t = gridlock::thread::named("sender", [&] {
    try {
      ch.send(42);
    } catch (const finding_error&) {
      thrown_in_sender = true;
    }
  });
  EXPECT_TRUE(wait_until_blocked(t));
  try {
    t.join();
  } catch (const finding_error& e) {
    thrown_in_main = true;
    EXPECT_EQ(e.which().kind, finding_kind::all_threads_blocked);
    EXPECT_EQ(ch.receive(), std::optional<int>(42));  // take it: the sender is done
    t.join();
  }

  EXPECT_NE(thrown_in_main, thrown_in_sender.load()) << "exactly one thread completes the state";
  const std::vector<finding> all = findings();
  ASSERT_EQ(all.size(), 1u) << summary(all);
  const finding& f = all[0];
  EXPECT_EQ(f.kind, finding_kind::all_threads_blocked);
  EXPECT_EQ(thread_names(f), (std::vector<std::string>{"main", "sender"}));
  const wait_info* w = wait_of(f, "sender");
  ASSERT_NE(w, nullptr);
  EXPECT_NE(w->waits_for.find("channel"), std::string::npos) << w->waits_for;
}

/// The only thread receives from a channel nobody sends on: it completes the state itself.
TEST_F(WaitForTest, ChannelReceiveNobodySendsIsAllThreadsBlocked) {
  gridlock::channel<int> ch(4, "CH");
  try {
    (void)ch.receive();
    ADD_FAILURE() << "receive returned";
  } catch (const finding_error& e) {
    EXPECT_EQ(e.which().kind, finding_kind::all_threads_blocked);
  }
  const std::vector<finding> all = findings();
  ASSERT_EQ(all.size(), 1u) << summary(all);
  EXPECT_EQ(all[0].kind, finding_kind::all_threads_blocked);
  EXPECT_EQ(thread_names(all[0]), (std::vector<std::string>{"main"}));
  // The channel works on afterwards.
  EXPECT_TRUE(ch.send(7));
  EXPECT_EQ(ch.receive(), std::optional<int>(7));
}

/// Two pieces of work announced, one done: the wait never ends.
TEST_F(WaitForTest, WaitGroupThatNeverReachesZeroIsAllThreadsBlocked) {
  gridlock::wait_group wg("WG");
  wg.add(2);
  run_in_thread("worker", [&] { wg.done(); });  // forgets the second done()
  try {
    wg.wait();
    ADD_FAILURE() << "wait returned";
  } catch (const finding_error& e) {
    EXPECT_EQ(e.which().kind, finding_kind::all_threads_blocked);
  }
  const std::vector<finding> all = findings();
  ASSERT_EQ(all.size(), 1u) << summary(all);
  const finding& f = all[0];
  EXPECT_EQ(f.kind, finding_kind::all_threads_blocked);
  EXPECT_EQ(thread_names(f), (std::vector<std::string>{"main"}));
  const wait_info* w = wait_of(f, "main");
  ASSERT_NE(w, nullptr);
  EXPECT_NE(w->waits_for.find("wait group"), std::string::npos) << w->waits_for;
  wg.done();  // balance it, so the wait group ends clean
}

/// Main waits first; the worker's exit leaves it the only thread, waiting for good. (Under throw_ the
/// exiting thread could not take the exception, so this one is a death test.)
/// A death test's child: ends with deadlock_exit_code, or with 0 if nothing was found.
void wait_group_exit_child() {
  set_deadlock_policy(deadlock_policy::exit);
  gridlock::wait_group wg("WG");
  wg.add(2);
  gridlock::thread t = gridlock::thread::named("worker", [&] {
    std::this_thread::sleep_for(20ms);  // usually lets main block first; either order ends the same
    wg.done();
  });
  wg.wait();
  t.join();
  std::exit(0);
}

TEST_F(WaitForDeathTest, WaitGroupCompletedByAThreadExitEndsTheProcess) {
  EXPECT_EXIT(wait_group_exit_child(), 
              ::testing::ExitedWithCode(gridlock::deadlock_exit_code), "gridlock: all-threads-blocked");
}

/// Like a lock wait names its lock, an all-threads-blocked names the condition variable, channel or
/// wait group each thread waits on. Each case here has main as the only thread, so its own wait
/// completes the state and throws.
TEST_F(WaitForTest, AllThreadsBlockedNamesTheObjectWaitedOn) {
  auto expect_named = [](const finding& f, const char* name) {
    EXPECT_EQ(f.kind, finding_kind::all_threads_blocked);
    EXPECT_NE(lock_named(f, name), nullptr) << name << " not in locks: " << f.message;
    EXPECT_NE(f.message.find(name), std::string::npos) << f.message;
    ASSERT_EQ(f.waits.size(), 1u);
    EXPECT_EQ(f.waits[0].lock, lock_named(f, name) ? std::optional<std::uint64_t>(lock_named(f, name)->id)
                                                   : std::nullopt);
  };
  gridlock::channel<int> ch(0, "CH");
  try {
    (void)ch.receive();
    ADD_FAILURE() << "receive returned";
  } catch (const finding_error& e) {
    expect_named(e.which(), "CH");
  }
  gridlock::wait_group wg("WG");
  wg.add(1);
  try {
    wg.wait();
    ADD_FAILURE() << "wait returned";
  } catch (const finding_error& e) {
    expect_named(e.which(), "WG");
  }
  wg.done();
  gridlock::mutex m("M");
  gridlock::condition_variable cv("CV");
  std::unique_lock<gridlock::mutex> lk(m);
  try {
    cv.wait(lk);
    ADD_FAILURE() << "wait returned";
  } catch (const finding_error& e) {
    expect_named(e.which(), "CV");
  }
  if (!events::holds(m.record(), access::exclusive)) lk.release();  // see the next test
}

/// A condition variable wait that throws (under throw_) leaves its mutex held, as every exit from a
/// std wait does: the unique_lock then unlocks it normally, and nothing more is reported.
TEST_F(WaitForTest, ConditionWaitThatThrowsLeavesTheMutexHeld) {
  gridlock::mutex m("M");
  gridlock::condition_variable cv("CV");
  {
    std::unique_lock<gridlock::mutex> lk(m);
    EXPECT_THROW(cv.wait(lk), finding_error);  // main is the only thread: all blocked
    EXPECT_TRUE(lk.owns_lock());
    EXPECT_TRUE(events::holds(m.record(), access::exclusive)) << "M is held again, for the detectors too";
  }
  EXPECT_EQ(findings().size(), 1u) << "only the all-threads-blocked:\n" << summary();
  EXPECT_TRUE(m.try_lock()) << "the unique_lock released M";
  m.unlock();
}

// ---------------------------------------------------------------------------------------------------
// Timed waits end by themselves: never a deadlock.

TEST_F(WaitForTest, ATimeoutRecordSaysAThreadAStrategyKeepsWaitsForItsTurn) {
  // A thread that pct holds back, or that waits for controlled's turn, sleeps in the runtime: its
  // stack, its runtime frames hidden, showed the program's last line as if it hung there (a helper read
  // one as OpenSSL hanging). sync_points.cpp marks such a thread for the time it is kept.
  gridlock::thread_record& self = *gridlock::threads::self();
  self.held_back_by.store("pct holds it back for higher-priority threads");
  const gridlock::finding f = gridlock::wait_for::every_thread(gridlock::finding_kind::timeout);
  self.held_back_by.store(nullptr);
  const auto mine = std::find_if(f.waits.begin(), f.waits.end(), [&](const auto& w) { return w.thread == self.id; });
  ASSERT_NE(mine, f.waits.end());
  EXPECT_EQ(mine->waits_for, "its turn (--strategy pct holds it back for higher-priority threads)");
  const gridlock::finding after = gridlock::wait_for::every_thread(gridlock::finding_kind::timeout);
  for (const auto& w : after.waits) EXPECT_EQ(w.waits_for, "") << "no thread waits: the test's threads run";
}

TEST_F(WaitForTest, TimedLockWaitIsNotReported) {
  gridlock::timed_mutex tm("TM");
  std::atomic<bool> got{true};
  tm.lock();
  gridlock::thread t = gridlock::thread::named("timed", [&] { got = tm.try_lock_for(100ms); });
  t.join();  // main holds TM and joins a thread waiting for it, but that wait ends by itself
  tm.unlock();
  EXPECT_FALSE(got.load());
  EXPECT_TRUE(findings().empty()) << summary();
}

TEST_F(WaitForTest, TimedLockWaitsBreakAnAbbaCycle) {
  gridlock::timed_mutex a("A"), b("B");
  std::latch both_hold(2);
  std::atomic<int> acquired{0};
  auto body = [&](gridlock::timed_mutex& first, gridlock::timed_mutex& second) {
    std::lock_guard<gridlock::timed_mutex> g(first);
    both_hold.arrive_and_wait();
    if (second.try_lock_for(50ms)) {
      ++acquired;
      second.unlock();
    }
  };
  {
    gridlock::thread t1 = gridlock::thread::named("t1", body, std::ref(a), std::ref(b));
    gridlock::thread t2 = gridlock::thread::named("t2", body, std::ref(b), std::ref(a));
    t1.join();
    t2.join();
  }
  // Both may time out, or one may get in after the other gave up; neither is a deadlock, and timed
  // acquisitions add no lock-order edge either.
  EXPECT_LE(acquired.load(), 2);
  EXPECT_TRUE(findings().empty()) << summary();
}

TEST_F(WaitForTest, TimedConditionWaitIsNotReported) {
  gridlock::mutex m("M");
  gridlock::condition_variable cv("CV");
  std::atomic<bool> notified{true};
  gridlock::thread t = gridlock::thread::named("timed", [&] {
    std::unique_lock<gridlock::mutex> lk(m);
    notified = cv.wait_for(lk, 100ms) == std::cv_status::no_timeout;
  });
  t.join();  // nobody will notify: the wait times out, and main's join then ends
  EXPECT_TRUE(findings().empty()) << summary();
  (void)notified;  // a spurious wakeup is allowed, so its value is not checked
}

TEST_F(WaitForTest, TimedConditionWaitWithPredicateIsNotReported) {
  gridlock::mutex m("M");
  gridlock::condition_variable cv("CV");
  bool ready = false;
  std::atomic<bool> result{true};
  gridlock::thread t = gridlock::thread::named("timed", [&] {
    std::unique_lock<gridlock::mutex> lk(m);
    result = cv.wait_for(lk, 100ms, [&] { return ready; });
  });
  t.join();
  EXPECT_FALSE(result.load());
  EXPECT_TRUE(findings().empty()) << summary();
}

// ---------------------------------------------------------------------------------------------------
// Waits that end are not deadlocks.

TEST_F(WaitForTest, ContendedLocksThatResolveAreNotReported) {
  gridlock::mutex m("M");
  int counter = 0;
  {
    std::vector<gridlock::thread> ts;
    for (int i = 0; i < 4; ++i)
      ts.push_back(gridlock::thread::named("w" + std::to_string(i), [&] {
        for (int k = 0; k < 2000; ++k) {
          std::lock_guard<gridlock::mutex> g(m);
          ++counter;
        }
      }));
    for (gridlock::thread& t : ts) t.join();
  }
  EXPECT_EQ(counter, 8000);
  EXPECT_TRUE(findings().empty()) << summary();
}

TEST_F(WaitForTest, JoinOfAThreadThatFinishesIsNotReported) {
  gridlock::mutex a("A");
  std::atomic<bool> done{false};
  {
    std::lock_guard<gridlock::mutex> g(a);  // held while joining, but the joined thread never needs it
    gridlock::thread t = gridlock::thread::named("worker", [&] { done = true; });
    t.join();
  }
  EXPECT_TRUE(done.load());
  EXPECT_TRUE(findings().empty()) << summary();
}

}  // namespace
}  // namespace gridlock::test
