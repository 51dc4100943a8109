// The real pthread functions, resolved once with dlsym(RTLD_NEXT). Resolution may re-enter a hook on
// the same thread (dlsym can allocate, and some libcs lock inside it): the thread-local flag makes such
// a call see "not resolved", and the hook then takes its early path (see hooks). It allocates nothing
// itself: it may run inside the program's allocator, from a hook the allocator's initialization calls.
#include <dlfcn.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>

#include "interposer.h"

namespace gridlock::preload {

real_functions real{};

namespace {

constinit thread_local bool t_resolving [[gnu::tls_model("initial-exec")]] = false;
std::atomic<int> g_state{0};  // 0: not yet, 1: in progress, 2: done

template <class F>
void load(F& slot, const char* name, const char* version = nullptr) {
  void* p = nullptr;
  // pthread_cond_* exist in two versions on some targets (the pre-2.3.2 layout, and the current one);
  // ask for the current one by name where it exists.
  if (version != nullptr) p = dlvsym(RTLD_NEXT, name, version);
  if (p == nullptr) p = dlsym(RTLD_NEXT, name);
  slot = reinterpret_cast<F>(p);
}

/// A member of one of libc++'s shared mutex classes: `name` (the class's mangled prefix) + `member`.
template <class F>
void load_member(F& slot, const char* name, const char* member) {
  slot = reinterpret_cast<F>(real_member(name, member));
}

void load_libcxx(shared_lock_members& fns, const char* name) {
  load_member(fns.construct, name, GRIDLOCK_LIBCXX_CONSTRUCT);
  load_member(fns.lock, name, GRIDLOCK_LIBCXX_LOCK);
  load_member(fns.try_lock, name, GRIDLOCK_LIBCXX_TRY_LOCK);
  load_member(fns.unlock, name, GRIDLOCK_LIBCXX_UNLOCK);
  load_member(fns.lock_shared, name, GRIDLOCK_LIBCXX_LOCK_SHARED);
  load_member(fns.try_lock_shared, name, GRIDLOCK_LIBCXX_TRY_LOCK_SHARED);
  load_member(fns.unlock_shared, name, GRIDLOCK_LIBCXX_UNLOCK_SHARED);
}

void load_all() {
  load(real.mutex_init, "pthread_mutex_init");
  load(real.mutex_lock, "pthread_mutex_lock");
  load(real.mutex_trylock, "pthread_mutex_trylock");
  load(real.mutex_timedlock, "pthread_mutex_timedlock");
  load(real.mutex_clocklock, "pthread_mutex_clocklock");
  load(real.mutex_unlock, "pthread_mutex_unlock");
  load(real.mutex_destroy, "pthread_mutex_destroy");

  load(real.spin_init, "pthread_spin_init");
  load(real.spin_lock, "pthread_spin_lock");
  load(real.spin_trylock, "pthread_spin_trylock");
  load(real.spin_unlock, "pthread_spin_unlock");
  load(real.spin_destroy, "pthread_spin_destroy");

  load(real.rwlock_init, "pthread_rwlock_init");
  load(real.rwlock_rdlock, "pthread_rwlock_rdlock");
  load(real.rwlock_wrlock, "pthread_rwlock_wrlock");
  load(real.rwlock_tryrdlock, "pthread_rwlock_tryrdlock");
  load(real.rwlock_trywrlock, "pthread_rwlock_trywrlock");
  load(real.rwlock_timedrdlock, "pthread_rwlock_timedrdlock");
  load(real.rwlock_timedwrlock, "pthread_rwlock_timedwrlock");
  load(real.rwlock_clockrdlock, "pthread_rwlock_clockrdlock");
  load(real.rwlock_clockwrlock, "pthread_rwlock_clockwrlock");
  load(real.rwlock_unlock, "pthread_rwlock_unlock");
  load(real.rwlock_destroy, "pthread_rwlock_destroy");

  load(real.cond_init, "pthread_cond_init", "GLIBC_2.3.2");
  load(real.cond_wait, "pthread_cond_wait", "GLIBC_2.3.2");
  load(real.cond_timedwait, "pthread_cond_timedwait", "GLIBC_2.3.2");
  load(real.cond_clockwait, "pthread_cond_clockwait");
  load(real.cond_signal, "pthread_cond_signal", "GLIBC_2.3.2");
  load(real.cond_broadcast, "pthread_cond_broadcast", "GLIBC_2.3.2");
  load(real.cond_destroy, "pthread_cond_destroy", "GLIBC_2.3.2");

  load(real.create, "pthread_create");
  load(real.join, "pthread_join");
  load(real.tryjoin_np, "pthread_tryjoin_np");
  load(real.timedjoin_np, "pthread_timedjoin_np");
  load(real.detach, "pthread_detach");
  load(real.exit, "pthread_exit");

  load(real.once, "pthread_once");
  load(real.guard_acquire, "__cxa_guard_acquire");
  load(real.guard_release, "__cxa_guard_release");
  load(real.guard_abort, "__cxa_guard_abort");
  load(real.future_wait_until, GRIDLOCK_FUTURE_WAIT_UNTIL);
  load(real.future_wait_until_steady, GRIDLOCK_FUTURE_WAIT_UNTIL_STEADY);
  load(real.future_notify_all, GRIDLOCK_FUTURE_NOTIFY_ALL);

  load(real.barrier_wait, "pthread_barrier_wait");
  load(real.barrier_destroy, "pthread_barrier_destroy");

  load(real.sem_wait, "sem_wait");
  load(real.sem_timedwait, "sem_timedwait");
  load(real.sem_clockwait, "sem_clockwait");
  load(real.sem_trywait, "sem_trywait");
  load(real.sem_post, "sem_post");
  load(real.syscall, "syscall");
  load(real.nanosleep, "nanosleep");
  load(real.clock_nanosleep, "clock_nanosleep");
  load(real.usleep, "usleep");
  load(real.sleep, "sleep");

  load(real.long_jump, "longjmp");
  load(real.bare_long_jump, "_longjmp");
  load(real.sig_long_jump, "siglongjmp");
  load(real.checked_long_jump, "__longjmp_chk");
  // Only where libc++ is loaded: a failed dlsym allocates its error message, and this may run inside
  // the program's allocator (tcmalloc's initialization calls pthread_once, holding its own lock).
  if (library_code("libc++.so").size != 0) {
    load_libcxx(real.shared_mutex_base, GRIDLOCK_LIBCXX_SHARED_MUTEX_BASE);
    load_libcxx(real.shared_timed_mutex, GRIDLOCK_LIBCXX_SHARED_TIMED_MUTEX);
  }

  // Everything a std:: program reaches must exist; the clock variants are newer (glibc 2.30) and a
  // program that calls them links against a libc that has them.
  if (real.mutex_lock == nullptr || real.mutex_trylock == nullptr || real.mutex_unlock == nullptr ||
      real.cond_wait == nullptr || real.create == nullptr || real.join == nullptr || real.exit == nullptr ||
      real.once == nullptr || real.guard_acquire == nullptr || real.guard_release == nullptr ||
      real.guard_abort == nullptr || real.sem_wait == nullptr || real.sem_trywait == nullptr ||
      real.sem_post == nullptr || real.syscall == nullptr || real.nanosleep == nullptr ||
      real.clock_nanosleep == nullptr || real.usleep == nullptr || real.sleep == nullptr) {
    static const char msg[] =
        "gridlock: libgridlock_preload.so cannot find the real pthread, guard, semaphore, syscall or sleep functions\n";
    (void)!fwrite(msg, 1, sizeof msg - 1, stderr);
    std::abort();
  }
}

}  // namespace

void* real_member(const char* prefix, const char* member) noexcept {
  char symbol[192];
  std::snprintf(symbol, sizeof symbol, "%s%s", prefix, member);
  return dlsym(RTLD_NEXT, symbol);
}

bool resolve_real() noexcept {
  if (g_state.load(std::memory_order_acquire) == 2) return true;
  if (t_resolving) return false;
  int expected = 0;
  if (g_state.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
    t_resolving = true;
    load_all();
    t_resolving = false;
    g_state.store(2, std::memory_order_release);
    return true;
  }
  // Another thread is resolving (only possible before init() ran, from some library's constructor).
  while (g_state.load(std::memory_order_acquire) != 2) {
  }
  return true;
}

}  // namespace gridlock::preload
