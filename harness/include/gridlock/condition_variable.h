// gridlock::condition_variable: a drop-in for std::condition_variable over
// std::unique_lock<gridlock::mutex>. A wait releases the mutex for the detectors exactly as it does for
// real, marks the thread blocked (so a lost wakeup ends as all-threads-blocked), and re-acquires the
// mutex as an ordinary acquisition (so hold-and-wait orders show in the lock-order graph).
//
// It waits on its own inner mutex rather than std::condition_variable_any so that a notify can be told
// apart from one that reached no sleeper: notified() runs under the inner mutex, and a waiter whose
// announced wait a notify ended before it got to sleep announces it again (that notify was not for it),
// so a lost wakeup still ends as all-threads-blocked.
//
// Under a strategy that runs one thread at a time (gridlock/turns.h) a waiter parks in turns instead:
// a notify wakes the waiter(s) it chooses there, and ends exactly their waits.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "gridlock/mutex.h"

namespace gridlock {

class condition_variable {
 public:
  explicit condition_variable(const char* name = nullptr)
      : rec_(events::lock_created(this, lock_kind::plain, "gridlock::condition_variable", name)) {}
  ~condition_variable() { events::lock_destroyed(rec_); }
  condition_variable(const condition_variable&) = delete;
  condition_variable& operator=(const condition_variable&) = delete;

  void notify_one() noexcept { notify(false); }
  void notify_all() noexcept { notify(true); }

  void wait(std::unique_lock<mutex>& lk) {
    wait_with(lk, false, [](std::unique_lock<std::mutex>& inner, std::condition_variable& cv) {
      cv.wait(inner);
      return std::cv_status::no_timeout;
    });
  }
  template <class Predicate>
  void wait(std::unique_lock<mutex>& lk, Predicate pred) {
    while (!pred()) wait(lk);
  }

  template <class Clock, class Duration>
  std::cv_status wait_until(std::unique_lock<mutex>& lk,
                            const std::chrono::time_point<Clock, Duration>& t) {
    return wait_with(lk, true, [&](std::unique_lock<std::mutex>& inner, std::condition_variable& cv) {
      return cv.wait_until(inner, t);
    });
  }
  template <class Clock, class Duration, class Predicate>
  bool wait_until(std::unique_lock<mutex>& lk, const std::chrono::time_point<Clock, Duration>& t,
                  Predicate pred) {
    while (!pred()) {
      if (wait_until(lk, t) == std::cv_status::timeout) return pred();
    }
    return true;
  }
  template <class Rep, class Period>
  std::cv_status wait_for(std::unique_lock<mutex>& lk, const std::chrono::duration<Rep, Period>& d) {
    return wait_until(lk, std::chrono::steady_clock::now() + d);
  }
  template <class Rep, class Period, class Predicate>
  bool wait_for(std::unique_lock<mutex>& lk, const std::chrono::duration<Rep, Period>& d,
                Predicate pred) {
    return wait_until(lk, std::chrono::steady_clock::now() + d, std::move(pred));
  }

  lock_record* record() const noexcept { return rec_; }

 private:
  void notify(bool all) noexcept {
    events::at_sync_point(sync_point::notify);
    if (detail::wake(rec_, all)) return;  // in turns: nobody sleeps on impl_
    detail::internally([&] {
      std::lock_guard<std::mutex> g(*inner_);
      all ? impl_.notify_all() : impl_.notify_one();
      events::notified(rec_);
    });
  }

  /// One wait: checks the mutex is held, hands it over to the real wait, takes it back.
  template <class RealWait>
  std::cv_status wait_with(std::unique_lock<mutex>& lk, bool timed, RealWait&& real_wait) {
    mutex* m = lk.mutex();
    if (m == nullptr || !lk.owns_lock() || !events::holds(m->record(), access::exclusive)) {
      events::report_misuse(finding_kind::cv_wait_unlocked, rec_,
                            "condition variable wait without its mutex held");
      return std::cv_status::no_timeout;  // a spurious wakeup: callers must re-check anyway
    }
    events::condition_wait_begins(rec_, m->record());
    events::at_sync_point(sync_point::before_wait);
    events::before_unlock(m->record(), access::exclusive);
    const wait_target target{wait_kind::condition, impl_.native_handle(), rec_, nullptr, access::exclusive, timed};
    if (detail::under_control()) return wait_in_turns(*m, target, real_wait);
    try {
      events::before_block(target);
    } catch (...) {
      events::acquired(m->record(), access::exclusive);  // the wait never happened: it is still ours
      throw;
    }
    std::cv_status status = detail::internally([&] {
      // Held across the destructor's reach: a notify_all may be followed at once by the destruction of
      // this condition variable while we still need the inner mutex to return (as libstdc++ does).
      const std::shared_ptr<std::mutex> keep = inner_;
      std::unique_lock<std::mutex> inner(*keep);
      if (!events::block_pending()) events::announce_block(target);
      m->impl_.unlock();
      const std::cv_status s = real_wait(inner, impl_);
      inner.unlock();
      m->impl_.lock();
      return s;
    });
    events::after_wake();
    events::before_lock(m->record(), access::exclusive, attempt::blocking);
    events::after_lock(m->record(), access::exclusive, attempt::blocking, true);
    return status;
  }

  /// wait_with() in turns: parked until a notify wakes this thread (a timed wait whose time comes, when no
  /// other thread can run, waits out its deadline for real), then the mutex is taken back in turns too.
  template <class RealWait>
  std::cv_status wait_in_turns(mutex& m, const wait_target& target, RealWait& real_wait) {
    events::announce_block(target);
    detail::park_prepare(rec_, target.timed);
    try {
      detail::park_check();
    } catch (...) {
      events::acquired(m.record(), access::exclusive);  // the wait never happened: it is still ours
      throw;
    }
    detail::internally([&] { m.impl_.unlock(); });
    detail::wake(m.record(), true);  // the mutex is free: its parked waiters may take it
    std::cv_status status = std::cv_status::no_timeout;
    try {
      if (detail::park() == detail::park_result::idle)
        status = detail::internally([&] {
          std::unique_lock<std::mutex> inner(*inner_);
          return real_wait(inner, impl_);
        });
    } catch (...) {
      take_back(m);
      throw;
    }
    events::after_wake();
    take_back(m);
    return status;
  }

  /// The mutex again after a wait in turns: an acquisition like any other.
  static void take_back(mutex& m) {
    const auto try_op = [&] { return m.impl_.try_lock(); };
    if (detail::internally(try_op))
      events::acquired(m.record(), access::exclusive);
    else
      detail::acquire_contended(m.record(), &m, access::exclusive, try_op, [&] { m.impl_.lock(); });
  }

  std::shared_ptr<std::mutex> inner_ = std::make_shared<std::mutex>();  // guards sleeping and notifying
  std::condition_variable impl_;                                         // sleeps on inner_
  lock_record* rec_;
};

}  // namespace gridlock
