// A pool shut down with notify_one where notify_all was needed: the stop flag is set, one idle worker
// wakes and leaves, the others sleep on, and main joins them. Every thread is blocked, though the
// runtime saw a notify reach the condition variable they wait on. Expected: all-threads-blocked,
// exit 86.
//   awake       the workers the notify did not wake are awake when main blocks for good: a signal
//               handler runs on them for a while (as glibc's condition variable wakes waiters that
//               then find no signal for them and sleep again, for microseconds). Main's look cannot
//               tell, and no other thread looks once they sleep again. Same expectation.
//   awake-long  as awake, but the handler runs 300 ms: longer than a waiter's first slices (100 ms),
//               so main's join looks again in longer ones. Same expectation.
//   awake-exit  the same, but a thread ends last: main joins first, then a messenger signals the
//               workers and ends.
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

namespace {

constexpr int workers = 3;
std::mutex mu;
std::condition_variable work_cv;
bool stopping = false;
int idle = 0;
std::chrono::milliseconds handler_runs{30};
std::atomic<pid_t> worker_tids[workers];

void busy_handler(int) {
  const auto until = std::chrono::steady_clock::now() + handler_runs;
  while (std::chrono::steady_clock::now() < until) {
  }
}

void worker(int index) {
  worker_tids[index] = static_cast<pid_t>(syscall(SYS_gettid));
  std::unique_lock<std::mutex> lk(mu);
  ++idle;
  work_cv.wait(lk, [] { return stopping; });  // LINE:wait
}

/// By OS thread id: the woken worker may have ended and been joined (no pthread_t to use).
void signal_workers() {
  for (const std::atomic<pid_t>& tid : worker_tids) syscall(SYS_tgkill, getpid(), tid.load(), SIGUSR1);
}

}  // namespace

int main(int argc, char** argv) {
  const bool awake = argc > 1 && std::strncmp(argv[1], "awake", 5) == 0;
  const bool last_ends = argc > 1 && std::strcmp(argv[1], "awake-exit") == 0;
  if (last_ends) handler_runs = std::chrono::milliseconds(2);  // within the ending thread's looks
  if (argc > 1 && std::strcmp(argv[1], "awake-long") == 0) handler_runs = std::chrono::milliseconds(300);
  struct sigaction sa {};
  sa.sa_handler = busy_handler;
  sa.sa_flags = SA_RESTART;
  if (awake) sigaction(SIGUSR1, &sa, nullptr);
  std::vector<std::thread> pool;
  for (int i = 0; i < workers; ++i) pool.emplace_back(worker, i);
  for (;;) {  // every worker in its wait: each counted itself under mu, which the wait releases
    std::lock_guard<std::mutex> g(mu);
    if (idle == workers) break;
  }
  {
    std::lock_guard<std::mutex> g(mu);
    stopping = true;
  }
  work_cv.notify_one();  // the bug: wakes one worker of three
  if (awake) std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the woken one has ended
  if (last_ends) {
    std::thread messenger([] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // main is in its join
      signal_workers();
    });
    messenger.detach();
  } else if (awake) {
    signal_workers();
  }
  for (std::thread& t : pool) t.join();  // LINE:join
  return 0;
}
