// A thread's held set on the uncontended path: taking a lock that nothing else needs, and releasing
// one. Inline, for the event API (events.cpp) and the interposer's hooks alike: these are the most
// frequent calls the runtime serves, and they touch only the thread's own record and the lock's owner.
#pragma once

#include <cstdint>

#include "lock_record.h"
#include "steering.h"
#include "thread_record.h"

namespace gridlock::held_set {

/// `n`: self's held count, as the caller has read it (0, a constant, on the hooks' first lock: no bound
/// to check, no index to compute).
[[gnu::always_inline]] inline void add(thread_record& self, lock_record& lock, access mode, std::uintptr_t caller,
                                       std::uint32_t n) {
  if (n == thread_record::max_held) {
    ++self.untracked;  // beyond the bound: still correct, just not in the graph
    return;
  }
  held_lock& h = self.held[n];
  h.lock.store(&lock, std::memory_order_relaxed);
  h.mode.store(mode, std::memory_order_relaxed);
  h.depth = 1;
  // The held side of the edges taken from here.
  h.acquired_at = self.acquisition_stack(lock, mode, caller);
  self.held_count.store(n + 1, std::memory_order_release);
  if (mode == access::exclusive) self.gate_signature ^= lock.hash;
}

/// Takes `h` out of the held set, the others keeping their order; the signature is the caller's.
[[gnu::always_inline]] inline void erase(thread_record& self, held_lock* h) {
  const std::uint32_t n = self.held_count.load(std::memory_order_relaxed);
  held_lock* last = &self.held[n - 1];
  // Locks are usually released in reverse order, so this is mostly a no-op; otherwise keep the order.
  // Release stores, bottom-up: a scan by another thread (acquire loads, top-down: threads::held_by_any,
  // an eviction) that sees an entry already moved sees the moves below it too, so no entry that stays
  // held is ever missed.
  for (held_lock* p = h; p != last; ++p) {
    p->lock.store(p[1].lock.load(std::memory_order_relaxed), std::memory_order_release);
    p->mode.store(p[1].mode.load(std::memory_order_relaxed), std::memory_order_relaxed);
    p->depth = p[1].depth;
    p->acquired_at = p[1].acquired_at;
  }
  self.held_count.store(n - 1, std::memory_order_release);
  // Release, so that not even the compiler puts it before the count: an entry below the count is never
  // null, not even to a signal handler's unlock on this thread in between (held_entry reads none).
  last->lock.store(nullptr, std::memory_order_release);
}

[[gnu::always_inline]] inline void remove(thread_record& self, held_lock* h) {
  lock_record* lock = h->lock.load(std::memory_order_relaxed);
  if (h->mode.load(std::memory_order_relaxed) == access::exclusive) self.gate_signature ^= lock->hash;
  erase(self, h);
}

/// `self` holds `lock` now (in `mode`, from the call returning to `caller`; `n` as in add()): the held
/// set, the owner, and steering's look at it.
[[gnu::always_inline]] inline void take(thread_record& self, lock_record& lock, access mode, std::uintptr_t caller,
                                        std::uint32_t n) {
  add(self, lock, mode, caller, n);
  if (mode == access::exclusive) lock.owner.store(&self, std::memory_order_release);
  if (steering::on.load(std::memory_order_relaxed)) [[unlikely]] steering::after_acquire(caller);
}

/// acquired() with locks already held: a re-entry only deepens its entry (returns false); else the
/// lock-order graph hears of the new nesting (which may report a cycle, so may throw). Out of line
/// (events.cpp): the common case holds nothing.
bool first_hold(thread_record& self, lock_record& lock, access mode, std::uintptr_t caller);

/// A non-blocking attempt from the program call at `caller` has taken `lock`: events::acquired. `n` as
/// in add().
[[gnu::always_inline]] inline void acquired(thread_record& self, lock_record& lock, access mode, std::uintptr_t caller,
                                            std::uint32_t n) {
  if (n != 0 && !first_hold(self, lock, mode, caller)) return;
  take(self, lock, mode, caller, n);
}

/// Releases the entry `h` of self's held set, in the mode it was taken: events::before_unlock for a
/// lock the thread holds.
[[gnu::always_inline]] inline void release(thread_record& self, held_lock* h) {
  if (--h->depth > 0) return;
  lock_record* lock = h->lock.load(std::memory_order_relaxed);
  const bool exclusive = h->mode.load(std::memory_order_relaxed) == access::exclusive;
  if (exclusive) self.gate_signature ^= lock->hash;
  erase(self, h);
  if (exclusive) lock->owner.store(nullptr, std::memory_order_release);
}

}  // namespace gridlock::held_set
