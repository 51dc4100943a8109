// A correct work queue (one notify_one per task, as Boost.Asio's scheduler wakes one idle thread) and a
// hang of another kind: main holds table_mu while it waits for a task's result, and the task needs
// table_mu. The idle workers the notify did not wake sleep on, as they should.
// Expected: all-threads-blocked naming the task's wait for table_mu held by main, exit 86.
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace {

std::mutex queue_mu;
std::condition_variable queue_cv;
std::deque<std::function<void()>> tasks;

std::mutex table_mu;
int table = 0;

void post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> g(queue_mu);
    tasks.push_back(std::move(task));
  }
  queue_cv.notify_one();
}

void work() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lk(queue_mu);
      queue_cv.wait(lk, [] { return !tasks.empty(); });
      task = std::move(tasks.front());
      tasks.pop_front();
    }
    task();
  }
}

}  // namespace

int main() {
  std::vector<std::thread> pool;
  for (int i = 0; i < 4; ++i) pool.emplace_back(work);
  std::promise<int> result;
  std::lock_guard<std::mutex> g(table_mu);
  post([&result] {
    std::lock_guard<std::mutex> t(table_mu);  // LINE:task_lock
    result.set_value(++table);
  });
  result.get_future().wait();  // LINE:wait_result
  for (std::thread& t : pool) t.detach();
  return 0;
}
