// Internals of libgridlock_preload.so, the LD_PRELOAD interposer (docs/interposer.md): the real pthread
// functions, the per-thread state every hook runs under, and the address -> lock_record table.
//
// Every hook has the same shape:
//   1. pass_through(caller) (bypass() where no allocator calls) -> call the real function and nothing
//      else. That is the case before initialization, inside another hook on the same thread (the
//      runtime's own pthread use, a signal handler that interrupted a hook, the unwinder called by
//      capture_stack), inside a gridlock::internal_scope (this library's runtime, or the runtime of a
//      program that links libgridlock.a itself), and for the program's allocator's own lock calls.
//   2. hook_scope: marks the thread as inside a hook for the whole call.
//   3. nothing for fork() or signals on the way: those only matter while the runtime holds one of its
//      internal locks (or is in glibc's unwinder), and internal_lock tells thread_state.cpp when that
//      starts and ends (critical_observer). fork() waits until no other thread is in such a critical
//      section, so a forked child never inherits a runtime lock taken by a thread that does not exist
//      in it; an asynchronous signal that arrives inside one is deferred to its end, so a program's
//      handler never runs (and perhaps blocks) while its thread holds one of the runtime's locks.
//   3. lock_table::acquire() pins the record in one of the thread's two hazard slots for as long as
//      the hook uses it (across the real blocking call too), so evicting or retiring a record can never
//      free one that a hook is still using.
#pragma once

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <signal.h>
#include <threads.h>
#include <time.h>

#include <cxxabi.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <type_traits>

#include "call_site.h"
#include "held_set.h"
#include "gridlock/events.h"
#include "lock_record.h"
#include "module_code.h"
#include "thread_record.h"

namespace gridlock::preload {

// ---------------------------------------------------------------------------------------------------
// The real functions, resolved once with dlsym(RTLD_NEXT) (real.cpp): libc's, and libstdc++'s guards of
// function-local statics and std::future waits.

/// The members of a C++ class that is a reader-writer lock (libc++'s shared mutexes, absl::Mutex), as
/// free functions of `this` (the Itanium ABI passes it first).
struct shared_lock_members {
  void (*construct)(void*);
  void (*lock)(void*);
  bool (*try_lock)(void*);
  void (*unlock)(void*);
  void (*lock_shared)(void*);
  bool (*try_lock_shared)(void*);
  void (*unlock_shared)(void*);
};

// The mangled names of libc++'s shared mutex classes, and of their members after it: string literals,
// for both dlsym and the hooks' asm labels.
#define GRIDLOCK_LIBCXX_SHARED_MUTEX_BASE "_ZNSt3__119__shared_mutex_base"
#define GRIDLOCK_LIBCXX_SHARED_TIMED_MUTEX "_ZNSt3__118shared_timed_mutex"
#define GRIDLOCK_LIBCXX_CONSTRUCT "C1Ev"
#define GRIDLOCK_LIBCXX_CONSTRUCT_BASE "C2Ev"
#define GRIDLOCK_LIBCXX_LOCK "4lockEv"
#define GRIDLOCK_LIBCXX_TRY_LOCK "8try_lockEv"
#define GRIDLOCK_LIBCXX_UNLOCK "6unlockEv"
#define GRIDLOCK_LIBCXX_LOCK_SHARED "11lock_sharedEv"
#define GRIDLOCK_LIBCXX_TRY_LOCK_SHARED "15try_lock_sharedEv"
#define GRIDLOCK_LIBCXX_UNLOCK_SHARED "13unlock_sharedEv"

struct real_functions {
  int (*mutex_init)(pthread_mutex_t*, const pthread_mutexattr_t*);
  int (*mutex_lock)(pthread_mutex_t*);
  int (*mutex_trylock)(pthread_mutex_t*);
  int (*mutex_timedlock)(pthread_mutex_t*, const timespec*);
  int (*mutex_clocklock)(pthread_mutex_t*, clockid_t, const timespec*);
  int (*mutex_unlock)(pthread_mutex_t*);
  int (*mutex_destroy)(pthread_mutex_t*);

  int (*spin_init)(pthread_spinlock_t*, int);
  int (*spin_lock)(pthread_spinlock_t*);
  int (*spin_trylock)(pthread_spinlock_t*);
  int (*spin_unlock)(pthread_spinlock_t*);
  int (*spin_destroy)(pthread_spinlock_t*);

  int (*rwlock_init)(pthread_rwlock_t*, const pthread_rwlockattr_t*);
  int (*rwlock_rdlock)(pthread_rwlock_t*);
  int (*rwlock_wrlock)(pthread_rwlock_t*);
  int (*rwlock_tryrdlock)(pthread_rwlock_t*);
  int (*rwlock_trywrlock)(pthread_rwlock_t*);
  int (*rwlock_timedrdlock)(pthread_rwlock_t*, const timespec*);
  int (*rwlock_timedwrlock)(pthread_rwlock_t*, const timespec*);
  int (*rwlock_clockrdlock)(pthread_rwlock_t*, clockid_t, const timespec*);
  int (*rwlock_clockwrlock)(pthread_rwlock_t*, clockid_t, const timespec*);
  int (*rwlock_unlock)(pthread_rwlock_t*);
  int (*rwlock_destroy)(pthread_rwlock_t*);

  int (*cond_init)(pthread_cond_t*, const pthread_condattr_t*);
  int (*cond_wait)(pthread_cond_t*, pthread_mutex_t*);
  int (*cond_timedwait)(pthread_cond_t*, pthread_mutex_t*, const timespec*);
  int (*cond_clockwait)(pthread_cond_t*, pthread_mutex_t*, clockid_t, const timespec*);
  int (*cond_signal)(pthread_cond_t*);
  int (*cond_broadcast)(pthread_cond_t*);
  int (*cond_destroy)(pthread_cond_t*);

  int (*create)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
  int (*join)(pthread_t, void**);
  int (*tryjoin_np)(pthread_t, void**);
  int (*timedjoin_np)(pthread_t, void**, const timespec*);
  int (*detach)(pthread_t);
  void (*exit)(void*);

  int (*once)(pthread_once_t*, void (*)());
  int (*guard_acquire)(__cxxabiv1::__guard*);
  void (*guard_release)(__cxxabiv1::__guard*);
  void (*guard_abort)(__cxxabiv1::__guard*);

  // std::__atomic_futex_unsigned_base, where a std::future waits for its result and is told of it.
  bool (*future_wait_until)(void*, unsigned*, unsigned, bool, std::chrono::seconds, std::chrono::nanoseconds);
  bool (*future_wait_until_steady)(void*, unsigned*, unsigned, bool, std::chrono::seconds, std::chrono::nanoseconds);
  void (*future_notify_all)(unsigned*);

  int (*barrier_wait)(pthread_barrier_t*);
  int (*barrier_destroy)(pthread_barrier_t*);

  int (*sem_wait)(sem_t*);
  int (*sem_timedwait)(sem_t*, const timespec*);
  int (*sem_clockwait)(sem_t*, clockid_t, const timespec*);
  int (*sem_trywait)(sem_t*);
  int (*sem_post)(sem_t*);
  long (*syscall)(long, ...);

  int (*nanosleep)(const timespec*, timespec*);
  int (*clock_nanosleep)(clockid_t, int, const timespec*, timespec*);
  int (*usleep)(useconds_t);
  unsigned (*sleep)(unsigned);

  // The long jumps (hooks_longjmp.cpp): longjmp, _longjmp, siglongjmp, and __longjmp_chk, which
  // _FORTIFY_SOURCE builds call.
  void (*long_jump)(__jmp_buf_tag*, int);
  void (*bare_long_jump)(__jmp_buf_tag*, int);
  void (*sig_long_jump)(__jmp_buf_tag*, int);
  void (*checked_long_jump)(__jmp_buf_tag*, int);

  // libc++'s std::shared_mutex (the members of its std::__1::__shared_mutex_base) and
  // std::shared_timed_mutex, in libc++.so: null where the program has no libc++.
  shared_lock_members shared_mutex_base;
  shared_lock_members shared_timed_mutex;
};

// The mangled names of libstdc++'s std::__atomic_futex_unsigned_base members (GLIBCXX_3.4.21, _steady
// 3.4.29): string literals, for both dlsym and the hooks' asm labels.
#define GRIDLOCK_FUTURE_WAIT_UNTIL \
  "_ZNSt28__atomic_futex_unsigned_base19_M_futex_wait_untilEPjjbNSt6chrono8durationIlSt5ratioILl1ELl1EEEENS2_IlS3_ILl1ELl1000000000EEEE"
#define GRIDLOCK_FUTURE_WAIT_UNTIL_STEADY \
  "_ZNSt28__atomic_futex_unsigned_base26_M_futex_wait_until_steadyEPjjbNSt6chrono8durationIlSt5ratioILl1ELl1EEEENS2_IlS3_ILl1ELl1000000000EEEE"
#define GRIDLOCK_FUTURE_NOTIFY_ALL "_ZNSt28__atomic_futex_unsigned_base19_M_futex_notify_allEPj"

// The hooks' globals are declared hidden, as they are defined: otherwise each read first loads the
// variable's address from the GOT (the linker relaxes that to an lea, still an instruction of its own).
extern real_functions real [[gnu::visibility("hidden")]];

/// The next definition after this library's of `prefix` + `member` (a class's mangled name, one of its
/// members'), or null: where a hook of that member finds the real one (real.cpp).
void* real_member(const char* prefix, const char* member) noexcept;

/// Resolves every member of `real` (idempotent, thread-safe). Returns false while a resolution is in
/// progress on this very thread (dlsym re-entering a hook): the caller must then not use `real`.
bool resolve_real() noexcept;

// ---------------------------------------------------------------------------------------------------
// Per-thread state (thread_state.cpp).

/// One per live thread that has entered a hook; never freed, recycled after its thread exits.
struct thread_state {
  static constexpr int hazard_slots = 2;  // a condition wait pins its mutex and its condition variable
  static constexpr int max_deferred = 4;  // signals kept with their siginfo; more are merged by number
  std::atomic<lock_record*> hazard[hazard_slots] = {};
  std::atomic<int> busy{0};               // depth of runtime critical sections (thread_state.cpp)
  std::atomic<bool> in_use{false};
  thread_state* next = nullptr;           // the registry's list; set before publication
  int tid = 0;                            // the OS thread id (refreshed in a forked child)
  // Signals that arrived inside a critical section, re-sent when it ends (hooks_signal.cpp). Written
  // only by this thread (its signal handler), read by it after leaving the section.
  volatile int deferred_count = 0;
  siginfo_t deferred[max_deferred] = {};
  volatile std::uint64_t deferred_merged = 0;  // bit n: signal n+1, without its siginfo
};

extern constinit thread_local thread_state* t_state [[gnu::tls_model("initial-exec")]];

/// What every hook does, in one byte, so that the common case is a single load: one flag per line
/// was measurably slower (a second hot line per hook). `observing` alone: observe every call; with
/// `nested` or `beside_allocator` added, some calls pass through (pass_through()).
namespace hook_mode {
constexpr std::uint8_t starting = 0;          // init() has not finished: pass straight through
constexpr std::uint8_t observing = 1;
constexpr std::uint8_t nested = 2;            // the program links a runtime of its own: not inside its scopes
constexpr std::uint8_t beside_allocator = 4;  // a library's malloc (g_allocator): not its calls
}  // namespace hook_mode
extern std::atomic<std::uint8_t> g_mode [[gnu::visibility("hidden")]];

/// Looks for a Gridlock runtime in the executable (its internal_depth TLS symbol). Once, from init().
bool detect_embedded_runtime() noexcept;
/// The calling thread is inside one of the embedded runtime's internal_scopes (there is one).
bool embedded_scope_active() noexcept;

/// Finds libc++'s code, if the program uses libc++ (hooks_futex.cpp). Once, from init().
void find_libcxx() noexcept;
/// Resolves the real absl::Mutex and absl::CondVar members, if the program loaded Abseil
/// (hooks_absl.cpp): once, from init(), where a failed dlsym may allocate, rather than in the first hook
/// call, which could wait for another thread's resolution while it holds the loader's lock.
void find_absl() noexcept;

/// The code of the program's allocator, when a library other than libc provides malloc (jemalloc,
/// tcmalloc), else empty (allocator.cpp, found once by find_allocator() from init()).
extern code_range g_allocator;
void find_allocator() noexcept;

/// Creates (or recycles) the calling thread's state (thread_state.cpp).
thread_state* attach_state() noexcept;
/// The calling thread's state, created (or recycled) on first use.
inline thread_state& self_state() noexcept {
  thread_state* s = t_state;
  return s != nullptr ? *s : *attach_state();
}
/// The head of the list of every thread_state (live or recyclable).
thread_state* first_state() noexcept;

/// The ordering the hazard and busy protocols need between a thread's own store and its next load.
/// Cheap side: a compiler barrier when membarrier(PRIVATE_EXPEDITED) is available (the heavy side then
/// interrupts every running thread), else a full fence.
extern bool g_have_membarrier [[gnu::visibility("hidden")]];
inline void light_fence() noexcept {
  if (g_have_membarrier)
    std::atomic_signal_fence(std::memory_order_seq_cst);
  else
    std::atomic_thread_fence(std::memory_order_seq_cst);
}
/// The other side: after it, every other thread's stores before its light_fence() are visible.
void heavy_fence() noexcept;

/// pass_through() when the mode is not plain `observing`: out of line, so that the hooks keep neither
/// the mode nor the caller in a register of their own on the common path.
[[gnu::noinline]] bool pass_through_by_mode(std::uint8_t mode, const void* caller) noexcept;

/// Whether a hook called from `caller` (its return address) must pass straight through to the real
/// function: before initialization, inside a hook (which counts as an internal_scope of the runtime
/// linked into this library: one thread-local to test on every hook, not two), inside a scope of a
/// runtime the program links itself, and for a lock or wait call from the program's allocator
/// (g_allocator). The runtime allocates inside hooks: an allocator that locks a pthread mutex or waits
/// on a futex would be called back while its own thread holds that lock, and wait for it for ever.
inline bool pass_through(const void* caller) noexcept {
  if (internal_scope::active()) return true;
  const std::uint8_t mode = g_mode.load(std::memory_order_relaxed);
  if (mode == hook_mode::observing) [[likely]] return false;
  return pass_through_by_mode(mode, caller);
}
/// pass_through() for a call no allocator makes (or with no caller to tell).
inline bool bypass() noexcept { return pass_through(nullptr); }

/// Marks the thread as inside a hook for the scope's lifetime.
class hook_scope {
 public:
  hook_scope() noexcept : state_(&enter()) {}
  ~hook_scope() { --detail::internal_depth; }
  hook_scope(const hook_scope&) = delete;
  hook_scope& operator=(const hook_scope&) = delete;
  thread_state& state() const noexcept { return *state_; }

 private:
  static thread_state& enter() noexcept {
    ++detail::internal_depth;
    return self_state();
  }
  thread_state* state_;
};

/// Re-sends the signals deferred while the thread was inside a critical section (hooks_signal.cpp).
void deliver_deferred_signals(thread_state& s) noexcept;

/// A sync point of the active strategy (docs/injectors.md) in a hook: inside a hook_scope, so the
/// pthread calls its slow path makes go straight through. With no strategy active, a relaxed load and a branch.
inline void at_sync_point(sync_point where) noexcept {
  if (detail::sync_points_on.load(std::memory_order_relaxed)) [[unlikely]] {
    hook_scope h;
    detail::sync_point_slow(where);
  }
}

/// Event calls that may report a finding. Under the interposer the policy is never `throw` (an
/// exception cannot cross a C function), but a program's own handlers must not see one either, nor one
/// from an allocation in the runtime.
template <class F>
void guarded(F&& f) noexcept {
  try {
    f();
  } catch (...) {
  }
}

/// How long slice `n` (from 0) of a real wait lasts while the wait-for check cannot tell
/// (announced_wait): 5 ms for the first 20, within which a notified waiter usually settles; then twice
/// the one before, up to a second. A waiter that stays awake longer (a signal handler, work before it
/// waits again) may be the last to sleep, and nobody else looks then: the slices never end, but cost a
/// wake-up a second at most.
constexpr long slice_ns(int n) noexcept {
  constexpr long first = 5'000'000, longest = 1'000'000'000;
  constexpr int short_slices = 20;
  long ns = first;
  for (int i = short_slices; i < n && ns < longest; ++i) ns *= 2;
  return ns < longest ? ns : longest;
}

/// The end, on `clock`, of a slice of `ns` (at most a second) that starts now.
inline timespec slice_end(clockid_t clock, long ns) noexcept {
  timespec t{};
  clock_gettime(clock, &t);
  t.tv_nsec += ns;
  if (t.tv_nsec >= 1'000'000'000) {
    t.tv_nsec -= 1'000'000'000;
    ++t.tv_sec;
  }
  return t;
}

/// The real wait `wait` (for a lock, a condition variable, a thread, a futex word), announced to the
/// wait-for detector, and its end. A finding the announcement reports must not cross the program's C
/// call: the policy under the interposer is never `throw`, and anything thrown anyway stops here. The
/// wait's result and errno reach the caller as the real wait left them (a futex wait's caller reads
/// errno).
/// `slice(ns)`, the real wait for at most `ns` (slice_end), gives the wait's result, or nothing when the
/// time ran out. A lock or join wait starts with one: one that lasts past it captures its stack afresh
/// (events::wait_goes_on), what a deadlock report will show. (A condition or futex wait's slice ends it
/// as a spurious wakeup: every long wait would become a loop.) While the check cannot tell
/// (events::before_block: a notified waiter was awake, a waited-on futex word had changed; either may
/// settle where nothing makes another thread look), the wait goes on in slices, the check made again
/// after each. `slice` is nullptr for a wait that has no timed form; a timed wait is never checked, so
/// needs none either.
template <class Wait, class Slice>
auto announced_wait(const wait_target& target, Wait&& wait, Slice&& slice) {
  bool unsure = false;
  guarded([&] { unsure = events::before_block(target); });
  std::optional<decltype(wait())> r;
  if constexpr (!std::is_null_pointer_v<std::decay_t<Slice>>) {
    bool refresh = target.kind == wait_kind::lock || target.kind == wait_kind::thread;
    for (int n = 0; (unsure || refresh) && !r; ++n) {
      r = slice(slice_ns(n));
      if (r) break;
      if (refresh) guarded([] { events::wait_goes_on(); });
      refresh = false;
      if (unsure) guarded([&] { unsure = events::check_block(true); });
    }
  }
  if (!r) r = wait();
  const int saved_errno = errno;
  events::after_wake();
  errno = saved_errno;
  return *r;
}

/// A slice of a pthread wait (announced_wait) by `timed_call`, which is given the slice's end on
/// `clock` and answers like the pthread functions (ETIMEDOUT when the time ran out).
template <class TimedCall>
auto pthread_slice(clockid_t clock, TimedCall&& timed_call) {
  return [clock, &timed_call](long ns) -> std::optional<int> {
    const timespec end = slice_end(clock, ns);
    const int r = timed_call(end);
    if (r == ETIMEDOUT) return std::nullopt;
    return r;
  };
}

/// A blocking acquisition of `rec` (the object at `object`) by `lock_op`, the real call, announced as a
/// lock wait (`slice`: announced_wait's): before_lock, the wait, after_lock with whether `took(result)`.
template <class LockOp, class Slice, class Took>
int blocking_acquire(lock_record* rec, const void* object, access mode, LockOp&& lock_op, Slice&& slice, Took&& took) {
  guarded([&] { events::before_lock(rec, mode, attempt::blocking); });
  const int r = announced_wait({wait_kind::lock, object, rec, nullptr, mode, false}, lock_op, slice);
  events::after_lock(rec, mode, attempt::blocking, took(r));
  return r;
}

/// Registers the calling thread with the runtime (thread_started, or current_thread for the main thread)
/// between the two thread-local guards that bracket the runtime's thread-exit hook (hooks_thread.cpp).
/// `started_at`: events::thread_starting()'s answer in the thread that started it.
void register_with_exit_guards(bool main_thread, std::uint32_t started_at = 0) noexcept;

/// Installs the pthread_atfork handlers and the critical-section observer their gate relies on
/// (thread_state.cpp).
void install_fork_handlers() noexcept;

// ---------------------------------------------------------------------------------------------------
// The lock table (lock_table.cpp).

/// What a table entry stands for. An address seen with another tag (memory reused for another kind of
/// object) gets a fresh record.
enum class object_tag : std::uint8_t {
  none = 0, mutex, recursive_mutex, rwlock, cond, static_init, once, future, semaphore, futex,
  libcxx_shared_mutex, libcxx_shared_timed_mutex, spinlock, barrier, omp_critical, omp_lock, absl_mutex
};

/// Reads the kind a pthread_mutex_t was initialized with (glibc: __data.__kind & 3).
inline object_tag mutex_tag(const pthread_mutex_t* m) noexcept {
  return (m->__data.__kind & 3) == PTHREAD_MUTEX_RECURSIVE_NP ? object_tag::recursive_mutex : object_tag::mutex;
}

void lock_table_init() noexcept;
/// Empties the table's lock after fork() in the child (the table itself is consistent: fork waited).
void lock_table_lock_for_fork() noexcept;
void lock_table_unlock_after_fork(bool child) noexcept;

/// The record for `address`, created on first sight, pinned in s.hazard[slot] until release().
/// Null when the table cannot track it (full of held or pinned records): the hook then passes through.
lock_record* acquire(const void* address, object_tag tag, thread_state& s, int slot) noexcept;
/// Like acquire() but never creates: null when the address is unknown.
lock_record* find(const void* address, object_tag tag, thread_state& s, int slot) noexcept;
/// Unpins.
inline void release(thread_state& s, int slot) noexcept {
  s.hazard[slot].store(nullptr, std::memory_order_release);
}
/// The object at `address` is destroyed (or re-initialized): its entry leaves the table and the record
/// is handed to events::lock_destroyed (at once when held, so destroy-locked names this thread; else
/// batched, once no hook pins it).
void forget_address(const void* address, bool report_if_held) noexcept;

/// This thread's held-set entry for the lock at `address`, the latest if several, or null. A held
/// record is never freed (eviction and destroy skip it), so unlocks start here and skip the table; it
/// also finds an entry that has left the table (destroyed or re-initialized while held). The thread's
/// own entries below held_count are never null (held_set.h stores the lock before the count).
inline held_lock* held_entry(const void* address) noexcept {
  thread_record* self = threads::current;
  if (self == nullptr) return nullptr;
  for (std::uint32_t i = self->held_count.load(std::memory_order_relaxed); i-- > 0;)
    if (self->held[i].lock.load(std::memory_order_relaxed)->address == address) return &self->held[i];
  return nullptr;
}
/// Whether the runtime counts `rec` as held exclusively by the calling thread: in its held set, or as
/// its owner beyond the held set's bound (the runtime's "untracked" locks, which an unlock must still
/// release through events::before_unlock).
inline bool runtime_owns(const lock_record* rec) noexcept {
  return events::holds(rec, access::exclusive) ||
         (threads::current != nullptr && rec->owner.load(std::memory_order_relaxed) == threads::current);
}
/// Whether the calling thread holds locks beyond the held set's bound: an unlock of a read side it
/// does not hold may release one of them (events::before_unlock counts it off).
inline bool holds_untracked() noexcept { return threads::current != nullptr && threads::current->untracked > 0; }
/// The record of held_entry(address), or null.
inline lock_record* held_by_address(const void* address) noexcept {
  const held_lock* h = held_entry(address);
  return h != nullptr ? h->lock.load(std::memory_order_relaxed) : nullptr;
}

/// Unpins on scope exit.
class pin {
 public:
  pin(thread_state& s, int slot) noexcept : s_(s), slot_(slot) {}
  ~pin() { release(s_, slot_); }
  pin(const pin&) = delete;
  pin& operator=(const pin&) = delete;

 private:
  thread_state& s_;
  int slot_;
};

/// The waiters on `object` may run now: right before the real notify, so that a waiter it wakes cannot
/// wait again before it is marked (events::notified). An object nobody ever waited on has no record,
/// and needs none.
inline void notify_waiters(const void* object, object_tag tag) noexcept {
  hook_scope h;
  thread_state& s = h.state();
  if (lock_record* rec = find(object, tag, s, 0)) {
    pin p(s, 0);
    events::notified(rec);
  }
}

/// A wait on the futex word at `word` that no thread owns (a future's result, a semaphore's count, an
/// atomic's value, a barrier's arrivals, beside the word its waiters sleep on): `wait`, the real call,
/// sleeps while the word holds `value` (for at most a deadline if `timed`; else `slice` is
/// announced_wait's). Announced as a wait of `kind` on the word's record
/// (tagged `tag`); the hook has marked the program's call (call_site_scope) and passed its sync point.
template <class Wait, class Slice>
auto word_wait(wait_kind kind, object_tag tag, const void* word, std::uint32_t value, bool timed, Wait&& wait,
               Slice&& slice) {
  hook_scope h;
  thread_state& state = h.state();
  lock_record* rec = acquire(word, tag, state, 0);
  pin p(state, 0);
  if (rec == nullptr) return wait();
  return announced_wait({kind, word, rec, nullptr, access::exclusive, timed, value}, wait, slice);
}

/// Whether the program has a handler of its own for an asynchronous signal (hooks_signal.cpp): then a
/// wait that a handler may end (a semaphore's: sem_post is async-signal-safe) is not announced, since
/// a signal from outside may end it however blocked every thread is.
bool program_catches_signals() noexcept;

// ---------------------------------------------------------------------------------------------------
// Steps the hooks share (hooks_locks.cpp and hooks_libcxx.cpp; the program-call mark and the C11
// helpers in every hooks_*.cpp).

/// The program's call an exported hook serves, for call_site_scope: its own return and frame addresses.
/// A C11 hook passes its own to the pthread hook's body it shares (C11's <threads.h>: glibc builds mtx_*,
/// cnd_*, thrd_* and call_once on its pthread functions but calls them internally, out of the hooks'
/// reach; its mtx_t, cnd_t, thrd_t and once_flag are the pthread types' layouts).
#define GRIDLOCK_PROGRAM_CALLER __builtin_return_address(0)
#define GRIDLOCK_PROGRAM_CALL GRIDLOCK_PROGRAM_CALLER, __builtin_frame_address(0)

/// The pthread object a C11 one is (glibc's layouts).
inline pthread_mutex_t* as_pthread(mtx_t* m) noexcept { return reinterpret_cast<pthread_mutex_t*>(m); }
inline pthread_cond_t* as_pthread(cnd_t* c) noexcept { return reinterpret_cast<pthread_cond_t*>(c); }

/// A pthread result as C11 reports it (glibc's mapping).
inline int c11_result(int err) noexcept {
  switch (err) {
    case 0: return thrd_success;
    case EBUSY: return thrd_busy;
    case ETIMEDOUT: return thrd_timedout;
    case ENOMEM: return thrd_nomem;
    default: return thrd_error;
  }
}

/// Whether a pthread lock call's result means the lock is taken.
inline bool took(int r) noexcept { return r == 0 || r == EOWNERDEAD; }

/// The acquisition succeeded: the uncontended path (events::acquired), for the program's call returning
/// to `caller` (detail::call_site, passed on so that it is not read back). Only first_hold may throw (a
/// cycle it reports), so taking a lock with none held has no handler around it. Inlined into each lock
/// hook: with several callers the compiler would keep it out of line (measured: 7% of std_lock_heavy).
[[gnu::always_inline]] inline void on_acquired(lock_record* rec, access mode, std::uintptr_t caller) noexcept {
  thread_record& self = *threads::self();
  const std::uint32_t n = self.held_count.load(std::memory_order_relaxed);
  if (n == 0)
    held_set::take(self, *rec, mode, caller, 0);
  else  // by value: captures by reference would put rec and mode in memory on the common path too
    guarded([&self, rec, mode, caller, n] { held_set::acquired(self, *rec, mode, caller, n); });
}

/// A try-lock: `try_op` is the real call, in the pthread convention (0: taken); skipped for EBUSY when
/// events::try_fails().
template <class TryOp>
int try_once(lock_record* rec, access mode, TryOp&& try_op) {
  guarded([&] { events::before_lock(rec, mode, attempt::try_once); });
  const int r = events::try_fails(rec) ? EBUSY : try_op();
  events::after_lock(rec, mode, attempt::try_once, took(r));
  return r;
}

/// A hook of a reader-writer lock class's lock(), lock_shared() (`blocking`: tries first, and announces
/// a wait only when that fails), try_lock() or try_lock_shared() member, by `mode`, on the object at
/// `self`, tagged `tag`; `fns` its real members, `caller` and `frame` the hook's GRIDLOCK_PROGRAM_CALL.
/// Returns whether it took the lock (member_locks.cpp).
bool lock_member(void* self, object_tag tag, const shared_lock_members& fns, access mode, bool blocking,
                 const void* caller, const void* frame);
/// The hook of its unlock() or unlock_shared() member, by `mode`.
void unlock_member(void* self, object_tag tag, const shared_lock_members& fns, access mode);

/// A try-lock of the lock at `object` (tagged `tag`) in `mode` by `try_op`, the real call: through the
/// runtime when the lock has a record, straight through when the table cannot track it.
template <class TryOp>
int tracked_try(const void* object, object_tag tag, access mode, TryOp&& try_op) {
  hook_scope h;
  thread_state& s = h.state();
  lock_record* rec = acquire(object, tag, s, 0);
  pin p(s, 0);
  if (rec == nullptr) return try_op();
  return try_once(rec, mode, try_op);
}

/// A lock and an unlock of the pthread mutex `m` tracked as the lock at `key`, tagged `tag`: for a lock
/// the program takes through another library's call, which the interposer serves with a mutex of its
/// own (OpenMP's critical sections, hooks_omp.cpp). The pthread hooks' own paths (hooks_locks.cpp).
int lock_mutex_as(pthread_mutex_t* m, const void* key, object_tag tag);
int unlock_mutex_as(pthread_mutex_t* m, const void* key, object_tag tag);

/// The usual unlock, of a lock this thread holds (a mutex, or with `rwlock` a reader-writer lock):
/// found in the held set, so no table lookup and no pin (a held record is never freed). Returns false,
/// having done nothing, when `object` is not held as that kind of lock; else releases the entry and
/// `result` is the real unlock's.
template <class UnlockOp>
bool unlock_held(const void* object, bool rwlock, int& result, UnlockOp&& unlock_op) {
  held_lock* held = held_entry(object);
  if (held == nullptr) return false;
  if ((held->lock.load(std::memory_order_relaxed)->kind == lock_kind::shared) != rwlock) return false;
  held_set::release(*threads::current, held);  // events::before_unlock, inline: held in that mode
  result = unlock_op();
  return true;
}

/// A blocking acquisition of a lock that keeps no owner of its own (a spin lock, an OpenMP lock), at
/// `object` and tagged `tag`: `try_op` first (0: taken, EBUSY: held), and only when it is held the
/// announced real wait `lock_op`, which has no timed form to slice.
template <class TryOp, class LockOp>
int ownerless_lock(const void* object, object_tag tag, TryOp&& try_op, LockOp&& lock_op) {
  hook_scope h;
  thread_state& s = h.state();
  lock_record* rec = acquire(object, tag, s, 0);  // first: as in mutex_lock
  pin p(s, 0);
  const int first = try_op();
  if (first == 0) {
    if (rec != nullptr) on_acquired(rec, access::exclusive, detail::call_site);
    return first;
  }
  if (rec == nullptr || first != EBUSY) return lock_op();
  return blocking_acquire(rec, object, access::exclusive, lock_op, nullptr, took);
}

/// The release by `unlock_op`, the real call, of a lock taken by ownerless_lock(): EPERM, and no real
/// unlock, when the runtime refuses it (a thread that does not hold it).
template <class UnlockOp>
int ownerless_unlock(const void* object, object_tag tag, UnlockOp&& unlock_op) {
  hook_scope h;
  thread_state& s = h.state();
  if (int r; unlock_held(object, false, r, unlock_op)) return r;
  lock_record* rec = find(object, tag, s, 0);
  pin p(s, 0);
  // Never seen taken (before initialization, inside an internal scope), or released by a thread that
  // does not hold it: such a lock keeps no owner to tell them apart, so only the runtime's view counts.
  if (rec == nullptr || !threads::held_by_any(rec)) return unlock_op();
  if (!events::before_unlock(rec, access::exclusive)) return EPERM;
  return unlock_op();
}

/// `real_call`, which makes the object at `object` a new one or none (a condition variable's or
/// barrier's init or destroy), after its record, if any, has left the table.
template <class F>
int forget_then(const void* object, F&& real_call) {
  if (!bypass()) {
    hook_scope h;
    forget_address(object, false);
  }
  return real_call();
}

/// The destruction by `real_destroy` of the lock at `object`: its record leaves the table first, and a
/// lock destroyed while held is reported (forget_address).
template <class Destroy>
int destroy(const void* object, Destroy&& real_destroy) {
  {
    hook_scope h;
    forget_address(object, true);
  }
  return real_destroy();
}

/// An initialization by `real_init` (0: done) of the object at `object`.
template <class Init>
int init(const void* object, Init&& real_init) {
  const int r = real_init();
  if (r == 0 && !bypass()) {
    // A new object at this address: whatever record the address had (memory reused without a
    // destroy) is stale. The record itself is made on first use, which reads the kind from the object.
    hook_scope h;
    forget_address(object, false);
  }
  return r;
}

}  // namespace gridlock::preload
