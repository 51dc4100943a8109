// A correct thread pool: workers wait on a condition variable with a predicate for jobs or shutdown and
// run each job outside the queue lock; the submitter waits (on a second condition variable, with a
// predicate) until the pool is idle, and shutdown drains the queue before joining the workers.
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "gridlock/condition_variable.h"
#include "gridlock/mutex.h"
#include "gridlock/thread.h"
#include "scenario.h"

namespace {

class thread_pool {
 public:
  explicit thread_pool(std::size_t workers) {
    for (std::size_t i = 0; i < workers; ++i)
      workers_.push_back(gridlock::thread::named("pool-worker-" + std::to_string(i), [this] { run(); }));
  }
  ~thread_pool() { shutdown(); }

  void submit(std::function<void()> job) {
    {
      std::lock_guard<gridlock::mutex> g(mu_);
      jobs_.push_back(std::move(job));
    }
    work_available_.notify_one();
  }

  /// Waits until every submitted job has finished.
  void wait_idle() {
    std::unique_lock<gridlock::mutex> lk(mu_);
    idle_.wait(lk, [&] { return jobs_.empty() && running_ == 0; });
  }

  /// Lets the workers finish every queued job, then joins them.
  void shutdown() {
    {
      std::lock_guard<gridlock::mutex> g(mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    work_available_.notify_all();
    for (gridlock::thread& w : workers_) w.join();
  }

 private:
  void run() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock<gridlock::mutex> lk(mu_);
        work_available_.wait(lk, [&] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;  // stopping, and nothing left to do
        job = std::move(jobs_.front());
        jobs_.pop_front();
        ++running_;
      }
      job();  // outside the queue lock
      std::lock_guard<gridlock::mutex> g(mu_);
      if (--running_ == 0 && jobs_.empty()) idle_.notify_all();
    }
  }

  gridlock::mutex mu_{"pool.queue"};
  gridlock::condition_variable work_available_{"pool.work-available"};
  gridlock::condition_variable idle_{"pool.idle"};
  std::deque<std::function<void()>> jobs_;  // guarded by mu_
  int running_ = 0;                         // jobs taken but not finished; guarded by mu_
  bool stopping_ = false;                   // guarded by mu_
  std::vector<gridlock::thread> workers_;
};

void body(scenarios::context& ctx) {
  const std::size_t workers = 2 + ctx.pick(4);
  const int jobs = 10 + static_cast<int>(ctx.pick(60));
  gridlock::mutex results_mu("pool.results");
  long sum = 0;  // guarded by results_mu
  {
    thread_pool pool(workers);
    // One batch the submitter waits for, then more jobs left for shutdown to drain.
    for (int j = 0; j < jobs; ++j)
      pool.submit([&, j] {
        std::lock_guard<gridlock::mutex> g(results_mu);
        sum += j;
      });
    pool.wait_idle();
    for (int j = 0; j < jobs; ++j)
      pool.submit([&, j] {
        std::lock_guard<gridlock::mutex> g(results_mu);
        sum -= j;
      });
    pool.shutdown();
  }
}

}  // namespace

GRIDLOCK_SCENARIO("thread-pool",
                  "worker threads, a job queue with a condition variable and predicates, clean shutdown",
                  clean, body);
