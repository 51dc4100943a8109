// The registry of threads: a lock-free list for readers, appended to (or recycled) under a spin lock at
// registration, which happens once per thread and never on a lock/unlock path.
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iterator>
#include <cstring>
#include <utility>

#include "frame_chain.h"
#include "internal_lock.h"
#include "lock_record.h"
#include "os_thread.h"
#include "runtime_core.h"
#include "signal_handler_locks.h"
#include "thread_record.h"

extern "C" {
int __cxa_thread_atexit_impl(void (*destructor)(void*), void* object, void* dso_symbol);
extern void* __dso_handle;
}

namespace gridlock {
namespace {

std::atomic<thread_record*> g_first{nullptr};
std::atomic<std::uint32_t> g_next_id{1};
std::atomic<std::uint32_t> g_live{0};

// The latest thread ends (OS id, number) in a ring, for the wait-for detector: records are reused, so
// they cannot tell which ended threads the OS may still list.
std::atomic<std::uint64_t> g_ends{0};
struct end_slot {
  std::atomic<std::int32_t> tid{0};
  std::atomic<std::uint64_t> seq{0};
};
end_slot g_ended[threads::ended_kept];
internal_lock g_registry_lock;


// Armed on registration (check_thread_exit): its destructor is the thread-exit hook for threads we did
// not start.
struct exit_hook {
  bool armed = false;
  ~exit_hook() {
    if (armed && threads::current != nullptr) events::thread_exiting();
  }
};
thread_local exit_hook t_exit_hook;

/// The calling thread's stack, [low, high), or (0, 0) if unknown.
std::pair<std::uintptr_t, std::uintptr_t> own_stack() noexcept {
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return {0, 0};
  void* low = nullptr;
  std::size_t size = 0;
  const bool ok = pthread_attr_getstack(&attr, &low, &size) == 0;
  pthread_attr_destroy(&attr);
  if (!ok) return {0, 0};
  return {reinterpret_cast<std::uintptr_t>(low), reinterpret_cast<std::uintptr_t>(low) + size};
}

/// The kernel's name for the calling thread, or "" when it is just the one inherited from the program.
void own_os_name(char (&out)[sizeof thread_record::name]) noexcept {
  if (pthread_getname_np(pthread_self(), out, sizeof out) != 0 || inherited_name(out)) out[0] = '\0';
}

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

thread_record* register_thread(const char* name, stack_id started_at) noexcept {
  internal_scope scope;
  const auto [stack_low, stack_high] = own_stack();  // before the lock: it may read /proc
  g_registry_lock.lock();
  thread_record* r = take_record();
  r->id = g_next_id.fetch_add(1, std::memory_order_relaxed);
  r->tid = static_cast<std::int32_t>(syscall(SYS_gettid));
  r->handle = pthread_self();
  r->is_main = r->tid == getpid();
  r->started_at = started_at;
  r->left_by_fork = false;
  r->untracked = 0;
  r->initialized = nullptr;
  r->gate_signature = 0;
  r->handler_signals = 0;
  r->handler_process = 0;
  r->handler_salt = 0;
  r->non_blocking_take = false;
  // A context this record's last thread knew may be one only that thread had taken (lock_order::thread_key).
  std::fill(std::begin(r->edge_cache), std::end(r->edge_cache), 0);
  std::fill(std::begin(r->acquire_sites), std::end(r->acquire_sites), thread_record::acquire_site{});
  std::fill(std::begin(r->call_sites), std::end(r->call_sites), thread_record::acquire_site{});
  std::fill(std::begin(r->known_calls), std::end(r->known_calls), thread_record::known_call{});
  r->site_misses = 0;
  r->site_captures = 0;
  r->stack_low = stack_low;
  r->stack_high = stack_high;
  r->wait_epoch.store(0, std::memory_order_relaxed);
  if (name != nullptr && *name != '\0') {
    std::snprintf(r->name, sizeof r->name, "%s", name);
  } else if (r->is_main) {
    std::snprintf(r->name, sizeof r->name, "main");
  } else {
    own_os_name(r->name);
  }
  r->alive.store(true, std::memory_order_release);
  g_live.fetch_add(1, std::memory_order_relaxed);
  g_registry_lock.unlock();
  threads::current = r;
  t_exit_hook.armed = !r->is_main;  // check_thread_exit() says why
  return r;
}

namespace {

using acquire_site = thread_record::acquire_site;
constexpr unsigned ways = thread_record::acquire_site_ways;

/// The return addresses of the frame-pointer chain at the call being served (call_site_scope), at most
/// `max`; returns how many.
int chain_at_call(const thread_record& self, std::uintptr_t* out, int max) noexcept {
  if (detail::call_site == 0) return 0;  // no call is marked: call_frame is stale
  // `out` is in the runtime's frames, below every frame of the program's. Everything from there to the
  // top of the thread's stack is mapped; elsewhere (an alternate signal stack, a fiber's) the range up
  // to the thread's stack could hold unmapped pages.
  const auto here = reinterpret_cast<std::uintptr_t>(out);
  if (here < self.stack_low || here >= self.stack_high) return 0;
  return frame_chain(*reinterpret_cast<const std::uintptr_t*>(detail::call_frame), here, self.stack_high, out,
                     max);
}

/// An entry for the call at `caller` on the path `path` at `depth`, or through `slot` (see
/// acquire_site::caller, thread_record::known_call).
acquire_site site_entry(std::uintptr_t caller, std::uint32_t lock_id, stack_id stack, std::uint32_t path,
                        std::uint8_t depth, std::uint16_t slot) noexcept {
  return {depth > 0 ? caller | thread_record::path_bit : caller, lock_id, stack, path, depth, slot,
          thread_record::word_above_call(slot)};
}

/// The entry for (lock_id, caller) in `set` whose path is the current call's, or null.
/// Inline: every acquisition of a thread that cycles through more locks than level 1 holds asks twice.
[[gnu::always_inline]] inline acquire_site* find_way(const thread_record& self, acquire_site* set,
                                                     std::uint32_t lock_id, std::uintptr_t caller) noexcept {
  for (unsigned way = 0; way < ways; ++way) {
    acquire_site& e = set[way];
    if (e.lock_id != lock_id) continue;
    // A call whose frame-pointer paths are not told apart, or one on this path; then the word above
    // it, which the entry's slot reads within this call's frames.
    if (e.caller != caller && (e.caller != (caller | thread_record::path_bit) || e.path != self.call_path(e.depth)))
      continue;
    if (thread_record::word_above_call(e.slot) == e.above) return &e;
  }
  return nullptr;
}

/// How many return addresses of the frame-pointer chain at the current call agree with `stack`, captured
/// at that call, just past the call's own frame: the depth at which call_path tells the call's paths
/// apart, 0 where the code keeps no frame pointers (the chain is then garbage and agrees with nothing).
std::uint8_t chain_depth(const thread_record& self, stack_id stack, std::uintptr_t caller) {
  const raw_stack frames = stack_of(stack);
  const auto at = std::find(frames.begin(), frames.end(), caller);
  if (at == frames.end()) return 0;
  std::uintptr_t chain[thread_record::max_path_depth];
  const int n = chain_at_call(self, chain, thread_record::max_path_depth);
  std::uint8_t depth = 0;
  while (depth < n && at + 1 + depth != frames.end() && at[1 + depth] == chain[depth]) ++depth;
  return depth;
}

/// Where above the call's own return address (in words, at most max_slot) the stack holds the next
/// return address of `stack`, captured at that call: the return address into the line that called the
/// caller's function. 0 where it is not found (the caller's frame is large: not a wrapper's) or the
/// call is not on the thread's own stack.
std::uint16_t slot_above(const thread_record& self, stack_id stack, std::uintptr_t caller) {
  const raw_stack frames = stack_of(stack);
  const auto at = std::find(frames.begin(), frames.end(), caller);
  if (at == frames.end() || at + 1 == frames.end()) return 0;
  const auto* call = reinterpret_cast<const std::uintptr_t*>(detail::call_frame) + 1;
  const auto here = reinterpret_cast<std::uintptr_t>(call);
  if (here < self.stack_low || here >= self.stack_high || *call != caller) return 0;
  const std::uintptr_t room = (self.stack_high - here) / sizeof(std::uintptr_t);
  for (std::uintptr_t i = 1; i <= thread_record::max_slot && i < room; ++i)
    if (call[i] == at[1]) return static_cast<std::uint16_t>(i);
  return 0;
}

/// The level-2 set of the call keyed `key` (site_stack's) reached on `path` (call_path) through `slot`.
acquire_site* line_set(thread_record& self, std::uintptr_t key, std::uint32_t path, std::uint16_t slot) noexcept {
  const std::uintptr_t line = key ^ path ^ mix64(thread_record::word_above_call(slot));
  return &self.call_sites[fibonacci_index(line, thread_record::call_set_bits) * ways];
}

/// Puts `entry` first in `set`; the last entry falls out.
acquire_site& push_front(acquire_site* set, const acquire_site& entry) noexcept {
  std::copy_backward(set, set + ways - 1, set + ways);
  set[0] = entry;
  return set[0];
}

}  // namespace

std::uint32_t thread_record::call_path(unsigned depth) const noexcept {
  std::uintptr_t chain[max_path_depth];
  const int n = chain_at_call(*this, chain, static_cast<int>(depth));
  std::uint64_t h = static_cast<std::uint64_t>(n);
  for (int i = 0; i < n; ++i) h = mix64(h ^ chain[i]);
  return static_cast<std::uint32_t>(h);
}

stack_id thread_record::site_stack_miss(acquire_site* set, lock_record& lock, std::uintptr_t caller,
                                        std::uintptr_t key, const access* acquired) noexcept {
  if (unwinder_call(caller)) return 0;  // its lock is held, and unwinding would take it again
  if (acquire_site* found = find_way(*this, set, lock.id, key)) {
    std::swap(*found, set[0]);  // to the front, where the inline check looks: the pair is in use
    return set[0].stack;
  }
  ++site_misses;
  known_call& known = known_calls[fibonacci_index(caller, known_call_bits)];
  acquire_site* line = nullptr;
  if (known.caller == caller)
    line = find_way(*this, line_set(*this, key, call_path(known.depth), known.slot), 0, key);
  if (line == nullptr) {
    // A new call, or a known one reached another way: another line of the program (each line that
    // locks through an out-of-line wrapper), which another way's stack would misname. Programs have
    // few, so this always captures; a new call's capture also shows how far up its frame pointers can
    // be trusted, or else where the return address above it lies.
    const stack_id stack = capture_stack();
    if (known.caller != caller) {
      const std::uint8_t depth = chain_depth(*this, stack, caller);
      known = {caller, depth, depth > 0 ? std::uint16_t{0} : slot_above(*this, stack, caller)};
    }
    const std::uint32_t path = call_path(known.depth);
    line = &push_front(line_set(*this, key, path, known.slot),
                       site_entry(key, 0, stack, path, known.depth, known.slot));
  } else if (take_capture()) {
    line->stack = capture_stack();  // a new pair on a known line: its own stack, within budget
  }
  push_front(set, site_entry(key, lock.id, line->stack, line->path, line->depth, line->slot));
  note_first_use(lock, line->stack);  // a lock's first use is always a new pair: ids are never reused
  if (acquired != nullptr) signal_handler_locks::first_acquisition(*this, lock, *acquired, line->stack);
  return line->stack;
}

void check_thread_exit(bool on) noexcept { t_exit_hook.armed = on; }

bool at_thread_exit(void (*fn)(void*), void* arg) noexcept {
  return __cxa_thread_atexit_impl(fn, arg, &__dso_handle) == 0;
}

void keep_os_name(thread_record& self) noexcept {
  if (self.name[0] != '\0') return;
  char name[sizeof self.name];
  own_os_name(name);
  std::memcpy(self.name, name, sizeof name);
}

std::uint64_t unregister_thread(thread_record* r) noexcept {
  if (r == nullptr || !r->alive.load(std::memory_order_relaxed)) return 0;
  const std::uint64_t seq = g_ends.fetch_add(1, std::memory_order_relaxed) + 1;
  end_slot& slot = g_ended[seq % threads::ended_kept];
  slot.tid.store(r->tid, std::memory_order_relaxed);
  slot.seq.store(seq, std::memory_order_release);
  r->alive.store(false, std::memory_order_release);
  g_live.fetch_sub(1, std::memory_order_relaxed);
  // threads::current keeps pointing here: events from later thread-exit destructors stay on this record
  // instead of registering the dying thread anew.
  return seq;
}

constinit thread_local thread_record* threads::current [[gnu::tls_model("initial-exec")]] = nullptr;

namespace threads {

thread_record* first() noexcept { return g_first.load(std::memory_order_acquire); }

std::size_t recent_ends(ended_thread* out) noexcept {
  std::size_t n = 0;
  for (const end_slot& slot : g_ended)
    if (const std::uint64_t seq = slot.seq.load(std::memory_order_acquire); seq != 0)
      out[n++] = {slot.tid.load(std::memory_order_relaxed), seq};
  return n;
}

thread_record* find(unsigned long handle) noexcept {
  for (thread_record* r = first(); r != nullptr; r = r->next)
    if (r->alive.load(std::memory_order_acquire) && r->handle == handle) return r;
  return nullptr;
}

std::uint32_t live_count() noexcept { return g_live.load(std::memory_order_relaxed); }

bool asleep(const thread_record& r) noexcept {
  constexpr std::int64_t believed_ns = 1'000'000;
  const std::int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::steady_clock::now().time_since_epoch()).count();
  if (now < r.asleep_until_ns.load(std::memory_order_relaxed)) return true;
  if (!os_thread::sleeping(r.tid)) return false;
  const_cast<thread_record&>(r).asleep_until_ns.store(now + believed_ns, std::memory_order_relaxed);
  return true;
}

bool held_by_any(const lock_record* lock) noexcept {
  if (lock->owner.load(std::memory_order_acquire) != nullptr) return true;
  for (thread_record* t = first(); t != nullptr; t = t->next)
    for (std::uint32_t i = t->held_count.load(std::memory_order_acquire); i-- > 0;)  // top-down: see held_set::remove
      if (t->held[i].lock.load(std::memory_order_acquire) == lock) return true;
  return false;
}

}  // namespace threads
}  // namespace gridlock
