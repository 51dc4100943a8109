// gridlock::wait_group: Go's sync.WaitGroup. add(n) before starting work, done() when a piece ends,
// wait() until the count is zero. A count below zero is reported (wait-group-negative) and clamped;
// a wait that can never end shows up as all-threads-blocked. Under a strategy that runs one thread at a
// time (gridlock/turns.h) a waiter parks in turns instead of sleeping on zero_.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "gridlock/lock_choreography.h"
#include "gridlock/turns.h"

namespace gridlock {

class wait_group {
 public:
  explicit wait_group(const char* name = nullptr)
      : rec_(events::lock_created(this, lock_kind::plain, "gridlock::wait_group", name)) {}
  ~wait_group() { events::lock_destroyed(rec_); }
  wait_group(const wait_group&) = delete;
  wait_group& operator=(const wait_group&) = delete;

  /// Adds n (may be negative) to the count; waking waiters when it reaches zero.
  void add(std::int64_t n) {
    events::at_sync_point(sync_point::notify);  // before our lock: a delay never holds it
    bool negative = false, reached_zero = false;
    detail::internally([&] {
      std::lock_guard<std::mutex> g(mu_);
      count_ += n;
      if (count_ < 0) {
        negative = true;
        count_ = 0;
      }
      if (count_ == 0) {
        zero_.notify_all();
        reached_zero = true;
      }
    });
    if (reached_zero) {
      events::notified(rec_);
      detail::wake(rec_, true);
    }
    if (negative)
      events::report_misuse(finding_kind::wait_group_negative, rec_,
                            "wait group counter went below zero (more done() than add())");
  }
  void done() { add(-1); }

  /// Blocks until the count is zero.
  void wait() {
    events::at_sync_point(sync_point::before_wait);
    internal_scope scope;
    std::unique_lock<std::mutex> g(mu_);
    if (count_ == 0) return;
    detail::wait_announced(g, zero_, {wait_kind::wait_group, this, rec_, nullptr, access::exclusive, false},
                           [&] { return count_ == 0; });
  }

  lock_record* record() const noexcept { return rec_; }

 private:
  std::mutex mu_;
  std::condition_variable zero_;
  std::int64_t count_ = 0;  // never below zero
  lock_record* rec_;
};

}  // namespace gridlock
