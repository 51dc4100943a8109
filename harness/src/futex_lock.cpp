// futex_lock's waiting paths: sleep in the kernel until an unlock wakes us (or the deadline passes).
#include "gridlock/futex_lock.h"

#include <time.h>

#include <climits>

#include "futex.h"

namespace gridlock::detail {

void futex_lock::lock_slow() noexcept {
  // Mark the lock contended (2) so the unlocker knows to wake someone; sleep while it stays taken.
  while (state_.exchange(2, std::memory_order_acquire) != 0) futex(&state_, FUTEX_WAIT, 2);
}

bool futex_lock::lock_slow_until(std::chrono::steady_clock::time_point deadline) noexcept {
  // steady_clock is CLOCK_MONOTONIC on Linux: an absolute FUTEX_WAIT_BITSET timeout needs no retries
  // for spurious wakeups to keep the deadline right.
  const auto since_epoch = deadline.time_since_epoch();
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  timespec abs{static_cast<time_t>(secs.count()),
               static_cast<long>(std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - secs).count())};
  while (state_.exchange(2, std::memory_order_acquire) != 0) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    futex(&state_, FUTEX_WAIT_BITSET, 2, &abs, FUTEX_BITSET_MATCH_ANY);
  }
  return true;
}

void futex_lock::wake_one() noexcept { futex(&state_, FUTEX_WAKE, 1); }

}  // namespace gridlock::detail
