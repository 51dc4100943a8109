// Correct: a bounded queue with std::condition_variable waits on predicates (wait, wait_for and
// wait_until), several producers and consumers. Expected: no finding, exit code 0.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace {

class bounded_queue {
 public:
  void push(int v) {
    std::unique_lock<std::mutex> lk(mu_);
    not_full_.wait(lk, [&] { return q_.size() < 8; });
    q_.push_back(v);
    not_empty_.notify_one();
  }
  bool pop(int& v) {
    std::unique_lock<std::mutex> lk(mu_);
    while (!not_empty_.wait_for(lk, std::chrono::milliseconds(5), [&] { return !q_.empty() || closed_; })) {
    }
    if (q_.empty()) return false;
    v = q_.front();
    q_.pop_front();
    not_full_.notify_one();
    return true;
  }
  void close() {
    std::lock_guard<std::mutex> g(mu_);
    closed_ = true;
    not_empty_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<int> q_;
  bool closed_ = false;
};

}  // namespace

int main() {
  bounded_queue q;
  std::mutex sum_mu;
  long sum = 0;
  std::vector<std::thread> consumers;
  for (int c = 0; c < 3; ++c) {
    consumers.emplace_back([&] {
      int v;
      while (q.pop(v)) {
        std::lock_guard<std::mutex> g(sum_mu);
        sum += v;
      }
    });
  }
  std::vector<std::thread> producers;
  for (int p = 0; p < 3; ++p) {
    producers.emplace_back([&] {
      for (int i = 1; i <= 2000; ++i) q.push(i);
    });
  }
  for (auto& t : producers) t.join();
  q.close();
  for (auto& t : consumers) t.join();
  // A timed wait that times out, with its predicate.
  std::mutex m;
  std::condition_variable cv;
  std::unique_lock<std::mutex> lk(m);
  const bool woke = cv.wait_until(lk, std::chrono::steady_clock::now() + std::chrono::milliseconds(20), [] { return false; });
  std::printf("sum %ld woke %d\n", sum, woke);
  return sum == 3L * 2000 * 2001 / 2 ? 0 : 1;
}
