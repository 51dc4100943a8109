// Threads joined by static destructors, after main returns, while exit() runs.
// No argument: a pool of workers parked on a condition variable is told to stop and joined, while one
// more thread stays parked on its own condition variable for the whole teardown (a library's idle
// helper). Correct: no finding, exit code 0.
// "deadlock": a destructor joins its flusher thread under the mutex that thread still has to take.
// Expected: deadlock, exit code 86.
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

namespace {

class pool {
 public:
  explicit pool(int n) {
    for (int i = 0; i < n; ++i)
      workers_.emplace_back([this] {
        std::unique_lock<std::mutex> l(mu_);
        wake_.wait(l, [this] { return stopping_; });
      });
  }
  ~pool() {
    {
      std::lock_guard<std::mutex> g(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : workers_) t.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

class flusher {
 public:
  flusher() : thread_([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::lock_guard<std::mutex> g(mu_);  // LINE:flush
  }) {}
  ~flusher() {
    std::lock_guard<std::mutex> g(mu_);
    thread_.join();  // LINE:join_at_exit
  }

 private:
  std::mutex mu_;
  std::thread thread_;
};

// Parked for good: never destroyed, so its waiter is never woken (nor its condition variable destroyed
// under it).
std::mutex& idle_mu = *new std::mutex;
std::condition_variable& idle_wake = *new std::condition_variable;

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "deadlock") == 0) {
    static flusher f;
    return 0;
  }
  static pool workers(16);
  std::thread([] {
    std::unique_lock<std::mutex> l(idle_mu);
    idle_wake.wait(l, [] { return false; });
  }).detach();
  return 0;
}
