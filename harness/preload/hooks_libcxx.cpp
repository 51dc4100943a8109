// Hooks of libc++'s shared mutexes. libc++ builds std::shared_mutex (its __shared_mutex_base) and
// std::shared_timed_mutex on a std::mutex and two condition variables, not on pthread_rwlock: seen
// through those, a shared lock held is no lock at all (no lock-order edge, no upgrade check) and a
// writer's wait reads as a condition wait. So their members in libc++.so are hooked as reader-writer
// locks (object_tag::libcxx_shared_mutex, _timed_mutex), with the steps of the pthread_rwlock hooks;
// the real member runs inside the hook, where its own mutex and condition-variable calls pass straight
// through. A constructor is an init: memory a shared mutex used before starts afresh. Not seen:
// shared_timed_mutex's timed tries, inline code in the program that takes the inner mutex itself; so
// an unlock of a lock the runtime did not see taken passes through unchecked.
#include "interposer.h"

#define GRIDLOCK_HOOK extern "C" __attribute__((visibility("default")))

namespace gridlock::preload {
namespace {

/// The member of an exclusive/shared pair (lock/lock_shared, ...) for `mode`.
template <class Member>
Member for_mode(Member exclusive, Member shared, access mode) {
  return mode == access::exclusive ? exclusive : shared;
}

/// lock() or lock_shared() (`blocking`: tries first, and only when that fails announces a blocking
/// wait), or try_lock() or try_lock_shared(). Returns whether it took the lock.
bool lock_member(void* self, object_tag tag, const libcxx_shared_mutex& fns, access mode, bool blocking,
                 const void* caller, const void* frame) {
  auto lock = [&] {
    for_mode(fns.lock, fns.lock_shared, mode)(self);
    return 0;
  };
  // In the pthread convention.
  auto try_lock = [&] { return for_mode(fns.try_lock, fns.try_lock_shared, mode)(self) ? 0 : EBUSY; };
  if (bypass()) return resolve_real() && (blocking ? lock() : try_lock()) == 0;
  const call_site_scope site(caller, frame);
  at_sync_point(sync_point::before_lock);
  if (!blocking) return tracked_try(self, tag, mode, try_lock) == 0;
  hook_scope h;
  thread_state& s = h.state();
  lock_record* rec = acquire(self, tag, s, 0);
  pin p(s, 0);
  if (try_lock() == 0) {
    if (rec != nullptr) on_acquired(rec, mode, reinterpret_cast<std::uintptr_t>(caller));
    return true;
  }
  if (rec == nullptr) return lock() == 0;
  blocking_acquire(rec, self, mode, lock, nullptr, took);
  return true;
}

/// unlock() or unlock_shared().
void unlock_member(void* self, object_tag tag, const libcxx_shared_mutex& fns, access mode) {
  auto unlock = [&] {
    for_mode(fns.unlock, fns.unlock_shared, mode)(self);
    return 0;
  };
  if (bypass()) {
    if (resolve_real()) unlock();
    return;
  }
  {
    hook_scope h;
    thread_state& s = h.state();
    if (int r; !unlock_held(self, true, r, unlock)) {
      // Held beyond the held set's bound, the runtime still counts it (pthread_rwlock_unlock's case);
      // else it was not seen taken: nothing to check.
      lock_record* rec = find(self, tag, s, 0);
      pin p(s, 0);
      if (rec != nullptr &&
          (mode == access::exclusive ? runtime_owns(rec) : events::holds(rec, access::shared) || holds_untracked()))
        events::before_unlock(rec, mode);
      unlock();
    }
  }
  at_sync_point(sync_point::after_unlock);
}

void construct_member(void* self, const libcxx_shared_mutex& fns) {
  if (!resolve_real()) return;
  init(self, [&] {
    fns.construct(self);
    return 0;
  });
}

}  // namespace
}  // namespace gridlock::preload

using namespace gridlock;
using namespace gridlock::preload;

// Free functions under the members' mangled names, for one class: `fns` its members in `real`.
#define GRIDLOCK_LIBCXX_HOOKS(prefix, mangled, fns, tag)                                                      \
  GRIDLOCK_HOOK void prefix##_construct(void* self) __asm__(mangled GRIDLOCK_LIBCXX_CONSTRUCT);               \
  GRIDLOCK_HOOK void prefix##_construct_base(void* self) __asm__(mangled GRIDLOCK_LIBCXX_CONSTRUCT_BASE);     \
  GRIDLOCK_HOOK void prefix##_lock(void* self) __asm__(mangled GRIDLOCK_LIBCXX_LOCK);                         \
  GRIDLOCK_HOOK bool prefix##_try_lock(void* self) __asm__(mangled GRIDLOCK_LIBCXX_TRY_LOCK);                 \
  GRIDLOCK_HOOK void prefix##_unlock(void* self) __asm__(mangled GRIDLOCK_LIBCXX_UNLOCK);                     \
  GRIDLOCK_HOOK void prefix##_lock_shared(void* self) __asm__(mangled GRIDLOCK_LIBCXX_LOCK_SHARED);           \
  GRIDLOCK_HOOK bool prefix##_try_lock_shared(void* self) __asm__(mangled GRIDLOCK_LIBCXX_TRY_LOCK_SHARED);   \
  GRIDLOCK_HOOK void prefix##_unlock_shared(void* self) __asm__(mangled GRIDLOCK_LIBCXX_UNLOCK_SHARED);       \
  void prefix##_construct(void* self) { construct_member(self, real.fns); }                                   \
  void prefix##_construct_base(void* self) { construct_member(self, real.fns); }                              \
  void prefix##_lock(void* self) {                                                                            \
    lock_member(self, tag, real.fns, access::exclusive, true, GRIDLOCK_PROGRAM_CALL);                         \
  }                                                                                                           \
  bool prefix##_try_lock(void* self) {                                                                        \
    return lock_member(self, tag, real.fns, access::exclusive, false, GRIDLOCK_PROGRAM_CALL);                 \
  }                                                                                                           \
  void prefix##_unlock(void* self) { unlock_member(self, tag, real.fns, access::exclusive); }                 \
  void prefix##_lock_shared(void* self) {                                                                     \
    lock_member(self, tag, real.fns, access::shared, true, GRIDLOCK_PROGRAM_CALL);                            \
  }                                                                                                           \
  bool prefix##_try_lock_shared(void* self) {                                                                 \
    return lock_member(self, tag, real.fns, access::shared, false, GRIDLOCK_PROGRAM_CALL);                    \
  }                                                                                                           \
  void prefix##_unlock_shared(void* self) { unlock_member(self, tag, real.fns, access::shared); }

GRIDLOCK_LIBCXX_HOOKS(libcxx_shared_mutex, GRIDLOCK_LIBCXX_SHARED_MUTEX_BASE, shared_mutex_base,
                      object_tag::libcxx_shared_mutex)
GRIDLOCK_LIBCXX_HOOKS(libcxx_shared_timed_mutex, GRIDLOCK_LIBCXX_SHARED_TIMED_MUTEX, shared_timed_mutex,
                      object_tag::libcxx_shared_timed_mutex)
