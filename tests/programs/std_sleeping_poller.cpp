// A thread that polls every millisecond beside two workers that take the same lock: correct. Under
// controlled, each of the poller's sleeps hands the turn on (a `!` step of the schedule) rather than
// keep the workers waiting for it to wake.
// Expected: clean, exit code 0.
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

int main() {
  constexpr int polls = 30, rounds = 500;
  std::mutex m;
  long total = 0;
  std::thread poller([&] {
    for (int i = 0; i < polls; ++i) {
      { std::lock_guard<std::mutex> g(m); }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  std::vector<std::thread> workers;
  for (int w = 0; w < 2; ++w)
    workers.emplace_back([&] {
      for (int i = 0; i < rounds; ++i) {
        std::lock_guard<std::mutex> g(m);
        ++total;
      }
    });
  for (std::thread& t : workers) t.join();
  poller.join();
  return total == 2 * rounds ? 0 : 1;
}
