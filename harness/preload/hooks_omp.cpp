// OpenMP's locks as the program's code takes them from GCC's libgomp: critical sections
// (GOMP_critical_start/_end for `#pragma omp critical`, GOMP_critical_name_start/_end for
// `critical(NAME)`) and simple locks (omp_init_lock ... omp_destroy_lock). libgomp takes both with
// futex calls of its own, inline system calls that no hook sees, so:
// - a critical section runs on a pthread mutex of the interposer's, kept in the section's variable (the
//   compiler's .gomp_critical_user_NAME, which only these calls use), and is tracked under that
//   variable's address: reports name the section by it ("omp critical(NAME)", finding_json.cpp);
// - an omp_lock_t stays the runtime's: a set tests it first (omp_test_lock), as a spin lock is tried,
//   and only a set that must wait is announced.
// Nestable locks (omp_*_nest_lock) are not hooked: libgomp exports two versions of each, for two
// layouts, and a hook could not tell which one the program was built against.
#include <dlfcn.h>
#include <errno.h>

#include <cstdio>
#include <cstdlib>

#include "interposer.h"

#define GRIDLOCK_HOOK extern "C" __attribute__((visibility("default")))

namespace gridlock::preload {
namespace {

/// The unnamed critical section's variable, named as the compiler names a named section's
/// (.gomp_critical_user_NAME), so that reports name both alike.
void* unnamed_section asm(".gomp_critical_user_") = nullptr;

/// The mutex that serves the critical section whose variable is at `var`: made on the section's first
/// entry and kept in the variable, which nothing but these hooks uses once every entry and exit comes
/// here (libgomp would keep its own lock word there).
pthread_mutex_t* section_mutex(void** var) {
  void* m = __atomic_load_n(var, __ATOMIC_ACQUIRE);
  if (m != nullptr) return static_cast<pthread_mutex_t*>(m);
  const internal_scope inside;  // the allocator's own lock calls, if any, are not the program's
  auto* fresh = static_cast<pthread_mutex_t*>(std::malloc(sizeof(pthread_mutex_t)));
  if (fresh == nullptr) std::abort();
  const pthread_mutex_t unlocked = PTHREAD_MUTEX_INITIALIZER;
  *fresh = unlocked;
  if (__atomic_compare_exchange_n(var, &m, fresh, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return fresh;
  std::free(fresh);  // another thread's came first
  return static_cast<pthread_mutex_t*>(m);
}

[[gnu::always_inline]] inline void enter_section(void** var, const void* ra, const void* fa) {
  if (!resolve_real()) return;  // single-threaded start-up, as the pthread hooks' early path
  pthread_mutex_t* m = section_mutex(var);
  if (pass_through(ra)) {
    real.mutex_lock(m);
    return;
  }
  const call_site_scope site(ra, fa);
  at_sync_point(sync_point::before_lock);
  lock_mutex_as(m, var, object_tag::omp_critical);
}

[[gnu::always_inline]] inline void leave_section(void** var, const void* ra) {
  auto* m = static_cast<pthread_mutex_t*>(__atomic_load_n(var, __ATOMIC_ACQUIRE));
  if (m == nullptr || !resolve_real()) return;  // never entered, or entered in the early path
  if (pass_through(ra)) {
    real.mutex_unlock(m);
    return;
  }
  unlock_mutex_as(m, var, object_tag::omp_critical);
  at_sync_point(sync_point::after_unlock);
}

/// The OpenMP runtime's own lock functions.
struct omp_functions {
  void (*init_lock)(void*);
  void (*destroy_lock)(void*);
  void (*set_lock)(void*);
  void (*unset_lock)(void*);
  int (*test_lock)(void*);
};

/// Found on first use, not at init(): the runtime may come with a library dlopen'ed later, even outside
/// the global scope RTLD_NEXT searches (RTLD_LOCAL). A program that calls them has a runtime loaded.
omp_functions find_runtime() {
  void* gomp = dlopen("libgomp.so.1", RTLD_LAZY | RTLD_NOLOAD);
  auto find = [&](auto& slot, const char* name) {
    void* p = dlsym(RTLD_NEXT, name);
    if (p == nullptr && gomp != nullptr) p = dlsym(gomp, name);
    if (p == nullptr) {
      std::fprintf(stderr, "gridlock: libgridlock_preload.so cannot find the OpenMP runtime's %s\n", name);
      std::abort();
    }
    slot = reinterpret_cast<std::remove_reference_t<decltype(slot)>>(p);
  };
  omp_functions f{};
  find(f.init_lock, "omp_init_lock");
  find(f.destroy_lock, "omp_destroy_lock");
  find(f.set_lock, "omp_set_lock");
  find(f.unset_lock, "omp_unset_lock");
  find(f.test_lock, "omp_test_lock");
  return f;
}

const omp_functions& runtime() {
  const internal_scope inside;  // the static's guard and dlsym's own calls go straight through
  static const omp_functions f = find_runtime();
  return f;
}

/// omp_test_lock in the pthread convention the shared steps use (0: taken).
int try_set(void* lock) { return runtime().test_lock(lock) != 0 ? 0 : EBUSY; }

}  // namespace
}  // namespace gridlock::preload

using namespace gridlock;
using namespace gridlock::preload;

GRIDLOCK_HOOK void GOMP_critical_start() { enter_section(&unnamed_section, GRIDLOCK_PROGRAM_CALL); }

GRIDLOCK_HOOK void GOMP_critical_end() { leave_section(&unnamed_section, GRIDLOCK_PROGRAM_CALLER); }

GRIDLOCK_HOOK void GOMP_critical_name_start(void** var) { enter_section(var, GRIDLOCK_PROGRAM_CALL); }

GRIDLOCK_HOOK void GOMP_critical_name_end(void** var) { leave_section(var, GRIDLOCK_PROGRAM_CALLER); }

GRIDLOCK_HOOK void omp_init_lock(void* lock) {
  if (bypass()) return runtime().init_lock(lock);
  init(lock, [&] {
    runtime().init_lock(lock);
    return 0;
  });
}

GRIDLOCK_HOOK void omp_destroy_lock(void* lock) {
  if (bypass()) return runtime().destroy_lock(lock);
  destroy(lock, [&] {
    runtime().destroy_lock(lock);
    return 0;
  });
}

GRIDLOCK_HOOK void omp_set_lock(void* lock) {
  if (pass_through(GRIDLOCK_PROGRAM_CALLER)) return runtime().set_lock(lock);
  const call_site_scope site(GRIDLOCK_PROGRAM_CALL);
  at_sync_point(sync_point::before_lock);
  ownerless_lock(lock, object_tag::omp_lock, [&] { return try_set(lock); }, [&] {
    runtime().set_lock(lock);
    return 0;
  });
}

GRIDLOCK_HOOK int omp_test_lock(void* lock) {
  if (pass_through(GRIDLOCK_PROGRAM_CALLER)) return runtime().test_lock(lock);
  const call_site_scope site(GRIDLOCK_PROGRAM_CALL);
  at_sync_point(sync_point::before_lock);
  return tracked_try(lock, object_tag::omp_lock, access::exclusive, [&] { return try_set(lock); }) == 0;
}

GRIDLOCK_HOOK void omp_unset_lock(void* lock) {
  if (pass_through(GRIDLOCK_PROGRAM_CALLER)) return runtime().unset_lock(lock);
  ownerless_unlock(lock, object_tag::omp_lock, [&] {
    runtime().unset_lock(lock);
    return 0;
  });
  at_sync_point(sync_point::after_unlock);
}
