// A narrow-window ABBA in plain std:: code: a teller wakes a worker through a condition variable and at
// once takes A then B; the woken worker takes B then A. Every run shows the inversion to the lock-order
// graph; an actual deadlock needs the teller between its two acquisitions when the worker takes B, which
// plain runs almost never do. Under `gridlock exec --strategy random` the interposer's sync points open
// that window (tests/preload_test.cpp, docs/injectors.md).
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

namespace {

std::mutex a, b;
long left = 100, right = 100;

std::mutex handoff_mu;
std::condition_variable handoff_cv;
bool handed = false;

void move_right(long n) {
  std::lock_guard<std::mutex> la(a);  // LINE:teller-a
  std::lock_guard<std::mutex> lb(b);  // LINE:teller-b
  left -= n;
  right += n;
}

void move_left(long n) {
  std::lock_guard<std::mutex> lb(b);  // LINE:worker-b
  std::lock_guard<std::mutex> la(a);  // LINE:worker-a
  right -= n;
  left += n;
}

}  // namespace

int main() {
  std::thread worker([] {
    std::unique_lock<std::mutex> lk(handoff_mu);
    handoff_cv.wait(lk, [] { return handed; });
    lk.unlock();
    move_left(5);
  });
  std::thread teller([] {
    // Each lock once on its own first, so the runtime's first-sight work is not inside the window.
    { std::lock_guard<std::mutex> la(a); }  // LINE:warm-a
    { std::lock_guard<std::mutex> lb(b); }
    {
      std::lock_guard<std::mutex> g(handoff_mu);
      handed = true;
    }
    handoff_cv.notify_one();
    move_right(7);
  });
  teller.join();
  worker.join();
  std::printf("left %ld right %ld\n", left, right);
  return 0;
}
