// The real locks under gridlock::mutex, timed_mutex and recursive_mutex: a three-state futex mutex
// (Drepper, "Futexes Are Tricky", mutex #2). Two reasons not to wrap std::mutex: glibc's
// pthread_mutex_trylock costs more than the whole uncontended lock/unlock it guards, and the
// primitives take try-first paths; and locks that never call pthread need no care under the
// LD_PRELOAD interposer. Fast paths are inline; waiting is in futex_lock.cpp.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace gridlock::detail {

class futex_lock {
 public:
  bool try_lock() noexcept {
    std::uint32_t expected = 0;
    return state_.compare_exchange_strong(expected, 1, std::memory_order_acquire, std::memory_order_relaxed);
  }
  void lock() noexcept {
    if (!try_lock()) lock_slow();
  }
  void unlock() noexcept {
    if (state_.exchange(0, std::memory_order_release) == 2) wake_one();
  }
  /// Gives up at `deadline` (steady clock).
  bool try_lock_until(std::chrono::steady_clock::time_point deadline) noexcept {
    return try_lock() || lock_slow_until(deadline);
  }
  template <class Clock, class Duration>
  bool try_lock_until(const std::chrono::time_point<Clock, Duration>& t) noexcept {
    return try_lock_until(std::chrono::steady_clock::now() +
                          std::chrono::ceil<std::chrono::steady_clock::duration>(t - Clock::now()));
  }
  template <class Rep, class Period>
  bool try_lock_for(const std::chrono::duration<Rep, Period>& d) noexcept {
    return try_lock_until(std::chrono::steady_clock::now() +
                          std::chrono::ceil<std::chrono::steady_clock::duration>(d));
  }

 private:
  void lock_slow() noexcept;
  bool lock_slow_until(std::chrono::steady_clock::time_point deadline) noexcept;
  void wake_one() noexcept;

  std::atomic<std::uint32_t> state_{0};  // 0 free, 1 locked, 2 locked and maybe waiters
};

/// futex_lock that its owner may take again; the count says how often.
class recursive_futex_lock {
 public:
  bool try_lock() noexcept {
    if (owner_.load(std::memory_order_relaxed) == self()) return ++depth_, true;
    if (!lock_.try_lock()) return false;
    take();
    return true;
  }
  void lock() noexcept {
    if (try_lock()) return;
    lock_.lock();
    take();
  }
  void unlock() noexcept {
    if (--depth_ > 0) return;
    owner_.store(nullptr, std::memory_order_relaxed);
    lock_.unlock();
  }

 private:
  static const void* self() noexcept {
    static thread_local const char identity = 0;
    return &identity;
  }
  void take() noexcept {
    owner_.store(self(), std::memory_order_relaxed);
    depth_ = 1;
  }

  futex_lock lock_;
  std::atomic<const void*> owner_{nullptr};  // read by non-owners only to see it is not them
  std::uint32_t depth_ = 0;                  // touched by the owner only
};

}  // namespace gridlock::detail
