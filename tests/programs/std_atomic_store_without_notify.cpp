// A worker waits for an atomic to change; main changes it but forgets to notify, then waits for the
// worker. The worker sleeps on in the kernel: its futex word changed, and no wake came. Expected:
// all-threads-blocked naming that wait as changed and never woken, exit 86, not the timeout.
// The argument is how main waits last (each a different real call under the interposer, each made in
// slices while its look cannot tell): join (the default), lock or rdlock / wrlock (of locks the worker
// holds), and on things nobody will give: sem (a POSIX semaphore), atomic, future, cond.
#include <semaphore.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>

namespace {

std::atomic<int> generation{0};
std::mutex table_mu;
std::shared_mutex config_mu;

void worker() {
  std::lock_guard<std::mutex> table(table_mu);
  std::unique_lock<std::shared_mutex> config(config_mu);
  generation.wait(0);  // LINE:wait
}

void wait_last(const std::string& how) {
  if (how == "lock") {
    table_mu.lock();
  } else if (how == "rdlock") {
    config_mu.lock_shared();
  } else if (how == "wrlock") {
    config_mu.lock();
  } else if (how == "sem") {
    sem_t never;
    sem_init(&never, 0, 0);
    sem_wait(&never);
  } else if (how == "atomic") {
    std::atomic<int> never{0};
    never.wait(0);
  } else if (how == "future") {
    std::promise<int> never;
    never.get_future().get();
  } else if (how == "cond") {
    std::mutex m;
    std::condition_variable never;
    std::unique_lock<std::mutex> lk(m);
    never.wait(lk, [] { return false; });
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::thread t(worker);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the worker is asleep in its wait
  generation.store(1);  // the bug: no generation.notify_one()
  wait_last(argc > 1 ? argv[1] : "join");
  t.join();  // LINE:join
  return 0;
}
