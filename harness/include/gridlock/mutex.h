// gridlock::mutex, recursive_mutex and timed_mutex: drop-ins for their std:: namesakes (Lockable /
// TimedLockable, so std::lock_guard, std::unique_lock and std::scoped_lock work) that feed every
// acquisition and release to the detectors. The optional name appears in reports beside where the
// lock was created.
#pragma once

#include <chrono>

#include "gridlock/futex_lock.h"
#include "gridlock/lock_choreography.h"

namespace gridlock {

class condition_variable;

namespace detail {

/// One exclusive lock over a real lock `Real`; Kind decides the misuse rules, Timed adds try_lock_for.
template <class Real, lock_kind Kind, bool Timed>
class exclusive_lock {
 public:
  explicit exclusive_lock(const char* name = nullptr)
      : rec_(events::lock_created(this, Kind, type_name(), name)) {}
  ~exclusive_lock() { events::lock_destroyed(rec_); }
  exclusive_lock(const exclusive_lock&) = delete;
  exclusive_lock& operator=(const exclusive_lock&) = delete;

  void lock() {
    acquire(rec_, this, access::exclusive, [&] { return impl_.try_lock(); }, [&] { impl_.lock(); });
  }
  bool try_lock() {
    return try_acquire(rec_, access::exclusive, [&] { return impl_.try_lock(); });
  }
  void unlock() {
    release(rec_, access::exclusive, [&] { impl_.unlock(); });
  }

  template <class Rep, class Period>
  bool try_lock_for(const std::chrono::duration<Rep, Period>& d)
    requires Timed
  {
    return timed_acquire(rec_, this, access::exclusive, [&] { return impl_.try_lock(); },
                         [&] { return impl_.try_lock_for(d); });
  }
  template <class Clock, class Duration>
  bool try_lock_until(const std::chrono::time_point<Clock, Duration>& t)
    requires Timed
  {
    return timed_acquire(rec_, this, access::exclusive, [&] { return impl_.try_lock(); },
                         [&] { return impl_.try_lock_until(t); });
  }

  /// The runtime's record of this lock (tests and condition_variable use it).
  lock_record* record() const noexcept { return rec_; }

 private:
  friend class gridlock::condition_variable;
  static constexpr const char* type_name() noexcept {
    if constexpr (Kind == lock_kind::recursive) return "gridlock::recursive_mutex";
    else if constexpr (Timed) return "gridlock::timed_mutex";
    else return "gridlock::mutex";
  }

  Real impl_;
  lock_record* rec_;
};

}  // namespace detail

using mutex = detail::exclusive_lock<detail::futex_lock, lock_kind::plain, false>;
using recursive_mutex = detail::exclusive_lock<detail::recursive_futex_lock, lock_kind::recursive, false>;
using timed_mutex = detail::exclusive_lock<detail::futex_lock, lock_kind::plain, true>;

}  // namespace gridlock
