// pthread barrier hooks: pthread_barrier_wait and pthread_barrier_destroy. glibc's barrier sleeps on a
// futex word of its own by an inline system call, out of every other hook's reach: a thread at a
// barrier whose round never fills (too few threads arrive, or one that should holds up the others by
// waiting for a lock a waiter holds) looked like a running thread, and the hang ran to the timeout.
//
// A wait is announced (wait_kind::barrier) unless the caller completes the round, which glibc decides
// by the count of arrivals the barrier starts with: the caller completes it when its own arrival makes
// that count a multiple of the parties. The count is read before the real call arrives, so the
// announcement carries it: while it holds, the caller will sleep; once it changed (another thread
// arrived meanwhile) the caller's look cannot tell, and another thread's is the kernel's to tell (the
// thread asleep on the barrier's word). The detector reads the barrier's counts itself (events.h): a
// barrier made again for other parties at the same address needs no init hook.
#include "interposer.h"

#define GRIDLOCK_HOOK extern "C" __attribute__((visibility("default")))

namespace gridlock::preload {
namespace {

/// glibc's pthread_barrier_t (since 2.23): arrivals so far (a multiple of `count` after each round, reset
/// to 0 near UINT_MAX/2), where the current round started, the parties, the futex's sharing, leavings.
struct glibc_barrier {
  unsigned in;
  unsigned current_round;
  unsigned count;
  int shared;
  unsigned out;
};
static_assert(sizeof(glibc_barrier) <= sizeof(pthread_barrier_t));

/// After its sync point.
int barrier_wait(pthread_barrier_t* b) {
  const auto* g = reinterpret_cast<const glibc_barrier*>(b);
  const unsigned arrivals = __atomic_load_n(&g->in, __ATOMIC_ACQUIRE);
  const unsigned parties = __atomic_load_n(&g->count, __ATOMIC_RELAXED);
  if (parties == 0 || (arrivals + 1) % parties == 0) return real.barrier_wait(b);  // completes the round
  return word_wait(wait_kind::barrier, object_tag::barrier, b, arrivals, false, [&] { return real.barrier_wait(b); },
                   nullptr);
}

}  // namespace
}  // namespace gridlock::preload

using namespace gridlock;
using namespace gridlock::preload;

// Before initialization, and for re-entrant calls, the hooks go straight to the real function; if even
// that is not resolved yet (dlsym re-entering, single-threaded), there is nobody to wait for.

GRIDLOCK_HOOK int pthread_barrier_wait(pthread_barrier_t* b) {
  if (bypass()) return resolve_real() ? real.barrier_wait(b) : PTHREAD_BARRIER_SERIAL_THREAD;
  const call_site_scope site(GRIDLOCK_PROGRAM_CALL);
  at_sync_point(sync_point::before_wait);
  return barrier_wait(b);
}

GRIDLOCK_HOOK int pthread_barrier_destroy(pthread_barrier_t* b) {
  if (!resolve_real()) return 0;
  return forget_then(b, [&] { return real.barrier_destroy(b); });
}
