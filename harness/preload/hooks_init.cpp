// Hooks of one-time initialization: __cxa_guard_acquire/_release/_abort, which the first use of a
// function-local static calls (Itanium C++ ABI 3.3.2). An initialization is a lock held by the thread
// the ABI chooses to run it, from that choice to the end of the initializer: a thread that arrives
// meanwhile waits for that thread, and the locks the initializer takes are taken under it. So a static
// whose initializer takes a lock that another thread holds while it first touches the static is a
// deadlock the wait-for graph names as it forms, not a hang; an initializer that reaches its own
// static again is a recursive lock. An initialization already done passes straight through: the
// program's own inline test skips the call, and a use after it can never wait.
#include "held_set.h"
#include "interposer.h"

#define GRIDLOCK_HOOK extern "C" __attribute__((visibility("default")))

namespace gridlock::preload {
namespace {

/// Byte 0 of a guard is set once its initialization is done (the ABI's own test).
bool initialized(const __cxxabiv1::__guard* g) noexcept {
  return __atomic_load_n(reinterpret_cast<const char*>(g), __ATOMIC_ACQUIRE) != 0;
}

int guard_acquire(__cxxabiv1::__guard* g) {
  hook_scope h;
  thread_state& s = h.state();
  lock_record* rec = acquire(g, object_tag::static_init, s, 0);
  pin p(s, 0);
  if (rec == nullptr) return real.guard_acquire(g);
  guarded([&] { events::before_lock(rec, access::exclusive, attempt::blocking); });
  // Announced whether or not another thread runs the initializer: if none does, the real call returns
  // at once and the wait never lasts long enough to be confirmed.
  const int r = announced_wait({wait_kind::lock, g, rec, nullptr, access::exclusive, false},
                               [&] { return real.guard_acquire(g); });
  events::after_lock(rec, access::exclusive, attempt::blocking, r != 0);  // 1: this thread initializes
  return r;
}

/// The initializer ended (`finish` marks the static done, or not after an exception): released before
/// the real call wakes the waiters. Only if this thread holds it: its start may have passed through
/// (before initialization, or a full table).
void guard_end(__cxxabiv1::__guard* g, void (*finish)(__cxxabiv1::__guard*)) {
  {
    hook_scope h;
    thread_state& s = h.state();
    if (held_lock* held = held_entry(g)) {
      held_set::release(*threads::current, held);
    } else if (lock_record* rec = find(g, object_tag::static_init, s, 0); rec != nullptr && runtime_owns(rec)) {
      events::before_unlock(rec, access::exclusive);  // owned beyond the held set's bound
    }
    release(s, 0);
  }
  finish(g);
}

}  // namespace
}  // namespace gridlock::preload

using namespace gridlock;
using namespace gridlock::preload;

GRIDLOCK_HOOK int __cxa_guard_acquire(__cxxabiv1::__guard* g) {
  if (!resolve_real()) return !initialized(g);  // single-threaded startup: initialize unless done
  if (bypass() || initialized(g)) return real.guard_acquire(g);
  const call_site_scope site(__builtin_return_address(0), __builtin_frame_address(0));
  at_sync_point(sync_point::before_lock);
  return guard_acquire(g);
}

GRIDLOCK_HOOK void __cxa_guard_release(__cxxabiv1::__guard* g) noexcept {
  if (!resolve_real()) {
    *reinterpret_cast<char*>(g) = 1;
    return;
  }
  if (bypass()) return real.guard_release(g);
  guard_end(g, real.guard_release);
  at_sync_point(sync_point::after_unlock);
}

GRIDLOCK_HOOK void __cxa_guard_abort(__cxxabiv1::__guard* g) noexcept {
  if (!resolve_real()) return;
  if (bypass()) return real.guard_abort(g);
  guard_end(g, real.guard_abort);
  at_sync_point(sync_point::after_unlock);
}
