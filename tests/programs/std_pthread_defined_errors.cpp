// Correct: pthread calls whose "errors" are defined results a program may rely on, which the
// interposer must pass through unreported: an error-checking mutex re-locked by its owner (EDEADLK),
// a rwlock's write side asked for again (EDEADLK), try-locks that fail (EBUSY), and one address reused
// for mutexes of different kinds after pthread_mutex_destroy. Expected: no finding, exit code 0.
#include <errno.h>
#include <pthread.h>

#include <cstdio>
#include <new>

int main() {
  int bad = 0;
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
  pthread_mutex_t checked;
  pthread_mutex_init(&checked, &attr);
  bad += pthread_mutex_lock(&checked) != 0;
  bad += pthread_mutex_lock(&checked) != EDEADLK;
  bad += pthread_mutex_trylock(&checked) != EBUSY;
  bad += pthread_mutex_unlock(&checked) != 0;
  pthread_mutex_destroy(&checked);

  pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
  bad += pthread_rwlock_wrlock(&rw) != 0;
  bad += pthread_rwlock_wrlock(&rw) != EDEADLK;
  bad += pthread_rwlock_rdlock(&rw) != EDEADLK;
  bad += pthread_rwlock_tryrdlock(&rw) != EBUSY;
  bad += pthread_rwlock_unlock(&rw) != 0;
  bad += pthread_rwlock_rdlock(&rw) != 0;
  bad += pthread_rwlock_rdlock(&rw) != 0;  // a second read lock by the same thread: allowed
  bad += pthread_rwlock_unlock(&rw) != 0;
  bad += pthread_rwlock_unlock(&rw) != 0;
  pthread_rwlock_destroy(&rw);

  // The same storage as a recursive mutex, then as a plain one.
  alignas(pthread_mutex_t) unsigned char storage[sizeof(pthread_mutex_t)];
  pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
  auto* m = new (storage) pthread_mutex_t;
  pthread_mutex_init(m, &attr);
  bad += pthread_mutex_lock(m) != 0;
  bad += pthread_mutex_lock(m) != 0;
  bad += pthread_mutex_unlock(m) != 0;
  bad += pthread_mutex_unlock(m) != 0;
  pthread_mutex_destroy(m);
  pthread_mutex_init(m, nullptr);
  bad += pthread_mutex_lock(m) != 0;
  bad += pthread_mutex_trylock(m) != EBUSY;
  bad += pthread_mutex_unlock(m) != 0;
  pthread_mutex_destroy(m);
  pthread_mutexattr_destroy(&attr);
  std::printf("unexpected results: %d\n", bad);
  return bad == 0 ? 0 : 1;
}
