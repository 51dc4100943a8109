// The steps of the hooks of a C++ class's reader-writer lock members (interposer.h: lock_member(),
// unlock_member()), as the pthread_rwlock hooks take them: a blocking lock tries first and announces a
// wait only when that fails; an unlock releases what the held set has.
#include "interposer.h"

namespace gridlock::preload {
namespace {

/// The member of an exclusive/shared pair (lock/lock_shared, ...) for `mode`.
template <class Member>
Member for_mode(Member exclusive, Member shared, access mode) {
  return mode == access::exclusive ? exclusive : shared;
}

}  // namespace

bool lock_member(void* self, object_tag tag, const shared_lock_members& fns, access mode, bool blocking,
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

void unlock_member(void* self, object_tag tag, const shared_lock_members& fns, access mode) {
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

}  // namespace gridlock::preload
