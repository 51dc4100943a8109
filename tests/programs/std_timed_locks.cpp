// Correct: the timed and try variants under contention (std::timed_mutex, std::recursive_timed_mutex,
// std::shared_timed_mutex, std::condition_variable_any), and timed/try joins. Timed waits end by
// themselves: never part of a deadlock. Expected: no finding, exit code 0.
#include <pthread.h>
#include <time.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

std::timed_mutex tm;
std::recursive_timed_mutex rtm;
std::shared_timed_mutex stm;
std::condition_variable_any cva;
long hits = 0;
long misses = 0;

void worker(int id) {
  for (int i = 0; i < 300; ++i) {
    if (tm.try_lock_for(200us)) {
      std::lock_guard<std::recursive_timed_mutex> r(rtm);
      if (rtm.try_lock_until(std::chrono::steady_clock::now() + 1ms)) {  // re-entry: always succeeds
        ++hits;
        rtm.unlock();
      }
      tm.unlock();
    } else {
      std::lock_guard<std::recursive_timed_mutex> r(rtm);
      ++misses;
    }
    if (id % 2 == 0) {
      if (stm.try_lock_shared_for(100us)) stm.unlock_shared();
    } else if (stm.try_lock_for(100us)) {
      std::unique_lock<std::shared_timed_mutex> w(stm, std::adopt_lock);
      cva.wait_for(w, 10us);
    }
  }
}

}  // namespace

int main() {
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back(worker, i);
  for (auto& t : threads) t.join();
  // pthread_tryjoin_np / pthread_timedjoin_np on a thread that is still running, then a plain join.
  std::thread slow([] { std::this_thread::sleep_for(30ms); });
  void* result = nullptr;
  const int busy = pthread_tryjoin_np(slow.native_handle(), &result);
  timespec deadline{};
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_nsec += 1000000;
  if (deadline.tv_nsec >= 1000000000) {
    deadline.tv_sec += 1;
    deadline.tv_nsec -= 1000000000;
  }
  const int timed_out = pthread_timedjoin_np(slow.native_handle(), &result, &deadline);
  slow.join();
  std::printf("hits %ld misses %ld tryjoin %d timedjoin %d\n", hits, misses, busy, timed_out);
  return hits + misses == 1200 ? 0 : 1;
}
