// The event API's implementation: keeps each thread's held set and each lock's holders, runs the misuse
// checks, and drives the lock-order and wait-for detectors. The uncontended path (before_lock,
// after_lock, before_unlock with nothing new) touches only the calling thread's record and the lock's
// own atomics: no allocation, no global lock, no stack capture.
#include <cstdio>
#include <cstring>

#include "gridlock/events.h"
#include "call_site.h"
#include "held_set.h"
#include "lock_order_detector.h"
#include "misuse.h"
#include "runtime_core.h"
#include "signal_handler_locks.h"
#include "sync_points.h"
#include "wait_for_detector.h"

namespace gridlock {
namespace {

std::atomic<std::uint32_t> g_next_lock_id{1};

/// wait_for::announce for the program's call at (`return_address`, `frame`) of the event.
void announce(const wait_target& target, const void* return_address, const void* frame) noexcept {
  const auto call = call_site_scope::unless_marked(return_address, frame);
  wait_for::announce(*threads::self(), target, detail::call_site);
}

/// events::before_unlock() of a lock not in the held set (in that mode): a lock held beyond the held
/// set's bound, released; else a misuse. Out of line: the cold path.
[[gnu::noinline]] bool release_unheld(thread_record& self, lock_record& lock, access mode) noexcept {
  if (self.untracked > 0 && lock.owner.load(std::memory_order_relaxed) == &self) {
    --self.untracked;  // held beyond max_held: it was never in the held set
    lock.owner.store(nullptr, std::memory_order_release);
    return true;
  }
  // A read side keeps no owner: one this thread took beyond the bound cannot be told from a misuse,
  // and refusing a correct unlock would leave the lock read-locked for ever.
  if (self.untracked > 0 && mode == access::shared) {
    --self.untracked;
    return true;
  }
  misuse::unlock_not_owner(self, lock, mode);
  return false;
}

}  // namespace

bool held_set::first_hold(thread_record& self, lock_record& lock, access mode, std::uintptr_t caller) {
  if (held_lock* h = self.find_held(&lock)) {
    ++h->depth;  // a recursive lock's re-entry, or a read lock taken again for reading
    return false;
  }
  // The first lock of the lock this thread made last, when no thread has used it yet (it has no first
  // use): nothing else can hold it, so the locks held now cannot wait through it, and make no edges
  // into it. A lazily made mutex is created and locked under the lock that guards its creation (GDAL's
  // CPLCreateOrAcquireMutex); its later locks make edges.
  if (lock.address == self.initialized && lock.created_at.load(std::memory_order_relaxed) == 0) {
    self.initialized = nullptr;
    return true;
  }
  lock_order::before_acquire(self, lock, mode, caller);
  return true;
}

constinit thread_local int detail::internal_depth [[gnu::tls_model("initial-exec")]] = 0;
constinit thread_local std::uintptr_t detail::call_site [[gnu::tls_model("initial-exec")]] = 0;
constinit thread_local std::uintptr_t detail::call_frame [[gnu::tls_model("initial-exec")]] = 0;

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
  while (held_lock* h = self.find_held(lock)) held_set::remove(self, h);
  // A record another thread still holds stays allocated: that thread will still unlock it.
  if (threads::held_by_any(lock)) return;
  signal_handler_locks::forget(*lock);
  delete lock;
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
  if (how == attempt::blocking && self.held_count.load(std::memory_order_relaxed) != 0) {
    const auto call = call_site_scope::unless_marked(__builtin_return_address(0), __builtin_frame_address(0));
    lock_order::before_acquire(self, *lock, mode, detail::call_site);
  }
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
  const auto call = call_site_scope::unless_marked(__builtin_return_address(0), __builtin_frame_address(0));
  self.non_blocking_take = how != attempt::blocking;
  held_set::take(self, *lock, mode, detail::call_site, self.held_count.load(std::memory_order_relaxed));
  self.non_blocking_take = false;
}

void acquired(lock_record* lock, access mode) {
  const auto call = call_site_scope::unless_marked(__builtin_return_address(0), __builtin_frame_address(0));
  thread_record& self = *threads::self();
  held_set::acquired(self, *lock, mode, detail::call_site, self.held_count.load(std::memory_order_relaxed));
}

bool before_unlock(lock_record* lock, access mode) noexcept {
  thread_record& self = *threads::self();
  held_lock* h = self.find_held(lock);
  if (h == nullptr || h->mode.load(std::memory_order_relaxed) != mode) [[unlikely]]
    return release_unheld(self, *lock, mode);
  held_set::release(self, h);
  return true;
}

bool before_block(const wait_target& target) {
  announce(target, __builtin_return_address(0), __builtin_frame_address(0));
  const bool unsure = check_block();
  if (detail::sync_points_on.load(std::memory_order_relaxed)) sync_points::blocking_for_real();
  return unsure;
}

void announce_block(const wait_target& target) noexcept {
  announce(target, __builtin_return_address(0), __builtin_frame_address(0));
}

bool check_block(bool again) {
  thread_record& self = *threads::self();
  try {
    return wait_for::check(self, again);
  } catch (...) {
    wait_for::after_wake(self);  // the wait will not happen
    throw;
  }
}

void wait_goes_on() noexcept { wait_for::refresh_stack(*threads::self()); }

void after_wake() noexcept { wait_for::after_wake(*threads::self()); }

void notified(lock_record* object) noexcept { wait_for::notified(object); }

bool block_pending() noexcept { return threads::self()->blocked(); }

std::uint32_t thread_starting() noexcept {
  // The stack starts in the runtime (here, the hook or gridlock::thread's constructor): reports drop
  // those frames, so that it starts at the program's call.
  return threads::self()->take_capture() ? capture_stack(1) : 0;
}

thread_record* thread_started(const char* name, std::uint32_t started_at) noexcept {
  return register_thread(name, started_at);
}

void thread_exiting() noexcept {
  thread_record* self = threads::self();
  if (!self->alive.load(std::memory_order_relaxed)) return;
  if (!self->is_main && (self->held_count.load(std::memory_order_relaxed) > 0 || self->untracked > 0))
    misuse::held_at_exit(*self);
  keep_os_name(*self);
  const std::uint64_t ended = unregister_thread(self);
  try {
    wait_for::after_thread_exit(ended);
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

void condition_wait_begins(lock_record* cond, lock_record* mutex) {
  if (cond == nullptr || mutex == nullptr) return;
  // One load when the mutex is the last wait's, as in a correct program. Otherwise it is a misuse only
  // if a thread still waits (a condition variable may change mutex between uses).
  const std::uint32_t last = cond->cond_mutex.load(std::memory_order_relaxed);
  if (last == mutex->id) return;
  cond->cond_mutex.store(mutex->id, std::memory_order_relaxed);
  if (last == 0) return;
  thread_record& self = *threads::self();
  std::vector<thread_record*> others;
  for (thread_record* t = threads::first(); t != nullptr; t = t->next)
    if (t != &self && t->alive.load(std::memory_order_acquire) && t->blocked() &&
        t->wait_what.load(std::memory_order_relaxed) == wait_kind::condition &&
        t->wait_lock.load(std::memory_order_relaxed) == cond)
      others.push_back(t);
  if (!others.empty()) misuse::cv_different_mutex(self, *cond, *mutex, others);
}

void report_misuse(finding_kind kind, lock_record* object, const char* message) {
  misuse::on_object(*threads::self(), kind, object, message);
}

}  // namespace events
}  // namespace gridlock
