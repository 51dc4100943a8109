// A trial program for runner_test: never ends. A "spinner" thread spins holding lock "held-by-spinner", a
// "waiter" thread waits for that lock, and main joins them, so the watchdog has a running thread, a
// thread blocked on a Gridlock lock and a thread blocked in a join to record.
#include <pthread.h>

#include <mutex>
#include <semaphore>

#include "gridlock/gridlock.h"
#include "state_request.h"

namespace {

volatile unsigned long spins = 0;

[[gnu::noinline]] void spin_forever(gridlock::mutex& m, std::binary_semaphore& holding) {
  const std::scoped_lock hold(m);
  holding.release();
  for (;;) spins = spins + 1;
}

}  // namespace

int main() {
  gridlock::answer_state_requests();
  gridlock::mutex m("held-by-spinner");
  std::binary_semaphore holding(0);
  gridlock::thread spinner = gridlock::thread::named("spinner", [&] {
    pthread_setname_np(pthread_self(), "spinner");
    spin_forever(m, holding);
  });
  holding.acquire();
  gridlock::thread waiter = gridlock::thread::named("waiter", [&] {
    pthread_setname_np(pthread_self(), "waiter");
    const std::scoped_lock wait(m);
  });
  spinner.join();
  waiter.join();
}
