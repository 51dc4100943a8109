// Correct: threads hold 100 std::mutexes at once (more than the runtime's 64-entry held set), always
// in the same order, take a std::shared_mutex's write side and wait on a condition variable with all of
// them held, and release them in reverse and in forward order; then they hold the read side of 100
// std::shared_mutexes at once, released the same ways, which main write-locks afterwards (a read side
// left locked would hang it). Expected: no finding, exit code 0.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

int main() {
  constexpr int n = 100;
  std::vector<std::mutex> locks(n);
  std::shared_mutex table;  // write-locked beyond the held set's bound
  std::vector<std::shared_mutex> shards(n);  // read-locked all at once
  std::condition_variable cv;
  long work = 0;
  auto body = [&](bool reverse_release) {
    for (int round = 0; round < 50; ++round) {
      for (int i = 0; i < n - 1; ++i) locks[i].lock();
      {
        std::unique_lock<std::shared_mutex> write(table);
      }
      {
        std::unique_lock<std::mutex> last(locks[n - 1]);
        cv.wait_for(last, std::chrono::microseconds(10));
        ++work;
      }
      if (reverse_release) {
        for (int i = n - 2; i >= 0; --i) locks[i].unlock();
      } else {
        for (int i = 0; i < n - 1; ++i) locks[i].unlock();
      }
      for (std::shared_mutex& s : shards) s.lock_shared();
      if (reverse_release) {
        for (int i = n - 1; i >= 0; --i) shards[i].unlock_shared();
      } else {
        for (std::shared_mutex& s : shards) s.unlock_shared();
      }
    }
  };
  std::thread a(body, true);
  std::thread b(body, false);
  a.join();
  b.join();
  for (std::shared_mutex& s : shards) std::unique_lock<std::shared_mutex> write(s);
  std::printf("work %ld\n", work);
  return work == 100 ? 0 : 1;
}
