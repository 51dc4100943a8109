// Correct: a reader holds a std::shared_mutex while the main thread touches many more distinct mutexes
// than the interposer may track (preload_test runs it with a small GRIDLOCK_MAX_LOCKS), so records are
// evicted while that one is read-held; the main thread then blocks on the write side until the reader
// lets go. The read-held record must survive eviction (the held sets are the only count of readers),
// and the blocked writer waits for a live reader: no finding.
// Usage: std_read_held_eviction [mutexes=4096]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <thread>

int main(int argc, char** argv) {
  const long count = argc > 1 ? std::atol(argv[1]) : 4096;
  std::shared_mutex config;
  std::atomic<int> stage{0};  // 1: the reader holds config; 2: the main thread has churned
  std::thread reader([&] {
    std::shared_lock<std::shared_mutex> read(config);
    stage.store(1);
    while (stage.load() != 2) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the writer is blocked by now
  });
  while (stage.load() != 1) std::this_thread::yield();
  std::unique_ptr<std::mutex[]> mutexes(new std::mutex[count]);
  for (long i = 0; i < count; ++i) std::lock_guard<std::mutex> g(mutexes[i]);
  stage.store(2);
  {
    std::unique_lock<std::shared_mutex> write(config);
  }
  reader.join();
  std::printf("churned %ld\n", count);
  return 0;
}
