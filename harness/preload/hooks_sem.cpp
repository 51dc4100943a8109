// POSIX semaphore hooks: sem_wait, sem_timedwait and sem_clockwait, where a thread sleeps until a
// post, and sem_post. A semaphore has no owner: any thread may post it, so like a future's result an
// untimed wait takes part in the all-threads-blocked rule (wait_kind::semaphore), and a post marks the
// waiters as no longer blocked. Only a wait that really sleeps is announced (a count above zero is
// taken first). Something outside the threads may post: another process, if the semaphore is in memory
// it shares (the detector does not count such a wait), or a signal handler (sem_post is
// async-signal-safe): once the program has a handler of its own, waits stay unannounced, as if unseen.
#include "interposer.h"

#define GRIDLOCK_HOOK extern "C" __attribute__((visibility("default")))

namespace gridlock::preload {
namespace {

// glibc's sem_t (with 64-bit atomics) starts with one 64-bit word: the count in its low half, the futex
// word a waiter sleeps on while it is 0, and in its high half the number of threads in the real wait.
constexpr int count_half = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? 1 : 0;

const void* count_word(const sem_t* sem) noexcept { return reinterpret_cast<const std::uint32_t*>(sem) + count_half; }

bool has_sleepers(const sem_t* sem) noexcept {
  return __atomic_load_n(reinterpret_cast<const std::uint32_t*>(sem) + (1 - count_half), __ATOMIC_RELAXED) != 0;
}

/// Every wait hook, after its sync point: `wait` is the real call.
template <class Wait>
int sem_wait_hook(sem_t* sem, bool timed, Wait&& wait) {
  const int saved_errno = errno;
  if (real.sem_trywait(sem) == 0) return 0;
  errno = saved_errno;
  if (program_catches_signals()) return wait();
  return word_wait(wait_kind::semaphore, object_tag::semaphore, count_word(sem), 0, timed, wait,
                   [&](long ns) -> std::optional<int> {
                     const timespec end = slice_end(CLOCK_MONOTONIC, ns);
                     const int r = real.sem_clockwait(sem, CLOCK_MONOTONIC, &end);
                     if (r != 0 && errno == ETIMEDOUT) return std::nullopt;
                     return r;
                   });
}

}  // namespace
}  // namespace gridlock::preload

using namespace gridlock;
using namespace gridlock::preload;

// Before initialization, and for re-entrant calls, the hooks go straight to the real function. If even
// that is not resolved yet (dlsym re-entering on this thread), a wait says it was interrupted, which
// its caller must handle anyway.

GRIDLOCK_HOOK int sem_wait(sem_t* sem) {
  if (bypass()) return resolve_real() ? real.sem_wait(sem) : (errno = EINTR, -1);
  const call_site_scope site(GRIDLOCK_PROGRAM_CALL);
  at_sync_point(sync_point::before_wait);
  return sem_wait_hook(sem, false, [&] { return real.sem_wait(sem); });
}

GRIDLOCK_HOOK int sem_timedwait(sem_t* sem, const timespec* abstime) {
  if (bypass()) return resolve_real() ? real.sem_timedwait(sem, abstime) : (errno = EINTR, -1);
  const call_site_scope site(GRIDLOCK_PROGRAM_CALL);
  at_sync_point(sync_point::before_wait);
  return sem_wait_hook(sem, true, [&] { return real.sem_timedwait(sem, abstime); });
}

GRIDLOCK_HOOK int sem_clockwait(sem_t* sem, clockid_t clock, const timespec* abstime) {
  if (bypass()) return resolve_real() ? real.sem_clockwait(sem, clock, abstime) : (errno = EINTR, -1);
  const call_site_scope site(GRIDLOCK_PROGRAM_CALL);
  at_sync_point(sync_point::before_wait);
  return sem_wait_hook(sem, true, [&] { return real.sem_clockwait(sem, clock, abstime); });
}

// No sync point: a signal handler may be the caller. With nobody in the real wait there is nobody to
// mark: a waiter announced but not yet in it finds the count this post leaves (the detector cannot tell
// about a wait whose word changed until that waiter sleeps on it), and an uncontended post skips the
// table lookup.
GRIDLOCK_HOOK int sem_post(sem_t* sem) {
  if (!resolve_real()) return (errno = EAGAIN, -1);
  if (!bypass() && has_sleepers(sem)) notify_waiters(count_word(sem), object_tag::semaphore);
  return real.sem_post(sem);
}
