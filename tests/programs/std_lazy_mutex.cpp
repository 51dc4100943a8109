// Correct: mutexes made on first use, each created and locked under the one mutex that guards their
// creation, before anything else can see it (GDAL's CPLCreateOrAcquireMutex); a thread holding one
// creates the next, so it takes that guard under it. The first lock of a mutex made a moment ago
// cannot wait: creation_mu -> driver_mu there is no order, and there is no cycle. Expected: no
// finding, exit code 0.
// With `inverted`, a real inversion on top: a thread locks creation_mu, then driver_mu (made long
// before), while the others hold driver_mu and take creation_mu: a lock-order cycle.
#include <pthread.h>

#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

namespace {

pthread_mutex_t creation_mu = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t* driver_mu = nullptr;
pthread_mutex_t* file_mu = nullptr;

/// Locks *made, creating it first (locked, recursive) if it does not exist yet.
pthread_mutex_t* create_or_lock(pthread_mutex_t** made) {
  pthread_mutex_lock(&creation_mu);
  if (*made == nullptr) {
    auto* m = new pthread_mutex_t;
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(m, &attr);
    pthread_mutexattr_destroy(&attr);
    pthread_mutex_lock(m);  // LINE:created_locked
    *made = m;
    pthread_mutex_unlock(&creation_mu);
    return m;
  }
  pthread_mutex_unlock(&creation_mu);
  pthread_mutex_lock(*made);
  return *made;
}

void work() {
  for (int i = 0; i < 100; ++i) {
    pthread_mutex_t* driver = create_or_lock(&driver_mu);
    pthread_mutex_t* file = create_or_lock(&file_mu);  // creation_mu under driver_mu
    pthread_mutex_unlock(file);
    pthread_mutex_unlock(driver);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) threads.emplace_back(work);
  for (std::thread& t : threads) t.join();
  if (argc > 1 && std::strcmp(argv[1], "inverted") == 0) {
    pthread_mutex_lock(&creation_mu);
    pthread_mutex_lock(driver_mu);  // LINE:inverted
    pthread_mutex_unlock(driver_mu);
    pthread_mutex_unlock(&creation_mu);
  }
  std::puts("done");
  return 0;
}
