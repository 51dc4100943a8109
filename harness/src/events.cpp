// The event API's implementation: keeps each thread's held set and each lock's holders, runs the misuse
// checks, and drives the lock-order and wait-for detectors. The uncontended path (before_lock,
// after_lock, before_unlock with nothing new) touches only the calling thread's record and the lock's
// own atomics: no allocation, no global lock, no stack capture.
#include <cstdio>
#include <cstring>

#include "gridlock/events.h"
#include "lock_order_detector.h"
#include "misuse.h"
#include "runtime_core.h"
#include "steering.h"
#include "sync_points.h"
#include "wait_for_detector.h"

namespace gridlock {
namespace {

std::atomic<std::uint32_t> g_next_lock_id{1};

/// The return address into the program of the call being served: the interposer's hook's, else the
/// event's own (`own`: its __builtin_return_address(0); the primitives that call it are inline).
std::uintptr_t program_caller(const void* own) noexcept {
  return detail::call_site != 0 ? detail::call_site : reinterpret_cast<std::uintptr_t>(own);
}

// Inlined: both are on the uncontended path.
[[gnu::always_inline]] inline void add_held(thread_record& self, lock_record& lock, access mode, std::uintptr_t caller) {
  const std::uint32_t n = self.held_count.load(std::memory_order_relaxed);
  if (n == thread_record::max_held) {
    ++self.untracked;  // beyond the bound: still correct, just not in the graph
    return;
  }
  held_lock& h = self.held[n];
  h.lock.store(&lock, std::memory_order_relaxed);
  h.mode.store(mode, std::memory_order_relaxed);
  h.depth = 1;
  // The held side of the edges taken from here.
  h.acquired_at = self.site_stack(lock.id, caller);
  note_first_use(lock, h.acquired_at);
  self.held_count.store(n + 1, std::memory_order_release);
  if (mode == access::exclusive) self.gate_signature ^= lock.hash;
}

[[gnu::always_inline]] inline void remove_held(thread_record& self, held_lock* h) {
  lock_record* lock = h->lock.load(std::memory_order_relaxed);
  if (h->mode.load(std::memory_order_relaxed) == access::exclusive) self.gate_signature ^= lock->hash;
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
  last->lock.store(nullptr, std::memory_order_relaxed);
}

/// `self` holds `lock` now (in `mode`, from the call returning to `caller`): the held set, the owner,
/// and steering's look at it.
[[gnu::always_inline]] inline void take(thread_record& self, lock_record& lock, access mode, std::uintptr_t caller) {
  add_held(self, lock, mode, caller);
  if (mode == access::exclusive) lock.owner.store(&self, std::memory_order_release);
  if (steering::on.load(std::memory_order_relaxed)) [[unlikely]] steering::after_acquire(caller);
}

/// events::acquired() with locks already held: a re-entry only deepens its entry (returns false);
/// else the lock-order graph hears of the new nesting. Out of line: the common case holds nothing.
[[gnu::noinline]] bool first_hold(thread_record& self, lock_record& lock, access mode, std::uintptr_t caller) {
  if (held_lock* h = self.find_held(&lock)) {
    ++h->depth;  // a recursive lock's re-entry, or a read lock taken again for reading
    return false;
  }
  lock_order::before_acquire(self, lock, mode, caller);
  return true;
}

/// events::before_unlock() of a lock not in the held set (in that mode): a lock held beyond the held
/// set's bound, released; else a misuse. Out of line: the cold path.
[[gnu::noinline]] bool release_unheld(thread_record& self, lock_record& lock, access mode) noexcept {
  if (self.untracked > 0 && lock.owner.load(std::memory_order_relaxed) == &self) {
    --self.untracked;  // held beyond max_held: it was never in the held set
    lock.owner.store(nullptr, std::memory_order_release);
    return true;
  }
  misuse::unlock_not_owner(self, lock, mode);
  return false;
}

}  // namespace

constinit thread_local int detail::internal_depth [[gnu::tls_model("initial-exec")]] = 0;
constinit thread_local std::uintptr_t detail::call_site [[gnu::tls_model("initial-exec")]] = 0;

namespace events {

lock_record* lock_created(const void* address, lock_kind kind, const char* type_name, const char* name,
                          bool in_use) noexcept {
  auto* l = new lock_record;
  l->id = g_next_lock_id.fetch_add(1, std::memory_order_relaxed);
  l->hash = mix64(l->id);
  l->kind = kind;
  l->type_name = type_name != nullptr ? type_name : "lock";
  if (name != nullptr) std::snprintf(l->name, sizeof l->name, "%s", name);
  l->address = address;
  // Past the thread's capture budget (a program making many locks), the first use's stack stands in.
  if (!in_use && threads::self()->take_capture()) l->created_at.store(capture_stack(1), std::memory_order_relaxed);
  return l;
}

void lock_destroyed(lock_record* lock) noexcept {
  if (lock == nullptr) return;
  thread_record& self = *threads::self();
  if (threads::held_by_any(lock)) misuse::destroy_locked(self, *lock);
  lock_order::forget(*lock);
  while (held_lock* h = self.find_held(lock)) remove_held(self, h);
  // A record another thread still holds stays allocated: that thread will still unlock it.
  if (!threads::held_by_any(lock)) delete lock;
}

void before_lock(lock_record* lock, access mode, attempt how) {
  thread_record& self = *threads::self();
  if (held_lock* h = self.find_held(lock)) {
    const bool holds_exclusive = h->mode.load(std::memory_order_relaxed) == access::exclusive;
    if (lock->kind == lock_kind::recursive && holds_exclusive && mode == access::exclusive) return;
    if (how == attempt::blocking) {
      if (!holds_exclusive && mode == access::exclusive)
        misuse::lock_upgrade(self, *lock);
      else
        misuse::recursive_lock(self, *lock, mode);
    }
    return;
  }
  if (how == attempt::blocking && self.held_count.load(std::memory_order_relaxed) != 0)
    lock_order::before_acquire(self, *lock, mode, program_caller(__builtin_return_address(0)));
}

void after_lock(lock_record* lock, access mode, attempt how, bool acquired) noexcept {
  if (!acquired) return;
  thread_record& self = *threads::self();
  if (lock->kind == lock_kind::recursive) {
    if (held_lock* h = self.find_held(lock)) {
      ++h->depth;
      return;
    }
  }
  take(self, *lock, mode, program_caller(__builtin_return_address(0)));
}

void acquired(lock_record* lock, access mode) {
  thread_record& self = *threads::self();
  const std::uintptr_t caller = program_caller(__builtin_return_address(0));
  if (self.held_count.load(std::memory_order_relaxed) != 0 && !first_hold(self, *lock, mode, caller)) return;
  take(self, *lock, mode, caller);
}

bool before_unlock(lock_record* lock, access mode) noexcept {
  thread_record& self = *threads::self();
  held_lock* h = self.find_held(lock);
  if (h == nullptr || h->mode.load(std::memory_order_relaxed) != mode) [[unlikely]]
    return release_unheld(self, *lock, mode);
  if (--h->depth > 0) return true;
  remove_held(self, h);
  if (mode == access::exclusive) lock->owner.store(nullptr, std::memory_order_release);
  return true;
}

void before_block(const wait_target& target) {
  wait_for::announce(*threads::self(), target, program_caller(__builtin_return_address(0)));
  check_block();
  if (detail::sync_points_on.load(std::memory_order_relaxed)) sync_points::blocking_for_real();
}

void announce_block(const wait_target& target) noexcept {
  wait_for::announce(*threads::self(), target, program_caller(__builtin_return_address(0)));
}

void check_block() {
  thread_record& self = *threads::self();
  try {
    wait_for::check(self);
  } catch (...) {
    wait_for::after_wake(self);  // the wait will not happen
    throw;
  }
}

void after_wake() noexcept { wait_for::after_wake(*threads::self()); }

void notified(lock_record* object) noexcept { wait_for::notified(object); }

bool block_pending() noexcept { return threads::self()->blocked(); }

thread_record* thread_started(const char* name) noexcept { return register_thread(name); }

void thread_exiting() noexcept {
  thread_record* self = threads::self();
  if (!self->alive.load(std::memory_order_relaxed)) return;
  if (!self->is_main && (self->held_count.load(std::memory_order_relaxed) > 0 || self->untracked > 0))
    misuse::held_at_exit(*self);
  unregister_thread(self);
  try {
    wait_for::after_thread_exit();
  } catch (...) {
    // A thread that is ending cannot take an exception; the finding is already reported.
  }
}

thread_record* current_thread() noexcept { return threads::self(); }

thread_record* find_thread(unsigned long pthread_handle) noexcept {
  // The caller is about to wait for that thread: register the caller first. Registering it later (a
  // main thread whose first event is this join) could take the record of the very thread it joins,
  // dead by then, and the wait would read as a join of itself: a false deadlock.
  (void)threads::self();
  return threads::find(pthread_handle);
}

bool holds(const lock_record* lock, access mode) noexcept {
  held_lock* h = threads::self()->find_held(lock);
  return h != nullptr && (mode == access::shared || h->mode.load(std::memory_order_relaxed) == access::exclusive);
}

void report_misuse(finding_kind kind, lock_record* object, const char* message) {
  misuse::on_object(*threads::self(), kind, object, message);
}

}  // namespace events
}  // namespace gridlock
