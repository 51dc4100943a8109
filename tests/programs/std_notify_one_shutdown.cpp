// A pool shut down with notify_one where notify_all was needed: the stop flag is set, one idle worker
// wakes and leaves, the others sleep on, and main joins them. Every thread is blocked, though the
// runtime saw a notify reach the condition variable they wait on. Expected: all-threads-blocked,
// exit 86.
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace {

constexpr int workers = 3;
std::mutex mu;
std::condition_variable work_cv;
bool stopping = false;
int idle = 0;

void worker() {
  std::unique_lock<std::mutex> lk(mu);
  ++idle;
  work_cv.wait(lk, [] { return stopping; });  // LINE:wait
}

}  // namespace

int main() {
  std::vector<std::thread> pool;
  for (int i = 0; i < workers; ++i) pool.emplace_back(worker);
  for (;;) {  // every worker in its wait: each counted itself under mu, which the wait releases
    std::lock_guard<std::mutex> g(mu);
    if (idle == workers) break;
  }
  {
    std::lock_guard<std::mutex> g(mu);
    stopping = true;
  }
  work_cv.notify_one();  // the bug: wakes one worker of three
  for (std::thread& t : pool) t.join();  // LINE:join
  return 0;
}
