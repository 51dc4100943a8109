// Correct: handoffs through waits on futex words. A bounded buffer on two POSIX semaphores, a start
// latch, a barrier over many phases, and two threads passing a turn back and forth through two
// std::binary_semaphores, and with atomic::wait/notify. Threads sleep in these waits all the time while
// others are about to wake them: nothing may be reported.
#include <semaphore.h>

#include <atomic>
#include <barrier>
#include <cstdio>
#include <deque>
#include <latch>
#include <mutex>
#include <semaphore>
#include <thread>
#include <vector>

namespace {

constexpr int items = 2000;

long bounded_buffer() {
  sem_t slots, filled;
  sem_init(&slots, 0, 8);
  sem_init(&filled, 0, 0);
  std::mutex mu;
  std::deque<int> queue;
  long sum = 0;
  std::vector<std::thread> threads;
  for (int p = 0; p < 2; ++p)
    threads.emplace_back([&] {
      for (int i = 0; i < items; ++i) {
        sem_wait(&slots);
        {
          std::lock_guard<std::mutex> g(mu);
          queue.push_back(i);
        }
        sem_post(&filled);
      }
    });
  for (int c = 0; c < 2; ++c)
    threads.emplace_back([&] {
      for (int i = 0; i < items; ++i) {
        sem_wait(&filled);
        {
          std::lock_guard<std::mutex> g(mu);
          sum += queue.front();
          queue.pop_front();
        }
        sem_post(&slots);
      }
    });
  for (std::thread& t : threads) t.join();
  return sum;
}

long phases() {
  constexpr int workers = 4;
  std::latch ready(workers);
  std::atomic<long> completions{0};
  std::barrier step(workers, [&]() noexcept { ++completions; });
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w)
    threads.emplace_back([&] {
      ready.arrive_and_wait();
      for (int i = 0; i < 300; ++i) step.arrive_and_wait();
    });
  for (std::thread& t : threads) t.join();
  return completions;
}

/// Two threads pass a turn through two std::binary_semaphores, each with one waiter. Not a contended
/// limiter (many threads acquiring one counting_semaphore): libstdc++ 12's acquire can then sleep on a
/// count it read before spinning and miss the release that restored it (GCC bug 98033), a real hang
/// that Gridlock names as all-threads-blocked once every other thread is done (an 8-thread, 4-permit
/// limiter here ended so once in about 2,000 runs).
long semaphore_turns() {
  std::binary_semaphore mine(1), theirs(0);
  long passes = 0;
  auto player = [&](std::binary_semaphore& wait_on, std::binary_semaphore& give) {
    for (int i = 0; i < 1000; ++i) {
      wait_on.acquire();
      ++passes;
      give.release();
    }
  };
  std::thread a(player, std::ref(mine), std::ref(theirs)), b(player, std::ref(theirs), std::ref(mine));
  a.join();
  b.join();
  return passes;
}

long ping_pong() {
  std::atomic<int> turn{0};
  long passes = 0;
  auto player = [&](int me) {
    for (int i = 0; i < 1000; ++i) {
      int seen;
      while ((seen = turn.load()) != me) turn.wait(seen);
      ++passes;
      turn = 1 - me;
      turn.notify_one();
    }
  };
  std::thread a(player, 0), b(player, 1);
  a.join();
  b.join();
  return passes;
}

}  // namespace

int main() {
  const long sum = bounded_buffer();
  const long completions = phases();
  const long turns = semaphore_turns();
  const long passes = ping_pong();
  std::printf("sum %ld completions %ld turns %ld passes %ld\n", sum, completions, turns, passes);
  return sum == 2L * items * (items - 1) / 2 && completions == 300 && turns == 2000 && passes == 2000 ? 0 : 1;
}
