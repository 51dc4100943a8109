// An actual ABBA deadlock: two threads hold one std::mutex each and then want the other's.
// Expected: deadlock, exit code 86 (the process is ended right after the deadlock forms).
// Prints "forming <CLOCK_MONOTONIC ns>" just before the last lock, so a test can time the report.
#include <time.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>

namespace {

std::mutex a;
std::mutex b;
std::atomic<int> holding{0};

long long now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void wait_for_both() {
  holding.fetch_add(1);
  while (holding.load() < 2) std::this_thread::yield();
}

void transfer_a_to_b() {
  std::lock_guard<std::mutex> first(a);
  wait_for_both();
  std::lock_guard<std::mutex> second(b);  // LINE:a_then_b
}

void transfer_b_to_a() {
  std::lock_guard<std::mutex> first(b);
  wait_for_both();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the other one block first
  std::printf("forming %lld\n", now_ns());
  std::fflush(stdout);
  std::lock_guard<std::mutex> second(a);  // LINE:b_then_a
}

}  // namespace

int main() {
  std::thread t1(transfer_a_to_b);
  std::thread t2(transfer_b_to_a);
  t1.join();
  t2.join();
  std::puts("not reached");
  return 0;
}
