// A thread that polls every millisecond beside two workers that take the same lock until it is done:
// correct. Under controlled, each of the poller's sleeps hands the turn on (a `!` step of the schedule)
// rather than keep the workers waiting for it to wake. The workers outlast the polls, so every sleep
// has a worker to hand the turn to, however fast the steps go.
// Expected: clean, exit code 0.
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

int main() {
  constexpr int polls = 30;
  std::mutex m;
  std::atomic<bool> polled{false};
  long total = 0;
  std::thread poller([&] {
    for (int i = 0; i < polls; ++i) {
      { std::lock_guard<std::mutex> g(m); }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    polled = true;
  });
  std::vector<std::thread> workers;
  for (int w = 0; w < 2; ++w)
    workers.emplace_back([&] {
      while (!polled) {
        std::lock_guard<std::mutex> g(m);
        ++total;
      }
    });
  for (std::thread& t : workers) t.join();
  poller.join();
  return total > 0 ? 0 : 1;
}
