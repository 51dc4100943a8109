// Hooks of libc++'s shared mutexes. libc++ builds std::shared_mutex (its __shared_mutex_base) and
// std::shared_timed_mutex on a std::mutex and two condition variables, not on pthread_rwlock: seen
// through those, a shared lock held is no lock at all (no lock-order edge, no upgrade check) and a
// writer's wait reads as a condition wait. So their members in libc++.so are hooked as reader-writer
// locks (object_tag::libcxx_shared_mutex, _timed_mutex), through lock_member() and unlock_member()
// (member_locks.cpp): the real member runs inside the hook, where its own mutex and condition-variable
// calls pass straight through. A constructor is an init: memory a shared mutex used before starts afresh. Not seen:
// shared_timed_mutex's timed tries, inline code in the program that takes the inner mutex itself; so
// an unlock of a lock the runtime did not see taken passes through unchecked.
#include "interposer.h"

#define GRIDLOCK_HOOK extern "C" __attribute__((visibility("default")))

namespace gridlock::preload {
namespace {

void construct_member(void* self, const shared_lock_members& fns) {
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
