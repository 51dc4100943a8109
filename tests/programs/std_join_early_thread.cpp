// Deadlocks on a thread the interposer did not see start (lib_early_thread.cpp starts it from a static
// constructor, before the interposer's): main holds early_mu and joins that thread, which waits for
// early_mu. The join began before the thread was known, and must still close the wait-for cycle.
#include <atomic>
#include <mutex>

extern std::mutex early_mu;
extern std::atomic<bool> main_holds;
extern "C" void join_early_worker();

int main() {
  std::lock_guard<std::mutex> g(early_mu);
  main_holds.store(true);
  join_early_worker();  // LINE:join
  return 0;
}
