// Correct: a std::recursive_mutex re-locked by its owner (recursive traversal), from two threads, and a
// std::timed_mutex taken with try_lock_for. Expected: no finding, exit code 0.
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

namespace {

std::recursive_mutex tree_mu;
std::timed_mutex stats_mu;
long visits = 0;
long stats = 0;

void visit(int depth) {
  std::lock_guard<std::recursive_mutex> g(tree_mu);
  ++visits;
  if (depth > 0) {
    visit(depth - 1);
    visit(depth - 1);
  }
}

void work() {
  for (int i = 0; i < 200; ++i) {
    visit(5);
    if (stats_mu.try_lock_for(std::chrono::milliseconds(100))) {
      ++stats;
      stats_mu.unlock();
    }
  }
}

}  // namespace

int main() {
  std::thread t1(work);
  std::thread t2(work);
  t1.join();
  t2.join();
  std::printf("visits %ld stats %ld\n", visits, stats);
  return visits == 2 * 200 * 63 ? 0 : 1;
}
