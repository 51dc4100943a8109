// Correct: a process-shared mutex and a process-shared rwlock in shared memory, held across a fork()
// (the mutex by another thread, the rwlock by the forking thread). The forked child waits for both,
// and gets them once the parent's threads let go: the locks live in memory both processes see, so the
// child does not inherit the parent's holds. Then the child's only thread waits on a process-shared
// condition variable that the parent signals. Nothing may hang and nothing may be reported.
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>

namespace {

struct shared_locks {
  pthread_mutex_t mutex;
  pthread_rwlock_t rwlock;
  pthread_cond_t cond;  // with `mutex`: the parent says `go`
  bool go;
};

shared_locks* make_shared_locks() {
  void* p = mmap(nullptr, sizeof(shared_locks), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  auto* s = static_cast<shared_locks*>(p);
  pthread_mutexattr_t ma;
  pthread_mutexattr_init(&ma);
  pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
  pthread_mutex_init(&s->mutex, &ma);
  pthread_rwlockattr_t ra;
  pthread_rwlockattr_init(&ra);
  pthread_rwlockattr_setpshared(&ra, PTHREAD_PROCESS_SHARED);
  pthread_rwlock_init(&s->rwlock, &ra);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
  pthread_cond_init(&s->cond, &ca);
  s->go = false;
  return s;
}

std::atomic<int> stage{0};  // 1: the holder holds the mutex; 2: it may let go

void* holder(void* arg) {
  auto* s = static_cast<shared_locks*>(arg);
  pthread_mutex_lock(&s->mutex);
  stage.store(1);
  while (stage.load() != 2) usleep(1000);
  pthread_mutex_unlock(&s->mutex);
  return nullptr;
}

}  // namespace

int main() {
  shared_locks* s = make_shared_locks();
  if (s == nullptr) return 1;
  pthread_t t;
  pthread_create(&t, nullptr, holder, s);
  while (stage.load() != 1) usleep(1000);
  pthread_rwlock_wrlock(&s->rwlock);
  const pid_t child = fork();
  if (child == 0) {
    pthread_mutex_lock(&s->mutex);  // held by the parent's other thread until it lets go
    pthread_rwlock_rdlock(&s->rwlock);  // held by the parent's main thread until it lets go
    pthread_rwlock_unlock(&s->rwlock);
    while (!s->go) pthread_cond_wait(&s->cond, &s->mutex);  // only the other process can say go
    pthread_mutex_unlock(&s->mutex);
    return 0;
  }
  usleep(50000);  // let the child wait (not needed for correctness: it may also find them free)
  pthread_rwlock_unlock(&s->rwlock);
  stage.store(2);
  pthread_join(t, nullptr);
  usleep(50000);  // let the child wait (as above)
  pthread_mutex_lock(&s->mutex);
  s->go = true;
  pthread_cond_signal(&s->cond);
  pthread_mutex_unlock(&s->mutex);
  int status = 0;
  waitpid(child, &status, 0);
  std::printf("child %s\n", WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "done" : "failed");
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
