// The runtime's own lock for its slow paths (new edges, wait-for checks, the finding list). It is a
// spin lock that yields, not a pthread mutex: the LD_PRELOAD interposer intercepts pthread_mutex_lock,
// and the detectors must never observe, or deadlock on, their own locking.
#pragma once

#include <atomic>
#include <sched.h>

namespace gridlock {

class internal_lock {
 public:
  void lock() noexcept {
    for (int spins = 0; locked_.exchange(true, std::memory_order_acquire); ++spins) {
      while (locked_.load(std::memory_order_relaxed)) {
        if (spins++ > 64) sched_yield();
      }
    }
  }
  bool try_lock() noexcept { return !locked_.exchange(true, std::memory_order_acquire); }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

}  // namespace gridlock
