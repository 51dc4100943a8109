// The misuse checks end to end: each rule broken once through the public primitives, in a named thread,
// and the finding checked for its kind, the lock or object it names and the thread. The two that would
// hang (recursive-lock, lock-upgrade) throw finding_error under deadlock_policy::throw_ before blocking;
// the others are reported and the program goes on, with the broken operation not performed where that
// is the rule (an unlock by a non-owner).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "detector_test_support.h"
#include "gridlock/gridlock.h"

namespace gridlock::test {
namespace {

class MisuseTest : public DetectorTest {};

/// The one finding reported so far, which must be of `kind`, name the object `object` and the thread
/// `thread` (and, in threads[0], have it as the thread that broke the rule).
finding only_finding(finding_kind kind, std::string_view object, std::string_view thread) {
  const std::vector<finding> all = findings();
  EXPECT_EQ(all.size(), 1u) << summary(all);
  if (all.empty()) return {};
  const finding& f = all[0];
  EXPECT_EQ(f.kind, kind) << summary(all);
  EXPECT_NE(lock_named(f, object), nullptr) << object << " not named in: " << f.message;
  EXPECT_NE(f.message.find(std::string(object)), std::string::npos) << f.message;
  EXPECT_FALSE(f.threads.empty());
  if (!f.threads.empty()) {
    EXPECT_EQ(f.threads[0].name, thread) << f.message;
  }
  EXPECT_FALSE(f.stack.empty()) << "no stack for " << to_string(kind);
  return f;
}

// ---------------------------------------------------------------------------------------------------
// Fatal misuse: the thread would hang on itself.

TEST_F(MisuseTest, RecursiveLockOfAPlainMutexThrowsBeforeBlocking) {
  gridlock::mutex m("M");
  run_in_thread("worker", [&] {
    std::lock_guard<gridlock::mutex> g(m);
    try {
      m.lock();  // would hang forever: it throws instead
      ADD_FAILURE() << "second lock returned";
      m.unlock();
    } catch (const finding_error& e) {
      EXPECT_EQ(e.which().kind, finding_kind::recursive_lock);
    }
  });  // the guard's unlock is the only one: nothing else is reported
  const finding f = only_finding(finding_kind::recursive_lock, "M", "worker");
  EXPECT_EQ(to_string(f.kind), "recursive-lock");
  ASSERT_EQ(f.waits.size(), 1u);
  EXPECT_EQ(f.waits[0].lock, std::optional<std::uint64_t>(lock_named(f, "M")->id));
  ASSERT_EQ(f.edges.size(), 1u);  // where M was first taken
  EXPECT_FALSE(f.edges[0].held_stack.empty());
  // The mutex still works, held once and released once.
  EXPECT_TRUE(m.try_lock());
  m.unlock();
  EXPECT_EQ(findings().size(), 1u) << summary();
}

TEST_F(MisuseTest, RecursiveLockOfATimedMutex) {
  gridlock::timed_mutex m("TM");
  run_in_thread("worker", [&] {
    std::lock_guard<gridlock::timed_mutex> g(m);
    EXPECT_THROW(m.lock(), finding_error);
  });
  only_finding(finding_kind::recursive_lock, "TM", "worker");
}

TEST_F(MisuseTest, RecursiveTryLockIsNotAMisuse) {
  gridlock::mutex m("M");
  run_in_thread("worker", [&] {
    std::lock_guard<gridlock::mutex> g(m);
    EXPECT_FALSE(m.try_lock());  // fails, as std::mutex's may; never hangs
  });
  EXPECT_TRUE(findings().empty()) << summary();
}

TEST_F(MisuseTest, LockUpgradeThrowsBeforeBlocking) {
  gridlock::shared_mutex s("S");
  run_in_thread("reader", [&] {
    std::shared_lock<gridlock::shared_mutex> r(s);
    try {
      s.lock();  // the write side while holding the read side: waits for itself forever
      ADD_FAILURE() << "upgrade returned";
      s.unlock();
    } catch (const finding_error& e) {
      EXPECT_EQ(e.which().kind, finding_kind::lock_upgrade);
    }
  });
  const finding f = only_finding(finding_kind::lock_upgrade, "S", "reader");
  EXPECT_EQ(to_string(f.kind), "lock-upgrade");
  ASSERT_EQ(f.edges.size(), 1u);
  EXPECT_TRUE(f.edges[0].from_shared);  // S was held for reading
  EXPECT_TRUE(s.try_lock());            // and was released by the shared_lock
  s.unlock();
}

// ---------------------------------------------------------------------------------------------------
// Unlocks that are not the owner's: reported, and not performed.

TEST_F(MisuseTest, UnlockByAThreadThatDoesNotOwnTheMutex) {
  gridlock::mutex m("M");
  m.lock();
  run_in_thread("intruder", [&] {
    m.unlock();                 // main owns it
    EXPECT_FALSE(m.try_lock());  // so it is still locked: the unlock was not performed
  });
  const finding f = only_finding(finding_kind::unlock_not_owner, "M", "intruder");
  EXPECT_EQ(to_string(f.kind), "unlock-not-owner");
  EXPECT_NE(thread_named(f, "main"), nullptr) << "the owner is named too: " << f.message;
  EXPECT_NE(f.message.find("main"), std::string::npos) << f.message;
  m.unlock();  // the owner's unlock is fine
  EXPECT_EQ(findings().size(), 1u) << summary();
  EXPECT_TRUE(m.try_lock());
  m.unlock();
}

TEST_F(MisuseTest, UnlockOfAnUnlockedMutex) {
  gridlock::mutex m("M");
  run_in_thread("worker", [&] {
    m.unlock();
    // Had it been performed, the next unlock below would leave the real lock in a bad state; as it
    // is, the mutex still behaves.
    ASSERT_TRUE(m.try_lock());
    EXPECT_FALSE(m.try_lock());
    m.unlock();
  });
  const finding f = only_finding(finding_kind::unlock_not_owner, "M", "worker");
  EXPECT_NE(f.message.find("not locked"), std::string::npos) << f.message;
}

TEST_F(MisuseTest, UnlockSharedOfAnUnlockedSharedMutexIsNotPerformed) {
  gridlock::shared_mutex s("S");
  run_in_thread("worker", [&] {
    s.unlock_shared();  // performed, this would corrupt the reader count
    EXPECT_TRUE(s.try_lock());
    s.unlock();
    EXPECT_TRUE(s.try_lock_shared());
    s.unlock_shared();
  });
  only_finding(finding_kind::unlock_not_owner, "S", "worker");
}

TEST_F(MisuseTest, UnlockInTheWrongModeIsNotPerformed) {
  gridlock::shared_mutex s("S");
  run_in_thread("worker", [&] {
    s.lock();
    s.unlock_shared();  // held for writing, released as a reader
    EXPECT_FALSE(s.try_lock_shared()) << "still write-locked";
    s.unlock();
  });
  only_finding(finding_kind::unlock_not_owner, "S", "worker");
}

// ---------------------------------------------------------------------------------------------------
// Locks that outlive their holder, or holders that outlive their lock.

TEST_F(MisuseTest, ThreadExitsHoldingALock) {
  gridlock::mutex m("M");
  std::optional<finding> at_exit;
  run_in_thread("leaker", [&] {
    try {
      m.lock();
      throw std::runtime_error("bail out");  // skips the manual unlock below
      m.unlock();
    } catch (const std::runtime_error&) {
      // swallowed: the thread ends normally, still holding M
    }
  });
  const finding f = only_finding(finding_kind::lock_held_at_exit, "M", "leaker");
  EXPECT_EQ(to_string(f.kind), "lock-held-at-exit");
  ASSERT_EQ(f.waits.size(), 1u);
  EXPECT_EQ(f.waits[0].holds, std::vector<std::uint64_t>{lock_named(f, "M")->id});
  ASSERT_EQ(f.edges.size(), 1u);  // where M was taken
  EXPECT_FALSE(f.edges[0].held_stack.empty());
  // (M is destroyed below still held by the exited thread: that is destroy-locked, another test's.)
}

TEST_F(MisuseTest, ThreadExitsHoldingOnlyReleasedLocksIsFine) {
  gridlock::mutex m("M");
  gridlock::shared_mutex s("S");
  run_in_thread("tidy", [&] {
    std::lock_guard<gridlock::mutex> g(m);
    std::shared_lock<gridlock::shared_mutex> r(s);
  });
  EXPECT_TRUE(findings().empty()) << summary();
}

TEST_F(MisuseTest, DestroyALockedMutex) {
  run_in_thread("destroyer", [&] {
    std::optional<gridlock::mutex> m;
    m.emplace("D");
    m->lock();
    m.reset();  // destroyed while its owner (this thread) still holds it
  });             // and the thread then exits holding nothing: only one finding
  const finding f = only_finding(finding_kind::destroy_locked, "D", "destroyer");
  EXPECT_EQ(to_string(f.kind), "destroy-locked");
}

TEST_F(MisuseTest, DestroyAReadLockedSharedMutex) {
  run_in_thread("destroyer", [&] {
    std::optional<gridlock::shared_mutex> s;
    s.emplace("DS");
    s->lock_shared();
    s.reset();
  });
  const finding f = only_finding(finding_kind::destroy_locked, "DS", "destroyer");
  EXPECT_NE(f.message.find("reading"), std::string::npos) << f.message;
}

// ---------------------------------------------------------------------------------------------------
// Condition variables, wait groups, channels.

TEST_F(MisuseTest, ConditionVariableWaitWithoutTheMutexHeld) {
  gridlock::mutex m("M");
  gridlock::condition_variable cv("CV");
  run_in_thread("waiter", [&] {
    std::unique_lock<gridlock::mutex> lk(m, std::defer_lock);  // does not own the lock
    cv.wait(lk);  // reported; returns at once, as a spurious wakeup
    EXPECT_FALSE(lk.owns_lock());
  });
  const finding f = only_finding(finding_kind::cv_wait_unlocked, "CV", "waiter");
  EXPECT_EQ(to_string(f.kind), "cv-wait-unlocked");
  ASSERT_EQ(f.waits.size(), 1u);
  EXPECT_EQ(f.waits[0].lock, std::optional<std::uint64_t>(lock_named(f, "CV")->id));
}

TEST_F(MisuseTest, ConditionVariableWaitOnAMutexUnlockedBehindTheLocksBack) {
  gridlock::mutex m("M");
  gridlock::condition_variable cv("CV");
  run_in_thread("waiter", [&] {
    std::unique_lock<gridlock::mutex> lk(m);
    m.unlock();    // the unique_lock still believes it owns M
    cv.wait(lk);   // so this wait is on a mutex not held: reported, no wait
    lk.release();  // (M is already unlocked)
  });
  only_finding(finding_kind::cv_wait_unlocked, "CV", "waiter");
}

/// Two threads wait on one condition variable at once, each with its own mutex.
TEST_F(MisuseTest, ConditionVariableWaitedOnWithTwoMutexesAtOnce) {
  gridlock::mutex first_mu("M1");
  gridlock::mutex second_mu("M2");
  gridlock::condition_variable cv("CV");
  std::atomic<bool> done{false};
  auto waiter = [&](gridlock::mutex& m) {
    std::unique_lock<gridlock::mutex> lk(m);
    cv.wait(lk, [&] { return done.load(); });
  };
  gridlock::thread first = gridlock::thread::named("first", [&] { waiter(first_mu); });
  EXPECT_TRUE(wait_until_blocked(first));
  gridlock::thread second = gridlock::thread::named("second", [&] { waiter(second_mu); });
  EXPECT_TRUE(wait_until_blocked(second));
  {
    std::scoped_lock both(first_mu, second_mu);
    done = true;
  }
  cv.notify_all();
  first.join();
  second.join();

  const finding f = only_finding(finding_kind::cv_different_mutex, "CV", "second");
  EXPECT_EQ(to_string(f.kind), "cv-different-mutex");
  EXPECT_NE(lock_named(f, "M2"), nullptr) << f.message;
  EXPECT_EQ(thread_names(f), (std::vector<std::string>{"first", "second"}));
  ASSERT_EQ(f.waits.size(), 2u);
  EXPECT_EQ(f.waits[1].waits_for, "condition variable CV with another mutex");
  EXPECT_FALSE(f.waits[1].stack.empty()) << "the other waiter's wait";
}

/// One condition variable used with one mutex, then (once nobody waits) with another: allowed.
TEST_F(MisuseTest, ConditionVariableMayChangeMutexBetweenUses) {
  gridlock::mutex first_mu("M1");
  gridlock::mutex second_mu("M2");
  gridlock::condition_variable cv("CV");
  for (gridlock::mutex* m : {&first_mu, &second_mu}) {
    std::unique_lock<gridlock::mutex> lk(*m);
    cv.wait_for(lk, std::chrono::milliseconds(1));
  }
  EXPECT_TRUE(findings().empty()) << summary();
}

TEST_F(MisuseTest, WaitGroupDoneWithoutAdd) {
  gridlock::wait_group wg("WG");
  run_in_thread("worker", [&] {
    wg.done();  // the counter would go to -1: reported, clamped to 0
    wg.wait();  // so this returns at once
  });
  const finding f = only_finding(finding_kind::wait_group_negative, "WG", "worker");
  EXPECT_EQ(to_string(f.kind), "wait-group-negative");
}

TEST_F(MisuseTest, SendOnAClosedChannel) {
  gridlock::channel<int> ch(2, "CH");
  run_in_thread("sender", [&] {
    EXPECT_TRUE(ch.send(1));
    ch.close();
    EXPECT_FALSE(ch.send(2));  // reported, and the value dropped
  });
  const finding f = only_finding(finding_kind::channel_closed_send, "CH", "sender");
  EXPECT_EQ(to_string(f.kind), "channel-closed-send");
  EXPECT_EQ(ch.receive(), std::optional<int>(1));
  EXPECT_EQ(ch.receive(), std::nullopt);
}

TEST_F(MisuseTest, SendOnAnUnbufferedChannelClosedWhileWaiting) {
  gridlock::channel<int> ch(0, "CH");
  bool sent = true;
  gridlock::thread t = gridlock::thread::named("sender", [&] { sent = ch.send(1); });
  ASSERT_TRUE(wait_until_blocked(t));  // the sender waits for a receiver
  ch.close();                          // none comes: the channel closes under it
  t.join();
  EXPECT_FALSE(sent);
  only_finding(finding_kind::channel_closed_send, "CH", "sender");
}

}  // namespace
}  // namespace gridlock::test
