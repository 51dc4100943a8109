// Every thread blocked for good while a worker is still leaving: the worker ends at once, but a
// pthread key destructor (run after the runtime's thread-exit hook) keeps it in the OS's thread list
// for 120 ms. Main waits on a condition variable nobody will notify, 50 ms in: after the worker's own
// exit check, before the OS has let the worker go. A hang, named as all-threads-blocked once the worker
// has left (the check waits for threads that ended to leave), not at the timeout.
#include <pthread.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

namespace {

std::mutex mu;
std::condition_variable refilled;
bool ready = false;

}  // namespace

int main() {
  pthread_key_t leaving_slowly;
  pthread_key_create(&leaving_slowly, [](void*) { usleep(120'000); });
  std::thread worker([&] { pthread_setspecific(leaving_slowly, &leaving_slowly); });
  worker.detach();
  usleep(50'000);
  std::unique_lock<std::mutex> lk(mu);
  refilled.wait(lk, [] { return ready; });  // LINE:wait
  std::puts("not reached");
}
