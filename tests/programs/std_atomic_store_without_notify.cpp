// A worker waits for an atomic to change; main changes it but forgets to notify, then joins the
// worker. The worker sleeps on in the kernel: its futex word changed, and no wake came. Expected:
// all-threads-blocked naming that wait as changed and never woken, exit 86, not the timeout.
#include <atomic>
#include <chrono>
#include <thread>

namespace {

std::atomic<int> generation{0};

void worker() {
  generation.wait(0);  // LINE:wait
}

}  // namespace

int main() {
  std::thread t(worker);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the worker is asleep in its wait
  generation.store(1);  // the bug: no generation.notify_one()
  t.join();  // LINE:join
  return 0;
}
