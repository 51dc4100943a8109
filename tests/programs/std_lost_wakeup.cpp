// A lost wakeup: the producer notifies before the consumer waits, and the consumer waits without a
// predicate, so it waits forever; main waits for the consumer. Expected: all-threads-blocked, exit 86.
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

namespace {

std::mutex mu;
std::condition_variable ready_cv;
bool ready = false;
std::atomic<bool> notified{false};

void producer() {
  {
    std::lock_guard<std::mutex> g(mu);
    ready = true;
  }
  ready_cv.notify_one();  // nobody waits yet: the wakeup is lost
  notified = true;
}

void consumer() {
  while (!notified.load()) std::this_thread::yield();
  std::unique_lock<std::mutex> lk(mu);
  ready_cv.wait(lk);  // LINE:wait
  std::printf("ready %d\n", ready);
}

}  // namespace

int main() {
  std::thread c(consumer);
  std::thread p(producer);
  p.join();
  c.join();
  return 0;
}
