// A thread-specific data destructor (pthread_key_create's, as OpenSSL's per-thread cleanup) runs after
// the C++ thread_local destructors, the runtime's thread-exit hook among them: the runtime has seen the
// thread end while it still takes and releases a lock. Here it holds the lock until main sleeps waiting
// for it, then releases it. Correct: main gets the lock. (The runtime took the holder for a thread that
// had exited holding it, and reported a deadlock.)
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

namespace {

std::mutex registry_mu;
std::atomic<bool> destructor_holds{false};
std::atomic<pid_t> main_tid{0};
pthread_key_t cleanup_key;

/// Whether the thread is asleep (state S in /proc): main, blocked on the mutex.
bool asleep(pid_t tid) {
  std::ifstream stat("/proc/self/task/" + std::to_string(tid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'S';
}

void cleanup(void*) {
  std::lock_guard<std::mutex> g(registry_mu);
  destructor_holds = true;
  for (int i = 0; i < 2000 && !asleep(main_tid); ++i) usleep(1000);
  usleep(50'000);  // main's look at its wait comes while the lock is still held
}

void worker() { pthread_setspecific(cleanup_key, &cleanup_key); }

}  // namespace

int main() {
  main_tid = gettid();
  pthread_key_create(&cleanup_key, cleanup);
  std::thread t(worker);
  while (!destructor_holds) std::this_thread::yield();
  {
    std::lock_guard<std::mutex> g(registry_mu);  // waits for the destructor
  }
  t.join();
  std::puts("registry free");
  return 0;
}
