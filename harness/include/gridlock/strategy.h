// Schedule perturbation: which strategy delays threads at sync points (docs/injectors.md). A program
// needs none of this: the strategy is chosen once at startup from GRIDLOCK_STRATEGY (none | random |
// pct | controlled), GRIDLOCK_SEED, GRIDLOCK_PCT_DEPTH, GRIDLOCK_PCT_STEPS and, for controlled,
// GRIDLOCK_SCHEDULE (a schedule to replay) and GRIDLOCK_SCHEDULE_OUT (a file the schedule is written to
// as it is made); the runner sets them for each trial. Tests choose it in process with set_strategy()
// or replay_schedule() and read back what it decided.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gridlock/events.h"

namespace gridlock {

/// What a strategy made a thread do at one sync point. Only ever a delay: never a change of what runs.
enum class sync_action : std::uint8_t {
  proceed,  ///< go on at once
  yield,    ///< sched_yield() once
  pause,    ///< sleep for pause_ns
  defer,    ///< pct: wait (in short sleeps, up to a cap) while a higher-priority thread can run
  turn,     ///< controlled: hand the turn to the thread chosen next, and wait for this thread's turn
};

/// One decision, as recorded when recording is on. Equal decisions compare equal: the determinism tests
/// compare sequences of these, never timing.
struct sync_decision {
  sync_point where = sync_point::before_lock;
  sync_action action = sync_action::proceed;
  std::uint32_t pause_ns = 0;  ///< pause only
  std::int64_t priority = 0;   ///< pct: this thread's priority after this step; 0 for other strategies
  bool operator==(const sync_decision&) const = default;
};

/// Every strategy's name, as GRIDLOCK_STRATEGY, set_strategy() and the command line take it.
inline constexpr std::array<std::string_view, 4> strategy_names = {"none", "random", "pct", "controlled"};
/// Whether `name` is one of strategy_names.
constexpr bool is_strategy(std::string_view name) noexcept {
  for (std::string_view s : strategy_names)
    if (s == name) return true;
  return false;
}

/// The strategies' defaults (docs/injectors.md says why).
inline constexpr unsigned default_pct_depth = 3;
inline constexpr unsigned max_pct_depth = 64;  ///< PCT's depth d is 1..max_pct_depth
inline constexpr std::uint64_t default_pct_steps = 200;

/// Makes `name` (one of strategy_names) the active strategy, seeded with `seed`; `pct_depth` is PCT's
/// d (d - 1 priority change points), `pct_steps` its estimate k of the sync points a run makes (0 for
/// the default). Returns false, changing nothing, for an unknown name. Every thread starts over: its
/// sync-point counter from zero, its children's keys from its first child. Call it while no other
/// thread is at a sync point (tests: between workloads).
bool set_strategy(std::string_view name, std::uint64_t seed = 1, unsigned pct_depth = default_pct_depth,
                  std::uint64_t pct_steps = 0);
/// The active strategy's name ("none" by default).
std::string current_strategy();

/// Makes `controlled` the active strategy, replaying `schedule` (its text form, injectors/schedule.h):
/// its seed, then its choices in order. Throws std::invalid_argument, changing nothing, for a malformed
/// schedule. Call it as set_strategy().
void replay_schedule(std::string_view schedule);
/// What the active controlled strategy has chosen since it was made active, as a schedule's text form
/// ("" under any other strategy). Read it once the threads that made the choices are joined.
std::string recorded_schedule();

/// Starts (or stops) recording every decision; set_strategy() starts a new, empty record.
void record_decisions(bool on) noexcept;
/// Every thread's decisions since the last set_strategy(), by schedule key (docs/injectors.md: the
/// main thread is 1, a gridlock::thread's key comes from its parent's key and how many it started
/// before it, other threads are numbered in the order they first reach a sync point). Read it once the
/// threads that made them are joined.
std::map<std::uint64_t, std::vector<sync_decision>> recorded_decisions();

/// The calling thread's schedule key under the active strategy (0 when none is active).
std::uint64_t schedule_key() noexcept;

}  // namespace gridlock
