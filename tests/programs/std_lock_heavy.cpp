// Correct and lock-heavy, for measuring the interposer's overhead (bench/preload_overhead.sh) and as a
// stress test: a thread pool whose tasks update sharded std::mutex-protected counters (sometimes two
// shards at once, in address order), read a std::shared_mutex-protected config (sometimes rewriting it),
// and report completion through a std::condition_variable.
// Usage: std_lock_heavy [tasks=2000] [threads=hardware concurrency, at most 8]
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

namespace {

constexpr int shards = 64;
constexpr int ops_per_task = 200;

struct shard {
  std::mutex mu;
  long value = 0;
};

struct state {
  shard counters[shards];
  std::shared_mutex config_mu;
  int multiplier = 1;

  std::mutex queue_mu;
  std::condition_variable queue_cv;
  std::deque<unsigned> queue;
  bool stopping = false;

  std::mutex done_mu;
  std::condition_variable done_cv;
  long done = 0;
};

void run_task(state& s, unsigned seed) {
  unsigned x = seed * 2654435761u + 1;
  for (int i = 0; i < ops_per_task; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    int m;
    if (x % 97 == 0) {
      std::unique_lock<std::shared_mutex> w(s.config_mu);
      s.multiplier = 1 + static_cast<int>(x % 3);
      m = s.multiplier;
    } else {
      std::shared_lock<std::shared_mutex> r(s.config_mu);
      m = s.multiplier;
    }
    shard& a = s.counters[x % shards];
    if (x % 7 == 0) {
      shard& b = s.counters[(x / shards) % shards];
      if (&a != &b) {
        shard& first = &a < &b ? a : b;
        shard& second = &a < &b ? b : a;
        std::lock_guard<std::mutex> g1(first.mu);
        std::lock_guard<std::mutex> g2(second.mu);
        first.value += m;
        second.value -= m;
        continue;
      }
    }
    std::lock_guard<std::mutex> g(a.mu);
    a.value += m;
  }
}

void worker(state& s) {
  for (;;) {
    unsigned seed;
    {
      std::unique_lock<std::mutex> lk(s.queue_mu);
      s.queue_cv.wait(lk, [&] { return s.stopping || !s.queue.empty(); });
      if (s.queue.empty()) return;
      seed = s.queue.front();
      s.queue.pop_front();
    }
    run_task(s, seed);
    {
      std::lock_guard<std::mutex> g(s.done_mu);
      ++s.done;
    }
    s.done_cv.notify_one();
  }
}

}  // namespace

int main(int argc, char** argv) {
  const long tasks = argc > 1 ? std::atol(argv[1]) : 2000;
  unsigned hw = std::thread::hardware_concurrency();
  int nthreads = argc > 2 ? std::atoi(argv[2]) : static_cast<int>(hw == 0 ? 4 : (hw > 8 ? 8 : hw));
  if (nthreads < 1) nthreads = 1;
  auto* s = new state;
  std::vector<std::thread> threads;
  for (int i = 0; i < nthreads; ++i) threads.emplace_back(worker, std::ref(*s));
  for (long t = 0; t < tasks; ++t) {
    {
      std::lock_guard<std::mutex> g(s->queue_mu);
      s->queue.push_back(static_cast<unsigned>(t));
    }
    s->queue_cv.notify_one();
  }
  {
    std::unique_lock<std::mutex> lk(s->done_mu);
    s->done_cv.wait(lk, [&] { return s->done == tasks; });
  }
  {
    std::lock_guard<std::mutex> g(s->queue_mu);
    s->stopping = true;
  }
  s->queue_cv.notify_all();
  for (auto& t : threads) t.join();
  long sum = 0;
  for (auto& c : s->counters) sum += c.value;
  std::printf("tasks %ld threads %d checksum %ld\n", tasks, nthreads, sum);
  delete s;
  return 0;
}
