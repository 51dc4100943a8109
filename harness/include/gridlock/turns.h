// How a primitive waits under a strategy that runs one thread at a time (controlled, docs/injectors.md):
// never by blocking its OS thread while it has the turn, but by parking until the operation that can end
// its wait wakes it (the runtime: harness/src/turns.h). Keys name what is waited for: a lock's, condition
// variable's, channel's or wait group's record, or a joined thread's record. With any other strategy
// none of this runs: under_control() and wake() are the sync-point load and a branch not taken.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "gridlock/events.h"

namespace gridlock::detail {

enum class park_result : std::uint8_t {
  woken,     ///< what it waits for happened (or may have: look again)
  idle,      ///< a timed wait, and no other thread can run: let its time pass
  released,  ///< the strategy was replaced meanwhile: wait for real
};

bool under_control_slow() noexcept;
bool wake_slow(const void* key, bool all) noexcept;

/// Whether the calling thread runs in turns: then its primitives park instead of blocking.
inline bool under_control() noexcept {
  return sync_points_on.load(std::memory_order_relaxed) && under_control_slow();
}

/// The calling thread is about to wait for `key`: a wake(key) from now on counts. Call it before the
/// last look at what it waits for (under the primitive's own lock, if it has one); then park() after
/// park_check(), or park_cancel() when no wait is needed after all.
void park_prepare(const void* key, bool timed) noexcept;
void park_cancel() noexcept;
/// The wait-for check of the calling thread's announced wait (events::announce_block first), at once
/// when no other thread can run meanwhile. May end the process or throw; a throw cancels the park and
/// ends the announced wait.
void park_check();
/// Hands the turn on and returns with it once woken. May throw as park_check() does (it checks again
/// while no thread at all can run); the thread then has the turn and its announced wait is over.
park_result park();

/// `key` changed: threads parked on it may go on (all, or the one the strategy chooses), and their
/// announced waits end (as events::notified() ends them). False when the calling thread's strategy does
/// not run in turns: the primitive then wakes its waiters for real.
inline bool wake(const void* key, bool all) noexcept {
  return sync_points_on.load(std::memory_order_relaxed) && wake_slow(key, all);
}

/// Whether the thread with this record has passed its last sync point (or never ran in turns).
bool thread_ended(const thread_record* t) noexcept;

/// Parks on `key` until `ready()` (looked at after each wake; true takes the wait as done). The wait is
/// announced already.
template <class Ready>
park_result park_until(const void* key, bool timed, Ready&& ready) {
  for (;;) {
    park_prepare(key, timed);
    if (ready()) {
      park_cancel();
      return park_result::woken;
    }
    park_check();
    if (const park_result r = park(); r != park_result::woken) return r;
  }
}

/// The wait of a primitive that keeps its state under its own mutex `g` and signals `cv` (channel, wait
/// group) until `ready()`, which is false on entry. Announced under `g`, so a signal after it counts as
/// a wake, and checked outside it; every wake that finds it still not ready announces it again. In
/// turns it parks instead of sleeping on `cv`.
template <class Ready>
void wait_announced(std::unique_lock<std::mutex>& g, std::condition_variable& cv, const wait_target& target,
                    Ready ready) {
  do {
    events::announce_block(target);
    if (under_control()) {
      park_prepare(target.lock, false);  // under our lock, too
      g.unlock();
      park_check();
      park();
      g.lock();
      continue;
    }
    g.unlock();
    events::check_block();
    g.lock();
    while (!ready() && events::block_pending()) cv.wait(g);
  } while (!ready());
  events::after_wake();
}

}  // namespace gridlock::detail
