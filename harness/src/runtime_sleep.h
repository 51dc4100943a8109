// The runtime's own sleeps (a strategy's pauses and hold-backs, the detectors' looks, --confirm's
// polls): inside an internal_scope, so that the interposer's sleep hooks, which hand controlled's turn
// on for a program's sleep, pass them straight through (as futex.h does for futex calls).
#pragma once

#include <time.h>

#include <cerrno>
#include <chrono>

#include "gridlock/events.h"

namespace gridlock::detail {

/// Sleeps for `d`, on through interruptions by signals.
inline void sleep_for(std::chrono::nanoseconds d) noexcept {
  const internal_scope runtime;
  timespec ts{static_cast<time_t>(d.count() / 1'000'000'000), static_cast<long>(d.count() % 1'000'000'000)};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

}  // namespace gridlock::detail
