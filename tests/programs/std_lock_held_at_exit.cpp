// Threads end while still holding a std::mutex: one returns early (a forgotten unlock), one leaves
// through pthread_exit(). Expected: two lock-held-at-exit findings, exit code 0.
#include <pthread.h>

#include <cstdio>
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

}  // namespace

int main() {
  std::thread t(run_job, true);
  t.join();
  pthread_t p;
  pthread_create(&p, nullptr, logger, nullptr);
  pthread_join(p, nullptr);
  std::printf("jobs %d\n", jobs);
  return 0;
}
