// The primitives in correct use: they behave as their standard counterparts (std::lock_guard,
// std::unique_lock, std::scoped_lock and std::shared_lock work over them; timed waits time out;
// condition variables, channels and wait groups hand work over correctly), and the detectors stay
// silent about all of it, including a stress of 16 threads doing random but globally ordered nested
// locking over 64 locks.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <random>
#include <shared_mutex>
#include <string>
#include <vector>

#include "detector_test_support.h"
#include "gridlock/gridlock.h"

namespace gridlock::test {
namespace {

using namespace std::chrono_literals;

/// Correct use reports nothing: checked after each test body, once every primitive is destroyed.
/// These run under deadlock_policy::report: a wrong report is recorded (and fails the test) without
/// disturbing the program, which, used correctly, never blocks for good.
class PrimitivesTest : public DetectorTest {
 protected:
  void SetUp() override {
    DetectorTest::SetUp();
    set_deadlock_policy(deadlock_policy::report);
  }
  void TearDown() override {
    EXPECT_TRUE(findings().empty()) << "correct use was reported:\n" << summary();
    DetectorTest::TearDown();
  }

  /// A gridlock::thread running `fn`; an exception escaping it (a finding_error, say) fails the test
  /// instead of terminating the binary.
  static gridlock::thread start(std::string name, std::function<void()> fn) {
    return gridlock::thread::named(std::move(name), [fn = std::move(fn)] {
      try {
        fn();
      } catch (const std::exception& e) {
        ADD_FAILURE() << "thread threw: " << e.what();
      }
    });
  }
  static void join_all(std::vector<gridlock::thread>& ts) {
    for (gridlock::thread& t : ts) t.join();
  }
};

// ---------------------------------------------------------------------------------------------------
// Locks.

TEST_F(PrimitivesTest, LockGuardProtectsACounter) {
  gridlock::mutex m("M");
  long counter = 0;
  std::vector<gridlock::thread> ts;
  for (int i = 0; i < 4; ++i)
    ts.push_back(start("w" + std::to_string(i), [&] {
      for (int k = 0; k < 5000; ++k) {
        std::lock_guard<gridlock::mutex> g(m);
        ++counter;
      }
    }));
  join_all(ts);
  EXPECT_EQ(counter, 20000);
}

TEST_F(PrimitivesTest, UniqueLockModes) {
  gridlock::mutex m("M");
  {
    std::unique_lock<gridlock::mutex> lk(m);
    EXPECT_TRUE(lk.owns_lock());
    lk.unlock();
    EXPECT_FALSE(lk.owns_lock());
    lk.lock();
    EXPECT_TRUE(lk.owns_lock());
  }
  {
    std::unique_lock<gridlock::mutex> lk(m, std::defer_lock);
    EXPECT_FALSE(lk.owns_lock());
    EXPECT_TRUE(lk.try_lock());
  }
  {
    std::unique_lock<gridlock::mutex> lk(m, std::try_to_lock);
    EXPECT_TRUE(lk.owns_lock());
    bool other_got_it = true;
    gridlock::thread t = start("other", [&] {
      std::unique_lock<gridlock::mutex> other(m, std::try_to_lock);
      other_got_it = other.owns_lock();
    });
    t.join();
    EXPECT_FALSE(other_got_it);
  }
  {
    m.lock();
    std::unique_lock<gridlock::mutex> lk(m, std::adopt_lock);
    EXPECT_TRUE(lk.owns_lock());
    gridlock::mutex* released = lk.release();
    EXPECT_EQ(released, &m);
    m.unlock();
  }
}

TEST_F(PrimitivesTest, ScopedLockInOppositeOrdersUnderContention) {
  // std::scoped_lock's deadlock avoidance (lock one, try the rest, back off) works over gridlock
  // mutexes, and its try-locks add no lock-order edge: nothing to report.
  gridlock::mutex a("A"), b("B");
  long both = 0;
  gridlock::thread t1 = start("ab", [&] {
    for (int k = 0; k < 2000; ++k) {
      std::scoped_lock<gridlock::mutex, gridlock::mutex> g(a, b);
      ++both;
    }
  });
  gridlock::thread t2 = start("ba", [&] {
    for (int k = 0; k < 2000; ++k) {
      std::scoped_lock<gridlock::mutex, gridlock::mutex> g(b, a);
      ++both;
    }
  });
  t1.join();
  t2.join();
  EXPECT_EQ(both, 4000);
}

TEST_F(PrimitivesTest, SharedLockReadersAndWriters) {
  gridlock::shared_mutex s("S");
  long x = 0, y = 0;  // invariant under s: x == y
  std::atomic<bool> torn{false};
  std::vector<gridlock::thread> ts;
  for (int i = 0; i < 3; ++i)
    ts.push_back(start("reader" + std::to_string(i), [&] {
      for (int k = 0; k < 3000; ++k) {
        std::shared_lock<gridlock::shared_mutex> r(s);
        if (x != y) torn = true;
      }
    }));
  ts.push_back(start("writer", [&] {
    for (int k = 0; k < 3000; ++k) {
      std::unique_lock<gridlock::shared_mutex> w(s);
      ++x;
      ++y;
    }
  }));
  join_all(ts);
  EXPECT_FALSE(torn.load());
  EXPECT_EQ(x, 3000);
  {
    // Two readers at once: a second read lock succeeds while one is held; a write lock does not.
    std::shared_lock<gridlock::shared_mutex> r(s);
    bool second_reader = false, writer = true;
    gridlock::thread t = start("other", [&] {
      second_reader = s.try_lock_shared();
      if (second_reader) s.unlock_shared();
      writer = s.try_lock();
      if (writer) s.unlock();
    });
    t.join();
    EXPECT_TRUE(second_reader);
    EXPECT_FALSE(writer);
  }
}

TEST_F(PrimitivesTest, RecursiveMutexReentry) {
  gridlock::recursive_mutex r("R");
  std::function<int(int)> depth = [&](int n) -> int {
    std::lock_guard<gridlock::recursive_mutex> g(r);
    return n == 0 ? 0 : 1 + depth(n - 1);
  };
  EXPECT_EQ(depth(10), 10);
  {
    std::lock_guard<gridlock::recursive_mutex> g(r);
    EXPECT_TRUE(r.try_lock());  // the owner may take it again
    r.unlock();
    bool other = true;
    gridlock::thread t = start("other", [&] {
      other = r.try_lock();
      if (other) r.unlock();
    });
    t.join();
    EXPECT_FALSE(other);
  }
  EXPECT_TRUE(r.try_lock());
  r.unlock();
}

TEST_F(PrimitivesTest, TimedMutexTryLockForAndUntil) {
  gridlock::timed_mutex tm("TM");
  EXPECT_TRUE(tm.try_lock_for(10ms));  // free: taken at once
  bool for_result = true, until_result = true;
  gridlock::thread t = start("other", [&] {
    for_result = tm.try_lock_for(20ms);  // held by main: times out
    until_result = tm.try_lock_until(std::chrono::steady_clock::now() + 20ms);
  });
  t.join();
  EXPECT_FALSE(for_result);
  EXPECT_FALSE(until_result);
  tm.unlock();

  // Released while the other waits: it gets the lock.
  std::atomic<bool> got{false};
  tm.lock();
  gridlock::thread waiter = start("waiter", [&] {
    if (tm.try_lock_for(30s)) {
      got = true;
      tm.unlock();
    }
  });
  tm.unlock();
  waiter.join();
  EXPECT_TRUE(got.load());
  std::lock_guard<gridlock::timed_mutex> g(tm);  // an ordinary Lockable too
}

// ---------------------------------------------------------------------------------------------------
// Condition variables.

TEST_F(PrimitivesTest, ConditionVariableProducerConsumer) {
  gridlock::mutex m("queue");
  gridlock::condition_variable not_empty("not_empty"), not_full("not_full");
  std::deque<int> queue;
  constexpr std::size_t capacity = 4;
  constexpr int per_producer = 300;
  int producers_left = 2;
  long consumed_sum = 0;
  int consumed = 0;

  std::vector<gridlock::thread> ts;
  for (int p = 0; p < 2; ++p)
    ts.push_back(start("producer" + std::to_string(p), [&, p] {
      for (int i = 1; i <= per_producer; ++i) {
        std::unique_lock<gridlock::mutex> lk(m);
        not_full.wait(lk, [&] { return queue.size() < capacity; });
        queue.push_back(p * per_producer + i);
        not_empty.notify_one();
      }
      std::lock_guard<gridlock::mutex> g(m);
      if (--producers_left == 0) not_empty.notify_all();
    }));
  for (int c = 0; c < 2; ++c)
    ts.push_back(start("consumer" + std::to_string(c), [&] {
      for (;;) {
        std::unique_lock<gridlock::mutex> lk(m);
        not_empty.wait(lk, [&] { return !queue.empty() || producers_left == 0; });
        if (queue.empty()) return;
        consumed_sum += queue.front();
        ++consumed;
        queue.pop_front();
        not_full.notify_one();
      }
    }));
  join_all(ts);
  const long n = 2 * per_producer;
  EXPECT_EQ(consumed, n);
  EXPECT_EQ(consumed_sum, n * (n + 1) / 2);
}

TEST_F(PrimitivesTest, ConditionVariableWaitForWithPredicateThatBecomesTrue) {
  gridlock::mutex m("M");
  gridlock::condition_variable cv("CV");
  bool ready = false;
  bool result = false;
  gridlock::thread t = start("waiter", [&] {
    std::unique_lock<gridlock::mutex> lk(m);
    result = cv.wait_for(lk, 30s, [&] { return ready; });
    EXPECT_TRUE(lk.owns_lock());
  });
  {
    std::lock_guard<gridlock::mutex> g(m);
    ready = true;
  }
  cv.notify_all();
  t.join();
  EXPECT_TRUE(result);
}

TEST_F(PrimitivesTest, ConditionVariableWaitUntilTimesOut) {
  gridlock::mutex m("M");
  gridlock::condition_variable cv("CV");
  std::unique_lock<gridlock::mutex> lk(m);
  EXPECT_FALSE(cv.wait_until(lk, std::chrono::steady_clock::now() + 10ms, [] { return false; }));
  EXPECT_TRUE(lk.owns_lock());  // the mutex is held again after the wait
}

// ---------------------------------------------------------------------------------------------------
// Channels and wait groups.

TEST_F(PrimitivesTest, BufferedChannelKeepsOrder) {
  gridlock::channel<int> ch(8, "CH");
  std::vector<int> got;
  gridlock::thread producer = start("producer", [&] {
    for (int i = 0; i < 300; ++i) EXPECT_TRUE(ch.send(i));
    ch.close();
  });
  gridlock::thread consumer = start("consumer", [&] {
    while (std::optional<int> v = ch.receive()) got.push_back(*v);
  });
  producer.join();
  consumer.join();
  std::vector<int> want(300);
  std::iota(want.begin(), want.end(), 0);
  EXPECT_EQ(got, want);
}

TEST_F(PrimitivesTest, UnbufferedChannelPingPong) {
  gridlock::channel<int> ping(0, "ping"), pong(0, "pong");
  int last = -1;
  gridlock::thread other = start("ponger", [&] {
    while (std::optional<int> v = ping.receive()) EXPECT_TRUE(pong.send(*v + 1));
    pong.close();
  });
  int value = 0;
  for (int round = 0; round < 100; ++round) {
    ASSERT_TRUE(ping.send(value));
    std::optional<int> back = pong.receive();
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, value + 1);
    value = *back;
    last = value;
  }
  ping.close();
  EXPECT_EQ(pong.receive(), std::nullopt);  // closed by the ponger once ping closed
  other.join();
  EXPECT_EQ(last, 100);
}

TEST_F(PrimitivesTest, ReceiveReturnsNulloptOnceClosedAndDrained) {
  gridlock::channel<std::string> ch(3, "CH");
  EXPECT_TRUE(ch.send("a"));
  EXPECT_TRUE(ch.send("b"));
  EXPECT_TRUE(ch.send("c"));
  ch.close();
  EXPECT_EQ(ch.receive(), std::optional<std::string>("a"));
  EXPECT_EQ(ch.receive(), std::optional<std::string>("b"));
  EXPECT_EQ(ch.receive(), std::optional<std::string>("c"));
  EXPECT_EQ(ch.receive(), std::nullopt);
  EXPECT_EQ(ch.receive(), std::nullopt);
}

TEST_F(PrimitivesTest, ReceiverWaitingOnAChannelIsWokenByClose) {
  gridlock::channel<int> ch(0, "CH");
  std::optional<int> got = 1;
  gridlock::thread t = start("receiver", [&] { got = ch.receive(); });
  ASSERT_TRUE(wait_until_blocked(t));
  ch.close();
  t.join();
  EXPECT_EQ(got, std::nullopt);
}

TEST_F(PrimitivesTest, ChannelWithManySendersAndReceivers) {
  gridlock::channel<int> ch(2, "CH");
  gridlock::wait_group senders("senders");
  std::atomic<long> sum{0};
  std::atomic<int> count{0};
  std::vector<gridlock::thread> ts;
  senders.add(3);
  for (int s = 0; s < 3; ++s)
    ts.push_back(start("sender" + std::to_string(s), [&, s] {
      for (int i = 1; i <= 100; ++i) EXPECT_TRUE(ch.send(s * 100 + i));
      senders.done();
    }));
  for (int r = 0; r < 3; ++r)
    ts.push_back(start("receiver" + std::to_string(r), [&] {
      while (std::optional<int> v = ch.receive()) {
        sum += *v;
        ++count;
      }
    }));
  ts.push_back(start("closer", [&] {
    senders.wait();
    ch.close();
  }));
  join_all(ts);
  EXPECT_EQ(count.load(), 300);
  EXPECT_EQ(sum.load(), 300L * 301 / 2);
}

TEST_F(PrimitivesTest, WaitGroupWithNWorkers) {
  gridlock::wait_group wg("WG");
  std::atomic<int> done{0};
  std::vector<gridlock::thread> ts;
  for (int round = 0; round < 2; ++round) {  // a wait group may be reused once it reached zero
    constexpr int n = 8;
    wg.add(n);
    for (int i = 0; i < n; ++i)
      ts.push_back(start("worker" + std::to_string(i), [&] {
        ++done;
        wg.done();
      }));
    wg.wait();
    EXPECT_EQ(done.load(), n * (round + 1));
    join_all(ts);
    ts.clear();
  }
  wg.wait();  // already zero: returns at once
}

// ---------------------------------------------------------------------------------------------------
// Stress: random but globally ordered nested locking is deadlock-free and reports nothing.

TEST_F(PrimitivesTest, StressGloballyOrderedNestedLocking) {
  constexpr int lock_count = 64;
  constexpr int thread_count = 16;
  constexpr int iterations = 4000;
  constexpr int max_depth = 4;

  std::vector<std::unique_ptr<gridlock::mutex>> locks;
  std::vector<std::string> names;
  for (int i = 0; i < lock_count; ++i) names.push_back("L" + std::to_string(i));
  for (int i = 0; i < lock_count; ++i) locks.push_back(std::make_unique<gridlock::mutex>(names[i].c_str()));
  std::vector<long> guarded(lock_count, 0);  // guarded[i] only touched with locks[i] held
  std::vector<long> expected(lock_count, 0);
  std::mutex expected_mu;

  std::vector<gridlock::thread> ts;
  for (int t = 0; t < thread_count; ++t)
    ts.push_back(start("stress" + std::to_string(t), [&, t] {
      std::mt19937 rng(12345u + static_cast<unsigned>(t));  // fixed seed per thread
      std::vector<long> mine(lock_count, 0);
      std::vector<int> pick(lock_count);
      std::iota(pick.begin(), pick.end(), 0);
      for (int it = 0; it < iterations; ++it) {
        const int depth = 1 + static_cast<int>(rng() % max_depth);
        std::shuffle(pick.begin(), pick.end(), rng);
        std::vector<int> chosen(pick.begin(), pick.begin() + depth);
        std::sort(chosen.begin(), chosen.end());  // the global order: ascending index
        for (int i : chosen) {
          if (rng() % 4 == 0) {
            // Sometimes a try-lock first, as real code does; falls back to the ordered blocking lock.
            if (!locks[i]->try_lock()) locks[i]->lock();
          } else {
            locks[i]->lock();
          }
          ++guarded[i];
          ++mine[i];
        }
        // Release in a random order: the order of unlocks never matters for deadlock.
        std::shuffle(chosen.begin(), chosen.end(), rng);
        for (int i : chosen) locks[i]->unlock();
      }
      std::lock_guard<std::mutex> g(expected_mu);
      for (int i = 0; i < lock_count; ++i) expected[i] += mine[i];
    }));
  join_all(ts);
  EXPECT_EQ(guarded, expected);  // every lock excluded its holders from each other
}

}  // namespace
}  // namespace gridlock::test
