// The registry of threads: a lock-free list for readers, appended to (or recycled) under a spin lock at
// registration, which happens once per thread and never on a lock/unlock path.
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <cstring>

#include "internal_lock.h"
#include "lock_record.h"
#include "runtime_core.h"
#include "thread_record.h"

namespace gridlock {
namespace {

std::atomic<thread_record*> g_first{nullptr};
std::atomic<std::uint32_t> g_next_id{1};
std::atomic<std::uint32_t> g_live{0};
internal_lock g_registry_lock;


// Armed on registration: its destructor is the thread-exit hook for threads we did not start.
struct exit_hook {
  bool armed = false;
  ~exit_hook() {
    if (armed && threads::current != nullptr) events::thread_exiting();
  }
};
thread_local exit_hook t_exit_hook;

thread_record* take_record() {
  for (thread_record* r = g_first.load(std::memory_order_acquire); r != nullptr; r = r->next) {
    if (!r->alive.load(std::memory_order_relaxed) && r->held_count.load(std::memory_order_relaxed) == 0 &&
        r->untracked == 0)
      return r;
  }
  auto* r = new thread_record;
  r->next = g_first.load(std::memory_order_relaxed);
  g_first.store(r, std::memory_order_release);
  return r;
}

}  // namespace

thread_record* register_thread(const char* name) noexcept {
  internal_scope scope;
  g_registry_lock.lock();
  thread_record* r = take_record();
  r->id = g_next_id.fetch_add(1, std::memory_order_relaxed);
  r->tid = static_cast<std::int32_t>(syscall(SYS_gettid));
  r->handle = pthread_self();
  r->is_main = r->tid == getpid();
  r->untracked = 0;
  r->gate_signature = 0;
  std::fill(std::begin(r->acquire_sites), std::end(r->acquire_sites), thread_record::acquire_site{});
  std::fill(std::begin(r->call_sites), std::end(r->call_sites), thread_record::acquire_site{});
  r->site_misses = 0;
  r->site_captures = 0;
  r->wait_epoch.store(0, std::memory_order_relaxed);
  if (name != nullptr && *name != '\0') {
    std::snprintf(r->name, sizeof r->name, "%s", name);
  } else if (r->is_main) {
    std::snprintf(r->name, sizeof r->name, "main");
  } else if (pthread_getname_np(pthread_self(), r->name, sizeof r->name) != 0 ||
             std::strncmp(r->name, program_short_name(), 15) == 0) {  // the kernel keeps 15 chars
    r->name[0] = '\0';  // an inherited process name says nothing about the thread
  }
  r->alive.store(true, std::memory_order_release);
  g_live.fetch_add(1, std::memory_order_relaxed);
  g_registry_lock.unlock();
  threads::current = r;
  t_exit_hook.armed = true;
  return r;
}

namespace {

using acquire_site = thread_record::acquire_site;
constexpr unsigned ways = thread_record::acquire_site_ways;

/// The entry for (lock_id, caller) in `set`, or null.
acquire_site* find_way(acquire_site* set, std::uint32_t lock_id, std::uintptr_t caller) noexcept {
  for (unsigned way = 0; way < ways; ++way)
    if (set[way].lock_id == lock_id && set[way].caller == caller) return &set[way];
  return nullptr;
}

/// Puts `entry` first in `set`; the last entry falls out.
acquire_site& push_front(acquire_site* set, const acquire_site& entry) noexcept {
  std::copy_backward(set, set + ways - 1, set + ways);
  set[0] = entry;
  return set[0];
}

}  // namespace

stack_id thread_record::site_stack_miss(acquire_site* set, lock_record& lock, std::uintptr_t caller) noexcept {
  if (acquire_site* found = find_way(set, lock.id, caller)) {
    std::swap(*found, set[0]);  // to the front, where the inline check looks: the pair is in use
    return set[0].stack;
  }
  ++site_misses;
  acquire_site* lines = &call_sites[fibonacci_index(caller, call_set_bits) * ways];
  acquire_site* line = find_way(lines, 0, caller);
  if (line == nullptr) line = &push_front(lines, {0, caller, 0});
  // A new call always captures (programs have few lines that lock); a known one only within budget.
  if (line->stack == 0 || take_capture()) line->stack = capture_stack();
  push_front(set, {lock.id, caller, line->stack});
  note_first_use(lock, line->stack);  // a lock's first use is always a new pair: ids are never reused
  return line->stack;
}

void unregister_thread(thread_record* r) noexcept {
  if (r == nullptr || !r->alive.load(std::memory_order_relaxed)) return;
  r->alive.store(false, std::memory_order_release);
  g_live.fetch_sub(1, std::memory_order_relaxed);
  // threads::current keeps pointing here: events from later thread-exit destructors stay on this record
  // instead of registering the dying thread anew.
}

constinit thread_local thread_record* threads::current [[gnu::tls_model("initial-exec")]] = nullptr;

namespace threads {

thread_record* first() noexcept { return g_first.load(std::memory_order_acquire); }

thread_record* find(unsigned long handle) noexcept {
  for (thread_record* r = first(); r != nullptr; r = r->next)
    if (r->alive.load(std::memory_order_acquire) && r->handle == handle) return r;
  return nullptr;
}

std::uint32_t live_count() noexcept { return g_live.load(std::memory_order_relaxed); }

bool held_by_any(const lock_record* lock) noexcept {
  if (lock->owner.load(std::memory_order_acquire) != nullptr) return true;
  for (thread_record* t = first(); t != nullptr; t = t->next)
    for (std::uint32_t i = t->held_count.load(std::memory_order_acquire); i-- > 0;)  // top-down: see held_set::remove
      if (t->held[i].lock.load(std::memory_order_acquire) == lock) return true;
  return false;
}

}  // namespace threads
}  // namespace gridlock
