// Hangs where no detector can prove it: a worker takes a std::mutex, then waits on a process-shared
// POSIX semaphore in shared memory that is never posted (another process could post it); main waits
// for the mutex. Neither wait ends: the run ends at its timeout, and the timeout finding must still say
// what each thread holds and waits for. Two idle helpers wait on a condition variable, and a
// notify_one with nothing for them to do wakes one (which waits again); the other sleeps on, notified.
// With the argument `forked`, main first takes a mutex of its own and forks: the child hangs so, and
// the parent waits for it, holding that mutex (two processes, each with its own threads and locks).
// With `daemon`, it first closes every descriptor above stderr, as daemons do.
#include <semaphore.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <cstring>
#include <future>
#include <mutex>
#include <thread>

namespace {

std::mutex parent_mu;
std::mutex table_mu;
std::mutex idle_mu;
std::condition_variable idle_cv;
int idle = 0;

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "daemon") == 0)
    for (int fd = 3; fd < 1024; ++fd) close(fd);
  if (argc > 1 && std::strcmp(argv[1], "forked") == 0) {
    std::lock_guard<std::mutex> g(parent_mu);
    if (const pid_t child = fork(); child > 0) return waitpid(child, nullptr, 0) == child ? 0 : 1;
  }
  auto helper = [] {
    std::unique_lock<std::mutex> lk(idle_mu);
    ++idle;
    idle_cv.wait(lk, [] { return false; });
  };
  std::thread helper1(helper), helper2(helper);
  for (;;) {  // both helpers in their wait: each counted itself under idle_mu, which the wait releases
    std::lock_guard<std::mutex> g(idle_mu);
    if (idle == 2) break;
  }
  idle_cv.notify_one();
  auto* never_posted = static_cast<sem_t*>(
      mmap(nullptr, sizeof(sem_t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  sem_init(never_posted, 1, 0);
  std::promise<void> holding;
  std::thread worker([&] {
    std::lock_guard<std::mutex> g(table_mu);
    holding.set_value();
    sem_wait(never_posted);
  });
  holding.get_future().wait();
  { std::lock_guard<std::mutex> g(table_mu); }
  worker.join();
  helper1.join();
  helper2.join();
}
