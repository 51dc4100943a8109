// The runtime side of schedule perturbation (docs/injectors.md): the active strategy (injectors/), each
// thread's schedule key and slot, carrying out decisions, and the decision record tests read back. The
// primitives reach it through events::at_sync_point() (events.h), which costs one relaxed load and a
// branch not taken while no strategy is active.
#pragma once

#include <chrono>
#include <cstdint>

namespace gridlock::sync_points {

/// How long one sync point may hold a thread back for pct (sync_action::defer): the cap, so a
/// hold-back can never hang the program by itself, and the sleeps it is made of.
inline constexpr std::chrono::microseconds defer_cap{3000};
inline constexpr std::chrono::microseconds first_defer_slice{50};
inline constexpr std::chrono::microseconds max_defer_slice{200};

/// The main thread's schedule key; other threads not started by gridlock::thread get
/// foreign_key_base + 1, + 2, ... in the order they first reach a sync point.
inline constexpr std::uint64_t main_key = 1;
inline constexpr std::uint64_t foreign_key_base = std::uint64_t{1} << 63;

/// Chooses the strategy from GRIDLOCK_STRATEGY, GRIDLOCK_SEED, GRIDLOCK_PCT_DEPTH and
/// GRIDLOCK_PCT_STEPS. Done once by a static initializer; an unknown name or a malformed number is
/// reported on stderr and leaves `none` active. Returns whether a strategy other than none is active.
bool configure_from_environment() noexcept;

}  // namespace gridlock::sync_points
