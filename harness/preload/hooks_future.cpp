// Hooks of libstdc++'s std::future waits: std::__atomic_futex_unsigned_base::_M_futex_wait_until(_steady),
// where future::get/wait (and shared_future, packaged_task, async) sleep for a result, and
// _M_futex_notify_all, where a promise that stored one wakes them. Both are called through the PLT from
// the program's inlined <future> code. An untimed wait is a wait the runtime sees, of kind future: no
// single thread is known to owe the result, so like a condition wait it takes part in the
// all-threads-blocked rule, and a notify marks its waiters as no longer blocked. So a thread that holds a
// lock while it waits for a result whose producer needs that lock is named at once, not at the timeout.
// The other waits on a futex word (std::counting_semaphore, atomic::wait) are in hooks_futex.cpp.
#include "interposer.h"

#define GRIDLOCK_HOOK extern "C" __attribute__((visibility("default")))

namespace gridlock::preload {
namespace {

using wait_until_fn = bool (*)(void*, unsigned*, unsigned, bool, std::chrono::seconds, std::chrono::nanoseconds);

/// Both wait hooks: `real_wait` is the member of `real` the hook stands for, its times on `clock`;
/// `caller` and `frame` are the hook's own return and frame addresses (the program's call).
bool future_wait(wait_until_fn real_functions::*real_wait, clockid_t clock, const void* caller, const void* frame,
                 void* self, unsigned* addr, unsigned val, bool has_timeout, std::chrono::seconds s,
                 std::chrono::nanoseconds ns) {
  if (bypass()) return resolve_real() ? (real.*real_wait)(self, addr, val, has_timeout, s, ns) : true;
  const call_site_scope site(caller, frame);
  at_sync_point(sync_point::before_wait);
  return word_wait(wait_kind::future, object_tag::future, addr, val, has_timeout,
                   [&] { return (real.*real_wait)(self, addr, val, has_timeout, s, ns); },
                   [&](long ns) -> std::optional<bool> {
                     const timespec end = slice_end(clock, ns);
                     // False: the time ran out.
                     if (!(real.*real_wait)(self, addr, val, true, std::chrono::seconds(end.tv_sec),
                                            std::chrono::nanoseconds(end.tv_nsec)))
                       return std::nullopt;
                     return true;
                   });
}

}  // namespace
}  // namespace gridlock::preload

using namespace gridlock;
using namespace gridlock::preload;

// Free functions under the members' mangled names: the member's `this` is the first argument, and a
// std::chrono::duration is passed as its count is. Before initialization (and while dlsym re-enters on
// this thread, when nothing is resolved) they pass through; a wait that cannot pass says it woke, and
// its caller looks at the value again.
GRIDLOCK_HOOK bool future_wait_until_hook(void* self, unsigned* addr, unsigned val, bool has_timeout,
                                          std::chrono::seconds s, std::chrono::nanoseconds ns)
    __asm__(GRIDLOCK_FUTURE_WAIT_UNTIL);
GRIDLOCK_HOOK bool future_wait_until_steady_hook(void* self, unsigned* addr, unsigned val, bool has_timeout,
                                                 std::chrono::seconds s, std::chrono::nanoseconds ns)
    __asm__(GRIDLOCK_FUTURE_WAIT_UNTIL_STEADY);
GRIDLOCK_HOOK void future_notify_all_hook(unsigned* addr) __asm__(GRIDLOCK_FUTURE_NOTIFY_ALL);

bool future_wait_until_hook(void* self, unsigned* addr, unsigned val, bool has_timeout, std::chrono::seconds s,
                            std::chrono::nanoseconds ns) {
  return future_wait(&real_functions::future_wait_until, CLOCK_REALTIME, __builtin_return_address(0),
                     __builtin_frame_address(0), self, addr, val, has_timeout, s, ns);
}

bool future_wait_until_steady_hook(void* self, unsigned* addr, unsigned val, bool has_timeout, std::chrono::seconds s,
                                   std::chrono::nanoseconds ns) {
  return future_wait(&real_functions::future_wait_until_steady, CLOCK_MONOTONIC, __builtin_return_address(0),
                     __builtin_frame_address(0), self, addr, val, has_timeout, s, ns);
}

void future_notify_all_hook(unsigned* addr) {
  if (bypass()) {
    if (resolve_real()) real.future_notify_all(addr);
    return;
  }
  at_sync_point(sync_point::notify);
  notify_waiters(addr, object_tag::future);
  real.future_notify_all(addr);
}
