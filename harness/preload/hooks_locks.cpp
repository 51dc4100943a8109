// pthread_mutex_*, pthread_spin_* and pthread_rwlock_* hooks, and C11's mtx_* (over the mutex hooks).
// Each runs the choreography of lock_choreography.h around the real functions: a blocking lock first
// tries (events::acquired on success), and only when the lock is taken announces before_lock +
// before_block, waits for real, then after_wake + after_lock. Try-locks are before_lock(try_once) +
// after_lock(result); timed and clock variants are attempt::timed with a timed wait; an unlock the
// runtime refuses (events::before_unlock false: not the owner) returns EPERM and does not unlock. Every
// acquisition starts with a before_lock sync point and every release ends with an after_unlock one
// (docs/injectors.md), as in the gridlock:: primitives.
#include <errno.h>

#include "held_set.h"
#include "interposer.h"
#include "lock_table.h"
#include "thread_record.h"

#define GRIDLOCK_HOOK extern "C" __attribute__((visibility("default")))

namespace gridlock::preload {
namespace {

/// A timed acquisition: may wait, never part of a deadlock.
template <class TryOp, class TimedOp>
int timed(lock_record* rec, const void* object, access mode, TryOp&& try_op, TimedOp&& timed_op) {
  guarded([&] { events::before_lock(rec, mode, attempt::timed); });
  int r = try_op();
  if (r == EBUSY) {
    r = announced_wait({wait_kind::lock, object, rec, nullptr, mode, true}, timed_op, nullptr);
  } else if (!took(r)) {
    r = timed_op();  // an error the try reports differently: let the real call answer
  }
  events::after_lock(rec, mode, attempt::timed, took(r));
  return r;
}

// ---- mutexes ----

/// An errorcheck mutex re-locked by its owner: the real call answers EDEADLK, a defined result.
bool errorcheck_relock(const pthread_mutex_t* m, const thread_state& s) noexcept {
  return (m->__data.__kind & 3) == PTHREAD_MUTEX_ERRORCHECK_NP && m->__data.__owner == s.tid;
}

/// A lock of `m`, tracked as the lock at `key` tagged `tag` (for a pthread mutex: `m` and mutex_tag(m)),
/// for the program's call returning to `caller` (detail::call_site). Inlined into both lock hooks
/// (pthread_mutex_lock, mtx_lock): it is the uncontended path.
[[gnu::always_inline]] inline int mutex_lock(pthread_mutex_t* m, const void* key, object_tag tag, const void* caller) {
  hook_scope h;
  thread_state& s = h.state();
  // The record first, so the table lookup is not added to the time the program holds the lock.
  lock_record* rec = acquire_inline(key, tag, s, 0);
  pin p(s, 0);
  const int first = real.mutex_trylock(m);
  if (took(first)) {
    if (rec != nullptr) on_acquired(rec, access::exclusive, reinterpret_cast<std::uintptr_t>(caller));
    return first;
  }
  if (rec == nullptr || first != EBUSY || errorcheck_relock(m, s)) return real.mutex_lock(m);
  auto timed_lock = [&](const timespec& end) { return real.mutex_timedlock(m, &end); };
  return blocking_acquire(rec, key, access::exclusive, [&] { return real.mutex_lock(m); },
                          pthread_slice(CLOCK_REALTIME, timed_lock), took);
}

int mutex_trylock(pthread_mutex_t* m) {
  return tracked_try(m, mutex_tag(m), access::exclusive, [&] { return real.mutex_trylock(m); });
}

template <class TimedOp>
int mutex_timed(pthread_mutex_t* m, TimedOp&& timed_op) {
  hook_scope h;
  thread_state& s = h.state();
  lock_record* rec = errorcheck_relock(m, s) ? nullptr : acquire(m, mutex_tag(m), s, 0);
  pin p(s, 0);
  if (rec == nullptr) return timed_op();
  return timed(rec, m, access::exclusive, [&] { return real.mutex_trylock(m); }, timed_op);
}

/// mutex_unlock() of a mutex this thread's held set does not have: out of line, off the usual path.
[[gnu::noinline]] int unlock_unheld(pthread_mutex_t* m, const void* key, object_tag tag) {
  hook_scope h;
  thread_state& s = h.state();
  lock_record* rec = find(key, tag, s, 0);
  pin p(s, 0);
  if (rec == nullptr) {
    // Never seen locked. If it is not locked at all this is an unlock of an unlocked mutex; otherwise
    // it was locked where we could not see (before initialization, inside an internal scope).
    if (m->__data.__lock != 0) return real.mutex_unlock(m);
    rec = acquire(key, tag, s, 0);
    if (rec == nullptr) return real.mutex_unlock(m);
  }
  if (!runtime_owns(rec) && m->__data.__lock != 0 && m->__data.__owner == s.tid)
    return real.mutex_unlock(m);  // ours for real, taken where we could not see: not a misuse
  if (!events::before_unlock(rec, access::exclusive)) return EPERM;
  return real.mutex_unlock(m);
}

/// An unlock of `m`, tracked as the lock at `key` tagged `tag_of()` (as in mutex_lock; a pthread
/// mutex's tag is read from it only when needed). Inlined into the unlock hook: the usual path.
template <class TagOf>
[[gnu::always_inline]] inline int mutex_unlock(pthread_mutex_t* m, const void* key, TagOf&& tag_of) {
  {
    const internal_scope h;  // a hook_scope without the thread's state: a held lock's release needs none
    if (int r; unlock_held(key, false, r, [&] { return real.mutex_unlock(m); })) return r;
  }
  return unlock_unheld(m, key, tag_of());
}

// ---- spin locks: plain locks whose real wait spins (it has no timed form to slice) ----

/// A spin lock's address as the table keys it (pthread_spinlock_t is a volatile int).
const void* spin_address(pthread_spinlock_t* l) noexcept { return const_cast<int*>(l); }

int spin_lock(pthread_spinlock_t* l) {
  return ownerless_lock(spin_address(l), object_tag::spinlock, [&] { return real.spin_trylock(l); },
                        [&] { return real.spin_lock(l); });
}

int spin_unlock(pthread_spinlock_t* l) {
  return ownerless_unlock(spin_address(l), object_tag::spinlock, [&] { return real.spin_unlock(l); });
}

// ---- reader-writer locks ----

/// The calling thread holds the write side: glibc answers EDEADLK (a defined result) to both sides.
bool rwlock_self_writer(const pthread_rwlock_t* rw, const thread_state& s) noexcept {
  return rw->__data.__cur_writer == s.tid;
}

/// `timed_op(end)`: lock_op with a deadline (for announced_wait's slices); `caller` as in mutex_lock.
template <class TryOp, class LockOp, class TimedOp>
int rwlock_lock(pthread_rwlock_t* rw, access mode, const void* caller, TryOp&& try_op, LockOp&& lock_op,
                TimedOp&& timed_op) {
  hook_scope h;
  thread_state& s = h.state();
  lock_record* rec = acquire_inline(rw, object_tag::rwlock, s, 0);  // first: as in mutex_lock
  pin p(s, 0);
  const int first = try_op();
  if (first == 0) {
    if (rec != nullptr) on_acquired(rec, mode, reinterpret_cast<std::uintptr_t>(caller));
    return first;
  }
  if (rec == nullptr || first != EBUSY || rwlock_self_writer(rw, s)) return lock_op();
  return blocking_acquire(rec, rw, mode, lock_op, pthread_slice(CLOCK_REALTIME, timed_op), took);
}

template <class TryOp, class TimedOp>
int rwlock_timed(pthread_rwlock_t* rw, access mode, TryOp&& try_op, TimedOp&& timed_op) {
  hook_scope h;
  thread_state& s = h.state();
  lock_record* rec = rwlock_self_writer(rw, s) ? nullptr : acquire(rw, object_tag::rwlock, s, 0);
  pin p(s, 0);
  if (rec == nullptr) return timed_op();
  return timed(rec, rw, mode, try_op, timed_op);
}

/// rwlock_unlock() of a lock this thread's held set does not have: out of line, off the usual path.
[[gnu::noinline]] int rwlock_unlock_unheld(pthread_rwlock_t* rw) {
  hook_scope h;
  thread_state& s = h.state();
  lock_record* rec = find(rw, object_tag::rwlock, s, 0);
  pin p(s, 0);
  if (rec == nullptr) return real.rwlock_unlock(rw);  // never seen locked: nothing to check against
  access mode = access::shared;
  if (runtime_owns(rec)) {
    mode = access::exclusive;
  } else if (!events::holds(rec, access::shared)) {
    if (rwlock_self_writer(rw, s)) return real.rwlock_unlock(rw);  // taken where we could not see
    mode = rec->owner.load(std::memory_order_relaxed) != nullptr ? access::exclusive : access::shared;
  }
  if (!events::before_unlock(rec, mode)) return EPERM;
  return real.rwlock_unlock(rw);
}

/// An unlock of `rw`, inlined into its hook: the usual path, as in mutex_unlock.
[[gnu::always_inline]] inline int rwlock_unlock(pthread_rwlock_t* rw) {
  {
    const internal_scope h;
    if (int r; unlock_held(rw, true, r, [&] { return real.rwlock_unlock(rw); })) return r;
  }
  return rwlock_unlock_unheld(rw);
}

// The bodies of the blocking, try and timed lock hooks, for pthread_mutex_* and C11's mtx_* alike:
// `ra` and `fa` are the exported function's GRIDLOCK_PROGRAM_CALL.

[[gnu::always_inline]] inline int lock_hook(pthread_mutex_t* m, const void* ra, const void* fa) {
  if (pass_through(ra)) return resolve_real() ? real.mutex_lock(m) : 0;
  const call_site_scope site(ra, fa);
  at_sync_point(sync_point::before_lock);
  return mutex_lock(m, m, mutex_tag(m), ra);
}

[[gnu::always_inline]] inline int trylock_hook(pthread_mutex_t* m, const void* ra, const void* fa) {
  if (pass_through(ra)) return resolve_real() ? real.mutex_trylock(m) : 0;
  const call_site_scope site(ra, fa);
  at_sync_point(sync_point::before_lock);
  return mutex_trylock(m);
}

[[gnu::always_inline]] inline int timedlock_hook(pthread_mutex_t* m, const timespec* abstime, const void* ra,
                                                 const void* fa) {
  if (pass_through(ra)) return resolve_real() ? real.mutex_timedlock(m, abstime) : 0;
  const call_site_scope site(ra, fa);
  at_sync_point(sync_point::before_lock);
  return mutex_timed(m, [&] { return real.mutex_timedlock(m, abstime); });
}

}  // namespace

int lock_mutex_as(pthread_mutex_t* m, const void* key, object_tag tag) {
  return mutex_lock(m, key, tag, reinterpret_cast<const void*>(detail::call_site));
}

int unlock_mutex_as(pthread_mutex_t* m, const void* key, object_tag tag) {
  return mutex_unlock(m, key, [tag] { return tag; });
}

}  // namespace gridlock::preload

using namespace gridlock;
using namespace gridlock::preload;

// Before initialization, and for re-entrant calls, the hooks go straight to the real function. If even
// that is not resolved yet (dlsym itself re-entering on this thread, at startup, single-threaded),
// lock/unlock are no-ops that report success.

GRIDLOCK_HOOK int pthread_mutex_init(pthread_mutex_t* m, const pthread_mutexattr_t* attr) {
  if (!resolve_real()) return 0;
  const int r = init(m, [&] { return real.mutex_init(m, attr); });
  if (r == 0 && !bypass()) {
    hook_scope h;
    threads::self()->initialized = m;  // its first lock makes no edges (held_set::first_hold)
  }
  return r;
}

GRIDLOCK_HOOK int pthread_mutex_lock(pthread_mutex_t* m) { return lock_hook(m, GRIDLOCK_PROGRAM_CALL); }

GRIDLOCK_HOOK int pthread_mutex_trylock(pthread_mutex_t* m) { return trylock_hook(m, GRIDLOCK_PROGRAM_CALL); }

GRIDLOCK_HOOK int pthread_mutex_timedlock(pthread_mutex_t* m, const timespec* abstime) {
  return timedlock_hook(m, abstime, GRIDLOCK_PROGRAM_CALL);
}

GRIDLOCK_HOOK int pthread_mutex_clocklock(pthread_mutex_t* m, clockid_t clock, const timespec* abstime) {
  if (pass_through(GRIDLOCK_PROGRAM_CALLER)) return resolve_real() ? real.mutex_clocklock(m, clock, abstime) : 0;
  const call_site_scope site(GRIDLOCK_PROGRAM_CALL);
  at_sync_point(sync_point::before_lock);
  return mutex_timed(m, [&] { return real.mutex_clocklock(m, clock, abstime); });
}

GRIDLOCK_HOOK int pthread_mutex_unlock(pthread_mutex_t* m) {
  if (pass_through(GRIDLOCK_PROGRAM_CALLER)) return resolve_real() ? real.mutex_unlock(m) : 0;
  const int r = mutex_unlock(m, m, [m] { return mutex_tag(m); });
  at_sync_point(sync_point::after_unlock);
  return r;
}

GRIDLOCK_HOOK int pthread_mutex_destroy(pthread_mutex_t* m) {
  if (!resolve_real()) return 0;
  if (bypass()) return real.mutex_destroy(m);
  return destroy(m, [&] { return real.mutex_destroy(m); });
}

GRIDLOCK_HOOK int pthread_spin_init(pthread_spinlock_t* l, int pshared) {
  if (!resolve_real()) return 0;
  return init(spin_address(l), [&] { return real.spin_init(l, pshared); });
}

GRIDLOCK_HOOK int pthread_spin_lock(pthread_spinlock_t* l) {
  if (pass_through(GRIDLOCK_PROGRAM_CALLER)) return resolve_real() ? real.spin_lock(l) : 0;
  const call_site_scope site(GRIDLOCK_PROGRAM_CALL);
  at_sync_point(sync_point::before_lock);
  return spin_lock(l);
}

GRIDLOCK_HOOK int pthread_spin_trylock(pthread_spinlock_t* l) {
  if (pass_through(GRIDLOCK_PROGRAM_CALLER)) return resolve_real() ? real.spin_trylock(l) : 0;
  const call_site_scope site(GRIDLOCK_PROGRAM_CALL);
  at_sync_point(sync_point::before_lock);
  return tracked_try(spin_address(l), object_tag::spinlock, access::exclusive, [&] { return real.spin_trylock(l); });
}

GRIDLOCK_HOOK int pthread_spin_unlock(pthread_spinlock_t* l) {
  if (pass_through(GRIDLOCK_PROGRAM_CALLER)) return resolve_real() ? real.spin_unlock(l) : 0;
  const int r = spin_unlock(l);
  at_sync_point(sync_point::after_unlock);
  return r;
}

GRIDLOCK_HOOK int pthread_spin_destroy(pthread_spinlock_t* l) {
  if (!resolve_real()) return 0;
  if (bypass()) return real.spin_destroy(l);
  return destroy(spin_address(l), [&] { return real.spin_destroy(l); });
}

GRIDLOCK_HOOK int pthread_rwlock_init(pthread_rwlock_t* rw, const pthread_rwlockattr_t* attr) {
  if (!resolve_real()) return 0;
  return init(rw, [&] { return real.rwlock_init(rw, attr); });
}

GRIDLOCK_HOOK int pthread_rwlock_rdlock(pthread_rwlock_t* rw) {
  if (pass_through(GRIDLOCK_PROGRAM_CALLER)) return resolve_real() ? real.rwlock_rdlock(rw) : 0;
  const call_site_scope site(GRIDLOCK_PROGRAM_CALL);
  at_sync_point(sync_point::before_lock);
  return rwlock_lock(rw, access::shared, GRIDLOCK_PROGRAM_CALLER, [&] { return real.rwlock_tryrdlock(rw); },
                     [&] { return real.rwlock_rdlock(rw); },
                     [&](const timespec& end) { return real.rwlock_timedrdlock(rw, &end); });
}

GRIDLOCK_HOOK int pthread_rwlock_wrlock(pthread_rwlock_t* rw) {
  if (pass_through(GRIDLOCK_PROGRAM_CALLER)) return resolve_real() ? real.rwlock_wrlock(rw) : 0;
  const call_site_scope site(GRIDLOCK_PROGRAM_CALL);
  at_sync_point(sync_point::before_lock);
  return rwlock_lock(rw, access::exclusive, GRIDLOCK_PROGRAM_CALLER, [&] { return real.rwlock_trywrlock(rw); },
                     [&] { return real.rwlock_wrlock(rw); },
                     [&](const timespec& end) { return real.rwlock_timedwrlock(rw, &end); });
}

GRIDLOCK_HOOK int pthread_rwlock_tryrdlock(pthread_rwlock_t* rw) {
  if (pass_through(GRIDLOCK_PROGRAM_CALLER)) return resolve_real() ? real.rwlock_tryrdlock(rw) : 0;
  const call_site_scope site(GRIDLOCK_PROGRAM_CALL);
  at_sync_point(sync_point::before_lock);
  return tracked_try(rw, object_tag::rwlock, access::shared, [&] { return real.rwlock_tryrdlock(rw); });
}

GRIDLOCK_HOOK int pthread_rwlock_trywrlock(pthread_rwlock_t* rw) {
  if (pass_through(GRIDLOCK_PROGRAM_CALLER)) return resolve_real() ? real.rwlock_trywrlock(rw) : 0;
  const call_site_scope site(GRIDLOCK_PROGRAM_CALL);
  at_sync_point(sync_point::before_lock);
  return tracked_try(rw, object_tag::rwlock, access::exclusive, [&] { return real.rwlock_trywrlock(rw); });
}

GRIDLOCK_HOOK int pthread_rwlock_timedrdlock(pthread_rwlock_t* rw, const timespec* abstime) {
  if (pass_through(GRIDLOCK_PROGRAM_CALLER)) return resolve_real() ? real.rwlock_timedrdlock(rw, abstime) : 0;
  const call_site_scope site(GRIDLOCK_PROGRAM_CALL);
  at_sync_point(sync_point::before_lock);
  return rwlock_timed(rw, access::shared, [&] { return real.rwlock_tryrdlock(rw); },
                      [&] { return real.rwlock_timedrdlock(rw, abstime); });
}

GRIDLOCK_HOOK int pthread_rwlock_timedwrlock(pthread_rwlock_t* rw, const timespec* abstime) {
  if (pass_through(GRIDLOCK_PROGRAM_CALLER)) return resolve_real() ? real.rwlock_timedwrlock(rw, abstime) : 0;
  const call_site_scope site(GRIDLOCK_PROGRAM_CALL);
  at_sync_point(sync_point::before_lock);
  return rwlock_timed(rw, access::exclusive, [&] { return real.rwlock_trywrlock(rw); },
                      [&] { return real.rwlock_timedwrlock(rw, abstime); });
}

GRIDLOCK_HOOK int pthread_rwlock_clockrdlock(pthread_rwlock_t* rw, clockid_t clock, const timespec* abstime) {
  if (pass_through(GRIDLOCK_PROGRAM_CALLER)) return resolve_real() ? real.rwlock_clockrdlock(rw, clock, abstime) : 0;
  const call_site_scope site(GRIDLOCK_PROGRAM_CALL);
  at_sync_point(sync_point::before_lock);
  return rwlock_timed(rw, access::shared, [&] { return real.rwlock_tryrdlock(rw); },
                      [&] { return real.rwlock_clockrdlock(rw, clock, abstime); });
}

GRIDLOCK_HOOK int pthread_rwlock_clockwrlock(pthread_rwlock_t* rw, clockid_t clock, const timespec* abstime) {
  if (pass_through(GRIDLOCK_PROGRAM_CALLER)) return resolve_real() ? real.rwlock_clockwrlock(rw, clock, abstime) : 0;
  const call_site_scope site(GRIDLOCK_PROGRAM_CALL);
  at_sync_point(sync_point::before_lock);
  return rwlock_timed(rw, access::exclusive, [&] { return real.rwlock_trywrlock(rw); },
                      [&] { return real.rwlock_clockwrlock(rw, clock, abstime); });
}

GRIDLOCK_HOOK int pthread_rwlock_unlock(pthread_rwlock_t* rw) {
  if (pass_through(GRIDLOCK_PROGRAM_CALLER)) return resolve_real() ? real.rwlock_unlock(rw) : 0;
  const int r = rwlock_unlock(rw);
  at_sync_point(sync_point::after_unlock);
  return r;
}

GRIDLOCK_HOOK int pthread_rwlock_destroy(pthread_rwlock_t* rw) {
  if (!resolve_real()) return 0;
  if (bypass()) return real.rwlock_destroy(rw);
  return destroy(rw, [&] { return real.rwlock_destroy(rw); });
}

// C11 mutexes (interposer.h: GRIDLOCK_PROGRAM_CALL says why they need hooks of their own).

GRIDLOCK_HOOK int mtx_init(mtx_t* m, int type) {
  if ((type & ~(mtx_recursive | mtx_timed)) != 0) return thrd_error;  // as glibc: plain, timed, recursive
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_settype(&attr, (type & mtx_recursive) != 0 ? PTHREAD_MUTEX_RECURSIVE : PTHREAD_MUTEX_DEFAULT);
  const int r = pthread_mutex_init(as_pthread(m), &attr);
  pthread_mutexattr_destroy(&attr);
  return c11_result(r);
}

GRIDLOCK_HOOK int mtx_lock(mtx_t* m) { return c11_result(lock_hook(as_pthread(m), GRIDLOCK_PROGRAM_CALL)); }

GRIDLOCK_HOOK int mtx_trylock(mtx_t* m) { return c11_result(trylock_hook(as_pthread(m), GRIDLOCK_PROGRAM_CALL)); }

GRIDLOCK_HOOK int mtx_timedlock(mtx_t* __restrict m, const timespec* __restrict abstime) {
  return c11_result(timedlock_hook(as_pthread(m), abstime, GRIDLOCK_PROGRAM_CALL));
}

GRIDLOCK_HOOK int mtx_unlock(mtx_t* m) { return c11_result(pthread_mutex_unlock(as_pthread(m))); }

GRIDLOCK_HOOK void mtx_destroy(mtx_t* m) { pthread_mutex_destroy(as_pthread(m)); }
