// The least an LD_PRELOAD interposer of the lock path can cost: each pthread mutex and rwlock call the
// interposer hooks, forwarded to the real function and nothing else. Not part of Gridlock: a floor for
// bench/preload_overhead.sh (OTHER_LIB=build/lib/libgridlock_null_interposer.so), so that the share of
// the overhead that any interposer pays is measured apart from what detection costs.
#include <dlfcn.h>
#include <pthread.h>

namespace {

/// The real function in `slot`, looked up on first use: another library's initializer may lock before
/// this one's would run.
template <class F>
F resolve(F& slot, const char* name) {
  F f = __atomic_load_n(&slot, __ATOMIC_RELAXED);
  if (f == nullptr) {
    f = reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
    __atomic_store_n(&slot, f, __ATOMIC_RELAXED);
  }
  return f;
}

int (*mutex_lock)(pthread_mutex_t*), (*mutex_trylock)(pthread_mutex_t*), (*mutex_unlock)(pthread_mutex_t*);
int (*rdlock)(pthread_rwlock_t*), (*wrlock)(pthread_rwlock_t*), (*tryrdlock)(pthread_rwlock_t*),
    (*trywrlock)(pthread_rwlock_t*), (*rwlock_unlock)(pthread_rwlock_t*);

}  // namespace

#define GRIDLOCK_NULL_HOOK extern "C" __attribute__((visibility("default")))

GRIDLOCK_NULL_HOOK int pthread_mutex_lock(pthread_mutex_t* m) { return resolve(mutex_lock, __func__)(m); }
GRIDLOCK_NULL_HOOK int pthread_mutex_trylock(pthread_mutex_t* m) { return resolve(mutex_trylock, __func__)(m); }
GRIDLOCK_NULL_HOOK int pthread_mutex_unlock(pthread_mutex_t* m) { return resolve(mutex_unlock, __func__)(m); }
GRIDLOCK_NULL_HOOK int pthread_rwlock_rdlock(pthread_rwlock_t* l) { return resolve(rdlock, __func__)(l); }
GRIDLOCK_NULL_HOOK int pthread_rwlock_wrlock(pthread_rwlock_t* l) { return resolve(wrlock, __func__)(l); }
GRIDLOCK_NULL_HOOK int pthread_rwlock_tryrdlock(pthread_rwlock_t* l) { return resolve(tryrdlock, __func__)(l); }
GRIDLOCK_NULL_HOOK int pthread_rwlock_trywrlock(pthread_rwlock_t* l) { return resolve(trywrlock, __func__)(l); }
GRIDLOCK_NULL_HOOK int pthread_rwlock_unlock(pthread_rwlock_t* l) { return resolve(rwlock_unlock, __func__)(l); }
