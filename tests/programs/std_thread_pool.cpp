// Correct: a small thread pool (a task queue under a std::mutex, workers waiting on a
// std::condition_variable, futures for the results, an orderly shutdown). Expected: no finding, exit 0.
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <future>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace {

class pool {
 public:
  explicit pool(int n) {
    for (int i = 0; i < n; ++i) workers_.emplace_back([this] { run(); });
  }
  ~pool() {
    {
      std::lock_guard<std::mutex> g(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
  }
  std::future<long> submit(std::function<long()> f) {
    auto task = std::make_shared<std::packaged_task<long()>>(std::move(f));
    std::future<long> result = task->get_future();
    {
      std::lock_guard<std::mutex> g(mu_);
      tasks_.push([task] { (*task)(); });
    }
    cv_.notify_one();
    return result;
  }

 private:
  void run() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> lk(mu_);
        cv_.wait(lk, [this] { return stopping_ || !tasks_.empty(); });
        if (tasks_.empty()) return;
        task = std::move(tasks_.front());
        tasks_.pop();
      }
      task();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::queue<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace

int main() {
  std::mutex total_mu;
  long total = 0;
  {
    pool p(4);
    std::vector<std::future<long>> results;
    for (long i = 1; i <= 500; ++i) {
      results.push_back(p.submit([i, &total_mu, &total] {
        std::lock_guard<std::mutex> g(total_mu);
        total += i;
        return i * i;
      }));
    }
    long squares = 0;
    for (auto& r : results) squares += r.get();
    std::printf("squares %ld\n", squares);
  }
  std::printf("total %ld\n", total);
  return total == 500L * 501 / 2 ? 0 : 1;
}
