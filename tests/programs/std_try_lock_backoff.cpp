// Correct: the second lock is a try-lock; on failure the thread releases the first and retries, so the
// opposite orders cannot deadlock (a try-lock adds no lock-order edge). Expected: no finding, exit 0.
#include <cstdio>
#include <mutex>
#include <thread>

namespace {

std::mutex a;
std::mutex b;
long moved = 0;

void take(std::mutex& first, std::mutex& second) {
  for (int i = 0; i < 10000; ++i) {
    for (;;) {
      std::unique_lock<std::mutex> l1(first);
      std::unique_lock<std::mutex> l2(second, std::try_to_lock);
      if (l2.owns_lock()) {
        ++moved;
        break;
      }
      l1.unlock();
      std::this_thread::yield();
    }
  }
}

}  // namespace

int main() {
  std::thread t1([] { take(a, b); });
  std::thread t2([] { take(b, a); });
  t1.join();
  t2.join();
  std::printf("moved %ld\n", moved);
  return moved == 20000 ? 0 : 1;
}
