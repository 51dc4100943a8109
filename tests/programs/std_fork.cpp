// Correct: fork() while other threads lock, unlock, nest and wait all the time (so some of them are in
// the middle of the runtime's bookkeeping at the moment of the fork). Every child locks and waits on
// its own mutexes and condition variable, try-locks one that a parent thread may hold, and exits (half
// with exit(), half with _exit()). Nothing may hang and nothing may be reported.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace {

// Never destroyed: a child's exit() must not run ~condition_variable, which waits for the waiters
// its memory says it has (the parent's threads, which do not exist in the child).
std::mutex& outer = *new std::mutex;
std::mutex* inner = new std::mutex[4];
std::condition_variable& cv = *new std::condition_variable;
std::atomic<bool> stop{false};
long work = 0;

void churn(int id) {
  while (!stop.load()) {
    std::unique_lock<std::mutex> o(outer);
    {
      std::lock_guard<std::mutex> i(inner[id % 4]);
      ++work;
    }
    cv.wait_for(o, std::chrono::microseconds(50));
  }
}

int child() {
  std::mutex mine;
  std::condition_variable my_cv;
  {
    std::unique_lock<std::mutex> lk(mine);
    my_cv.wait_for(lk, std::chrono::milliseconds(1));
  }
  std::thread t([&] { std::lock_guard<std::mutex> g(mine); });
  t.join();
  if (inner[0].try_lock()) inner[0].unlock();  // may be held by a thread that does not exist here
  return 0;
}

}  // namespace

int main() {
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back(churn, i);
  int failures = 0;
  for (int k = 0; k < 40; ++k) {
    const pid_t pid = fork();
    if (pid == 0) {
      const int rc = child();
      if (k % 2 == 0) std::exit(rc);
      _exit(rc);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failures;
    cv.notify_all();
  }
  stop = true;
  cv.notify_all();
  for (auto& t : threads) t.join();
  std::printf("failures %d\n", failures);
  return failures == 0 ? 0 : 1;
}
