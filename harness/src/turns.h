// The runtime of a strategy that runs one thread at a time (controlled, docs/injectors.md): a turn, handed
// from thread to thread at sync points, so that exactly one known thread runs between them; the strategy
// chooses who has it next. A thread that must wait (a busy lock, a condition variable, a channel, a wait
// group, a join) parks here instead of blocking its OS thread while it has the turn, and the operation
// that can end its wait wakes it. A parked thread wakes every `stall_poll` to look at the thread that has
// the turn: one that has stopped reaching sync points (blocked where Gridlock cannot see, or spinning on
// another thread) loses it, and the schedule records the stall.
//
// Threads are numbered by their slots (thread_slot::index). Thread-safe: every change of state is under
// one internal lock; each thread sleeps on its own futex word.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gridlock/turns.h"
#include "injectors/strategy.h"
#include "internal_lock.h"

namespace gridlock {

struct thread_record;

class turns {
 public:
  /// How long a parked thread sleeps between looks at the thread that has the turn. One that has had
  /// the turn this long without reaching a sync point has stalled when the kernel has it asleep.
  static constexpr std::chrono::milliseconds stall_poll{2};
  /// One that has had it this long has stalled when it has since burnt `stall_cpu` of CPU time
  /// (spinning); one the OS has merely preempted keeps the turn, up to `stall_cap`.
  static constexpr std::chrono::milliseconds stall_wall{10};
  static constexpr std::chrono::milliseconds stall_cpu{2};
  static constexpr std::chrono::milliseconds stall_cap{1000};

  /// `schedule_fd`: where each step is appended as it is made (-1: nowhere).
  turns(inject::strategy& strategy, int schedule_fd);
  turns(const turns&) = delete;
  turns& operator=(const turns&) = delete;

  /// A thread became known: `starting` when its parent attached it (it has not run yet), else it is
  /// running; `joined` when nobody known started it (a step of the schedule). A thread that becomes
  /// known while no thread has the turn takes it.
  void known(inject::thread_slot& t, bool starting, bool joined) noexcept;
  /// The calling thread `t` at a sync point: with the turn, it chooses who goes next and hands the turn
  /// over; then (or without the turn) it waits for its own.
  void at_sync_point(inject::thread_slot& t) noexcept;
  /// `t` has passed its last sync point; `self_key` wakes its joiners. Hands the turn on, never waits.
  void exit(inject::thread_slot& t, const void* self_key) noexcept;
  /// `t` is about to block where turns cannot wake it (a real wait): it hands the turn on and runs on
  /// without it, as after a stall, until its next sync point.
  void leave(inject::thread_slot& t) noexcept;

  /// `t` is about to wait for `key`: from now on a wake(key) counts. Call before the last look at what
  /// it waits for, then park() or cancel().
  void prepare(inject::thread_slot& t, const void* key, bool timed) noexcept;
  void cancel(inject::thread_slot& t) noexcept;
  /// Whether `t` has the turn and no thread runs without it: the waits it sees cannot change.
  bool settled(const inject::thread_slot& t) noexcept;
  /// Hands the turn on and waits for it to come back. While no thread at all can run, the waiting
  /// threads run the wait-for check again (`self` is the caller's record), which may end the process or
  /// throw (the thread then has the turn).
  detail::park_result park(inject::thread_slot& t, thread_record& self);
  /// `key` changed: the threads parked on it may go on (all of them, or one the strategy chooses). Ends
  /// the announced waits of those woken that are not lock waits, as events::notified() does. False once
  /// released: the caller wakes its waiters for real.
  bool wake(const void* key, bool all) noexcept;
  /// Whether the thread with this record has passed its last sync point (or is not known here).
  bool ended(const thread_record* r) noexcept;

  /// The strategy is being replaced: every parked thread goes on (park() returns released).
  void release_all() noexcept;
  /// The schedule so far, in text form.
  std::string schedule_text() noexcept;

 private:
  enum class state : std::uint8_t {
    unknown,
    starting,  // its parent attached it; it has not reached its first sync point
    running,   // it has the turn
    away,      // it runs without the turn (it lost it in a stall, or has not got it yet)
    parked,    // at a sync point, ready to run
    blocked,   // parked, waiting for waits_on
    finished,
  };
  struct entry {
    std::atomic<std::uint32_t> go{0};  // 1: the turn is this thread's; the word it sleeps on
    state st = state::unknown;
    inject::thread_slot* slot = nullptr;
    const void* waits_on = nullptr;  // blocked: the key a wake() ends the wait for
    bool timed = false;              // blocked: the wait ends by itself (a candidate when nothing else can run)
    bool woken = false;              // since prepare(): a wake() ended the wait
  };
  static constexpr std::uint32_t none = ~0u;

  /// Chooses who goes next among the threads that can run (`me` too when `me_runnable`), never
  /// `exclude`, and gives it the turn; `none` when no thread can run. Under lock_.
  std::uint32_t hand_on(std::uint32_t me, bool me_runnable, std::uint32_t exclude, inject::schedule_step::kind why) noexcept;
  /// Whether `e` runs without the turn inside a wait: one it announced (the interposer's real pthread
  /// waits), or one nobody announced that the kernel has it asleep in (an OpenMP team's barrier, a
  /// sleep). It cannot reach a sync point before the wait ends, so given the turn it would stall
  /// everybody for a poll. "Asleep" is threads::asleep's, believed a while: one woken meanwhile takes
  /// its turn at its next sync point, at worst through a stall step. Under lock_.
  static bool away_in_wait(const entry& e) noexcept;
  /// Whether some thread runs without the turn. Under lock_.
  bool anyone_away() const noexcept;
  void give(std::uint32_t to, std::uint32_t me) noexcept;
  void progress() noexcept;
  void flush_schedule() noexcept;
  bool wake_locked(const void* key, bool all) noexcept;
  enum class look : std::uint8_t { nothing, stuck };
  /// A parked thread's look at the thread with the turn (the stall fallback), or, when nobody can run
  /// and `blocked` says `me` waits for something, whether it should run the wait-for check again
  /// (stuck: it then owns checking_). Takes lock_.
  look watch(std::uint32_t me, bool blocked) noexcept;
  /// Waits for `me`'s turn; false when released. `self`: the record of a blocked thread, which runs
  /// the wait-for check again while nobody can run (and may throw from it); null for one that can run.
  bool wait_turn(std::uint32_t me, thread_record* self);

  inject::strategy& strategy_;
  const int schedule_fd_;
  internal_lock lock_;  // guards everything below except entries' go
  std::unique_ptr<entry[]> entries_;
  std::uint32_t count_ = 0;        // entries known so far are below this
  std::uint32_t holder_ = none;    // who has the turn
  std::vector<std::uint32_t> candidates_;  // hand_on()'s, kept to spare an allocation per sync point
  std::vector<std::uint32_t> waiters_;     // wake_locked()'s
  std::size_t written_ = 0;        // schedule steps appended to schedule_fd_
  bool cut_written_ = false;       // and the mark that steps were cut
  bool divergence_told_ = false;   // stderr has said that the replay parted from its schedule
  std::chrono::steady_clock::time_point last_progress_;
  std::uint64_t progress_epoch_ = 0;  // bumped whenever the turn moves or its holder passes a sync point
  std::uint64_t sampled_epoch_ = ~0ull;
  std::int64_t sampled_cpu_ = 0;   // the holder's CPU time when first looked at in this epoch
  std::uint64_t stuck_looks_ = 0;  // looks since the last progress that found nobody could run
  bool checking_ = false;          // a parked thread is running the wait-for check again (stuck)
  std::atomic<bool> released_{false};
};

}  // namespace gridlock
