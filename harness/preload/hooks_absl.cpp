// Hooks of Abseil's absl::Mutex and absl::CondVar (libabsl_synchronization.so). An absl::Mutex is a
// reader-writer lock of Abseil's own on a futex word, not a pthread lock: unhooked, its locks make no
// lock-order edge (not even with a std::mutex, which Abseil's own detector cannot see) and its waits are
// anonymous futex waits. Its Lock, TryLock, Unlock and Reader* members are hooked as libc++'s shared
// mutexes are (member_locks.cpp, object_tag::absl_mutex); WriterLock() and the like are inline calls of
// those. LockWhen* takes the lock once a condition holds: the detectors see a blocking acquisition
// (misuse and edges before the call, held after it). Await* and CondVar::Wait* release the mutex inside
// and take it again before they return: for the detectors it is released for the call and taken again
// after it, in the mode it was held in, so that hold-and-wait orders show (as pthread_cond_wait's do,
// hooks_cond.cpp); the waits inside stay the futex waits the syscall hook sees. ~Mutex is a destroy.
//
// Abseil names its inline namespace for a release (lts_20220623) or a distribution's build (Debian 12's
// is debian3). The hooks cover the names below; each namespace's are tracked only where its library
// has every member hooked, and otherwise pass straight through.
#include <sched.h>

#include <atomic>
#include <cstdint>

#include "interposer.h"

#define GRIDLOCK_HOOK extern "C" __attribute__((visibility("default")))

namespace gridlock::preload {
namespace {

/// An absl::Duration or absl::Time, passed by value: 16 bytes of two integers, in two registers.
struct absl_time {
  std::int64_t hi;
  std::uint64_t lo;
};

// The members after "_ZN4absl" and the namespace: string literals, for both dlsym and the asm labels.
#define GRIDLOCK_ABSL_LOCK "5Mutex4LockEv"
#define GRIDLOCK_ABSL_TRY_LOCK "5Mutex7TryLockEv"
#define GRIDLOCK_ABSL_UNLOCK "5Mutex6UnlockEv"
#define GRIDLOCK_ABSL_READER_LOCK "5Mutex10ReaderLockEv"
#define GRIDLOCK_ABSL_READER_TRY_LOCK "5Mutex13ReaderTryLockEv"
#define GRIDLOCK_ABSL_READER_UNLOCK "5Mutex12ReaderUnlockEv"
#define GRIDLOCK_ABSL_DESTROY "5MutexD1Ev"
#define GRIDLOCK_ABSL_DESTROY_BASE "5MutexD2Ev"
#define GRIDLOCK_ABSL_LOCK_WHEN "5Mutex8LockWhenERKNS0_9ConditionE"
#define GRIDLOCK_ABSL_READER_LOCK_WHEN "5Mutex14ReaderLockWhenERKNS0_9ConditionE"
#define GRIDLOCK_ABSL_LOCK_WHEN_TIMEOUT "5Mutex19LockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE"
#define GRIDLOCK_ABSL_LOCK_WHEN_DEADLINE "5Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE"
#define GRIDLOCK_ABSL_READER_LOCK_WHEN_TIMEOUT "5Mutex25ReaderLockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE"
#define GRIDLOCK_ABSL_READER_LOCK_WHEN_DEADLINE "5Mutex26ReaderLockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE"
#define GRIDLOCK_ABSL_AWAIT "5Mutex5AwaitERKNS0_9ConditionE"
#define GRIDLOCK_ABSL_AWAIT_TIMEOUT "5Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE"
#define GRIDLOCK_ABSL_AWAIT_DEADLINE "5Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE"
#define GRIDLOCK_ABSL_WAIT "7CondVar4WaitEPNS0_5MutexE"
#define GRIDLOCK_ABSL_WAIT_TIMEOUT "7CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE"
#define GRIDLOCK_ABSL_WAIT_DEADLINE "7CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE"

/// One namespace's real members: resolved by find_absl() where the program loads Abseil at start,
/// else on the first call of any of its hooks (its library came with a dlopen() after init()).
struct absl_functions {
  shared_lock_members mutex;  // construct unused: absl::Mutex's constructor is inline
  void (*destroy)(void*);
  // By access (exclusive, shared); the timed ones by timeout (0) or deadline (1) too.
  void (*lock_when[2])(void*, const void*);
  bool (*lock_when_timed[2][2])(void*, const void*, absl_time);
  void (*await)(void*, const void*);
  bool (*await_timed[2])(void*, const void*, absl_time);
  void (*wait)(void*, void*);
  bool (*wait_timed[2])(void*, void*, absl_time);
  bool tracked;            // every member found: the hooks observe
  std::atomic<int> state;  // 0: not yet, 1: resolving, 2: resolved
};

template <class F>
void load(F& slot, const char* ns, const char* member, bool& all) {
  slot = reinterpret_cast<F>(real_member(ns, member));
  all = all && slot != nullptr;
}

/// `f`, resolved for namespace `ns` (its mangled prefix, "_ZN4absl7debian3"). A thread that finds
/// another one resolving waits for it: only ever for a library loaded after init().
absl_functions& resolved(absl_functions& f, const char* ns) noexcept {
  if (f.state.load(std::memory_order_acquire) == 2) [[likely]] return f;
  int expected = 0;
  if (!f.state.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
    while (f.state.load(std::memory_order_acquire) != 2) sched_yield();
    return f;
  }
  bool all = true;
  load(f.mutex.lock, ns, GRIDLOCK_ABSL_LOCK, all);
  load(f.mutex.try_lock, ns, GRIDLOCK_ABSL_TRY_LOCK, all);
  load(f.mutex.unlock, ns, GRIDLOCK_ABSL_UNLOCK, all);
  load(f.mutex.lock_shared, ns, GRIDLOCK_ABSL_READER_LOCK, all);
  load(f.mutex.try_lock_shared, ns, GRIDLOCK_ABSL_READER_TRY_LOCK, all);
  load(f.mutex.unlock_shared, ns, GRIDLOCK_ABSL_READER_UNLOCK, all);
  load(f.destroy, ns, GRIDLOCK_ABSL_DESTROY, all);
  load(f.lock_when[0], ns, GRIDLOCK_ABSL_LOCK_WHEN, all);
  load(f.lock_when[1], ns, GRIDLOCK_ABSL_READER_LOCK_WHEN, all);
  load(f.lock_when_timed[0][0], ns, GRIDLOCK_ABSL_LOCK_WHEN_TIMEOUT, all);
  load(f.lock_when_timed[0][1], ns, GRIDLOCK_ABSL_LOCK_WHEN_DEADLINE, all);
  load(f.lock_when_timed[1][0], ns, GRIDLOCK_ABSL_READER_LOCK_WHEN_TIMEOUT, all);
  load(f.lock_when_timed[1][1], ns, GRIDLOCK_ABSL_READER_LOCK_WHEN_DEADLINE, all);
  load(f.await, ns, GRIDLOCK_ABSL_AWAIT, all);
  load(f.await_timed[0], ns, GRIDLOCK_ABSL_AWAIT_TIMEOUT, all);
  load(f.await_timed[1], ns, GRIDLOCK_ABSL_AWAIT_DEADLINE, all);
  load(f.wait, ns, GRIDLOCK_ABSL_WAIT, all);
  load(f.wait_timed[0], ns, GRIDLOCK_ABSL_WAIT_TIMEOUT, all);
  load(f.wait_timed[1], ns, GRIDLOCK_ABSL_WAIT_DEADLINE, all);
  f.tracked = all;
  f.state.store(2, std::memory_order_release);
  return f;
}

constexpr int by_access(access mode) noexcept { return mode == access::exclusive ? 0 : 1; }

/// How deep the calling thread is in real absl calls made outside a hook_scope (so that the syscall
/// hook still sees their futex waits). Members call one another through the PLT (LockWhenWithTimeout
/// calls LockWhenWithDeadline): the inner call is part of the outer one, and passes straight through.
constinit thread_local int t_absl_depth [[gnu::tls_model("initial-exec")]] = 0;

/// `call`, counted in t_absl_depth.
template <class Call>
auto inside_absl(Call&& call) {
  ++t_absl_depth;
  auto r = call();
  --t_absl_depth;
  return r;
}

/// Whether the hooks of `f`'s namespace track this call (lock_member() and unlock_member() ask
/// bypass() themselves).
bool tracked(const absl_functions& f) noexcept { return f.tracked && t_absl_depth == 0; }
/// Whether they observe it, rather than pass it straight through.
bool observed(const absl_functions& f) noexcept { return tracked(f) && !bypass(); }

/// The detectors' side of an acquisition of the absl::Mutex at `mu` in `mode` made inside a real call
/// that may wait for it: before_lock() (misuse, edges) when `before`, else after_lock().
void absl_acquisition(void* mu, access mode, bool before) {
  hook_scope h;
  thread_state& s = h.state();
  lock_record* rec = acquire(mu, object_tag::absl_mutex, s, 0);
  pin p(s, 0);
  if (rec == nullptr) return;
  if (before) guarded([&] { events::before_lock(rec, mode, attempt::blocking); });
  else events::after_lock(rec, mode, attempt::blocking, true);
}

/// `call`, a real LockWhen* of the absl::Mutex at `mu` in `mode`: it returns holding it.
template <class Call>
auto acquired_in(const absl_functions& f, void* mu, access mode, const void* ra, const void* fa, Call&& call) {
  if (!observed(f)) return call();
  const call_site_scope site(ra, fa);
  at_sync_point(sync_point::before_lock);
  absl_acquisition(mu, mode, true);
  auto r = inside_absl(call);
  absl_acquisition(mu, mode, false);
  return r;
}

/// `call`, a real Await* or CondVar::Wait* with the absl::Mutex at `mu` held: released for the call,
/// taken again after it, in the mode this thread held it in (none: not seen taken, left alone).
template <class Call>
auto released_around(const absl_functions& f, void* mu, const void* ra, const void* fa, Call&& call) {
  if (!observed(f)) return call();
  const call_site_scope site(ra, fa);
  at_sync_point(sync_point::before_wait);
  access mode = access::exclusive;
  bool held = false;
  {
    hook_scope h;
    if (lock_record* rec = held_by_address(mu); rec != nullptr) {
      held = true;
      if (!events::holds(rec, access::exclusive)) mode = access::shared;
      events::before_unlock(rec, mode);
    }
  }
  if (!held) return call();
  auto r = inside_absl(call);
  absl_acquisition(mu, mode, true);
  absl_acquisition(mu, mode, false);
  return r;
}

// The hooks' bodies; `ra` and `fa` are the exported function's GRIDLOCK_PROGRAM_CALL.

void lock(absl_functions& f, access mode, void* self, const void* ra, const void* fa) {
  if (!tracked(f)) return (mode == access::exclusive ? f.mutex.lock : f.mutex.lock_shared)(self);
  lock_member(self, object_tag::absl_mutex, f.mutex, mode, true, ra, fa);
}

bool try_lock(absl_functions& f, access mode, void* self, const void* ra, const void* fa) {
  if (!tracked(f)) return (mode == access::exclusive ? f.mutex.try_lock : f.mutex.try_lock_shared)(self);
  return lock_member(self, object_tag::absl_mutex, f.mutex, mode, false, ra, fa);
}

void unlock(absl_functions& f, access mode, void* self) {
  if (!tracked(f)) return (mode == access::exclusive ? f.mutex.unlock : f.mutex.unlock_shared)(self);
  unlock_member(self, object_tag::absl_mutex, f.mutex, mode);
}

void destroy_mutex(absl_functions& f, void* self) {
  if (!observed(f)) return f.destroy(self);
  destroy(self, [&] {
    f.destroy(self);
    return 0;
  });
}

void lock_when(absl_functions& f, access mode, void* self, const void* c, const void* ra, const void* fa) {
  acquired_in(f, self, mode, ra, fa, [&] {
    f.lock_when[by_access(mode)](self, c);
    return 0;
  });
}

bool lock_when_timed(absl_functions& f, access mode, int deadline, void* self, const void* c, absl_time t,
                     const void* ra, const void* fa) {
  return acquired_in(f, self, mode, ra, fa, [&] { return f.lock_when_timed[by_access(mode)][deadline](self, c, t); });
}

void await(absl_functions& f, void* self, const void* c, const void* ra, const void* fa) {
  released_around(f, self, ra, fa, [&] {
    f.await(self, c);
    return 0;
  });
}

bool await_timed(absl_functions& f, int deadline, void* self, const void* c, absl_time t, const void* ra,
                 const void* fa) {
  return released_around(f, self, ra, fa, [&] { return f.await_timed[deadline](self, c, t); });
}

void condvar_wait(absl_functions& f, void* cv, void* mu, const void* ra, const void* fa) {
  released_around(f, mu, ra, fa, [&] {
    f.wait(cv, mu);
    return 0;
  });
}

bool condvar_wait_timed(absl_functions& f, int deadline, void* cv, void* mu, absl_time t, const void* ra,
                        const void* fa) {
  return released_around(f, mu, ra, fa, [&] { return f.wait_timed[deadline](cv, mu, t); });
}

}  // namespace
}  // namespace gridlock::preload

using namespace gridlock;
using namespace gridlock::preload;

// The hooks of one namespace: `id` names its table and functions, `ns` is its mangled name.
#define GRIDLOCK_ABSL_HOOK(id, ns, ret, name, member, params, call)                                        \
  GRIDLOCK_HOOK ret absl_##id##_##name params __asm__("_ZN4absl" ns member);                              \
  ret absl_##id##_##name params { return call; }

#define GRIDLOCK_ABSL_HOOKS(id, ns)                                                                        \
  namespace gridlock::preload {                                                                            \
  namespace {                                                                                              \
  absl_functions absl_##id{};                                                                              \
  absl_functions& resolved_##id() noexcept { return resolved(absl_##id, "_ZN4absl" ns); }                             \
  }                                                                                                        \
  }                                                                                                        \
  GRIDLOCK_ABSL_HOOK(id, ns, void, lock, GRIDLOCK_ABSL_LOCK, (void* m),                                    \
                     lock(resolved_##id(), access::exclusive, m, GRIDLOCK_PROGRAM_CALL))                   \
  GRIDLOCK_ABSL_HOOK(id, ns, bool, try_lock, GRIDLOCK_ABSL_TRY_LOCK, (void* m),                            \
                     try_lock(resolved_##id(), access::exclusive, m, GRIDLOCK_PROGRAM_CALL))               \
  GRIDLOCK_ABSL_HOOK(id, ns, void, unlock, GRIDLOCK_ABSL_UNLOCK, (void* m),                                \
                     unlock(resolved_##id(), access::exclusive, m))                                        \
  GRIDLOCK_ABSL_HOOK(id, ns, void, reader_lock, GRIDLOCK_ABSL_READER_LOCK, (void* m),                      \
                     lock(resolved_##id(), access::shared, m, GRIDLOCK_PROGRAM_CALL))                      \
  GRIDLOCK_ABSL_HOOK(id, ns, bool, reader_try_lock, GRIDLOCK_ABSL_READER_TRY_LOCK, (void* m),              \
                     try_lock(resolved_##id(), access::shared, m, GRIDLOCK_PROGRAM_CALL))                  \
  GRIDLOCK_ABSL_HOOK(id, ns, void, reader_unlock, GRIDLOCK_ABSL_READER_UNLOCK, (void* m),                  \
                     unlock(resolved_##id(), access::shared, m))                                           \
  GRIDLOCK_ABSL_HOOK(id, ns, void, destroy, GRIDLOCK_ABSL_DESTROY, (void* m), destroy_mutex(resolved_##id(), m)) \
  GRIDLOCK_ABSL_HOOK(id, ns, void, destroy_base, GRIDLOCK_ABSL_DESTROY_BASE, (void* m),                    \
                     destroy_mutex(resolved_##id(), m))                                                    \
  GRIDLOCK_ABSL_HOOK(id, ns, void, lock_when, GRIDLOCK_ABSL_LOCK_WHEN, (void* m, const void* c),           \
                     lock_when(resolved_##id(), access::exclusive, m, c, GRIDLOCK_PROGRAM_CALL))           \
  GRIDLOCK_ABSL_HOOK(id, ns, void, reader_lock_when, GRIDLOCK_ABSL_READER_LOCK_WHEN, (void* m, const void* c), \
                     lock_when(resolved_##id(), access::shared, m, c, GRIDLOCK_PROGRAM_CALL))              \
  GRIDLOCK_ABSL_HOOK(id, ns, bool, lock_when_timeout, GRIDLOCK_ABSL_LOCK_WHEN_TIMEOUT,                     \
                     (void* m, const void* c, absl_time t),                                                \
                     lock_when_timed(resolved_##id(), access::exclusive, 0, m, c, t, GRIDLOCK_PROGRAM_CALL)) \
  GRIDLOCK_ABSL_HOOK(id, ns, bool, lock_when_deadline, GRIDLOCK_ABSL_LOCK_WHEN_DEADLINE,                   \
                     (void* m, const void* c, absl_time t),                                                \
                     lock_when_timed(resolved_##id(), access::exclusive, 1, m, c, t, GRIDLOCK_PROGRAM_CALL)) \
  GRIDLOCK_ABSL_HOOK(id, ns, bool, reader_lock_when_timeout, GRIDLOCK_ABSL_READER_LOCK_WHEN_TIMEOUT,       \
                     (void* m, const void* c, absl_time t),                                                \
                     lock_when_timed(resolved_##id(), access::shared, 0, m, c, t, GRIDLOCK_PROGRAM_CALL))  \
  GRIDLOCK_ABSL_HOOK(id, ns, bool, reader_lock_when_deadline, GRIDLOCK_ABSL_READER_LOCK_WHEN_DEADLINE,     \
                     (void* m, const void* c, absl_time t),                                                \
                     lock_when_timed(resolved_##id(), access::shared, 1, m, c, t, GRIDLOCK_PROGRAM_CALL))  \
  GRIDLOCK_ABSL_HOOK(id, ns, void, await, GRIDLOCK_ABSL_AWAIT, (void* m, const void* c),                   \
                     await(resolved_##id(), m, c, GRIDLOCK_PROGRAM_CALL))                                  \
  GRIDLOCK_ABSL_HOOK(id, ns, bool, await_timeout, GRIDLOCK_ABSL_AWAIT_TIMEOUT, (void* m, const void* c, absl_time t), \
                     await_timed(resolved_##id(), 0, m, c, t, GRIDLOCK_PROGRAM_CALL))                      \
  GRIDLOCK_ABSL_HOOK(id, ns, bool, await_deadline, GRIDLOCK_ABSL_AWAIT_DEADLINE,                           \
                     (void* m, const void* c, absl_time t),                                                \
                     await_timed(resolved_##id(), 1, m, c, t, GRIDLOCK_PROGRAM_CALL))                      \
  GRIDLOCK_ABSL_HOOK(id, ns, void, wait, GRIDLOCK_ABSL_WAIT, (void* cv, void* m),                          \
                     condvar_wait(resolved_##id(), cv, m, GRIDLOCK_PROGRAM_CALL))                                  \
  GRIDLOCK_ABSL_HOOK(id, ns, bool, wait_timeout, GRIDLOCK_ABSL_WAIT_TIMEOUT, (void* cv, void* m, absl_time t), \
                     condvar_wait_timed(resolved_##id(), 0, cv, m, t, GRIDLOCK_PROGRAM_CALL))                      \
  GRIDLOCK_ABSL_HOOK(id, ns, bool, wait_deadline, GRIDLOCK_ABSL_WAIT_DEADLINE, (void* cv, void* m, absl_time t), \
                     condvar_wait_timed(resolved_##id(), 1, cv, m, t, GRIDLOCK_PROGRAM_CALL))

// The namespaces hooked: Debian 12's build, and release 20220623's own.
#define GRIDLOCK_ABSL_NAMESPACES(X) X(debian3, "7debian3") X(lts_20220623, "12lts_20220623")

GRIDLOCK_ABSL_NAMESPACES(GRIDLOCK_ABSL_HOOKS)

namespace gridlock::preload {

void find_absl() noexcept {
  if (library_code("libabsl_synchronization").size == 0) return;
#define GRIDLOCK_ABSL_RESOLVE(id, ns) (void)resolved_##id();
  GRIDLOCK_ABSL_NAMESPACES(GRIDLOCK_ABSL_RESOLVE)
}

}  // namespace gridlock::preload
