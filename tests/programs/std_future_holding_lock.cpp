// A thread holds a lock while it waits for a std::future whose producer needs that lock: main takes
// cache_mu, hands a refill to a worker thread and waits for its result; the worker waits for cache_mu.
// A real deadlock (it hangs without Gridlock), which gridlock exec names at once: every thread is
// blocked, and no thread can be owed the result but the blocked worker.
#include <cstdio>
#include <future>
#include <mutex>
#include <thread>

namespace {

std::mutex cache_mu;
int cached = 0;

}  // namespace

int main() {
  std::promise<int> refill;
  std::future<int> refilled = refill.get_future();
  std::lock_guard<std::mutex> g(cache_mu);
  std::thread worker([&] {
    std::lock_guard<std::mutex> w(cache_mu);  // LINE:worker_locks
    refill.set_value(cached + 1);
  });
  cached = refilled.get();  // LINE:get
  worker.join();
  std::puts("not reached");
}
