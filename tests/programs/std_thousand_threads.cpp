// Correct: 1,000 threads alive at once, each taking a shared std::mutex and its own, in a consistent
// order, then waiting at a std::latch for all the others before finishing. Expected: no finding.
#include <cstdio>
#include <latch>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

int main() {
  constexpr int n = 1000;
  std::mutex shared_mu;
  long total = 0;
  std::latch all_alive(n);
  std::unique_ptr<std::mutex[]> own(new std::mutex[n]);
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      {
        std::lock_guard<std::mutex> g(shared_mu);
        std::lock_guard<std::mutex> o(own[i]);
        total += i;
      }
      all_alive.arrive_and_wait();
      std::lock_guard<std::mutex> o(own[i]);
    });
  }
  for (auto& t : threads) t.join();
  std::printf("total %ld\n", total);
  return total == static_cast<long>(n) * (n - 1) / 2 ? 0 : 1;
}
