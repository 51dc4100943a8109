// The signal-handler-lock check (docs/detectors.md): a lock that a signal's handler takes, blocking, and
// that a thread which may receive that signal takes outside any handler. If the signal arrives while
// that thread holds the lock, the handler runs on it and waits for the lock, which only that same
// thread could release: it hangs for ever. Linux's lockdep checks the same of interrupt handlers
// ("inconsistent lock state"). Predicted from one sighting of each side, in either order, without the
// signal ever arriving at the wrong moment.
//
// The interposer says which signals the program handles and when a handler runs (hooks_signal.cpp);
// the sightings come from each thread's first acquisition of a lock from a call
// (thread_record::acquisition_stack). Without the interposer nothing is checked.
#pragma once

#include <atomic>
#include <cstdint>

#include "gridlock/events.h"
#include "lock_record.h"
#include "stack.h"
#include "thread_record.h"

namespace gridlock::signal_handler_locks {

/// Signals the program has handlers of its own for, bit n-1 for signal n (the interposer's sigaction
/// hook keeps it). While it is 0, acquisitions outside handlers are not looked at.
extern std::atomic<std::uint64_t> handled;

/// What a handler's run changes in its thread's record, for handler_ended() to put back.
struct context {
  std::uint64_t signals = 0;
  std::uint64_t process = 0;
  std::uintptr_t salt = 0;
};
/// The calling thread `self` starts running the handler of `sig`, which was sent to the whole process,
/// or to this thread alone when `directed` (pthread_kill, tgkill, raise). Returns what to restore.
context handler_starting(thread_record& self, int sig, bool directed) noexcept;
/// The handler begun with handler_starting() returned; `before` is what that returned.
void handler_ended(thread_record& self, const context& before) noexcept;
/// The thread left every handler it was running by a long jump (siglongjmp out of a handler).
void handlers_left(thread_record& self) noexcept;

/// What the check saw of one lock, bit n-1 of each mask for signal n. A sighting is its stack << 32 |
/// whether it took the lock for writing << 31 | its thread's id: a thread's first, or its first for
/// writing once it writes. Handlers that took it, blocking: all, those sent to the whole process (not
/// to their thread alone), and the first handler thread's sighting. Outside handlers: the sightings
/// of the first threads that took it with a handled signal deliverable, each with those signals. Each
/// side keeps its sighting before it sets its signals, `handler_any` last.
struct sightings {
  static constexpr int open_kept = 4;
  struct open_sighting {
    std::atomic<std::uint64_t> site{0};
    std::atomic<std::uint64_t> signals{0};
  };
  std::atomic<std::uint64_t> handler_any{0};
  std::atomic<std::uint64_t> handler_process{0};
  std::atomic<std::uint64_t> handler_site{0};
  open_sighting open[open_kept];
  std::atomic<bool> reported{false};
};

/// `self` takes `lock` in `mode` for the first time from its call in this context (in a handler or
/// not), at `stack`: records the sighting, and reports signal-handler-lock once per lock when the other
/// side has been seen too. A try or timed acquisition in a handler (self.non_blocking_take) never
/// waits for ever and counts for nothing; neither do recursive locks, which a handler re-enters.
void first_acquisition(thread_record& self, lock_record& lock, access mode, stack_id stack);
/// Frees what the check kept of `lock`, which is being destroyed.
void forget(lock_record& lock) noexcept;

}  // namespace gridlock::signal_handler_locks
