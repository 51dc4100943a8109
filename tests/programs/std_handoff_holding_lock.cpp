// A thread holds a lock while it waits for a handoff whose giver needs that lock: main takes cache_mu,
// starts a worker that must take cache_mu before it hands over, and waits for the handoff. Every thread
// is blocked for good (it hangs without Gridlock), and no thread can be owed the handoff but the blocked
// worker. The handoff is the argument: `future` (a std::promise's result), `sem` (a POSIX semaphore),
// `latch`, `barrier`, `semaphore` (std::counting_semaphore) or `atomic` (std::atomic::wait).
#include <pthread.h>
#include <semaphore.h>

#include <atomic>
#include <barrier>
#include <cstdio>
#include <future>
#include <latch>
#include <mutex>
#include <semaphore>
#include <string>
#include <thread>

namespace {

std::mutex cache_mu;
std::promise<void> refilled_promise;
sem_t refilled_sem;
std::latch refilled_latch(1);
std::barrier<> refilled_barrier(2);
std::counting_semaphore<1> refilled_semaphore(0);
std::atomic<int> refilled_flag{0};

}  // namespace

int main(int argc, char** argv) {
  const std::string how = argc > 1 ? argv[1] : "future";
  std::future<void> refilled_future = refilled_promise.get_future();
  sem_init(&refilled_sem, 0, 0);
  std::lock_guard<std::mutex> g(cache_mu);
  std::thread worker([&] {
    pthread_setname_np(pthread_self(), "refiller");  // after it started, as most programs name threads
    std::lock_guard<std::mutex> w(cache_mu);  // LINE:worker_locks
    if (how == "future") refilled_promise.set_value();
    if (how == "sem") sem_post(&refilled_sem);
    if (how == "latch") refilled_latch.count_down();
    if (how == "barrier") refilled_barrier.arrive_and_wait();
    if (how == "semaphore") refilled_semaphore.release();
    if (how == "atomic") {
      refilled_flag = 1;
      refilled_flag.notify_one();
    }
  });
  if (how == "future") refilled_future.get();                 // LINE:future
  if (how == "sem") sem_wait(&refilled_sem);                  // LINE:sem
  if (how == "latch") refilled_latch.wait();                  // LINE:latch
  if (how == "barrier") refilled_barrier.arrive_and_wait();   // LINE:barrier
  if (how == "semaphore") refilled_semaphore.acquire();       // LINE:semaphore
  if (how == "atomic") refilled_flag.wait(0);                 // LINE:atomic
  worker.join();
  std::puts("not reached");
}
