// The runtime's record of one thread: the locks it holds (written only by the thread itself, read by
// wait-for checks in other threads), what it waits for (published seqlock-style through wait_epoch), and
// a small cache of lock-order edges it has already reported to the graph. Records live in one
// append-only list and are never freed (a dead thread's record is reused once it holds nothing), so other
// threads may read them without a lock.
#pragma once

#include <atomic>
#include <cstdint>

#include "gridlock/events.h"
#include "hash.h"
#include "lock_record.h"
#include "stack.h"

namespace gridlock {

struct lock_record;

/// One held lock. Fields are atomics only so that other threads' wait-for checks may read them.
struct held_lock {
  std::atomic<lock_record*> lock{nullptr};
  std::atomic<access> mode{access::exclusive};
  std::uint32_t depth = 0;        // re-entries of a recursive lock
  stack_id acquired_at = 0;       // where it was acquired, as far as known
};

struct thread_record {
  static constexpr std::uint32_t max_held = 64;
  static constexpr std::uint32_t edge_cache_size = 256;  // power of two

  std::uint32_t id = 0;                // Gridlock's number, 1-based, never reused
  std::int32_t tid = 0;                // OS thread id
  unsigned long handle = 0;            // pthread_t
  char name[32] = {};
  bool is_main = false;
  stack_id started_at = 0;             // where the program started it (events::thread_starting), or 0
  std::atomic<bool> alive{false};
  bool left_by_fork = false;           // a thread of the parent, which this forked child lacks (fork_child)

  held_lock held[max_held];
  std::atomic<std::uint32_t> held_count{0};
  std::uint32_t untracked = 0;         // locks held beyond max_held (not in the graph)
  std::uint64_t gate_signature = 0;    // XOR of hash of every lock held exclusively
  const void* initialized = nullptr;   // the lock this thread made last (pthread_mutex_init): first_hold

  // Wait publication, seqlock-style. wait_epoch counts the thread's waits (in steps of 4) and its low
  // two bits say where the latest stands: wait_running (over, or none), wait_blocked (the owner wrote
  // the fields, then set this), wait_notified (a notify ended it for the detectors, but the owner has
  // not come back from it: it may still be asleep, if the notify woke another waiter or nobody).
  static constexpr std::uint64_t wait_running = 0;
  static constexpr std::uint64_t wait_blocked = 1;
  static constexpr std::uint64_t wait_notified = 2;
  static constexpr std::uint64_t wait_state(std::uint64_t epoch) noexcept { return epoch & 3; }
  /// The epoch of the wait after `epoch`'s, in wait_running.
  static constexpr std::uint64_t next_wait(std::uint64_t epoch) noexcept { return (epoch | 3) + 1; }
  std::atomic<std::uint64_t> wait_epoch{0};
  std::atomic<wait_kind> wait_what{wait_kind::none};
  std::atomic<const void*> wait_object{nullptr};  // a condition wait's: the pthread_cond_t it sleeps in
  std::atomic<lock_record*> wait_lock{nullptr};
  std::atomic<thread_record*> wait_thread{nullptr};
  std::atomic<std::uint32_t> wait_thread_id{0};  // that record's id when announced: records are reused
  std::atomic<access> wait_access{access::exclusive};
  std::atomic<bool> wait_timed{false};
  std::atomic<stack_id> wait_stack{0};
  std::atomic<std::uint32_t> wait_word{0};  // a futex-word wait's wait_target::word
  // threads::asleep(): the kernel had it asleep, believed until then (steady clock, ns).
  std::atomic<std::int64_t> asleep_until_ns{0};
  // While a strategy keeps it at a sync point (pct's hold-back, controlled's turns): why, a static
  // string; a wait the timeout's record names (wait_for::every_thread).
  std::atomic<const char*> held_back_by{nullptr};

  std::uint64_t edge_cache[edge_cache_size] = {};  // lock-order keys known to the graph; 0 = empty

  // Acquisition stacks (site_stack). Level 1, by (lock, call): large enough that a thread cycling
  // through many locks (a sharded table, a pool of connections) keeps hitting it, and 4-way
  // set-associative so that a few pairs sharing a set do not evict each other for ever.
  static constexpr unsigned acquire_site_ways = 4;
  static constexpr unsigned acquire_set_bits = 8;
  static constexpr std::uint32_t acquire_sites_size = acquire_site_ways << acquire_set_bits;
  struct acquire_site {
    // The return address into the program (see site_stack); with path_bit when depth > 0, so that the
    // inline check never takes such an entry without comparing its path (site_stack_miss does).
    std::uintptr_t caller = 0;
    std::uint32_t lock_id = 0;
    stack_id stack = 0;
    std::uint32_t path = 0;     // call_path(depth) when the entry was made
    std::uint8_t depth = 0;     // return addresses above the call that tell its paths apart (0: none)
    std::uint16_t slot = 0;     // the call's known_call::slot
    std::uintptr_t above = 0;   // word_above_call(slot) when the entry was made
  };
  static constexpr std::uintptr_t path_bit = std::uintptr_t{1} << (sizeof(std::uintptr_t) * 8 - 1);
  /// The deepest call_path: enough for unoptimized std::unique_lock -> std::mutex::lock -> gthread
  /// wrappers to reach the program's own line.
  static constexpr unsigned max_path_depth = 6;
  // The thread's own stack, [stack_low, stack_high) (0, 0: unknown): frame_chain's bounds. A hook that
  // runs elsewhere (a signal's alternate stack, a fiber's) walks no chain.
  std::uintptr_t stack_low = 0;
  std::uintptr_t stack_high = 0;
  acquire_site acquire_sites[acquire_sites_size] = {};  // by (lock, caller); each set last used first
  // Level 2, by call and path (lock_id 0): the stack a new pair reuses once the capture budget is spent.
  // Indexed by both: at -O0 every line that locks through the out-of-line std::mutex::lock is one call
  // (in the gthread wrapper) reached its own way, and they must not all crowd one set.
  static constexpr unsigned call_set_bits = 6;
  acquire_site call_sites[acquire_site_ways << call_set_bits] = {};  // each set last used first
  // What tells a call's paths apart, learned on its first capture: a call's path, hence its level-2
  // set, needs it first. Where the code keeps frame pointers, how far up their chain (depth); elsewhere
  // where the stack holds the return address of the call before it (slot, in words above the call's
  // own; 0: not found), which tells apart the lines that lock through one out-of-line function of the
  // program's. Direct-mapped; a call that lost its entry is learned again.
  struct known_call {
    std::uintptr_t caller = 0;
    std::uint8_t depth = 0;
    std::uint16_t slot = 0;
  };
  static constexpr unsigned known_call_bits = 6;
  /// How many words above a call's return address a slot is looked for: a lock function's frame is
  /// small; a caller with a larger one is taken for the program's line itself. Small also because a
  /// hit reads that far above the call unchecked: a frame whose size varies (assembly with alloca and
  /// no frame pointer) could put the word past the top of a shallower stack (a fiber's).
  static constexpr unsigned max_slot = 32;
  known_call known_calls[1u << known_call_bits] = {};
  // The capture budget: a thread may capture `capture_allowance` stacks for new pairs and new locks,
  // and one more per 2^capture_refill_bits level-1 misses after that (so at most one per as many
  // acquisitions, and no count on the hit path). A thread that cycles through more locks than level 1
  // holds, or makes many (objects with a mutex each), would otherwise capture every time.
  static constexpr std::uint64_t capture_allowance = 1024;
  static constexpr unsigned capture_refill_bits = 10;
  std::uint64_t site_misses = 0;
  std::uint64_t site_captures = 0;

  thread_record* next = nullptr;       // the registry's list; set once, before publication

  // The lock whose try events::try_fails failed last, and gate_signature then: a blocking acquisition
  // of it in that context is the try's fallback, and its edges say so (lock_order::add_edge). Last:
  // fields the uncontended path reads keep their offsets.
  std::uint32_t failed_try = 0;
  std::uint64_t failed_try_gates = 0;

  // Signal handlers running on this thread (signal_handler_locks.h), bit n-1 for signal n: all, and
  // those delivered to the whole process; what sets their acquisitions' pairs apart in the stack cache
  // (0 outside handlers); and whether the acquisition under way is a try or a timed one, which a
  // handler may make safely (events::after_lock).
  std::uint64_t handler_signals = 0;
  std::uint64_t handler_process = 0;
  std::uintptr_t handler_salt = 0;
  bool non_blocking_take = false;

  bool blocked() const noexcept { return wait_state(wait_epoch.load(std::memory_order_acquire)) == wait_blocked; }
  /// The stack of this thread taking `lock` from the call at `caller`, captured the first time that
  /// pair is seen and reused after: the uncontended path captures nothing, and the same lock taken at
  /// another line of the program gets that line's stack. Where a non-inlined wrapper makes every call
  /// return to one place (std::mutex::lock at -O0, a C library's lock function), the pair also
  /// includes the call's path, so each line through the wrapper still gets its own stack: call_path
  /// where the code keeps frame pointers, else the return address above the call (known_call::slot).
  /// Past the capture budget a new pair gets the stack of an earlier acquisition on the same line (the
  /// same call, reached the same way): the line is right, the callers above it perhaps not. A lock's
  /// first pair also gives a lock registered on first sight its creation stack (note_first_use). The
  /// stack starts with the runtime's own frames: reports drop them (symbolize_finding).
  /// `salt` (without path_bit) sets apart pairs that one call and path cannot: waits reached at another
  /// depth (wait_for::announce).
  /// Inline: every acquisition asks. One multiply; the top bits of the product mix both inputs.
  /// `acquired`: as site_stack_miss's.
  stack_id site_stack(lock_record& lock, std::uintptr_t caller, std::uintptr_t salt,
                      const access* acquired = nullptr) noexcept {
    const std::uintptr_t key = caller ^ salt;
    acquire_site* set =
        &acquire_sites[fibonacci_index(lock.id ^ (std::uint64_t{key} << 16), acquire_set_bits) * acquire_site_ways];
    if (set->lock_id == lock.id && set->caller == key && word_above_call(set->slot) == set->above) [[likely]]
      return set->stack;
    return site_stack_miss(set, lock, caller, key, acquired);
  }
  /// site_stack() of this thread's acquisition of `lock` in `mode`: a pair made inside a signal handler
  /// is another pair than the same call's outside (handler_salt), and a new pair is also the
  /// signal-handler-lock check's first sight of it (signal_handler_locks::first_acquisition).
  stack_id acquisition_stack(lock_record& lock, access mode, std::uintptr_t caller) noexcept {
    return site_stack(lock, caller, handler_salt, &mode);
  }
  /// The word `slot` words above the return address of the call being served (detail::call_frame; 0:
  /// that return address). Only for a slot learned at this call: the word lies in the program's frames.
  static std::uintptr_t word_above_call(unsigned slot) noexcept {
    return reinterpret_cast<const std::uintptr_t*>(detail::call_frame)[1 + slot];
  }
  /// A hash of the first `depth` return addresses of the frame-pointer chain at the current call
  /// (detail::call_frame): which way the program reached a call site that itself is shared, such as the
  /// one call to pthread_mutex_lock in an out-of-line std::mutex::lock. Only for calls whose code keeps
  /// frame pointers (site_stack_miss learns which), on the out-of-line path.
  std::uint32_t call_path(unsigned depth) const noexcept;
  /// Whether the capture budget allows one more capture now; counts it if so.
  bool take_capture() noexcept {
    if (site_captures >= capture_allowance + (site_misses >> capture_refill_bits)) return false;
    ++site_captures;
    return true;
  }
  /// site_stack() when the pair is not first in its set: found further in (swapped to the front), or
  /// captured (or taken from level 2) into the front, the set's last entry falling out. `acquired`: the
  /// mode of an acquisition (acquisition_stack), null for a wait. Out of line.
  stack_id site_stack_miss(acquire_site* set, lock_record& lock, std::uintptr_t caller, std::uintptr_t key,
                           const access* acquired) noexcept;
  /// The entry for `lock` in the held set, or null.
  held_lock* find_held(const lock_record* lock) noexcept {
    const std::uint32_t n = held_count.load(std::memory_order_relaxed);
    for (std::uint32_t i = n; i-- > 0;)
      if (held[i].lock.load(std::memory_order_relaxed) == lock) return &held[i];
    return nullptr;
  }
};

/// Registers the calling thread (threads::self() does this on first use); `started_at` as
/// events::thread_started's.
thread_record* register_thread(const char* name, stack_id started_at = 0) noexcept;

/// The registry of every thread the runtime has seen.
namespace threads {
/// The calling thread's record; trivially destructible so reading it is one TLS load.
extern constinit thread_local thread_record* current [[gnu::tls_model("initial-exec")]];
/// The calling thread's record, registering it on first use.
inline thread_record* self() noexcept {
  thread_record* r = current;
  return r != nullptr ? r : register_thread(nullptr);
}
/// The first record of the list; follow ->next. Records are never freed.
thread_record* first() noexcept;
/// A thread that ended: its OS id, and the number of its end (unregister_thread's).
struct ended_thread {
  std::int32_t tid = 0;
  std::uint64_t seq = 0;
};
constexpr std::size_t ended_kept = 64;
/// The last (up to ended_kept) thread ends, in `out` (room for ended_kept), in no order; returns how many.
std::size_t recent_ends(ended_thread* out) noexcept;
/// The record of the thread with this pthread_t, or null.
thread_record* find(unsigned long handle) noexcept;
/// Number of live threads the runtime knows.
std::uint32_t live_count() noexcept;
/// Whether the kernel has `r`'s thread asleep (os_thread::sleeping), as of at most 1 ms ago. The
/// strategies ask about other threads at every sync point (pct about each of higher priority,
/// controlled about each running without the turn), and each look is a /proc read: 16 idle threads in
/// a server's pool made each lock cost 16. A thread that wakes within the 1 ms is not missed for long:
/// it reaches a sync point, where the strategies see it. "Awake" is never believed: it would have a
/// strategy wait on a thread that cannot move.
bool asleep(const thread_record& r) noexcept;
/// Whether some thread holds `lock`: it has an owner, or is in some thread's held set. Locks keep no
/// reader count (two atomic read-modify-writes per shared acquisition): the held sets are the truth. A
/// scan of every thread, for slow paths only; it never misses an entry that stays held while it scans
/// (see held_set::remove).
bool held_by_any(const lock_record* lock) noexcept;
}  // namespace threads

}  // namespace gridlock
