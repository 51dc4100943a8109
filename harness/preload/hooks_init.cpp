// Hooks of one-time initialization: __cxa_guard_acquire/_release/_abort, which the first use of a
// function-local static calls (Itanium C++ ABI 3.3.2), and pthread_once, which std::call_once calls (and
// C11's call_once, over it). An initialization is a lock held by the thread chosen to run it, from that
// choice to the end of the initializer: a thread that arrives meanwhile waits for that thread, and the
// locks the initializer takes are taken under it. So an initializer that takes a lock another thread
// holds while it first reaches the initialization is a deadlock the wait-for graph names as it forms, not
// a hang; an initializer that reaches its own initialization again is a recursive lock. An initialization
// already done passes straight through, recording nothing: a use after it can never wait.
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
  // Announced whether or not another thread runs the initializer: if none does, the real call returns
  // at once and the wait never lasts long enough to be confirmed. 1: this thread initializes.
  return blocking_acquire(rec, g, access::exclusive, [&] { return real.guard_acquire(g); }, nullptr,
                          [](int r) { return r != 0; });
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

/// glibc's pthread_once_t: bit 1 set once the initializer has returned (__PTHREAD_ONCE_DONE).
bool once_done(const pthread_once_t* once) noexcept { return (__atomic_load_n(once, __ATOMIC_ACQUIRE) & 2) != 0; }

/// This thread's pthread_once call in progress, for once_initializer: glibc runs the initializer on the
/// calling thread, and passes it no argument.
struct once_call {
  void (*init)();
  lock_record* rec;
  once_call* outer;  // the call whose initializer made this one
  bool ran = false;  // this thread was chosen to initialize
};
constinit thread_local once_call* t_once [[gnu::tls_model("initial-exec")]] = nullptr;

/// What pthread_once runs instead of the program's initializer: the lock is held around it, and
/// released also when it throws (std::call_once's exceptional return).
void once_initializer() {
  once_call& call = *t_once;
  call.ran = true;
  {
    hook_scope h;
    events::after_wake();
    events::after_lock(call.rec, access::exclusive, attempt::blocking, true);
  }
  struct release_at_end {
    lock_record* rec;
    ~release_at_end() {
      hook_scope h;
      events::before_unlock(rec, access::exclusive);
    }
  } release{call.rec};
  call.init();
}

int once(pthread_once_t* once, void (*init)()) {
  once_call call{init, nullptr, t_once};
  {
    hook_scope h;
    thread_state& s = h.state();
    call.rec = acquire(once, object_tag::once, s, 0);
    if (call.rec != nullptr) {
      guarded([&] { events::before_lock(call.rec, access::exclusive, attempt::blocking); });
      guarded([&] { events::before_block({wait_kind::lock, once, call.rec, nullptr, access::exclusive, false}); });
    }
  }
  if (call.rec == nullptr) return real.once(once, init);  // untracked (a full table)
  // The real call outside the hook scope: the initializer is the program's code, to be observed. The
  // pin stays for a waiter (the initializer's own hooks reuse the slot, but it holds the record).
  struct end_of_call {
    once_call& call;
    ~end_of_call() {
      t_once = call.outer;
      hook_scope h;
      if (!call.ran) events::after_wake();
      release(h.state(), 0);
    }
  } end{call};
  t_once = &call;
  return real.once(once, once_initializer);
}

/// The body of the pthread_once hook, for it and C11's call_once: `ra` and `fa` are the exported
/// function's GRIDLOCK_PROGRAM_CALL.
[[gnu::always_inline]] inline int once_hook(pthread_once_t* once_control, void (*init)(), const void* ra,
                                            const void* fa) {
  if (!resolve_real()) {  // single-threaded startup (dlsym re-entered): run it, as glibc would
    if (!once_done(once_control)) {
      *once_control = 2;
      init();
    }
    return 0;
  }
  if (pass_through(ra) || once_done(once_control)) return real.once(once_control, init);
  const call_site_scope site(ra, fa);
  at_sync_point(sync_point::before_lock);
  const int r = once(once_control, init);
  at_sync_point(sync_point::after_unlock);
  return r;
}

}  // namespace
}  // namespace gridlock::preload

using namespace gridlock;
using namespace gridlock::preload;

GRIDLOCK_HOOK int pthread_once(pthread_once_t* once_control, void (*init)()) {
  return once_hook(once_control, init, GRIDLOCK_PROGRAM_CALL);
}

// C11's call_once (interposer.h: GRIDLOCK_PROGRAM_CALL says why it needs a hook of its own): its
// once_flag is a pthread_once_t.
GRIDLOCK_HOOK void call_once(once_flag* flag, void (*init)()) {
  once_hook(reinterpret_cast<pthread_once_t*>(flag), init, GRIDLOCK_PROGRAM_CALL);
}

GRIDLOCK_HOOK int __cxa_guard_acquire(__cxxabiv1::__guard* g) {
  if (!resolve_real()) return !initialized(g);  // single-threaded startup: initialize unless done
  if (pass_through(GRIDLOCK_PROGRAM_CALLER) || initialized(g)) return real.guard_acquire(g);
  const call_site_scope site(GRIDLOCK_PROGRAM_CALL);
  at_sync_point(sync_point::before_lock);
  return guard_acquire(g);
}

GRIDLOCK_HOOK void __cxa_guard_release(__cxxabiv1::__guard* g) noexcept {
  if (!resolve_real()) {
    *reinterpret_cast<char*>(g) = 1;
    return;
  }
  if (pass_through(GRIDLOCK_PROGRAM_CALLER)) return real.guard_release(g);
  guard_end(g, real.guard_release);
  at_sync_point(sync_point::after_unlock);
}

GRIDLOCK_HOOK void __cxa_guard_abort(__cxxabiv1::__guard* g) noexcept {
  if (!resolve_real()) return;
  if (pass_through(GRIDLOCK_PROGRAM_CALLER)) return real.guard_abort(g);
  guard_end(g, real.guard_abort);
  at_sync_point(sync_point::after_unlock);
}
