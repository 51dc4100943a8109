// Correct: handoffs through waits on futex words, many threads each. A bounded buffer on two POSIX
// semaphores, a start latch, a barrier over many phases, a std::counting_semaphore limiting how many
// threads work at once, and two threads passing a turn back and forth with atomic::wait/notify. Threads
// sleep in these waits all the time while others are about to wake them: nothing may be reported.
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

long limited() {
  std::counting_semaphore<4> permits(4);
  std::mutex mu;
  long inside = 0, most = 0;
  std::vector<std::thread> threads;
  for (int w = 0; w < 8; ++w)
    threads.emplace_back([&] {
      for (int i = 0; i < 300; ++i) {
        permits.acquire();
        {
          std::lock_guard<std::mutex> g(mu);
          most = std::max(most, ++inside);
        }
        std::this_thread::yield();
        {
          std::lock_guard<std::mutex> g(mu);
          --inside;
        }
        permits.release();
      }
    });
  for (std::thread& t : threads) t.join();
  return most;
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
  const long most = limited();
  const long passes = ping_pong();
  std::printf("sum %ld completions %ld most %ld passes %ld\n", sum, completions, most, passes);
  return sum == 2L * items * (items - 1) / 2 && completions == 300 && most <= 4 && passes == 2000 ? 0 : 1;
}
