// pthread_cond_* hooks, and C11's cnd_* (over them). A wait is expressed as gridlock::condition_variable
// expresses it: the mutex is released for the detectors (before_unlock), the thread is blocked on the
// condition (before_block with wait_kind::condition, so a lost wakeup ends as all-threads-blocked), and
// after the real wait the mutex is re-acquired as an ordinary blocking acquisition (before_lock +
// after_lock), so hold-and-wait orders show in the lock-order graph. Condition variables get records of
// their own (never locked) so reports can name them and so signal/broadcast can tell the runtime which
// waiters may now be runnable (events::notified). Waits start with a before_wait sync point, signals and broadcasts with a notify one.
#include <errno.h>

#include "interposer.h"
#include "thread_record.h"

#define GRIDLOCK_HOOK extern "C" __attribute__((visibility("default")))

namespace gridlock::preload {
namespace {

/// `slice`: announced_wait's (nullptr for a timed wait).
template <class Wait, class Slice>
int cond_wait(pthread_cond_t* c, pthread_mutex_t* m, bool timed, Wait&& wait, Slice&& slice) {
  hook_scope h;
  thread_state& s = h.state();
  lock_record* mutex = find(m, mutex_tag(m), s, 0);
  pin p0(s, 0);
  if (mutex == nullptr) mutex = held_by_address(m);
  lock_record* cond = acquire(c, object_tag::cond, s, 1);
  pin p1(s, 1);
  const wait_target target{wait_kind::condition, c, cond, nullptr, access::exclusive, timed};

  const bool held = mutex != nullptr && runtime_owns(mutex);
  if (!held) {
    // Locked by this thread where we could not see (or not tracked): still a wait.
    if (m->__data.__lock != 0 && m->__data.__owner == s.tid) return announced_wait(target, wait, slice);
    if (cond != nullptr) {
      guarded([&] {
        events::report_misuse(finding_kind::cv_wait_unlocked, cond,
                              "condition variable wait without its mutex held");
      });
    }
    return wait();  // as the program asked
  }

  guarded([&] { events::condition_wait_begins(cond, mutex); });
  events::before_unlock(mutex, access::exclusive);
  const int r = announced_wait(target, wait, slice);
  guarded([&] { events::before_lock(mutex, access::exclusive, attempt::blocking); });
  events::after_lock(mutex, access::exclusive, attempt::blocking, true);
  return r;
}


// The bodies of the untimed and timed wait hooks, for pthread_cond_* and C11's cnd_* alike: `ra` and
// `fa` are the exported function's GRIDLOCK_PROGRAM_CALL.

[[gnu::always_inline]] inline int wait_hook(pthread_cond_t* c, pthread_mutex_t* m, const void* ra, const void* fa) {
  if (pass_through(ra)) return resolve_real() ? real.cond_wait(c, m) : 0;
  const call_site_scope site(ra, fa);
  at_sync_point(sync_point::before_wait);
  // A slice that runs out makes its look again here, with the mutex retaken, and then ends the wait as a
  // spurious wakeup: waiting again could miss a notify made while it was not waiting, and the program
  // looks at its predicate anyway.
  return cond_wait(c, m, false, [&] { return real.cond_wait(c, m); }, [&](long ns) -> std::optional<int> {
    const timespec end = slice_end(CLOCK_MONOTONIC, ns);
    const int r = real.cond_clockwait(c, m, CLOCK_MONOTONIC, &end);
    if (r == ETIMEDOUT) guarded([] { events::check_block(true); });
    return r == ETIMEDOUT ? 0 : r;
  });
}

[[gnu::always_inline]] inline int timedwait_hook(pthread_cond_t* c, pthread_mutex_t* m, const timespec* abstime,
                                                 const void* ra, const void* fa) {
  if (pass_through(ra)) return resolve_real() ? real.cond_timedwait(c, m, abstime) : 0;
  const call_site_scope site(ra, fa);
  at_sync_point(sync_point::before_wait);
  return cond_wait(c, m, true, [&] { return real.cond_timedwait(c, m, abstime); }, nullptr);
}

}  // namespace
}  // namespace gridlock::preload

using namespace gridlock;
using namespace gridlock::preload;

GRIDLOCK_HOOK int pthread_cond_init(pthread_cond_t* c, const pthread_condattr_t* attr) {
  if (!resolve_real()) return 0;
  return forget_then(c, [&] { return real.cond_init(c, attr); });
}

GRIDLOCK_HOOK int pthread_cond_destroy(pthread_cond_t* c) {
  if (!resolve_real()) return 0;
  return forget_then(c, [&] { return real.cond_destroy(c); });
}

GRIDLOCK_HOOK int pthread_cond_wait(pthread_cond_t* c, pthread_mutex_t* m) {
  return wait_hook(c, m, GRIDLOCK_PROGRAM_CALL);
}

GRIDLOCK_HOOK int pthread_cond_timedwait(pthread_cond_t* c, pthread_mutex_t* m, const timespec* abstime) {
  return timedwait_hook(c, m, abstime, GRIDLOCK_PROGRAM_CALL);
}

GRIDLOCK_HOOK int pthread_cond_clockwait(pthread_cond_t* c, pthread_mutex_t* m, clockid_t clock,
                                         const timespec* abstime) {
  if (pass_through(GRIDLOCK_PROGRAM_CALLER)) return resolve_real() ? real.cond_clockwait(c, m, clock, abstime) : 0;
  const call_site_scope site(GRIDLOCK_PROGRAM_CALL);
  at_sync_point(sync_point::before_wait);
  return cond_wait(c, m, true, [&] { return real.cond_clockwait(c, m, clock, abstime); }, nullptr);
}

GRIDLOCK_HOOK int pthread_cond_signal(pthread_cond_t* c) {
  if (!resolve_real()) return 0;
  if (!pass_through(GRIDLOCK_PROGRAM_CALLER)) {
    at_sync_point(sync_point::notify);
    notify_waiters(c, object_tag::cond);
  }
  return real.cond_signal(c);
}

GRIDLOCK_HOOK int pthread_cond_broadcast(pthread_cond_t* c) {
  if (!resolve_real()) return 0;
  if (!pass_through(GRIDLOCK_PROGRAM_CALLER)) {
    at_sync_point(sync_point::notify);
    notify_waiters(c, object_tag::cond);
  }
  return real.cond_broadcast(c);
}

// C11 condition variables (interposer.h: GRIDLOCK_PROGRAM_CALL says why they need hooks of their own).

GRIDLOCK_HOOK int cnd_init(cnd_t* c) { return c11_result(pthread_cond_init(as_pthread(c), nullptr)); }

GRIDLOCK_HOOK void cnd_destroy(cnd_t* c) { pthread_cond_destroy(as_pthread(c)); }

GRIDLOCK_HOOK int cnd_signal(cnd_t* c) { return c11_result(pthread_cond_signal(as_pthread(c))); }

GRIDLOCK_HOOK int cnd_broadcast(cnd_t* c) { return c11_result(pthread_cond_broadcast(as_pthread(c))); }

GRIDLOCK_HOOK int cnd_wait(cnd_t* c, mtx_t* m) {
  return c11_result(wait_hook(as_pthread(c), as_pthread(m), GRIDLOCK_PROGRAM_CALL));
}

GRIDLOCK_HOOK int cnd_timedwait(cnd_t* __restrict c, mtx_t* __restrict m, const timespec* __restrict abstime) {
  return c11_result(timedwait_hook(as_pthread(c), as_pthread(m), abstime, GRIDLOCK_PROGRAM_CALL));
}
