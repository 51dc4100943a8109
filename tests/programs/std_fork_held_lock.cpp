// fork() while another thread holds a std::mutex: in the child that mutex stays locked forever (its
// holder does not exist there). A child that locks it would hang; under the interposer it is reported
// as a deadlock on a lock held by a thread the fork left behind, and ended (exit code 86). The parent itself
// is correct. Expected: the parent exits 0 and prints the child's exit status; the finding is the
// child's.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

namespace {

std::mutex& config_mu = *new std::mutex;  // never destroyed
std::atomic<bool> holding{false};
std::atomic<bool> release{false};

}  // namespace

int main() {
  std::thread holder([] {
    std::lock_guard<std::mutex> g(config_mu);
    holding = true;
    while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
  while (!holding.load()) std::this_thread::yield();
  const pid_t pid = fork();
  if (pid == 0) {
    config_mu.lock();  // LINE:child_lock
    _exit(0);          // not reached: nobody will ever unlock it in this process
  }
  int status = 0;
  waitpid(pid, &status, 0);
  release = true;
  holder.join();
  std::printf("child exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  return 0;
}
