// Correct: results handed between threads through std::future in the usual ways. std::async tasks that
// take a lock, a std::shared_future that four threads wait on until main sets it, a
// std::packaged_task run by a worker, and a wait_for that times out before its promise is kept. No
// thread holds a lock a producer needs while it waits: nothing to report.
#include <chrono>
#include <cstdio>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace {

std::mutex sum_mu;
long sum = 0;

long add(long x) {
  std::lock_guard<std::mutex> g(sum_mu);
  sum += x;
  return sum;
}

}  // namespace

int main() {
  std::vector<std::future<long>> parts;
  for (long i = 1; i <= 8; ++i) parts.push_back(std::async(std::launch::async, add, i));
  for (std::future<long>& p : parts) p.get();

  std::promise<void> go;
  std::shared_future<void> started = go.get_future().share();
  std::vector<std::thread> waiters;
  for (int i = 0; i < 4; ++i) waiters.emplace_back([started] { started.wait(); add(1); });
  go.set_value();
  for (std::thread& t : waiters) t.join();

  std::packaged_task<long(long)> task(add);
  std::future<long> done = task.get_future();
  std::thread worker(std::move(task), 100);
  done.wait();
  worker.join();

  std::promise<int> late;
  std::future<int> answer = late.get_future();
  std::thread slow([&late] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    late.set_value(42);
  });
  while (answer.wait_for(std::chrono::milliseconds(5)) != std::future_status::ready) {
  }
  slow.join();
  std::printf("%ld %d\n", sum, answer.get());
}
