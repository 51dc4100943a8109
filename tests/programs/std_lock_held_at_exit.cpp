// Threads end while still holding a std::mutex: one returns early (a forgotten unlock), one leaves
// through pthread_exit(). Expected: two lock-held-at-exit findings, exit code 0.
// With the argument `robust`, a thread ends holding a robust pthread mutex instead, which main then
// takes (EOWNERDEAD) and makes consistent. Expected: one lock-held-at-exit finding, exit code 0.
#include <errno.h>
#include <pthread.h>

#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>

namespace {

std::mutex job_mu;
std::mutex log_mu;
int jobs = 0;

void run_job(bool fail) {
  job_mu.lock();  // LINE:leak
  if (fail) return;  // forgot job_mu.unlock()
  ++jobs;
  job_mu.unlock();
}

void* logger(void*) {
  log_mu.lock();  // LINE:leak_exit
  pthread_exit(nullptr);  // the thread ends here, log_mu still locked
}

int robust_owner_dies() {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_t state_mu;
  pthread_mutex_init(&state_mu, &attr);
  std::thread([&] {
    pthread_mutex_lock(&state_mu);  // LINE:leak_robust
    ++jobs;  // (and no tail call: the line stays on the stack)
  }).join();
  const int r = pthread_mutex_lock(&state_mu);
  if (r == EOWNERDEAD) pthread_mutex_consistent(&state_mu);
  pthread_mutex_unlock(&state_mu);
  std::printf("relock %s\n", r == EOWNERDEAD ? "EOWNERDEAD" : std::strerror(r));
  return r == EOWNERDEAD ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "robust") == 0) return robust_owner_dies();
  std::thread t(run_job, true);
  t.join();
  pthread_t p;
  pthread_create(&p, nullptr, logger, nullptr);
  pthread_join(p, nullptr);
  std::printf("jobs %d\n", jobs);
  return 0;
}
