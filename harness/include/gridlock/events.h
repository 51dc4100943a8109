// The one event API between the world (gridlock:: primitives, the LD_PRELOAD interposer) and the
// detectors. Modelled on LLVM's sanitizer_deadlock_detector_interface.h: before-lock, after-lock,
// before-unlock, plus block/wake and thread start/exit, so any source of sync events drives every
// detector the same way.
//
// Contract for callers:
//  - Every lock is announced with lock_created() before its first event and lock_destroyed() after its
//    last; the returned record is the lock's identity for its whole life (never reused).
//  - An acquisition is before_lock() then, once the attempt has finished, after_lock() with whether it
//    succeeded. A caller that will block should first try without blocking and call before_block()
//    only when it really must wait: the uncontended path then never touches the wait-for graph.
//  - before_unlock() is called before releasing; if it returns false the release is invalid (not the
//    owner, or not locked) and must not be performed.
//  - before_block()/after_wake() bracket every wait that can last: a contended lock, a join, a condition
//    variable, a channel, a wait group. Timed waits pass timed = true: they end by themselves and so are
//    never part of a deadlock.
//  - Calls are thread-safe. An event that produces a finding may, by the active policy (runtime.h), end
//    the process or throw gridlock::finding_error from before_lock()/before_block(); all other functions
//    never throw.
//  - While a thread is inside a primitive's own implementation it is in an internal_scope: the
//    interposer ignores the pthread calls made there, so one operation is never reported twice.
#pragma once

#include <atomic>
#include <cstdint>

#include "gridlock/finding.h"

namespace gridlock {

/// How a lock behaves; decides which misuse checks apply.
enum class lock_kind : std::uint8_t {
  plain,      ///< exclusive, non-recursive: std::mutex, gridlock::mutex, gridlock::timed_mutex
  recursive,  ///< exclusive, may be re-locked by its owner
  shared,     ///< reader-writer: std::shared_mutex, pthread_rwlock_t
};

/// Whether a lock is taken for writing or reading.
enum class access : std::uint8_t { exclusive, shared };

/// How an acquisition is attempted. A try-lock adds no lock-order edge: it cannot block.
enum class attempt : std::uint8_t { blocking, try_once, timed };

/// What a blocked thread is waiting for. The last four are waits under the interposer that, like a
/// condition variable's notify, no single thread is known to owe. Three are on a futex word: `future`, a
/// std::future's result; `semaphore`, a post to a POSIX semaphore; `futex`, a wake of a word the program
/// waits on itself (std::atomic::wait, and std::latch, std::barrier, std::counting_semaphore on it).
/// `barrier`: the rest of a round's arrivals at a pthread barrier.
enum class wait_kind : std::uint8_t {
  none, lock, thread, condition, channel, wait_group, future, semaphore, futex, barrier
};

/// Whether a wait of this kind sleeps on a futex word (wait_target::word).
constexpr bool on_futex_word(wait_kind k) noexcept {
  return k == wait_kind::future || k == wait_kind::semaphore || k == wait_kind::futex;
}

struct lock_record;    // opaque: owned by the runtime
struct thread_record;  // opaque: owned by the runtime

/// One wait, as passed to before_block(). `object` is what is waited on: for a condition wait, the
/// pthread_cond_t the thread really sleeps in (the detector looks for it in the thread's futex wait, to
/// tell a waiter that a notify did not wake from one that is waking). `lock` is its record (the lock, or
/// the condition variable's, channel's or wait group's own record); `thread` is set for joins. `access`
/// is the mode a lock wait asks for. `word`, for a wait on a futex word: the value of the unsigned word
/// at `object` that the wait sleeps on (a future's while the result has not come). For a barrier wait,
/// `object` is the barrier, which starts with three unsigned counts (glibc's pthread_barrier_t):
/// arrivals, the arrivals at which the current round started, and the parties a round needs; `word` is
/// the first as the caller saw it before arriving, when it would not complete the round. The waiters
/// sleep on a futex word inside the object.
struct wait_target {
  wait_kind kind = wait_kind::none;
  const void* object = nullptr;
  lock_record* lock = nullptr;
  thread_record* thread = nullptr;
  gridlock::access access = gridlock::access::exclusive;
  bool timed = false;
  std::uint32_t word = 0;
};

namespace events {

/// Registers a lock. `type_name` is a static string such as "gridlock::mutex"; `name` (may be null) is
/// the user's name for it and is copied. Captures the creation stack, unless `in_use` says the lock is
/// registered on first sight, as the interposer does, or the thread has spent its budget of captures
/// (docs/detectors.md): the stack of its first acquisition or wait then stands for it. Never returns
/// null.
lock_record* lock_created(const void* address, lock_kind kind, const char* type_name, const char* name,
                          bool in_use = false) noexcept;
/// Unregisters a lock: it leaves the lock-order graph, so a new lock at the same address starts clean.
/// Reports destroy-locked if some thread still holds it.
void lock_destroyed(lock_record* lock) noexcept;

/// Before an acquisition attempt: misuse checks (recursive-lock, lock-upgrade) and, unless `how` is
/// try_once, lock-order edges from every lock this thread holds. May end the process or throw.
void before_lock(lock_record* lock, access mode, attempt how);
/// After the attempt: on success the lock joins this thread's held set.
void after_lock(lock_record* lock, access mode, attempt how, bool acquired) noexcept;
/// Shorthand for before_lock(blocking) + after_lock(blocking, true) when a non-blocking attempt has
/// already taken the lock: the uncontended path, one call instead of two. (Nothing that before_lock
/// reports can have happened: a self-held plain lock fails the attempt.)
void acquired(lock_record* lock, access mode);
/// Before a release. Returns false (after reporting unlock-not-owner) if this thread does not hold it.
bool before_unlock(lock_record* lock, access mode) noexcept;

/// The thread is about to wait. Checks the wait-for graph: a cycle is reported as a deadlock, and every
/// known thread blocked as all-threads-blocked. May end the process or throw. Returns whether the check
/// could not tell yet (a notified waiter was awake, a waited-on futex word had changed): a caller that
/// can should then wait in short slices and call check_block(true) after each while it returns true.
/// Same as announce_block(target) followed by check_block().
bool before_block(const wait_target& target);
/// For primitives that wait on their own state under their own internal lock (channels, wait groups):
/// publish the wait while that lock is still held, so a signal that comes after it counts as a wake
/// (notified()); then release the lock and call check_block(). Never call check_block() holding a lock
/// another thread needs to wake this one: the check may pause to confirm what it sees.
void announce_block(const wait_target& target) noexcept;
/// The check half of before_block(), with the same result; `again` after a slice of the wait ran out.
/// May end the process or throw.
bool check_block(bool again = false);
/// Whether the calling thread's announced wait still stands: false once notified() ended it. A
/// primitive that finds itself notified but not ready must announce again before it sleeps.
bool block_pending() noexcept;
/// The wait has lasted a while (a slice of it ran out): its stack is captured afresh, so that a report
/// names the line that waits, not that of an earlier wait from the same call. Costs one capture.
void wait_goes_on() noexcept;
/// The wait ended (woken, timed out or acquired).
void after_wake() noexcept;
/// `object` (a condition variable, channel or wait group record) is signalled: threads waiting on it
/// may be runnable now, before they get to run and call after_wake(). Call right before or after the
/// real notify: a waiter it marks that the notify does not wake is found again (asleep in its condition
/// variable). Before it, a waiter the notify wakes cannot already wait again when it is marked.
void notified(lock_record* object) noexcept;

/// Called by the thread that starts another, in the call that starts it (std::thread's constructor,
/// pthread_create): where that is, for the new thread's thread_started. 0 past the calling thread's
/// budget of stack captures (a program that starts a thread per task).
std::uint32_t thread_starting() noexcept;
/// Called by a new thread before its body runs; `name` may be null, `started_at` thread_starting()'s
/// answer in the thread that started it (0: unknown). Returns its record.
thread_record* thread_started(const char* name, std::uint32_t started_at = 0) noexcept;
/// Called by a thread right before it exits: reports lock-held-at-exit.
void thread_exiting() noexcept;
/// The record of the calling thread, created on first use (main thread, threads not started by us).
thread_record* current_thread() noexcept;

/// The record of the thread with this pthread_t, or null if it never announced itself.
thread_record* find_thread(unsigned long pthread_handle) noexcept;

/// Whether the calling thread holds `lock` in `mode` (shared also matches an exclusive hold).
bool holds(const lock_record* lock, access mode) noexcept;

/// A wait on the condition variable `cond` with `mutex` (held by the caller) is about to start. Reports
/// cv-different-mutex when another thread waits on it now with another mutex: undefined behaviour, in
/// which a notify can wake a waiter whose state it did not change, and miss the one it did.
void condition_wait_begins(lock_record* cond, lock_record* mutex);

/// Reports a misuse that is not about a lock acquisition (cv-wait-unlocked, wait-group-negative,
/// channel-closed-send) on `object`, a record from lock_created(): channels, wait groups and condition
/// variables register there too, as never-locked objects, so reports can name them.
void report_misuse(finding_kind kind, lock_record* object, const char* message);

}  // namespace events

namespace detail {
/// Depth of internal_scope on this thread. Inline access: it is on every primitive's fast path.
extern constinit thread_local int internal_depth [[gnu::tls_model("initial-exec")]];
/// While an event serves a call of the program: that call's return address into the program, marked
/// by the interposer's hook for a pthread call (the events' own return address would point into the
/// hook), else by the event itself (call_site.h). 0 otherwise. The events key their reuse of
/// acquisition stacks by it, so one lock taken at two lines of a program is reported at the right one.
extern constinit thread_local std::uintptr_t call_site [[gnu::tls_model("initial-exec")]];
/// While call_site is set: the frame of the function serving that call (the hook, or the event), whose
/// two words are the program's frame pointer and call_site, with the program's stack above them. The
/// frame pointer is a candidate only (optimized code keeps none): where unoptimized code wraps every
/// lock in one out-of-line std::mutex::lock, the calls above it tell the program's lines apart
/// (frame_chain.h); elsewhere a return address found higher up the stack does (thread_record).
extern constinit thread_local std::uintptr_t call_frame [[gnu::tls_model("initial-exec")]];
}  // namespace detail

/// Where a primitive gives a schedule-perturbation strategy (injectors/, docs/injectors.md) the chance
/// to delay or yield the calling thread. A strategy only ever delays: it never changes what happens
/// (but for the try-locks that fail under it as under contention: events::try_fails).
enum class sync_point : std::uint8_t {
  before_lock,      ///< before any acquisition attempt (blocking, try, timed)
  after_unlock,     ///< right after a release
  before_wait,      ///< before a condition-variable wait, a join, a wait-group wait
  notify,           ///< before a condition-variable notify or a wait-group add/done
  channel_send,     ///< before a channel send
  channel_receive,  ///< before a channel receive
  channel_close,    ///< before a channel close
  thread_start,     ///< a gridlock::thread, before its body
  thread_exit,      ///< a gridlock::thread, after its body
};

namespace detail {
/// True while a strategy other than `none` is active (sync_points.cpp). The one thing a sync point
/// reads when no strategy is active: a relaxed load and a branch not taken. Hidden: read in place, with
/// no address taken from the GOT first (each copy of the runtime, linked statically, has its own).
extern constinit std::atomic<bool> sync_points_on [[gnu::visibility("hidden")]];
/// The active strategy's decision for this thread at `where`, and its delay. Never holds a runtime lock
/// while it delays. `released`: at after_unlock, the lock's record (its parked waiters may go on).
void sync_point_slow(sync_point where, const void* released = nullptr) noexcept;
/// A gridlock::thread's body is about to run: `key` is its schedule key, given by its parent.
void thread_begins_slow(std::uint64_t key) noexcept;
/// The schedule key of the calling thread's next child (0 when no strategy is active).
std::uint64_t next_child_key_slow() noexcept;
/// events::try_fails()'s decision, with a strategy active (spurious_tries.cpp).
bool try_fails_slow(const lock_record* lock) noexcept;
}  // namespace detail

namespace events {
/// A sync point: with no strategy active, one relaxed load and a branch not taken. A primitive's
/// after_unlock passes the lock's record as `released`.
inline void at_sync_point(sync_point where, const void* released = nullptr) noexcept {
  if (detail::sync_points_on.load(std::memory_order_relaxed)) [[unlikely]] detail::sync_point_slow(where, released);
}
/// Called by a new gridlock::thread before its body, with the key its parent gave it
/// (child_schedule_key()); a thread_start sync point.
inline void thread_begins(std::uint64_t key) noexcept {
  if (detail::sync_points_on.load(std::memory_order_relaxed)) [[unlikely]] detail::thread_begins_slow(key);
}
/// Whether the try-lock of `lock` about to be made (announced with before_lock(try_once)) is to fail
/// without trying, as it would if the lock were busy: with no strategy active, never (one relaxed load
/// and a branch). Under any other strategy, the first time this thread makes that try from that call
/// while holding those locks (docs/injectors.md, "Try-locks that fail"): code that blocks when a try
/// fails ("try, else lock") then shows the lock-order graph its fallback, which only contention would.
inline bool try_fails(const lock_record* lock) noexcept {
  return detail::sync_points_on.load(std::memory_order_relaxed) && detail::try_fails_slow(lock);
}
/// Called by a parent when it starts a gridlock::thread: the child's schedule key, derived from the
/// parent's key and how many children it started, so it does not depend on which thread runs first.
inline std::uint64_t child_schedule_key() noexcept {
  if (detail::sync_points_on.load(std::memory_order_relaxed)) [[unlikely]] return detail::next_child_key_slow();
  return 0;
}
}  // namespace events

/// Marks the calling thread as inside a primitive's own implementation: the interposer passes the
/// pthread calls made meanwhile straight through. Nests.
class internal_scope {
 public:
  internal_scope() noexcept { ++detail::internal_depth; }
  ~internal_scope() { --detail::internal_depth; }
  internal_scope(const internal_scope&) = delete;
  internal_scope& operator=(const internal_scope&) = delete;
  /// True while the calling thread is inside at least one internal_scope.
  static bool active() noexcept { return detail::internal_depth > 0; }
};

}  // namespace gridlock
