// The runtime side of schedule perturbation (docs/injectors.md): the active strategy (injectors/), each
// thread's schedule key and slot, carrying out decisions, and the decision record tests read back. The
// primitives reach it through events::at_sync_point() (events.h), which costs one relaxed load and a
// branch not taken while no strategy is active.
#pragma once

#include <chrono>
#include <cstdint>

namespace gridlock::sync_points {

/// pct's hold-back (sync_action::defer) at one sync point: it sleeps in slices (50 us, doubling up to
/// 200 us) while a higher-priority thread can run. A higher-priority thread that is neither blocked nor
/// held back itself stops counting once no thread anywhere has passed a sync point for `defer_stall`
/// and it has since burnt `defer_spin` of CPU time (it is spinning, as on a flag the held-back thread
/// is to set); one that burns none (preempted by the OS) keeps counting, and one the kernel has asleep
/// never counts. A hold-back ends after `defer_idle_cap` with no sync point passed anywhere (unless a
/// higher-priority thread is itself held back: it will move first), and after `defer_cap` in any case,
/// so it can never hang the program by itself.
inline constexpr std::chrono::microseconds defer_stall{1000};
inline constexpr std::chrono::microseconds defer_spin{20};
inline constexpr std::chrono::microseconds defer_idle_cap{10000};
inline constexpr std::chrono::microseconds defer_cap{50000};
inline constexpr std::chrono::microseconds first_defer_slice{50};
inline constexpr std::chrono::microseconds max_defer_slice{200};

/// The main thread's schedule key; other threads not started by gridlock::thread get
/// foreign_key_base + 1, + 2, ... in the order they first reach a sync point.
inline constexpr std::uint64_t main_key = 1;
inline constexpr std::uint64_t foreign_key_base = std::uint64_t{1} << 63;

/// The calling thread is about to block in a real wait (events::before_block: the interposer's waits,
/// a primitive's outside turns): under controlled it hands its turn on now rather than hold it asleep
/// until the stall fallback takes it (turns.h).
void blocking_for_real() noexcept;

/// Chooses the strategy from GRIDLOCK_STRATEGY, GRIDLOCK_SEED, GRIDLOCK_PCT_DEPTH and
/// GRIDLOCK_PCT_STEPS; for controlled, GRIDLOCK_SCHEDULE is a schedule to replay (its seed wins) and
/// GRIDLOCK_SCHEDULE_OUT a file to write the schedule to, step by step as it is made, so that it
/// survives a run that is killed. Done once by a static initializer; an unknown name, a malformed number
/// or schedule is reported on stderr and leaves `none` active. Returns whether a strategy other than
/// none is active.
bool configure_from_environment() noexcept;

}  // namespace gridlock::sync_points
