// The main thread joins a worker while holding the std::mutex the worker needs.
// Expected: deadlock, exit code 86.
#include <cstdio>
#include <mutex>
#include <thread>

namespace {

std::mutex state_mu;
int state = 0;

void worker() {
  std::lock_guard<std::mutex> g(state_mu);  // LINE:worker_lock
  ++state;
}

}  // namespace

int main() {
  std::lock_guard<std::mutex> g(state_mu);
  std::thread t(worker);
  t.join();  // LINE:join
  std::printf("state %d\n", state);
  return 0;
}
